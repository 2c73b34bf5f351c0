// Filters on lists: sort, join, unique, map, select/reject, selectattr/rejectattr, sum, min,
// max, batch, first, last, reverse...
#include <cmath>
#include <unordered_set>

#include "gpu/text/jinja/builtins.hpp"
#include "gpu/text/jinja/printing.hpp"

namespace troupe::jinja::builtins {

namespace {

const value* flag(const call_args& args, size_t i, const char* name) {
  const value* v = args.arg(i, name);
  if (v && !v->is(kind::boolean))
    throw value_error(std::string("the argument '") + name + "' must be a boolean");
  return v;
}

value sort(evaluator& ev, const list_data& l, const call_args& args) {
  const value* reverse = flag(args, 0, "reverse");
  const value* cs = flag(args, 1, "case_sensitive");
  const value* attr = args.arg(2, "attribute");
  if (attr && !attr->is_string() && !attr->is(kind::integer) && !attr->is_none())
    throw value_error("sort: attribute must be a string or an integer");
  const bool descending = reverse && reverse->as_bool();
  const bool case_sensitive = cs && cs->as_bool();
  std::string path;
  if (attr && attr->is_string()) path = attr->as_string();
  if (attr && attr->is(kind::integer)) path = std::to_string(attr->as_int());
  const bool by_attribute = attr && !attr->is_none();
  // Each item's key is computed once: (key, item) pairs are sorted by key.
  ev.charge(l.items.size());
  std::vector<std::pair<value, value>> keyed;
  keyed.reserve(l.items.size());
  for (const value& item : l.items) {
    const value key = by_attribute ? attribute(ev, item, path) : item;
    keyed.emplace_back(sort_key(key, case_sensitive, ev.costs()), item);
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

value join(evaluator& ev, const list_data& l, const call_args& args) {
  const value* sep = join_separator(args);
  const value* attr = args.keyword("attribute");
  std::string out;
  for (size_t i = 0; i < l.items.size(); ++i) {
    ev.charge(1);
    if (i > 0 && sep) ev.append(out, sep->as_string());
    const value item =
        attr && attr->is_string() ? attribute(ev, l.items[i], attr->as_string()) : l.items[i];
    if (item.is_string()) {
      ev.append(out, item.as_string());
    } else {
      const std::string text = join_item(item, ev.costs());
      ev.check_size(out.size() + text.size());
      out += text;
    }
  }
  return value::string(std::move(out));
}

bool all_containers(const list_data& l) {
  for (const value& item : l.items)
    if (!item.is_dict() && !item.is(kind::ns)) return false;
  return true;
}

value select_attr(evaluator& ev, const list_data& l, const call_args& args, bool select) {
  if (!all_containers(l)) throw value_error("selectattr/rejectattr need a list of dicts");
  if (args.positional.empty() || !args.positional[0].is_string())
    throw value_error("selectattr/rejectattr need an attribute name");
  const std::string& attr = args.positional[0].as_string();
  const value* test_name = args.positional.size() > 1 ? &args.positional[1] : nullptr;
  if (test_name && !test_name->is_string()) throw value_error("the test name must be a string");
  call_args test_args;
  for (size_t i = 2; i < args.positional.size(); ++i)
    test_args.positional.push_back(args.positional[i]);
  ev.charge(l.items.size());
  std::vector<value> out;
  for (const value& item : l.items) {
    ev.charge_bytes(attr.size());
    const value* a = item.as_dict().find(attr);
    bool result = false;  // a missing attribute passes no test, as in the reference
    if (a) result = test_name ? test(ev, test_name->as_string(), *a, test_args) : truthy(*a);
    if (result == select) out.push_back(item);
  }
  return value::list(std::move(out));
}

value select(evaluator& ev, const list_data& l, const call_args& args, bool keep) {
  call_args test_args;
  for (size_t i = 1; i < args.positional.size(); ++i)
    test_args.positional.push_back(args.positional[i]);
  const value* name = args.positional.empty() ? nullptr : &args.positional[0];
  if (name && !name->is_string())
    throw value_error("select/reject: the test name must be a string");
  ev.charge(l.items.size());
  std::vector<value> out;
  for (const value& item : l.items) {
    const bool result = name ? test(ev, name->as_string(), item, test_args) : truthy(item);
    if (result == keep) out.push_back(item);
  }
  return value::list(std::move(out));
}

value map(evaluator& ev, const list_data& l, call_args& args) {
  ev.charge(l.items.size());
  std::vector<value> out;
  out.reserve(l.items.size());
  if (const value* attr = args.keyword("attribute")) {
    if (!attr->is_string()) throw value_error("map: attribute must be a string");
    if (!all_containers(l)) throw value_error("map: the items must be dicts");
    const value* fallback = args.keyword("default");
    for (const value& item : l.items) {
      value v = attribute(ev, item, attr->as_string());
      if (v.is_undefined() && fallback) v = *fallback;
      out.push_back(std::move(v));
    }
    return value::list(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string())
    throw value_error("map needs attribute= or a filter name");
  const std::string name = args.positional[0].as_string();
  call_args rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keywords = args.keywords;
  for (const value& item : l.items) {
    call_args a = rest;
    out.push_back(filter(ev, name, item, a, !rest.positional.empty() || !rest.keywords.empty()));
  }
  return value::list(std::move(out));
}

value sum(evaluator& ev, const list_data& l, const call_args& args) {
  const value* attr = args.arg(0, "attribute");
  const value* start = args.arg(1, "start");
  value total = start ? *start : value::integer(0);
  for (const value& raw : l.items) {
    ev.charge(1);
    const value item = attr && attr->is_string() ? attribute(ev, raw, attr->as_string()) : raw;
    if (!total.is_number() || !item.is_number())
      throw value_error(std::string("sum: cannot add ") + described(item));
    if (total.is(kind::integer) && item.is(kind::integer)) {
      int64_t r = 0;
      if (__builtin_add_overflow(total.as_int(), item.as_int(), &r))
        throw value_error("integer overflow");
      total = value::integer(r);
    } else {
      total = value::floating(total.as_number() + item.as_number());
    }
  }
  return total;
}

value extreme(evaluator& ev, const list_data& l, const call_args& args, bool want_max) {
  const value* cs = flag(args, 0, "case_sensitive");
  const value* attr = args.arg(1, "attribute");
  const bool case_sensitive = cs && cs->as_bool();
  ev.charge(l.items.size());
  const auto key = [&](const value& v) {
    return sort_key(attr && attr->is_string() ? attribute(ev, v, attr->as_string()) : v,
                    case_sensitive, ev.costs());
  };
  const value* best = nullptr;
  value best_key;
  for (const value& item : l.items) {
    value k = key(item);
    if (!best || (want_max ? compare_values(k, best_key, ev.costs()) > 0
                           : compare_values(k, best_key, ev.costs()) < 0)) {
      best = &item;
      best_key = std::move(k);
    }
  }
  return best ? *best : value();
}

value batch(evaluator& ev, const list_data& l, const call_args& args) {
  const value* n = args.arg(0, "linecount");
  if (!n || !n->is(kind::integer) || n->as_int() <= 0)
    throw value_error("batch needs a positive count");
  const value* fill = args.arg(1, "fill_with");
  const auto size = static_cast<size_t>(std::min<int64_t>(n->as_int(), 1 << 30));
  ev.charge(l.items.size());
  std::vector<value> out, current;
  for (const value& item : l.items) {
    current.push_back(item);
    if (current.size() == size) out.push_back(value::list(std::exchange(current, {})));
  }
  if (!current.empty()) {
    if (fill && !fill->is_none()) {
      ev.charge(size - current.size());
      while (current.size() < size) current.push_back(*fill);
    }
    out.push_back(value::list(std::move(current)));
  }
  return value::list(std::move(out));
}

// The hash and equality of a JavaScript Set, for `unique`.
struct set_hash {
  budget* cost;
  size_t operator()(const value* v) const { return same_value_zero_hash(*v, *cost); }
};
struct set_equal {
  budget* cost;
  bool operator()(const value* a, const value* b) const { return same_value_zero(*a, *b, *cost); }
};

value unique(evaluator& ev, const list_data& l) {
  ev.charge(l.items.size());
  std::unordered_set<const value*, set_hash, set_equal> seen(l.items.size(), set_hash{&ev.costs()},
                                                             set_equal{&ev.costs()});
  std::vector<value> out;
  for (const value& item : l.items)
    if (seen.insert(&item).second) out.push_back(item);
  return value::list(std::move(out));
}

}  // namespace

value list_filter(evaluator& ev, const std::string& name, const value& v, call_args& args,
                  bool& found) {
  found = true;
  const list_data& l = v.as_list();
  if (name == "list") return v;
  if (name == "first") return l.items.empty() ? value() : l.items.front();
  if (name == "last") return l.items.empty() ? value() : l.items.back();
  if (name == "reverse") {
    ev.charge(l.items.size());
    return value::list(std::vector<value>(l.items.rbegin(), l.items.rend()));
  }
  if (name == "sort") return sort(ev, l, args);
  if (name == "join") return join(ev, l, args);
  if (name == "unique") return unique(ev, l);
  if (name == "selectattr" || name == "rejectattr")
    return select_attr(ev, l, args, name == "selectattr");
  if (name == "select" || name == "reject") return select(ev, l, args, name == "select");
  if (name == "map") return map(ev, l, args);
  if (name == "sum") return sum(ev, l, args);
  if (name == "min" || name == "max") return extreme(ev, l, args, name == "max");
  if (name == "batch") return batch(ev, l, args);
  found = false;
  return value();
}

}  // namespace troupe::jinja::builtins
