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

int locale_compare(std::string_view a, std::string_view b, budget& cost) {
  cost.bytes(std::min(a.size(), b.size()));
  // Primary ranks first; then the shorter string; then code points, lowercase (the larger ASCII
  // code) first.
  int tie = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const unicode::decoded x = unicode::decode(a, i), y = unicode::decode(b, j);
    const int rx = primary_rank(x.cp), ry = primary_rank(y.cp);
    if (rx != ry) return rx < ry ? -1 : 1;
    if (tie == 0 && x.cp != y.cp) tie = x.cp > y.cp ? -1 : 1;
    i += x.len, j += y.len;
  }
  if (i < a.size() || j < b.size()) return i < a.size() ? 1 : -1;
  return tie;
}

class json_writer {
 public:
  json_writer(const json_options& o, budget& cost) : o_(o), cost_(cost) {
    if (o_.indent < 0) throw value_error("tojson: indent must not be negative");
    if (o_.separators) {
      item_sep_ = o_.separators->first;
      key_sep_ = o_.separators->second;
    } else {
      item_sep_ = o_.indent ? "," : ", ";
      key_sep_ = ": ";
    }
  }

  void write(const value& v, int depth) {
    if (depth > max_value_nesting) throw limit_error("tojson: values nest too deeply");
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
        quote(v.as_string());
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
  void check() {  // charges what was written since the last check
    if (out_.size() > cost_.max_bytes()) throw limit_error("tojson: the output is too large");
    cost_.bytes(out_.size() - charged_);
    charged_ = out_.size();
  }

  void quote(std::string_view s) {  // (quoted, no string is shorter: too large, or written)
    if (s.size() > cost_.max_bytes() - std::min(out_.size(), cost_.max_bytes()))
      throw limit_error("tojson: the output is too large");
    out_ += json_quote(s, o_.ensure_ascii);
  }

  void pad(int depth) {
    out_ += '\n';
    const auto width = static_cast<uint64_t>(o_.indent);
    uint64_t n = 0;
    if (__builtin_mul_overflow(width, static_cast<uint64_t>(depth), &n) ||
        n > cost_.max_bytes() - std::min(out_.size(), cost_.max_bytes()))
      throw limit_error("tojson: the output is too large");
    out_.append(static_cast<size_t>(n), ' ');
    check();
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
      stable_sort(entries, cost_, [this](const auto* a, const auto* b) {
        return locale_compare(a->first, b->first, cost_);
      });
    }
    out_ += '{';
    const bool pretty = o_.indent != 0 && !entries.empty();
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out_ += item_sep_;
      if (pretty) pad(depth + 1);
      quote(entries[i]->first);
      out_ += key_sep_;
      write(entries[i]->second, depth + 1);
    }
    if (pretty) pad(depth);
    out_ += '}';
  }

  const json_options& o_;
  budget& cost_;
  std::string item_sep_, key_sep_;
  std::string out_;
  size_t charged_ = 0;
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

std::string to_json(const value& v, const json_options& options, budget& cost) {
  json_writer w(options, cost);
  w.write(v, 0);
  return w.take();
}

std::string display(const value& v, budget& cost) {
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
      cost.bytes(v.as_string().size());
      return v.as_string();
    case kind::list:
    case kind::dict:
    case kind::ns: {
      json_options o;
      o.undefined_as_null = false;
      return to_json(v, o, cost);
    }
    case kind::callable:
      return "function";
  }
  return {};
}

std::string js_string(const value& v, budget& cost) {
  switch (v.type()) {
    case kind::floating:
      return js::number_to_string(v.as_float());
    case kind::list: {
      std::string out;
      bool first = true;
      for (const value& item : v.as_list().items) {
        cost.steps(1);
        if (!first) out += ',';
        first = false;
        if (item.is_string()) {
          cost.append(out, item.as_string());
        } else {
          const std::string text = display(item, cost);
          cost.check_size(out.size() + text.size());
          out += text;
        }
      }
      return out;
    }
    case kind::dict:
    case kind::ns:
      return "[object Map]";
    default:
      return display(v, cost);
  }
}

std::string join_item(const value& v, budget& cost) {
  if (v.is_none() || v.is_undefined()) return {};
  return js_string(v, cost);
}

}  // namespace troupe::jinja
