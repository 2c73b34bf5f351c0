#include "gpu/text/jinja/value.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "gpu/text/jinja/js_number.hpp"
#include "gpu/text/jinja/printing.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja {

namespace {

constexpr size_t index_threshold = 8;  // dicts larger than this keep a hash index

}  // namespace

const value* dict_data::find(std::string_view key) const {
  if (entries_.size() > index_threshold) {
    auto it = index_.find(std::string(key));
    return it == index_.end() ? nullptr : &entries_[it->second].second;
  }
  for (const auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

void dict_data::set(std::string key, value v) {
  if (entries_.size() > index_threshold) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      entries_[it->second].second = std::move(v);
      return;
    }
  } else {
    for (auto& [k, old] : entries_) {
      if (k == key) {
        old = std::move(v);
        return;
      }
    }
  }
  entries_.emplace_back(std::move(key), std::move(v));
  if (entries_.size() > index_threshold) {
    if (index_.empty()) {
      for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
    } else {
      index_.emplace(entries_.back().first, entries_.size() - 1);
    }
  }
}

void dict_data::clear() {
  entries_.clear();
  index_.clear();
}

const value* call_args::keyword(std::string_view name) const {
  for (const auto& [k, v] : keywords)
    if (k == name) return &v;
  return nullptr;
}

const value* call_args::arg(size_t i, std::string_view name) const {
  if (i < positional.size()) return &positional[i];
  return keyword(name);
}

value value::none() {
  value v;
  v.v_ = none_t{};
  return v;
}
value value::boolean(bool b) {
  value v;
  v.v_ = b;
  return v;
}
value value::integer(int64_t i) {
  value v;
  v.v_ = i;
  return v;
}
value value::floating(double f) {
  value v;
  v.v_ = f;
  return v;
}
value value::string(std::string s) {
  value v;
  v.v_ = std::make_shared<const std::string>(std::move(s));
  return v;
}
value value::list(std::vector<value> items, bool tuple) {
  value v;
  v.v_ = std::make_shared<const list_data>(list_data{std::move(items), tuple});
  return v;
}
value value::dict(dict_data d) {
  value v;
  v.v_ = std::make_shared<const dict_data>(std::move(d));
  return v;
}
value value::make_namespace(dict_data d) {
  value v;
  v.v_ = namespace_ptr{std::make_shared<dict_data>(std::move(d))};
  return v;
}
value value::function(std::string name, std::function<value(evaluator&, scope&, call_args&)> fn) {
  value v;
  v.v_ = std::make_shared<const callable>(callable{std::move(name), std::move(fn)});
  return v;
}

double value::as_number() const {
  switch (type()) {
    case kind::integer:
      return static_cast<double>(as_int());
    case kind::floating:
      return as_float();
    case kind::boolean:
      return as_bool() ? 1 : 0;
    default:
      throw value_error(std::string("expected a number, got ") + type_name(*this));
  }
}

const dict_data& value::as_dict() const {
  if (is(kind::ns)) return *std::get<namespace_ptr>(v_).p;
  return *std::get<dict_ptr>(v_);
}

const void* value::identity() const {
  switch (type()) {
    case kind::string:
      return std::get<string_ptr>(v_).get();
    case kind::list:
      return std::get<list_ptr>(v_).get();
    case kind::dict:
      return std::get<dict_ptr>(v_).get();
    case kind::ns:
      return std::get<namespace_ptr>(v_).p.get();
    case kind::callable:
      return std::get<callable_ptr>(v_).get();
    default:
      return nullptr;
  }
}

namespace {

// A canonical array index ("0", "17", never "01"), which JavaScript enumerates first.
bool is_array_index(std::string_view k, uint64_t& n) {
  if (k.empty() || k.size() > 10 || (k.size() > 1 && k[0] == '0')) return false;
  n = 0;
  for (char c : k) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n <= 4294967294ULL;
}

value from_json_at(const nlohmann::ordered_json& j, int depth) {
  if (depth > max_value_nesting) throw value_error("context values nest too deeply");
  using t = nlohmann::ordered_json::value_t;
  switch (j.type()) {
    case t::null:
      return value::none();
    case t::boolean:
      return value::boolean(j.get<bool>());
    case t::number_integer:
      return value::integer(j.get<int64_t>());
    case t::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return value::integer(static_cast<int64_t>(u));
      return value::floating(static_cast<double>(u));
    }
    case t::number_float: {
      const double f = j.get<double>();
      // Number.isInteger: the reference makes every integral number an integer.
      if (std::isfinite(f) && f == std::floor(f) && std::fabs(f) < 9.2e18)
        return value::integer(static_cast<int64_t>(f));
      return value::floating(f);
    }
    case t::string:
      return value::string(j.get_ref<const std::string&>());
    case t::array: {
      std::vector<value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json_at(e, depth + 1));
      return value::list(std::move(items));
    }
    case t::object: {
      std::vector<std::pair<uint64_t, const nlohmann::ordered_json*>> indices;
      std::vector<std::pair<std::string, value>> named;
      dict_data d;
      for (auto it = j.begin(); it != j.end(); ++it) {
        uint64_t n = 0;
        if (is_array_index(it.key(), n)) indices.emplace_back(n, &it.value());
      }
      std::sort(indices.begin(), indices.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [n, v] : indices) d.set(std::to_string(n), from_json_at(*v, depth + 1));
      for (auto it = j.begin(); it != j.end(); ++it) {
        uint64_t n = 0;
        if (!is_array_index(it.key(), n)) d.set(it.key(), from_json_at(it.value(), depth + 1));
      }
      return value::dict(std::move(d));
    }
    case t::binary:
      throw value_error("binary JSON values are not supported");
    case t::discarded:
      return value();
  }
  return value();
}

// A value as JavaScript's == sees it.
struct js_primitive {
  enum class type { undefined, null, boolean, number, string, object };
  type t = type::undefined;
  double number = 0;
  std::string string;
  bool boolean = false;
  const void* object = nullptr;
  bool integer = false;  // number came from an int64 (exact comparison with another)
  int64_t int_value = 0;
};

js_primitive primitive_of(const value& v) {
  js_primitive p;
  p.t = js_primitive::type::undefined;
  switch (v.type()) {
    case kind::undefined:
      break;
    case kind::none:  // the reference's NullValue holds undefined, not null
      break;
    case kind::boolean:
      p.t = js_primitive::type::boolean;
      p.boolean = v.as_bool();
      break;
    case kind::integer:
      p.t = js_primitive::type::number;
      p.number = static_cast<double>(v.as_int());
      p.integer = true;
      p.int_value = v.as_int();
      break;
    case kind::floating:
      p.t = js_primitive::type::number;
      p.number = v.as_float();
      break;
    case kind::string:
      p.t = js_primitive::type::string;
      p.string = v.as_string();
      break;
    default:
      p.t = js_primitive::type::object;
      p.object = v.identity();
      break;
  }
  return p;
}

bool numbers_equal(const js_primitive& a, const js_primitive& b) {
  if (a.integer && b.integer) return a.int_value == b.int_value;
  return a.number == b.number;
}

bool strict(const js_primitive& a, const js_primitive& b) {
  using T = js_primitive::type;
  if (a.t != b.t) return false;
  switch (a.t) {
    case T::undefined:
    case T::null:
      return true;
    case T::boolean:
      return a.boolean == b.boolean;
    case T::number:
      return numbers_equal(a, b);
    case T::string:
      return a.string == b.string;
    case T::object:
      return a.object == b.object;
  }
  return false;
}

js_primitive number_primitive(double d) {
  js_primitive p;
  p.t = js_primitive::type::number;
  p.number = d;
  return p;
}

bool loose(const js_primitive& a, const js_primitive& b, const value& va, const value& vb) {
  using T = js_primitive::type;
  if (a.t == b.t) return strict(a, b);
  const bool a_nullish = a.t == T::undefined || a.t == T::null;
  const bool b_nullish = b.t == T::undefined || b.t == T::null;
  if (a_nullish || b_nullish) return a_nullish && b_nullish;
  if (a.t == T::number && b.t == T::string) return a.number == js::string_to_number(b.string);
  if (a.t == T::string && b.t == T::number) return js::string_to_number(a.string) == b.number;
  if (a.t == T::boolean) return loose(number_primitive(a.boolean ? 1 : 0), b, va, vb);
  if (b.t == T::boolean) return loose(a, number_primitive(b.boolean ? 1 : 0), va, vb);
  // An object against a number or a string: the object's string form.
  if (a.t == T::object) {
    js_primitive s;
    s.t = T::string;
    s.string = js_string(va);
    return loose(s, b, va, vb);
  }
  js_primitive s;
  s.t = T::string;
  s.string = js_string(vb);
  return loose(a, s, va, vb);
}

}  // namespace

value from_json(const nlohmann::ordered_json& j) {
  return from_json_at(j, 0);
}

bool truthy(const value& v) {
  switch (v.type()) {
    case kind::undefined:
    case kind::none:
      return false;
    case kind::boolean:
      return v.as_bool();
    case kind::integer:
      return v.as_int() != 0;
    case kind::floating:
      return v.as_float() != 0 && !std::isnan(v.as_float());
    case kind::string:
      return !v.as_string().empty();
    case kind::list:
      return !v.as_list().items.empty();
    case kind::dict:
      return !v.as_dict().empty();
    case kind::ns:
    case kind::callable:
      return true;
  }
  return false;
}

const char* type_name(const value& v) {
  switch (v.type()) {
    case kind::undefined:
      return "undefined";
    case kind::none:
      return "none";
    case kind::boolean:
      return "boolean";
    case kind::integer:
      return "integer";
    case kind::floating:
      return "float";
    case kind::string:
      return "string";
    case kind::list:
      return v.as_list().tuple ? "tuple" : "list";
    case kind::dict:
      return "dict";
    case kind::ns:
      return "namespace";
    case kind::callable:
      return "callable";
  }
  return "value";
}

std::string described(const value& v) {
  const std::string name = type_name(v);
  if (v.is_undefined() || v.is_none()) return name;
  return (v.is(kind::integer) ? "an " : "a ") + name;
}

bool strict_equals(const value& a, const value& b) {
  return strict(primitive_of(a), primitive_of(b));
}

bool loose_equals(const value& a, const value& b) {
  return loose(primitive_of(a), primitive_of(b), a, b);
}

bool same_value_zero(const value& a, const value& b) {
  if (a.is_number() && b.is_number() && std::isnan(a.as_number()) && std::isnan(b.as_number()))
    return true;
  return strict_equals(a, b);
}

int compare_values(const value& a, const value& b, bool case_sensitive) {
  if (a.is_none() && b.is_none()) return 0;
  if (a.is_undefined() && b.is_undefined()) return 0;
  if (a.is_none() || b.is_none() || a.is_undefined() || b.is_undefined())
    throw value_error(std::string("cannot compare ") + type_name(a) + " with " + type_name(b));
  const auto numeric = [](const value& v) { return v.is_number() || v.is(kind::boolean); };
  if (numeric(a) && numeric(b)) {
    if (a.is(kind::integer) && b.is(kind::integer))
      return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
    const double x = a.as_number(), y = b.as_number();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    if (case_sensitive) return unicode::compare_utf16(a.as_string(), b.as_string());
    return unicode::compare_utf16(unicode::to_lower(a.as_string()),
                                  unicode::to_lower(b.as_string()));
  }
  throw value_error(std::string("cannot compare ") + type_name(a) + " with " + type_name(b));
}

}  // namespace troupe::jinja
