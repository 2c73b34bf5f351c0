// Tests: `x is defined`, `x is not none`, `n is divisibleby 3`, `x is in(xs)`...
#include <cmath>

#include "gpu/text/jinja/builtins.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja::builtins {

namespace {

const value& argument(const call_args& args, const std::string& test) {
  if (args.positional.empty()) throw value_error("the test '" + test + "' needs an argument");
  return args.positional[0];
}

// lt, le, gt, ge (beyond the reference): numbers, or strings by code units.
int order(evaluator& ev, const value& a, const value& b, const std::string& test) {
  if ((is_numeric(a) && is_numeric(b)) || (a.is_string() && b.is_string()))
    return compare_values(a, b, ev.costs());
  throw value_error("the test '" + test + "' cannot compare " + type_name(a) + " with " +
                    type_name(b));
}

}  // namespace

bool test(evaluator& ev, const std::string& name, const value& v, const call_args& args) {
  ev.charge(1);
  // The reference's tests.
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is(kind::boolean);
  if (name == "true") return v.is(kind::boolean) && v.as_bool();
  if (name == "false") return v.is(kind::boolean) && !v.as_bool();
  if (name == "string") return v.is_string();
  if (name == "number") return v.is_number();
  if (name == "integer") return v.is(kind::integer);
  if (name == "callable") return v.is(kind::callable);
  if (name == "mapping") return v.is_dict();
  if (name == "iterable") return (v.is_list() && !v.is_tuple()) || v.is_string();
  if (name == "sequence") return v.is_list() || v.is_dict() || v.is_string();
  if (name == "lower" || name == "upper") {
    if (!v.is_string()) return false;
    const std::string& s = v.as_string();
    ev.charge_bytes(2 * s.size());
    return s == (name == "lower" ? unicode::to_lower(s) : unicode::to_upper(s));
  }
  if (name == "odd" || name == "even") {
    if (!v.is(kind::integer)) throw value_error("the test '" + name + "' needs an integer");
    return (v.as_int() % 2 != 0) == (name == "odd");
  }
  if (name == "eq" || name == "equalto" || name == "==")
    return strict_equals(v, argument(args, name), ev.costs());
  // Python's, beyond the reference.
  if (name == "float") return v.is(kind::floating);
  if (name == "ne" || name == "!=") return !strict_equals(v, argument(args, name), ev.costs());
  if (name == "sameas") {
    const value& other = argument(args, name);
    if (v.identity() || other.identity()) return v.identity() == other.identity();
    return strict_equals(v, other, ev.costs());
  }
  if (name == "lt" || name == "lessthan" || name == "<")
    return order(ev, v, argument(args, name), name) < 0;
  if (name == "le" || name == "<=") return order(ev, v, argument(args, name), name) <= 0;
  if (name == "gt" || name == "greaterthan" || name == ">")
    return order(ev, v, argument(args, name), name) > 0;
  if (name == "ge" || name == ">=") return order(ev, v, argument(args, name), name) >= 0;
  if (name == "divisibleby") {
    const value& n = argument(args, name);
    if (!v.is_number() || !n.is_number()) throw value_error("divisibleby needs numbers");
    if (v.is(kind::integer) && n.is(kind::integer)) {
      if (n.as_int() == 0) throw value_error("divisibleby 0");
      if (n.as_int() == -1) return true;
      return v.as_int() % n.as_int() == 0;
    }
    if (n.as_number() == 0) throw value_error("divisibleby 0");
    return std::fmod(v.as_number(), n.as_number()) == 0;
  }
  if (name == "in") {
    const value& container = argument(args, name);
    if (container.is_list()) {
      for (const value& item : container.as_list().items) {
        ev.charge(1);
        if (strict_equals(item, v, ev.costs())) return true;
      }
      return false;
    }
    if (container.is_string() && v.is_string()) {
      ev.charge_bytes(container.as_string().size());
      return unicode::find(container.as_string(), v.as_string()) != std::string::npos;
    }
    if ((container.is_dict() || container.is(kind::ns)) && v.is_string()) {
      ev.charge_bytes(v.as_string().size());
      return container.as_dict().find(v.as_string()) != nullptr;
    }
    throw value_error(std::string("the test 'in' cannot look in ") + described(container));
  }
  if (name == "escaped") return false;
  throw value_error("unknown test '" + name + "'");
}

}  // namespace troupe::jinja::builtins
