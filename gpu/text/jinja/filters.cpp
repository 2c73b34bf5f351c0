// Filters: the dispatch by name, and the filters on strings, numbers, dicts and booleans (the
// list filters are in list_filters.cpp). Where the reference implements a filter for a type,
// this does what it does; the rest follows Python's Jinja2.
#include <algorithm>
#include <cmath>

#include "gpu/text/jinja/builtins.hpp"
#include "gpu/text/jinja/js_number.hpp"
#include "gpu/text/jinja/printing.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja::builtins {

namespace {

[[noreturn]] void unsupported(const std::string& name, const value& v) {
  throw value_error("the filter '" + name + "' does not apply to " + described(v));
}

value integer_from_double(double d) {
  if (!(std::fabs(d) < 9.2e18)) throw value_error("the integer is out of range");
  return value::integer(static_cast<int64_t>(d));
}

value tojson(evaluator& ev, const value& v, const call_args& args) {
  json_options o;
  if (const value* indent = args.keyword("indent")) {
    if (!indent->is(kind::integer) && !indent->is_none())
      throw value_error("tojson: indent must be an integer");
    if (indent->is(kind::integer)) o.indent = indent->as_int();
  }
  if (const value* a = args.keyword("ensure_ascii")) {
    if (!a->is(kind::boolean)) throw value_error("tojson: ensure_ascii must be a boolean");
    o.ensure_ascii = a->as_bool();
  }
  if (const value* s = args.keyword("sort_keys")) {
    if (!s->is(kind::boolean)) throw value_error("tojson: sort_keys must be a boolean");
    o.sort_keys = s->as_bool();
  }
  if (const value* sep = args.keyword("separators"); sep && !sep->is_none()) {
    const auto bad = [] { return value_error("tojson: separators must be two strings"); };
    if (!sep->is_list() || sep->as_list().items.size() != 2) throw bad();
    const auto& pair = sep->as_list().items;
    if (!pair[0].is_string() || !pair[1].is_string()) throw bad();
    o.separators.emplace(pair[0].as_string(), pair[1].as_string());
  }
  return value::string(to_json(v, o, ev.costs()));
}

value default_filter(const value& v, const call_args& args) {
  const value* fallback = args.arg(0, "default_value");
  const value* boolean = args.arg(1, "boolean");
  if (boolean && !boolean->is(kind::boolean))
    throw value_error("default: the boolean flag must be a boolean");
  if (v.is_undefined() || (boolean && boolean->as_bool() && !truthy(v)))
    return fallback ? *fallback : value::string("");
  return v;
}

value indent(evaluator& ev, const std::string& s, const call_args& args) {
  const value* width_v = args.arg(0, "width");
  if (width_v && !width_v->is(kind::integer)) throw value_error("indent: width must be an integer");
  const int64_t width = width_v ? width_v->as_int() : 4;
  if (width < 0) throw value_error("indent: width must not be negative");
  const value* first_v = args.arg(1, "first");
  const value* blank_v = args.arg(2, "blank");
  const bool first = first_v && js_truthy(*first_v);
  const bool blank = blank_v && js_truthy(*blank_v);
  std::string out;
  size_t start = 0;
  for (size_t line = 0;; ++line) {
    const size_t nl = s.find('\n', start);
    const std::string_view text =
        std::string_view(s).substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (line > 0) ev.append(out, "\n");
    if (!((!first && line == 0) || (!blank && text.empty())))
      ev.costs().append(out, static_cast<uint64_t>(width), ' ');
    ev.append(out, text);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return value::string(std::move(out));
}

value center(evaluator& ev, const value& self, const call_args& args) {
  const value* w = args.arg(0, "width");
  if (w && !w->is(kind::integer)) throw value_error("center: width must be an integer");
  const int64_t width = w ? w->as_int() : 80;
  const auto len = static_cast<int64_t>(self.string_info().measure(ev.costs()).code_points);
  if (width <= len) return self;
  const auto margin = static_cast<uint64_t>(width - len);
  const uint64_t left = margin / 2 + (margin & static_cast<uint64_t>(width) & 1);  // as Python
  std::string out;
  ev.costs().append(out, left, ' ');
  ev.append(out, self.as_string());
  ev.costs().append(out, margin - left, ' ');
  return value::string(std::move(out));
}

// A code point's bytes as one number (invalid bytes stay distinct, as their views are).
uint64_t code_point_key(std::string_view c) {
  uint64_t key = c.size();
  for (char b : c) key = key << 8 | static_cast<unsigned char>(b);
  return key;
}

std::string strip_chars(const std::string& s, const std::string& chars) {
  std::vector<uint64_t> set;
  for (size_t i = 0; i < chars.size();) {
    const size_t len = unicode::decode(chars, i).len;
    set.push_back(code_point_key(std::string_view(chars).substr(i, len)));
    i += len;
  }
  std::sort(set.begin(), set.end());
  size_t b = s.size(), e = 0;  // the bytes kept: from the first code point not in the set
  for (size_t i = 0; i < s.size();) {
    const size_t len = unicode::decode(s, i).len;
    if (!std::binary_search(set.begin(), set.end(),
                            code_point_key(std::string_view(s).substr(i, len)))) {
      b = std::min(b, i);
      e = i + len;
    }
    i += len;
  }
  return b < e ? s.substr(b, e - b) : std::string();
}

std::string escape_html(evaluator& ev, const std::string& s) {
  size_t size = 0;
  for (char c : s) size += c == '&' || c == '"' || c == '\'' ? 5 : (c == '<' || c == '>' ? 4 : 1);
  ev.check_size(size);
  ev.charge_bytes(size);
  std::string out;
  out.reserve(size);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

value round_filter(const value& v, const call_args& args) {
  if (!v.is_number()) unsupported("round", v);
  const value* p = args.arg(0, "precision");
  const value* m = args.arg(1, "method");
  if (p && !p->is(kind::integer)) throw value_error("round: precision must be an integer");
  const std::string method = m && m->is_string() ? m->as_string() : "common";
  if (method != "common" && method != "ceil" && method != "floor")
    throw value_error("round: method must be 'common', 'ceil' or 'floor'");
  const int64_t precision = p ? std::clamp<int64_t>(p->as_int(), -308, 308) : 0;
  if (method == "common" && v.is(kind::integer) && precision >= 0) return v;
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.as_number() * scale;
  const double r = method == "ceil"    ? std::ceil(x)
                   : method == "floor" ? std::floor(x)
                                       : std::nearbyint(x);
  return value::floating(r / scale);
}

size_t word_count(const std::string& s) {
  size_t n = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    const unicode::decoded d = unicode::decode(s, i);
    const bool word = d.cp >= 0x80 ? !unicode::is_space(d.cp) : unicode::is_word(d.cp);
    if (word && !in_word) ++n;
    in_word = word;
    i += d.len;
  }
  return n;
}

// Array.from(s).reverse().join(''): each code point's bytes at the mirrored place.
std::string reversed(const std::string& s) {
  std::string out(s.size(), '\0');
  for (size_t i = 0; i < s.size();) {
    const size_t len = unicode::decode(s, i).len;
    s.copy(out.data() + (s.size() - i - len), len, i);
    i += len;
  }
  return out;
}

value string_filter(evaluator& ev, const std::string& name, const value& self, call_args& args,
                    bool called, bool& found) {
  found = true;
  const std::string& s = self.as_string();
  if (name == "first")
    return s.empty() ? value() : value::string(s.substr(0, unicode::decode(s, 0).len));
  if (name == "last")
    return s.empty() ? value() : value::string(std::string(unicode::last_code_point(s)));
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize")
    return call_method(ev, self, name, args);
  if (name == "replace") {
    if (args.positional.size() < 2 && !called) throw value_error("replace needs two arguments");
    return call_method(ev, self, "replace", args);
  }
  if (name == "join" && !called) return self;
  if (name == "center") return center(ev, self, args);
  ev.charge_bytes(s.size());  // what follows reads all of `s`
  if (name == "trim") {
    const value* chars = args.arg(0, "chars");
    if (chars && chars->is_string()) {
      ev.charge_bytes(chars->as_string().size());
      return value::string(strip_chars(s, chars->as_string()));
    }
    return value::string(std::string(unicode::trim(s)));
  }
  if (name == "indent") return indent(ev, s, args);
  if (name == "join") {
    const value* sep = join_separator(args);
    std::string out;
    for (size_t i = 0; i < s.size();) {
      const size_t len = unicode::decode(s, i).len;
      if (i > 0 && sep) ev.append(out, sep->as_string());
      ev.append(out, std::string_view(s).substr(i, len));
      i += len;
    }
    return value::string(std::move(out));
  }
  if (name == "int" || name == "float") {
    const auto parsed = name == "int" ? js::parse_int(s) : js::parse_float(s);
    if (!parsed) {
      const value* fallback = called ? args.arg(0, "default") : nullptr;
      if (fallback) return *fallback;
      return name == "int" ? value::integer(0) : value::floating(0);
    }
    return name == "int" ? integer_from_double(*parsed) : value::floating(*parsed);
  }
  if (name == "list") {
    const size_t n = self.string_info().measure(ev.costs()).code_points;
    ev.charge(n);
    std::vector<value> chars;
    chars.reserve(n);
    for (size_t i = 0; i < s.size();) {
      const size_t len = unicode::decode(s, i).len;
      chars.push_back(value::string(s.substr(i, len)));
      i += len;
    }
    return value::list(std::move(chars));
  }
  if (name == "reverse") return value::string(reversed(s));
  if (name == "wordcount") return value::integer(static_cast<int64_t>(word_count(s)));
  found = false;
  return value();
}

}  // namespace

const value* join_separator(const call_args& args) {
  const value* sep = args.arg(0, "separator");  // the reference's name
  if (!sep) sep = args.keyword("d");            // Python's
  if (sep && !sep->is_string()) throw value_error("join: the separator must be a string");
  return sep;
}

value filter(evaluator& ev, const std::string& name, const value& v, call_args& args, bool called) {
  ev.charge(1);
  if (name == "safe") return v;
  if (name == "tojson") return tojson(ev, v, args);
  if (name == "default" || name == "d") return default_filter(v, args);
  if (name == "length" || name == "count") {
    if (v.is_list()) return value::integer(static_cast<int64_t>(v.as_list().items.size()));
    if (v.is_string()) return method(ev, v, "length");
    if (v.is_dict()) return value::integer(static_cast<int64_t>(v.as_dict().size()));
    if (v.is_undefined()) return value::integer(0);
    unsupported(name, v);
  }
  if (name == "string") {
    if (v.is_string()) return v;
    if (v.is_undefined()) return value::string("");
    if (v.is_none()) return value::string("None");
    if (v.is(kind::callable)) unsupported(name, v);
    return value::string(ev.printable(v));
  }
  if (name == "e" || name == "escape")
    return value::string(escape_html(ev, v.is_string() ? v.as_string() : ev.printable(v)));
  if (name == "attr") {
    const value* key = args.arg(0, "name");
    if (!key || !key->is_string()) throw value_error("attr needs a name");
    if (v.is_dict() || v.is(kind::ns)) {
      ev.charge_bytes(key->as_string().size());
      const value* found = v.as_dict().find(key->as_string());
      return found ? *found : value();
    }
    return value();
  }
  if (name == "bool") return value::boolean(truthy(v));
  if (v.is_list()) {
    bool found = false;
    value out = list_filter(ev, name, v, args, found);
    if (found) return out;
  } else if (v.is_string()) {
    bool found = false;
    value out = string_filter(ev, name, v, args, called, found);
    if (found) return out;
  } else if (v.is_number() || v.is(kind::boolean)) {
    const bool b = v.is(kind::boolean);
    if (name == "abs" && !b) {
      if (v.is(kind::floating)) return value::floating(std::fabs(v.as_float()));
      if (v.as_int() == INT64_MIN) throw value_error("integer overflow");
      return value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
    }
    if (name == "int") {
      if (b) return value::integer(v.as_bool() ? 1 : 0);
      if (called || v.is(kind::integer)) return v;  // int(default) leaves numbers as they are
      return integer_from_double(std::floor(v.as_float()));
    }
    if (name == "float") {
      if (b) return value::floating(v.as_bool() ? 1 : 0);
      if (called) return v;
      return value::floating(v.as_number());
    }
    if (name == "round" && !b) return round_filter(v, args);
  } else if (v.is_dict() || v.is(kind::ns)) {
    if (name == "items" || name == "keys" || name == "values" || name == "dictsort" ||
        name == "get")
      return call_method(ev, v, name, args);
    if (name == "list") return call_method(ev, v, "keys", args);
  } else if (v.is_undefined()) {
    if (name == "list" || name == "items") return value::list({});
  }
  throw value_error("unknown filter '" + name + "' for " + described(v));
}

}  // namespace troupe::jinja::builtins
