// Globals: true/false/none (and their Python spellings), range, namespace, raise_exception,
// strftime_now.
#include <cmath>
#include <ctime>

#include "gpu/text/jinja/builtins.hpp"
#include "gpu/text/jinja/printing.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja::builtins {

namespace {

void no_keywords(const call_args& args, const char* fn) {
  if (!args.keywords.empty()) throw value_error(std::string(fn) + "() takes no keyword arguments");
}

// How many items a range from `start` by `step` has before `stop`, computed without overflow.
uint64_t range_count(int64_t start, int64_t stop, int64_t step) {
  if (step > 0 ? start >= stop : start <= stop) return 0;
  // The differences fit in 64 unsigned bits; so does the magnitude of any int64.
  const uint64_t span = step > 0 ? static_cast<uint64_t>(stop) - static_cast<uint64_t>(start)
                                 : static_cast<uint64_t>(start) - static_cast<uint64_t>(stop);
  const uint64_t stride = step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  return span / stride + (span % stride != 0);
}

// range(stop), range(start, stop[, step]), as the reference's JavaScript computes it (numbers
// may be floats; a missing or undefined argument is absent). Integers are computed as int64.
value range(evaluator& ev, call_args& args) {
  no_keywords(args, "range");
  std::vector<value> given;
  for (const value& v : args.positional) {
    if (v.is_undefined()) break;
    if (!is_numeric(v))
      throw value_error(std::string("range() needs numbers, not ") + type_name(v));
    given.push_back(v);
  }
  if (given.empty()) return value::list({});
  if (given.size() > 3) throw value_error("range() takes at most 3 arguments");
  value start = value::integer(0), stop = given[0], step = value::integer(1);
  if (given.size() >= 2) start = given[0], stop = given[1];
  if (given.size() == 3) step = given[2];
  const size_t max = ev.limits().max_steps;
  std::vector<value> items;
  const auto integral = [](const value& v) { return !v.is(kind::floating); };
  if (integral(start) && integral(stop) && integral(step)) {
    const auto as_int = [](const value& v) {
      return v.is(kind::boolean) ? int64_t{v.as_bool()} : v.as_int();
    };
    const int64_t a = as_int(start), b = as_int(stop), d = as_int(step);
    if (d == 0) throw value_error("range() step must not be zero");
    const uint64_t count = range_count(a, b, d);
    if (count > max) throw limit_error("range() is too large");
    ev.charge(static_cast<size_t>(count));
    items.reserve(static_cast<size_t>(count));
    int64_t i = a;
    for (uint64_t k = 0; k < count; ++k) {
      items.push_back(value::integer(i));
      if (k + 1 < count) i += d;  // the next item is within [a, b): no overflow
    }
    return value::list(std::move(items));
  }
  const double a = start.as_number(), b = stop.as_number(), d = step.as_number();
  if (d == 0) throw value_error("range() step must not be zero");
  const double count = std::ceil((b - a) / d);
  if (!(count > 0)) return value::list({});
  if (count > static_cast<double>(max)) throw limit_error("range() is too large");
  ev.charge(static_cast<size_t>(count));
  items.reserve(static_cast<size_t>(count));
  for (double x = a; d > 0 ? x < b : x > b; x += d) {
    if (items.size() >= static_cast<size_t>(count)) break;
    const bool whole = x == std::floor(x) && std::fabs(x) < 9.2e18;
    items.push_back(whole ? value::integer(static_cast<int64_t>(x)) : value::floating(x));
  }
  return value::list(std::move(items));
}

// The reference's strftime: %Y %m %d %b %B %H %M %% in local time, English month names.
value strftime_now(evaluator& ev, call_args& args) {
  no_keywords(args, "strftime_now");
  if (args.positional.empty() || !args.positional[0].is_string())
    throw value_error("strftime_now() needs a format string");
  static const char* const months[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  const auto pad2 = [](int n) { return (n < 10 ? "0" : "") + std::to_string(n); };
  const std::string& f = args.positional[0].as_string();
  ev.charge_bytes(4 * f.size());  // at most 4 bytes written per byte read
  std::string out;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%' || i + 1 >= f.size()) {
      out += f[i];
      continue;
    }
    const char c = f[i + 1];
    const std::string month = months[tm.tm_mon % 12];
    switch (c) {
      case 'Y':
        out += std::to_string(tm.tm_year + 1900);
        break;
      case 'm':
        out += pad2(tm.tm_mon + 1);
        break;
      case 'd':
        out += pad2(tm.tm_mday);
        break;
      case 'b':
        out += month.substr(0, 3);
        break;
      case 'B':
        out += month;
        break;
      case 'H':
        out += pad2(tm.tm_hour);
        break;
      case 'M':
        out += pad2(tm.tm_min);
        break;
      case '%':
        out += '%';
        break;
      default:
        out += f[i];
        continue;  // not a directive: the next character is copied on its own
    }
    ++i;
  }
  return value::string(std::move(out));
}

void add_pair(evaluator& ev, dict_data& d, const value& pair) {
  const auto wrong = [] {
    return value_error("namespace() expects a dict or a list of [key, value] pairs");
  };
  std::vector<value> kv;
  if (pair.is_list()) {
    if (pair.as_list().items.size() != 2) throw wrong();
    kv = pair.as_list().items;
  } else if (pair.is_string()) {  // two characters: a key and a value
    if (pair.string_info().measure(ev.costs()).code_points != 2) throw wrong();
    const std::string& s = pair.as_string();
    const size_t first = unicode::decode(s, 0).len;
    kv = {value::string(s.substr(0, first)), value::string(s.substr(first))};
  }
  if (kv.size() != 2) throw wrong();
  if (!kv[0].is_string()) throw value_error("namespace() keys must be strings");
  d.set(kv[0].as_string(), kv[1]);
}

}  // namespace

value namespace_function() {
  return value::function("namespace", [](evaluator& ev, scope&, call_args& args) {
    if (args.positional.size() > 1) {
      throw value_error("namespace() takes at most 1 positional argument, got " +
                        std::to_string(args.positional.size()));
    }
    dict_data d;
    if (args.positional.size() == 1) {
      const value& source = args.positional[0];
      if (source.is_dict()) {
        ev.charge(source.as_dict().size());
        ev.charge_bytes(source.as_dict().key_bytes());
        for (const auto& [k, v] : source.as_dict().entries()) d.set(k, v);
      } else if (source.is_list()) {
        ev.charge(source.as_list().items.size());
        for (const value& pair : source.as_list().items) add_pair(ev, d, pair);
      } else {
        throw value_error(std::string("namespace(): ") + described(source) + " is not iterable");
      }
    }
    for (const auto& [k, v] : args.keywords) d.set(k, v);
    return ev.new_namespace(std::move(d));
  });
}

void install_globals(scope& global) {
  global.set("false", value::boolean(false));
  global.set("true", value::boolean(true));
  global.set("none", value::none());
  global.set(
      "raise_exception",
      value::function("raise_exception", [](evaluator& ev, scope&, call_args& args) -> value {
        std::string message;
        if (!args.positional.empty() && !args.positional[0].is_undefined() &&
            !args.positional[0].is_none())
          message = js_string(args.positional[0], ev.costs());
        throw raise_request{std::move(message)};
      }));
  global.set("range", value::function("range", [](evaluator& ev, scope&, call_args& args) {
               return range(ev, args);
             }));
  global.set("strftime_now",
             value::function("strftime_now", [](evaluator& ev, scope&, call_args& args) {
               return strftime_now(ev, args);
             }));
  global.set("True", value::boolean(true));
  global.set("False", value::boolean(false));
  global.set("None", value::none());
}

}  // namespace troupe::jinja::builtins
