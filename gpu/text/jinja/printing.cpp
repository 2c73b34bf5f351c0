#include "gpu/text/jinja/printing.hpp"

#include <algorithm>
#include <cmath>

#include "gpu/text/jinja/js_number.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja {

namespace {

void append_hex4(std::string& out, unsigned unit) {
  static const char digits[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += digits[(unit >> shift) & 0xF];
}

// An approximation of the root collation of String.prototype.localeCompare for ASCII
// (whitespace, punctuation, symbols, digits, then letters with case ignored); other characters
// follow in code point order. Used only by tojson(sort_keys=true).
int primary_rank(char32_t cp) {
  static const std::string_view order = "\t\n\v\f\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789";
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    if (c >= 'a' && c <= 'z') return 200 + (c - 'a');
    if (c >= 'A' && c <= 'Z') return 200 + (c - 'A');
    const size_t at = order.find(c);
    return at == std::string_view::npos ? 0 : static_cast<int>(at) + 1;
  }
  return 1000 + static_cast<int>(cp);
}

int locale_compare(std::string_view a, std::string_view b) {
  const auto ca = unicode::code_points(a), cb = unicode::code_points(b);
  const auto cp = [](std::string_view s) { return unicode::decode(s, 0).cp; };
  for (size_t i = 0; i < std::min(ca.size(), cb.size()); ++i) {
    const int x = primary_rank(cp(ca[i])), y = primary_rank(cp(cb[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  if (ca.size() != cb.size()) return ca.size() < cb.size() ? -1 : 1;
  for (size_t i = 0; i < ca.size(); ++i) {
    const char32_t x = cp(ca[i]), y = cp(cb[i]);
    if (x != y) return x > y ? -1 : 1;  // lowercase (the larger ASCII code) first
  }
  return 0;
}

class json_writer {
 public:
  explicit json_writer(const json_options& o) : o_(o) {
    if (o_.indent < 0) throw value_error("tojson: indent must not be negative");
    if (o_.separators) {
      item_sep_ = o_.separators->first;
      key_sep_ = o_.separators->second;
    } else {
      item_sep_ = o_.indent ? "," : ", ";
      key_sep_ = ": ";
    }
    indent_.assign(static_cast<size_t>(std::min<int64_t>(o_.indent, 1 << 20)), ' ');
  }

  void write(const value& v, int depth) {
    if (depth > max_value_nesting) throw value_error("tojson: values nest too deeply");
    switch (v.type()) {
      case kind::undefined:
        out_ += o_.undefined_as_null ? "null" : "undefined";
        break;
      case kind::none:
        out_ += "null";
        break;
      case kind::boolean:
        out_ += v.as_bool() ? "true" : "false";
        break;
      case kind::integer:
        out_ += js::integer_to_string(v.as_int());
        break;
      case kind::floating:
        out_ += std::isfinite(v.as_float()) ? js::number_to_string(v.as_float()) : "null";
        break;
      case kind::string:
        out_ += json_quote(v.as_string(), o_.ensure_ascii);
        break;
      case kind::list:
        write_list(v.as_list(), depth);
        break;
      case kind::dict:
      case kind::ns:
        write_dict(v.as_dict(), depth);
        break;
      case kind::callable:
        throw value_error("tojson: cannot convert a callable to JSON");
    }
    check();
  }

  std::string take() { return std::move(out_); }

 private:
  void check() const {
    if (out_.size() > o_.max_bytes) throw value_error("tojson: the output is too large");
  }

  void pad(int depth) {
    out_ += '\n';
    for (int i = 0; i < depth; ++i) {
      out_ += indent_;
      check();
    }
  }

  void write_list(const list_data& l, int depth) {
    out_ += '[';
    const bool pretty = o_.indent != 0 && !l.items.empty();
    for (size_t i = 0; i < l.items.size(); ++i) {
      if (i > 0) out_ += item_sep_;
      if (pretty) pad(depth + 1);
      write(l.items[i], depth + 1);
    }
    if (pretty) pad(depth);
    out_ += ']';
  }

  void write_dict(const dict_data& d, int depth) {
    std::vector<const dict_data::entry*> entries;
    entries.reserve(d.size());
    for (const auto& e : d.entries()) entries.push_back(&e);
    if (o_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
        return locale_compare(a->first, b->first) < 0;
      });
    }
    out_ += '{';
    const bool pretty = o_.indent != 0 && !entries.empty();
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out_ += item_sep_;
      if (pretty) pad(depth + 1);
      out_ += json_quote(entries[i]->first, o_.ensure_ascii);
      out_ += key_sep_;
      write(entries[i]->second, depth + 1);
    }
    if (pretty) pad(depth);
    out_ += '}';
  }

  const json_options& o_;
  std::string item_sep_, key_sep_, indent_;
  std::string out_;
};

}  // namespace

std::string json_quote(std::string_view s, bool ensure_ascii) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unicode::decoded d = unicode::decode(s, i);
    i += d.len;
    const char32_t c = d.cp;
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      append_hex4(out, c);
    } else if (ensure_ascii && c >= 0x7F) {
      if (c >= 0x10000) {
        append_hex4(out, 0xD800 + ((c - 0x10000) >> 10));
        append_hex4(out, 0xDC00 + ((c - 0x10000) & 0x3FF));
      } else {
        append_hex4(out, c);
      }
    } else {
      unicode::append_utf8(out, c);
    }
  }
  out += '"';
  return out;
}

std::string to_json(const value& v, const json_options& options) {
  json_writer w(options);
  w.write(v, 0);
  return w.take();
}

std::string display(const value& v, size_t max_bytes) {
  switch (v.type()) {
    case kind::undefined:
      return "undefined";
    case kind::none:  // what the reference's NullValue holds is undefined
      return "undefined";
    case kind::boolean:
      return v.as_bool() ? "true" : "false";
    case kind::integer:
      return js::integer_to_string(v.as_int());
    case kind::floating:
      return js::float_to_string(v.as_float());
    case kind::string:
      return v.as_string();
    case kind::list:
    case kind::dict:
    case kind::ns: {
      json_options o;
      o.undefined_as_null = false;
      o.max_bytes = max_bytes;
      return to_json(v, o);
    }
    case kind::callable:
      return "function";
  }
  return {};
}

std::string js_string(const value& v, size_t max_bytes) {
  switch (v.type()) {
    case kind::floating:
      return js::number_to_string(v.as_float());
    case kind::list: {
      std::string out;
      bool first = true;
      for (const value& item : v.as_list().items) {
        if (!first) out += ',';
        first = false;
        out += display(item, max_bytes);
        if (out.size() > max_bytes) throw value_error("the string is too large");
      }
      return out;
    }
    case kind::dict:
    case kind::ns:
      return "[object Map]";
    default:
      return display(v, max_bytes);
  }
}

std::string join_item(const value& v, size_t max_bytes) {
  if (v.is_none() || v.is_undefined()) return {};
  return js_string(v, max_bytes);
}

}  // namespace troupe::jinja
