#include "gpu/text/jinja/value.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "gpu/text/jinja/js_number.hpp"
#include "gpu/text/jinja/printing.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja {

namespace {

constexpr size_t index_threshold = 16;  // dicts larger than this keep a hash index (a loop's
                                        // `loop` has 9 keys)

// The heap a string holds beyond its object (none while it fits in the object).
size_t string_bytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

// An allocator for the shared objects of values: what it allocates (the object and its control
// block), and `extra` bytes the object holds (a string's text, a list's items), are held
// against the budget of the render that created them until they are freed.
template <typename T>
struct charged_allocator {
  using value_type = T;
  budget* owner;
  size_t extra;
  charged_allocator(budget* b, size_t bytes) : owner(b), extra(bytes) {}
  template <typename U>
  charged_allocator(const charged_allocator<U>& a) : owner(a.owner), extra(a.extra) {}
  T* allocate(size_t n) {
    if (owner) owner->acquire(n * sizeof(T) + extra);
    try {
      return std::allocator<T>().allocate(n);
    } catch (...) {
      if (owner) owner->release(n * sizeof(T) + extra);
      throw;
    }
  }
  void deallocate(T* p, size_t n) noexcept {
    std::allocator<T>().deallocate(p, n);
    if (owner) owner->release(n * sizeof(T) + extra);
  }
  template <typename U>
  bool operator==(const charged_allocator<U>& a) const {
    return owner == a.owner && extra == a.extra;
  }
};

template <typename T, typename... Args>
std::shared_ptr<T> make_charged(size_t extra, Args&&... args) {
  return std::allocate_shared<T>(charged_allocator<T>(budget::active(), extra),
                                 std::forward<Args>(args)...);
}

void check_depth(int depth) {
  if (depth > max_value_nesting) {
    throw limit_error("values nest too deeply (more than " + std::to_string(max_value_nesting) +
                      " levels)");
  }
}

}  // namespace

string_data::measures string_data::measure(budget& cost) const {
  size_t code_points = code_points_.load(std::memory_order_relaxed);
  size_t units = utf16_units_.load(std::memory_order_relaxed);
  if (code_points != unknown && units != unknown) return {code_points, units};
  cost.bytes(s_.size());
  code_points = units = 0;
  for (size_t i = 0; i < s_.size();) {
    const unicode::decoded d = unicode::decode(s_, i);
    ++code_points;
    units += d.cp >= 0x10000 ? 2 : 1;
    i += d.len;
  }
  code_points_.store(code_points, std::memory_order_relaxed);
  utf16_units_.store(units, std::memory_order_relaxed);
  return {code_points, units};
}

const value* dict_data::find(std::string_view key) const {
  if (!index_.empty()) {
    auto it = index_.find(key);
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

size_t dict_data::key_bytes() const {
  size_t n = 0;
  for (const auto& [k, v] : entries_) n += string_bytes(k);
  return n;
}

size_t dict_data::footprint() const {
  size_t n = entries_.capacity() * sizeof(entry) + key_bytes();
  if (!index_.empty())  // its own copy of the keys, and a node and a bucket per key
    n += key_bytes() + index_.size() * (sizeof(std::string) + 4 * sizeof(size_t));
  return n;
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
  const size_t extra = string_bytes(s);
  v.v_ = make_charged<string_data>(extra, std::move(s));
  return v;
}
value value::list(std::vector<value> items, bool tuple) {
  int inner = 0;
  for (const value& item : items) inner = std::max(inner, item.depth());
  check_depth(inner + 1);
  value v;
  const size_t extra = items.capacity() * sizeof(value);
  v.v_ = make_charged<list_data>(extra, list_data{std::move(items), tuple, inner + 1});
  return v;
}
value value::dict(dict_data d) {
  int inner = 0;
  for (const auto& [k, item] : d.entries_) inner = std::max(inner, item.depth());
  check_depth(inner + 1);
  d.depth_ = inner + 1;
  value v;
  const size_t extra = d.footprint();
  v.v_ = make_charged<dict_data>(extra, std::move(d));
  return v;
}
value value::make_namespace(dict_data d) {  // (what it gains later is not counted)
  value v;
  const size_t extra = d.footprint();
  v.v_ = namespace_ptr{make_charged<dict_data>(extra, std::move(d))};
  return v;
}
value value::function(std::string name, std::function<value(evaluator&, scope&, call_args&)> fn,
                      int depth) {
  check_depth(depth);
  value v;
  const size_t extra = string_bytes(name) + 64;  // and what the std::function holds
  v.v_ = make_charged<callable>(extra, callable{std::move(name), std::move(fn), depth});
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

int value::depth() const {
  switch (type()) {
    case kind::list:
      return as_list().depth;
    case kind::dict:
      return std::get<dict_ptr>(v_)->depth();
    case kind::ns:
      return 1;
    case kind::callable:
      return as_callable().depth;
    default:
      return 0;
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
  if (depth > max_value_nesting) throw limit_error("context values nest too deeply");
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

// A value as JavaScript's == sees it (a string is a view of the value's text).
struct js_primitive {
  enum class type { undefined, null, boolean, number, string, object };
  type t = type::undefined;
  double number = 0;
  std::string_view string;
  bool boolean = false;
  const void* object = nullptr;
  bool integer = false;  // number came from an int64 (exact comparison with another)
  int64_t int_value = 0;
};

js_primitive primitive_of(const value& v) {
  js_primitive p;
  switch (v.type()) {
    case kind::undefined:
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

js_primitive string_primitive(std::string_view s) {
  js_primitive p;
  p.t = js_primitive::type::string;
  p.string = s;
  return p;
}

js_primitive number_primitive(double d) {
  js_primitive p;
  p.t = js_primitive::type::number;
  p.number = d;
  return p;
}

bool numbers_equal(const js_primitive& a, const js_primitive& b) {
  if (a.integer && b.integer) return a.int_value == b.int_value;
  return a.number == b.number;
}

bool strings_equal(std::string_view a, std::string_view b, budget& cost) {
  if (a.size() != b.size()) return false;
  if (a.data() == b.data()) return true;  // the same text
  cost.bytes(a.size());
  return a == b;
}

bool strict(const js_primitive& a, const js_primitive& b, budget& cost) {
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
      return strings_equal(a.string, b.string, cost);
    case T::object:
      return a.object == b.object;
  }
  return false;
}

double string_number(std::string_view s, budget& cost) {
  cost.bytes(s.size());
  return js::string_to_number(s);
}

bool loose(const js_primitive& a, const js_primitive& b, const value& va, const value& vb,
           budget& cost) {
  using T = js_primitive::type;
  if (a.t == b.t) return strict(a, b, cost);
  const bool a_nullish = a.t == T::undefined || a.t == T::null;
  const bool b_nullish = b.t == T::undefined || b.t == T::null;
  if (a_nullish || b_nullish) return a_nullish && b_nullish;
  if (a.t == T::number && b.t == T::string) return a.number == string_number(b.string, cost);
  if (a.t == T::string && b.t == T::number) return string_number(a.string, cost) == b.number;
  if (a.t == T::boolean) return loose(number_primitive(a.boolean ? 1 : 0), b, va, vb, cost);
  if (b.t == T::boolean) return loose(a, number_primitive(b.boolean ? 1 : 0), va, vb, cost);
  // An object against a number or a string: the object's string form.
  if (a.t == T::object) {
    const std::string text = js_string(va, cost);
    return loose(string_primitive(text), b, va, vb, cost);
  }
  const std::string text = js_string(vb, cost);
  return loose(a, string_primitive(text), va, vb, cost);
}

}  // namespace

value from_json(const nlohmann::ordered_json& j) {
  return from_json_at(j, 0);
}

bool js_truthy(const value& v) {
  if (v.is_list() || v.is_dict()) return true;
  return truthy(v);
}

bool is_numeric(const value& v) {
  return v.is_number() || v.is(kind::boolean);
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

bool strict_equals(const value& a, const value& b, budget& cost) {
  return strict(primitive_of(a), primitive_of(b), cost);
}

bool loose_equals(const value& a, const value& b, budget& cost) {
  return loose(primitive_of(a), primitive_of(b), a, b, cost);
}

bool same_value_zero(const value& a, const value& b, budget& cost) {
  if (a.is_number() && b.is_number()) {
    const double x = a.as_number(), y = b.as_number();
    return x == y || (std::isnan(x) && std::isnan(y));
  }
  return strict_equals(a, b, cost);
}

size_t same_value_zero_hash(const value& v, budget& cost) {
  switch (v.type()) {
    case kind::undefined:
    case kind::none:
      return 0;
    case kind::boolean:
      return v.as_bool() ? 1 : 2;
    case kind::integer:
    case kind::floating: {
      double d = v.as_number();
      if (std::isnan(d)) return 3;
      if (d == 0) d = 0;  // -0 is 0
      uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      return std::hash<uint64_t>{}(bits);
    }
    case kind::string:
      cost.bytes(v.as_string().size());
      return std::hash<std::string_view>{}(v.as_string());
    default:
      return std::hash<const void*>{}(v.identity());
  }
}

int compare_values(const value& a, const value& b, budget& cost) {
  if (a.is_none() && b.is_none()) return 0;
  if (a.is_undefined() && b.is_undefined()) return 0;
  if (a.is_none() || b.is_none() || a.is_undefined() || b.is_undefined())
    throw value_error(std::string("cannot compare ") + type_name(a) + " with " + type_name(b));
  if (is_numeric(a) && is_numeric(b)) {
    if (a.is(kind::integer) && b.is(kind::integer))
      return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
    const double x = a.as_number(), y = b.as_number();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    cost.bytes(std::min(a.as_string().size(), b.as_string().size()));
    return unicode::compare_utf16(a.as_string(), b.as_string());
  }
  throw value_error(std::string("cannot compare ") + type_name(a) + " with " + type_name(b));
}

value sort_key(const value& v, bool case_sensitive, budget& cost) {
  if (case_sensitive || !v.is_string()) return v;
  cost.bytes(v.as_string().size());
  std::string lower = unicode::to_lower(v.as_string());
  cost.check_size(lower.size());
  return value::string(std::move(lower));
}

}  // namespace troupe::jinja
