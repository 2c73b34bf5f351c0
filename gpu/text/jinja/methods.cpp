// Methods: `s.strip()`, `s.split(',')`, `d.items()`, `d.get('k', 0)`... and attribute paths.
#include <charconv>

#include "gpu/text/jinja/builtins.hpp"
#include "gpu/text/jinja/js_number.hpp"
#include "gpu/text/jinja/printing.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja::builtins {

namespace {

// /\b\w/g → upper case: the first word character after a non-word one (ASCII words).
std::string title_case(const std::string& s) {
  std::string out = s;
  bool previous_word = false;
  for (char& c : out) {
    const bool word = unicode::is_word(static_cast<unsigned char>(c));
    if (word && !previous_word && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    previous_word = word;
  }
  return out;
}

std::string capitalize(const std::string& s) {
  if (s.empty()) return s;
  const unicode::decoded d = unicode::decode(s, 0);
  if (d.cp >= 0x10000) return s;  // charAt(0) is half a surrogate pair: nothing changes
  return unicode::to_upper(std::string_view(s).substr(0, d.len)) + s.substr(d.len);
}

value string_list(std::vector<std::string> parts) {
  std::vector<value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.push_back(value::string(std::move(p)));
  return value::list(std::move(items));
}

// str.split(sep=None, maxsplit=-1) as the reference implements it.
value split(evaluator& ev, const std::string& s, const call_args& args) {
  const value* sep = args.arg(0, "sep");
  const value* maxsplit_arg = args.arg(1, "maxsplit");
  if (sep && !sep->is_string() && !sep->is_none() && !sep->is_undefined())
    throw value_error("split(): sep must be a string or none");
  int64_t maxsplit = -1;
  if (maxsplit_arg) {
    if (!maxsplit_arg->is(kind::integer)) throw value_error("split(): maxsplit must be an integer");
    maxsplit = maxsplit_arg->as_int();
  }
  std::vector<std::string> out;
  if (!sep || !sep->is_string()) {
    const std::string_view text = unicode::trim_start(s);
    size_t i = 0;
    while (i < text.size()) {
      const size_t start = i;
      while (i < text.size() && !unicode::space_at(text, i)) i += unicode::decode(text, i).len;
      if (maxsplit != -1 && static_cast<int64_t>(out.size()) >= maxsplit) {
        out.emplace_back(text.substr(start));
        break;
      }
      out.emplace_back(text.substr(start, i - start));
      while (size_t n = unicode::space_at(text, i)) i += n;
    }
  } else {
    const std::string& d = sep->as_string();
    if (d.empty()) throw value_error("split(): empty separator");
    size_t start = 0;
    for (;;) {
      ev.charge(1);
      const size_t at = unicode::find(s, d, start);
      if (at == std::string::npos) break;
      out.push_back(s.substr(start, at - start));
      start = at + d.size();
    }
    out.push_back(s.substr(start));
    if (maxsplit != -1 && static_cast<int64_t>(out.size()) > maxsplit) {
      // result.push(result.splice(maxsplit).join(sep)), with splice's negative start.
      const auto n = static_cast<int64_t>(out.size());
      const int64_t from = maxsplit < 0 ? std::max<int64_t>(n + maxsplit, 0) : maxsplit;
      std::string rest;
      for (int64_t i = from; i < n; ++i) {
        if (i > from) rest += d;
        rest += out[static_cast<size_t>(i)];
      }
      out.resize(static_cast<size_t>(from));
      out.push_back(std::move(rest));
    }
  }
  ev.charge(out.size());
  return string_list(std::move(out));
}

bool affix_matches(evaluator& ev, const std::string& s, const value& pattern, bool start,
                   const char* what) {
  const auto one = [&](const std::string& p) {
    if (p.size() > s.size()) return false;
    ev.charge_bytes(p.size());
    return start ? s.compare(0, p.size(), p) == 0
                 : s.compare(s.size() - p.size(), p.size(), p) == 0;
  };
  if (pattern.is_string()) return one(pattern.as_string());
  if (pattern.is_list()) {
    for (const value& item : pattern.as_list().items) {
      ev.charge(1);
      if (!item.is_string())
        throw value_error(std::string(what) + "(): the tuple must hold strings");
      if (one(item.as_string())) return true;
    }
    return false;
  }
  throw value_error(std::string(what) + "() needs a string or a tuple of strings");
}

value dictsort(evaluator& ev, const dict_data& d, const call_args& args) {
  const value* cs = args.arg(0, "case_sensitive");
  const value* by = args.arg(1, "by");
  const value* reverse = args.arg(2, "reverse");
  if (cs && !cs->is(kind::boolean)) throw value_error("dictsort: case_sensitive must be a boolean");
  if (by && (!by->is_string() || (by->as_string() != "key" && by->as_string() != "value")))
    throw value_error("dictsort: by must be 'key' or 'value'");
  if (reverse && !reverse->is(kind::boolean))
    throw value_error("dictsort: reverse must be a boolean");
  const bool case_sensitive = cs && cs->as_bool();
  const bool by_value = by && by->as_string() == "value";
  const bool descending = reverse && reverse->as_bool();
  ev.charge(d.size());
  ev.charge_bytes(d.key_bytes());              // the keys are copied
  std::vector<std::pair<value, value>> keyed;  // (sort key, [key, value])
  keyed.reserve(d.size());
  for (const auto& [k, v] : d.entries()) {
    value key = value::string(k);
    value sort_by = sort_key(by_value ? v : key, case_sensitive, ev.costs());
    keyed.emplace_back(std::move(sort_by), value::list({std::move(key), v}));
  }
  stable_sort(keyed, ev.costs(), [&](const auto& a, const auto& b) {
    const int r = compare_values(a.first, b.first, ev.costs());
    return descending ? -r : r;
  });
  std::vector<value> items;
  items.reserve(keyed.size());
  for (auto& [key, item] : keyed) items.push_back(std::move(item));
  return value::list(std::move(items));
}

value replace(evaluator& ev, const std::string& s, const call_args& args) {
  const value* old_v = args.arg(0, "old");
  const value* new_v = args.arg(1, "new");
  if (!old_v || !new_v) throw value_error("replace() needs two arguments");
  if (!old_v->is_string() || !new_v->is_string())
    throw value_error("replace(): the arguments must be strings");
  const value* count_v = args.arg(2, "count");
  if (count_v && !count_v->is(kind::integer) && !count_v->is_none())
    throw value_error("replace(): count must be an integer or none");
  int64_t count = count_v && count_v->is(kind::integer) ? count_v->as_int() : -1;
  if (count == 0) return value::string(s);
  if (count < 0) count = INT64_MAX;
  const std::string& from = old_v->as_string();
  const std::string& to = new_v->as_string();
  std::string out;
  if (from.empty()) {  // at every code point boundary, both ends included
    size_t i = 0;
    for (;;) {
      if (count > 0) {
        ev.append(out, to);
        --count;
      }
      if (i >= s.size()) break;
      const size_t n = unicode::decode(s, i).len;
      ev.append(out, std::string_view(s).substr(i, n));
      i += n;
    }
    return value::string(std::move(out));
  }
  size_t start = 0;
  while (count > 0) {
    const size_t at = unicode::find(s, from, start);
    if (at == std::string::npos) break;
    ev.append(out, std::string_view(s).substr(start, at - start));
    ev.append(out, to);
    start = at + from.size();
    --count;
  }
  ev.append(out, std::string_view(s).substr(start));
  return value::string(std::move(out));
}

value string_method(evaluator& ev, const value& self, const std::string& name, call_args& args) {
  const std::string& s = self.as_string();
  if (name == "startswith" || name == "endswith") {
    if (args.positional.empty()) throw value_error(name + "() needs an argument");
    return value::boolean(
        affix_matches(ev, s, args.positional[0], name == "startswith", name.c_str()));
  }
  ev.charge_bytes(s.size());  // the other methods read all of `s`
  // strip, lstrip and rstrip ignore a `chars` argument, as the reference does.
  if (name == "upper" || name == "lower") {
    ev.check_size(s.size() / 2);  // no case mapping halves a string: too large, or built
    std::string out = name == "upper" ? unicode::to_upper(s) : unicode::to_lower(s);
    ev.check_size(out.size());
    return value::string(std::move(out));
  }
  if (name == "strip") return value::string(std::string(unicode::trim(s)));
  if (name == "lstrip") return value::string(std::string(unicode::trim_start(s)));
  if (name == "rstrip") return value::string(std::string(unicode::trim_end(s)));
  if (name == "title") return value::string(title_case(s));
  if (name == "capitalize") {
    std::string out = capitalize(s);
    ev.check_size(out.size());
    return value::string(std::move(out));
  }
  if (name == "split") return split(ev, s, args);
  if (name == "replace") return replace(ev, s, args);
  // Beyond the reference (Python's str): join, find, count.
  if (name == "join") {
    if (args.positional.empty() || !args.positional[0].is_list())
      throw value_error("join() needs a list");
    std::string out;
    bool first = true;
    for (const value& item : args.positional[0].as_list().items) {
      ev.charge(1);
      if (!first) ev.append(out, s);
      first = false;
      if (item.is_string()) {
        ev.append(out, item.as_string());
      } else {
        const std::string text = ev.printable(item);
        ev.check_size(out.size() + text.size());
        out += text;
      }
    }
    return value::string(std::move(out));
  }
  if (name == "find" || name == "count") {
    if (args.positional.empty() || !args.positional[0].is_string())
      throw value_error(name + "() needs a string");
    const std::string& sub = args.positional[0].as_string();
    if (name == "find") {
      const size_t at = unicode::find(s, sub);
      if (at == std::string::npos) return value::integer(-1);
      return value::integer(
          static_cast<int64_t>(unicode::utf16_length(std::string_view(s).substr(0, at))));
    }
    if (sub.empty())
      return value::integer(
          static_cast<int64_t>(self.string_info().measure(ev.costs()).code_points + 1));
    int64_t n = 0;
    for (size_t at = unicode::find(s, sub); at != std::string::npos;
         at = unicode::find(s, sub, at + sub.size()))
      ++n;
    return value::integer(n);
  }
  throw value_error("unknown string method '" + name + "'");
}

}  // namespace

value call_method(evaluator& ev, const value& self, const std::string& name, call_args& args) {
  ev.charge(1);
  if (self.is_string()) return string_method(ev, self, name, args);
  const dict_data& d = self.as_dict();
  if (name == "get") {
    const value* key = args.arg(0, "key");
    if (!key || !key->is_string()) throw value_error("get(): the key must be a string");
    ev.charge_bytes(key->as_string().size());
    if (const value* v = d.find(key->as_string())) return *v;
    const value* fallback = args.arg(1, "default");
    return fallback ? *fallback : value::none();
  }
  std::vector<value> items;
  if (name != "values") ev.charge_bytes(d.key_bytes());  // the keys are copied
  if (name == "items") {
    for (const auto& [k, v] : d.entries()) items.push_back(value::list({value::string(k), v}));
  } else if (name == "keys") {
    for (const auto& [k, v] : d.entries()) items.push_back(value::string(k));
  } else if (name == "values") {
    for (const auto& [k, v] : d.entries()) items.push_back(v);
  } else {
    return dictsort(ev, d, args);
  }
  ev.charge(items.size());
  return value::list(std::move(items));
}

namespace {

bool is_string_method(const std::string& n) {
  for (const char* m : {"upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize",
                        "startswith", "endswith", "split", "replace", "join", "find", "count"})
    if (n == m) return true;
  return false;
}

bool is_dict_method(const std::string& n) {
  return n == "get" || n == "items" || n == "keys" || n == "values" || n == "dictsort";
}

}  // namespace

value method(evaluator& ev, const value& receiver, const std::string& name) {
  if (receiver.is_string() && name == "length") {
    const size_t units = receiver.string_info().measure(ev.costs()).utf16_units;
    return value::integer(static_cast<int64_t>(units));
  }
  if (receiver.is_list() && name == "length")
    return value::integer(static_cast<int64_t>(receiver.as_list().items.size()));
  const bool known = (receiver.is_string() && is_string_method(name)) ||
                     (receiver.is_dict() && is_dict_method(name));
  if (!known) return value();
  return value::function(
      name,
      [receiver, name](evaluator& e, scope&, call_args& args) {
        return call_method(e, receiver, name, args);
      },
      receiver.depth() + 1);
}

value attribute(evaluator& ev, const value& item, std::string_view path) {
  ev.charge_bytes(path.size());
  value v = item;
  size_t start = 0;
  for (;;) {
    const size_t dot = path.find('.', start);
    const std::string_view part =
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (v.is_dict() || v.is(kind::ns)) {
      const value* found = v.as_dict().find(part);
      v = found ? *found : value();
    } else if (v.is_list()) {
      const auto index = js::parse_int(part);
      const auto& items = v.as_list().items;
      if (!index || *index < 0 || *index >= static_cast<double>(items.size())) return value();
      v = items[static_cast<size_t>(*index)];
    } else {
      return value();
    }
    if (dot == std::string_view::npos) return v;
    start = dot + 1;
  }
}

}  // namespace troupe::jinja::builtins
