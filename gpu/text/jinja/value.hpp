// The values a template computes with: undefined, none, booleans, integers (int64), floats,
// strings, lists (and tuples), insertion-ordered dicts, namespaces and callables (macros and
// builtins).
//
// Strings, lists and dicts are immutable and shared, so copying a value is cheap; identity is
// observable, as in the reference renderer (`==` on two lists compares identity, as JavaScript
// does). Namespaces are the one mutable container (`{% set ns.x = 1 %}`).
//
// Every list, dict and callable knows how deeply values nest in it, and none may nest deeper
// than max_value_nesting: destroying a value recurses through what it holds, so no template can
// build one deep enough to exhaust the stack (a namespace counts as one level: the evaluator
// empties every namespace when the render ends, so none is destroyed through a container).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gpu/text/jinja/budget.hpp"

namespace troupe::jinja {

class value;
class evaluator;
class scope;

inline constexpr int max_value_nesting = 512;
// How deep values may nest (lists in dicts in lists...): building a deeper one, converting one
// from the context, printing one and writing one as JSON fail (a limit_error). A namespace can
// contain itself, so the walks that print and convert are bounded too.

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

class string_data {
 public:
  explicit string_data(std::string s) : s_(std::move(s)) {}
  const std::string& str() const { return s_; }

  struct measures {
    size_t code_points;  // Array.from(s).length
    size_t utf16_units;  // s.length
  };
  measures measure(budget& cost) const;
  // Computed once (and charged then), remembered after: strings are shared between threads
  // (a template's literals), so the cache is atomic.
  bool byte_indexed(budget& cost) const { return measure(cost).code_points == s_.size(); }
  // Every character is one byte (ASCII, or invalid bytes that decode alone): indices are byte
  // offsets.

 private:
  std::string s_;
  static constexpr size_t unknown = ~size_t{0};
  mutable std::atomic<size_t> code_points_{unknown}, utf16_units_{unknown};
};

struct list_data {
  std::vector<value> items;
  bool tuple = false;  // `(a, b)`: like a list, except that `is iterable` is false
  int depth = 1;       // 1 + how deeply its items nest (set by value::list)
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
  int depth() const { return depth_; }  // 1 + how deeply its values nest (set by value::dict)
  size_t footprint() const;             // approximately, the bytes it holds
  size_t key_bytes() const;             // the bytes of its keys (beyond what fits in a string)

 private:
  friend class value;
  struct key_hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<entry> entries_;
  std::unordered_map<std::string, size_t, key_hash, std::equal_to<>> index_;  // once large
  int depth_ = 1;
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
  int depth = 0;  // how deeply the values it holds (a bound method's receiver) nest
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
  static value function(std::string name, std::function<value(evaluator&, scope&, call_args&)> fn,
                        int depth = 0);
  // Strings, lists, dicts, namespaces and callables hold their memory against the budget active
  // on the thread (budget::activation) until destroyed, and throw limit_error past its
  // max_memory_bytes; lists, dicts and callables nesting deeper than max_value_nesting throw
  // limit_error.

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
  const std::string& as_string() const { return std::get<string_ptr>(v_)->str(); }
  const string_data& string_info() const { return *std::get<string_ptr>(v_); }
  const list_data& as_list() const { return *std::get<list_ptr>(v_); }
  const dict_data& as_dict() const;  // a dict or a namespace
  dict_data& namespace_data() const { return *std::get<namespace_ptr>(v_).p; }
  const callable& as_callable() const { return *std::get<callable_ptr>(v_); }
  const void* identity() const;  // the object a container or callable is, else nullptr
  int depth() const;  // how deeply containers nest in it: 0 for a scalar, 1 for a namespace

 private:
  struct none_t {};
  using string_ptr = std::shared_ptr<const string_data>;
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
// orders them. Throws limit_error for values nested too deeply.

bool truthy(const value& v);
// Python's truthiness as the reference implements it (a namespace is always true).

bool js_truthy(const value& v);
// JavaScript's truthiness of the underlying value (every list and dict is true), which some
// flags of the reference use.

bool is_numeric(const value& v);  // an integer, a float or a boolean

const char* type_name(const value& v);  // "integer", "list", "undefined"...
std::string described(const value& v);  // for messages: "an integer", "a list", "undefined"...

// The comparisons charge the text they read to `cost`.

bool strict_equals(const value& a, const value& b, budget& cost);
// JavaScript === on the underlying values: numbers by value, strings by content, containers
// and callables by identity. Used by `in`, the `eq` test and selectattr.

bool loose_equals(const value& a, const value& b, budget& cost);
// JavaScript == (what the reference's `==` is): as strict_equals (where none and undefined are
// the same: the reference's none holds JavaScript's undefined),
// numbers against numeric strings, booleans as 0/1, containers against their string forms.

bool same_value_zero(const value& a, const value& b, budget& cost);
size_t same_value_zero_hash(const value& v, budget& cost);
// The equality of a JavaScript Set (the `unique` filter): strict_equals, but numbers compare as
// doubles and NaN equals NaN; and a hash that agrees with it.

int compare_values(const value& a, const value& b, budget& cost);
// The ordering of `sort`, `dictsort`, `min` and `max`: numbers (booleans included) by value,
// strings by UTF-16 code units, none with none; anything else throws.

value sort_key(const value& v, bool case_sensitive, budget& cost);
// What compare_values compares `v` by: `v`, or its lowercase when it is a string and the
// comparison ignores case (computed once per item, not once per comparison).

template <typename T, typename Compare>
void stable_sort(std::vector<T>& items, budget& cost, Compare compare) {
  // A bottom-up merge sort (stable, as JavaScript's sort is) that stays within bounds whatever
  // `compare` (returning <0, 0 or >0) answers, and counts its comparisons as steps. Each pass
  // merges runs of `width` into `buffer`, then swaps.
  std::vector<T> buffer(items.size());
  for (size_t width = 1; width < items.size(); width *= 2) {
    for (size_t lo = 0; lo < items.size(); lo += 2 * width) {
      const size_t mid = std::min(lo + width, items.size());
      const size_t hi = std::min(lo + 2 * width, items.size());
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        cost.steps(1);
        buffer[k++] = compare(items[j], items[i]) < 0 ? items[j++] : items[i++];
      }
      while (i < mid) buffer[k++] = items[i++];
      while (j < hi) buffer[k++] = items[j++];
    }
    items.swap(buffer);
  }
}

}  // namespace troupe::jinja
