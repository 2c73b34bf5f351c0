// The values a template computes with: undefined, none, booleans, integers (int64), floats,
// strings, lists (and tuples), insertion-ordered dicts, namespaces and callables (macros and
// builtins).
//
// Strings, lists and dicts are immutable and shared, so copying a value is cheap; identity is
// observable, as in the reference renderer (`==` on two lists compares identity, as JavaScript
// does). Namespaces are the one mutable container (`{% set ns.x = 1 %}`).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace troupe::jinja {

class value;
class evaluator;
class scope;

struct value_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A failure in a computation on values; the evaluator turns it into a template_error naming the
// line of the expression it was evaluating.

inline constexpr int max_value_nesting = 512;
// How deep values may nest (lists in dicts in lists...) for conversion, printing and JSON; a
// namespace can contain itself, so every recursive walk is bounded.

enum class kind : uint8_t {
  undefined,
  none,
  boolean,
  integer,
  floating,
  string,
  list,  // also tuples
  dict,
  ns,
  callable,
};

struct list_data {
  std::vector<value> items;
  bool tuple = false;  // `(a, b)`: like a list, except that `is iterable` is false
};

class dict_data {
 public:
  using entry = std::pair<std::string, value>;
  const value* find(std::string_view key) const;
  void set(std::string key, value v);  // an existing key keeps its position
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<entry>& entries() const { return entries_; }
  void clear();

 private:
  std::vector<entry> entries_;
  std::unordered_map<std::string, size_t> index_;  // only once there are many entries
};

struct call_args {
  std::vector<value> positional;
  std::vector<std::pair<std::string, value>> keywords;
  const value* keyword(std::string_view name) const;
  const value* arg(size_t i, std::string_view name) const;
  // The i-th positional argument, else the keyword argument `name`, else nullptr.
};

struct callable {
  std::string name;  // for messages
  std::function<value(evaluator&, scope& call_site, call_args& args)> fn;
};

class value {
 public:
  value() = default;  // undefined
  static value none();
  static value boolean(bool b);
  static value integer(int64_t i);
  static value floating(double f);
  static value string(std::string s);
  static value list(std::vector<value> items, bool tuple = false);
  static value dict(dict_data d);
  static value make_namespace(dict_data d);
  static value function(std::string name, std::function<value(evaluator&, scope&, call_args&)> fn);

  kind type() const { return static_cast<kind>(v_.index()); }
  bool is(kind k) const { return type() == k; }
  bool is_undefined() const { return is(kind::undefined); }
  bool is_none() const { return is(kind::none); }
  bool is_string() const { return is(kind::string); }
  bool is_list() const { return is(kind::list); }
  bool is_dict() const { return is(kind::dict); }
  bool is_number() const { return is(kind::integer) || is(kind::floating); }
  bool is_tuple() const { return is_list() && as_list().tuple; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  double as_number() const;  // integer, float or boolean as a double
  const std::string& as_string() const { return *std::get<string_ptr>(v_); }
  const list_data& as_list() const { return *std::get<list_ptr>(v_); }
  const dict_data& as_dict() const;  // a dict or a namespace
  dict_data& namespace_data() const { return *std::get<namespace_ptr>(v_).p; }
  const callable& as_callable() const { return *std::get<callable_ptr>(v_); }
  const void* identity() const;  // the object a container or callable is, else nullptr

 private:
  struct none_t {};
  using string_ptr = std::shared_ptr<const std::string>;
  using list_ptr = std::shared_ptr<const list_data>;
  using dict_ptr = std::shared_ptr<const dict_data>;
  struct namespace_ptr {
    std::shared_ptr<dict_data> p;
  };
  using callable_ptr = std::shared_ptr<const callable>;
  std::variant<std::monostate, none_t, bool, int64_t, double, string_ptr, list_ptr, dict_ptr,
               namespace_ptr, callable_ptr>
      v_;
};

value from_json(const nlohmann::ordered_json& j);
// A context value as the reference sees it after JSON.parse: integral numbers are integers, and
// an object's integer-like keys ("0", "1", ...) come first, in numeric order, as JavaScript
// orders them. Throws value_error for values nested too deeply.

bool truthy(const value& v);
// Python's truthiness as the reference implements it (a namespace is always true).

const char* type_name(const value& v);  // "integer", "list", "undefined"...
std::string described(const value& v);  // for messages: "an integer", "a list", "undefined"...

bool strict_equals(const value& a, const value& b);
// JavaScript === on the underlying values: numbers by value, strings by content, containers
// and callables by identity. Used by `in`, the `eq` test and selectattr.

bool loose_equals(const value& a, const value& b);
// JavaScript == (what the reference's `==` is): as strict_equals (where none and undefined are
// the same: the reference's none holds JavaScript's undefined),
// numbers against numeric strings, booleans as 0/1, containers against their string forms.

bool same_value_zero(const value& a, const value& b);
// The equality of a JavaScript Set (the `unique` filter): strict_equals, but NaN equals NaN.

int compare_values(const value& a, const value& b, bool case_sensitive);
// The ordering of `sort` and `dictsort`: numbers (booleans included) by value, strings by
// UTF-16 code units (lowercased unless case_sensitive), none with none; anything else throws.

}  // namespace troupe::jinja
