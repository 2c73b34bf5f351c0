// The expression half of the evaluator (see evaluator.hpp).
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_set>

#include "gpu/text/jinja/builtins.hpp"
#include "gpu/text/jinja/evaluator.hpp"
#include "gpu/text/jinja/overloaded.hpp"
#include "gpu/text/jinja/printing.hpp"
#include "gpu/text/jinja/source.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja {

namespace {

const char* op_name(binary_op op) {
  switch (op) {
    case binary_op::and_:
      return "and";
    case binary_op::or_:
      return "or";
    case binary_op::add:
      return "+";
    case binary_op::subtract:
      return "-";
    case binary_op::concat:
      return "~";
    case binary_op::multiply:
      return "*";
    case binary_op::divide:
      return "/";
    case binary_op::floor_divide:
      return "//";
    case binary_op::modulo:
      return "%";
    case binary_op::power:
      return "**";
    case binary_op::equal:
      return "==";
    case binary_op::not_equal:
      return "!=";
    case binary_op::less:
      return "<";
    case binary_op::greater:
      return ">";
    case binary_op::less_equal:
      return "<=";
    case binary_op::greater_equal:
      return ">=";
    case binary_op::in:
      return "in";
    case binary_op::not_in:
      return "not in";
  }
  return "?";
}

[[noreturn]] void overflow() {
  throw value_error("integer overflow");
}

int64_t int_power(int64_t base, int64_t exponent) {
  int64_t result = 1;
  while (exponent > 0) {
    if (exponent & 1) {
      if (__builtin_mul_overflow(result, base, &result)) overflow();
    }
    exponent >>= 1;
    if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
  }
  return result;
}

value power(const value& l, const value& r) {
  const double a = l.as_number(), b = r.as_number();
  if (a == 0 && b < 0) throw value_error("0.0 cannot be raised to a negative power");
  const double result = std::pow(a, b);
  if (!std::isfinite(result)) throw value_error("the power is not a finite real number");
  const bool is_float = l.is(kind::floating) || r.is(kind::floating) || b < 0;
  if (is_float) return value::floating(result);
  const auto as_int = [](const value& v) {
    return v.is(kind::boolean) ? int64_t{v.as_bool()} : v.as_int();
  };
  return value::integer(int_power(as_int(l), as_int(r)));
}

std::optional<value> arithmetic(binary_op op, const value& l, const value& r) {
  const bool ints = l.is(kind::integer) && r.is(kind::integer);
  if (ints) {
    const int64_t a = l.as_int(), b = r.as_int();
    int64_t out = 0;
    switch (op) {
      case binary_op::add:
        if (__builtin_add_overflow(a, b, &out)) overflow();
        return value::integer(out);
      case binary_op::subtract:
        if (__builtin_sub_overflow(a, b, &out)) overflow();
        return value::integer(out);
      case binary_op::multiply:
        if (__builtin_mul_overflow(a, b, &out)) overflow();
        return value::integer(out);
      case binary_op::floor_divide: {
        if (b == 0) break;  // Infinity or NaN, as JavaScript computes it below
        if (a == INT64_MIN && b == -1) overflow();
        int64_t q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
        return value::integer(q);
      }
      case binary_op::modulo:
        if (b == 0) break;  // NaN
        if (b == -1) return value::integer(0);
        return value::integer(a % b);  // the sign of the dividend, as in JavaScript
      default:
        break;
    }
  }
  const double a = l.as_number(), b = r.as_number();
  switch (op) {
    case binary_op::add:
      return value::floating(a + b);
    case binary_op::subtract:
      return value::floating(a - b);
    case binary_op::multiply:
      return value::floating(a * b);
    case binary_op::divide:  // by zero: Infinity or NaN, as in JavaScript
      return value::floating(a / b);
    case binary_op::floor_divide:
      return value::floating(std::floor(a / b));
    case binary_op::modulo:
      return value::floating(std::fmod(a, b));
    case binary_op::less:
      return value::boolean(ints ? l.as_int() < r.as_int() : a < b);
    case binary_op::greater:
      return value::boolean(ints ? l.as_int() > r.as_int() : a > b);
    case binary_op::less_equal:
      return value::boolean(ints ? l.as_int() <= r.as_int() : a <= b);
    case binary_op::greater_equal:
      return value::boolean(ints ? l.as_int() >= r.as_int() : a >= b);
    default:
      return std::nullopt;
  }
}

// How many indices a slice picks, from `start` while before `stop` in the step's direction.
size_t slice_count(int64_t start, int64_t stop, int64_t step) {
  if (step == 0 || (step > 0 ? start >= stop : start <= stop)) return 0;
  const uint64_t span =
      step > 0 ? static_cast<uint64_t>(stop - start) : static_cast<uint64_t>(start - stop);
  const uint64_t stride = step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  return static_cast<size_t>(span / stride + (span % stride != 0));
}

}  // namespace

value evaluator::eval(const expr& e, scope& s) {
  try {
    depth_guard guard(*this);
    charge(1);
    return eval_node(e, s);
  } catch (const value_error& err) {
    fail_at(e.offset, err);
  } catch (const raise_request& r) {
    const location loc = locate(source_, e.offset);
    throw template_raise(r.message, loc.line, loc.column);
  }
}

value evaluator::lookup(const std::string& name, scope& s) const {
  if (name == "namespace") {  // every scope of the reference has its own `namespace`
    const value* own = s.find_own(name);
    return own ? *own : namespace_builtin_;
  }
  const value* v = s.find(name);
  return v ? *v : value();
}

value evaluator::eval_node(const expr& e, scope& s) {
  return std::visit(
      overloaded{
          [&](const literal_expr& l) { return l.v; },
          [&](const identifier_expr& id) { return lookup(id.name, s); },
          [&](const list_expr& l) {
            charge(l.items.size());
            std::vector<value> items;
            items.reserve(l.items.size());
            for (const auto& item : l.items) items.push_back(eval(*item, s));
            return value::list(std::move(items), l.tuple);
          },
          [&](const dict_expr& d) {
            dict_data out;
            for (const auto& [k, v] : d.entries) {
              const value key = eval(*k, s);
              if (!key.is_string())
                throw value_error(std::string("dict keys must be strings, not ") + type_name(key));
              charge_bytes(key.as_string().size());
              out.set(key.as_string(), eval(*v, s));
            }
            return value::dict(std::move(out));
          },
          [&](const member_expr& m) { return eval_member(m, s); },
          [&](const slice_expr& m) { return eval_slice(m, s); },
          [&](const call_expr& c) {
            call_args args = eval_args(c.args, s);
            const value fn = eval(*c.callee, s);
            return call(fn, args, s);
          },
          [&](const keyword_expr&) -> value {
            throw value_error("a keyword argument outside of a call");
          },
          [&](const spread_expr&) -> value { throw value_error("'*' outside of a call"); },
          [&](const unary_expr& u) { return eval_unary(u, s); },
          [&](const binary_expr& b) { return eval_binary(b, s); },
          [&](const filter_expr& f) { return apply_filter(f, eval(*f.operand, s), s); },
          [&](const test_expr& t) {
            const value operand = eval(*t.operand, s);
            const call_args args = eval_args(t.args, s);
            return value::boolean(builtins::test(*this, t.name, operand, args) != t.negate);
          },
          [&](const select_expr& sel) {
            return truthy(eval(*sel.condition, s)) ? eval(*sel.value, s) : value();
          },
          [&](const ternary_expr& t) {
            return truthy(eval(*t.condition, s)) ? eval(*t.if_true, s) : eval(*t.if_false, s);
          },
      },
      e.node);
}

value evaluator::eval_member(const member_expr& m, scope& s) {
  const value object = eval(*m.object, s);
  if (!m.computed) {
    if (const auto* id = std::get_if<identifier_expr>(&m.property->node))
      return member_named(object, id->name);
  }
  const value property =
      m.computed ? eval(*m.property, s) : std::get<literal_expr>(m.property->node).v;
  if (property.is_string()) {
    charge_bytes(property.as_string().size());
    return member_named(object, property.as_string());
  }
  if (object.is_dict() || object.is(kind::ns)) {
    throw value_error(std::string("cannot look up ") + described(property) + " key in " +
                      described(object));
  }
  if (!property.is(kind::integer) || !(object.is_list() || object.is_string())) {
    throw value_error(std::string("cannot index ") + described(object) + " with " +
                      described(property));
  }
  int64_t i = property.as_int();
  if (object.is_list()) {
    const auto& items = object.as_list().items;
    const auto n = static_cast<int64_t>(items.size());
    if (i < 0) i += n;
    return i >= 0 && i < n ? items[static_cast<size_t>(i)] : value();
  }
  const std::string& text = object.as_string();
  if (object.string_info().byte_indexed(budget_)) {
    const auto n = static_cast<int64_t>(text.size());
    if (i < 0) i += n;
    return i >= 0 && i < n ? value::string(text.substr(static_cast<size_t>(i), 1)) : value();
  }
  charge_bytes(text.size());
  auto c = unicode::utf16_at(text, i);
  return c ? value::string(std::move(*c)) : value();
}

// `object.name`, `object['name']`: a key of a dict or namespace, a method, else undefined.
value evaluator::member_named(const value& object, const std::string& name) {
  if (object.is_dict() || object.is(kind::ns)) {
    if (const value* v = object.as_dict().find(name)) return *v;
    return object.is_dict() ? builtins::method(*this, object, name) : value();
  }
  if (object.is_list() || object.is_string()) return builtins::method(*this, object, name);
  return value();
}

value evaluator::eval_slice(const slice_expr& m, scope& s) {
  const value object = eval(*m.object, s);
  if (!object.is_list() && !object.is_string())
    throw value_error(std::string("cannot slice ") + described(object));
  std::optional<int64_t> bounds[3];
  const expr_ptr* parts[3] = {&m.start, &m.stop, &m.step};
  for (int k = 0; k < 3; ++k) {
    if (!*parts[k]) continue;
    const value v = eval(**parts[k], s);
    if (v.is(kind::integer)) {
      bounds[k] = v.as_int();
    } else if (!v.is_undefined()) {
      throw value_error(std::string("slice indices must be integers, not ") + type_name(v));
    }
  }
  const auto len =
      static_cast<int64_t>(object.is_string() ? object.string_info().measure(budget_).code_points
                                              : object.as_list().items.size());
  const int64_t step = bounds[2].value_or(1);
  const int64_t direction = step > 0 ? 1 : (step < 0 ? -1 : 0);
  int64_t start = 0, stop = 0;
  if (direction >= 0) {
    start = !bounds[0] ? 0
                       : (*bounds[0] < 0 ? std::max<int64_t>(len + *bounds[0], 0)
                                         : std::min(*bounds[0], len));
    stop = !bounds[1] ? len
                      : (*bounds[1] < 0 ? std::max<int64_t>(len + *bounds[1], 0)
                                        : std::min(*bounds[1], len));
  } else {
    start = !bounds[0] ? len - 1
                       : (*bounds[0] < 0 ? std::max<int64_t>(len + *bounds[0], -1)
                                         : std::min(*bounds[0], len - 1));
    stop = !bounds[1] ? -1
                      : (*bounds[1] < -1 ? std::max<int64_t>(len + *bounds[1], -1)
                                         : std::min(*bounds[1], len - 1));
  }
  const size_t count = slice_count(start, stop, step);
  charge(count);
  if (object.is_string()) return slice_string(object, start, step, count);
  const auto& all = object.as_list().items;
  std::vector<value> items;
  items.reserve(count);
  for (size_t k = 0, i = static_cast<size_t>(start); k < count; ++k) {
    items.push_back(all[i]);
    if (k + 1 < count) i += static_cast<size_t>(step);  // wraps as int64 would, never past
  }
  return value::list(std::move(items));
}

// The `count` characters of a string from `start` by `step` (within bounds), without walking it
// when its characters are bytes, else in one pass.
value evaluator::slice_string(const value& object, int64_t start, int64_t step, size_t count) {
  const std::string& text = object.as_string();
  std::string out;
  if (count == 0) return value::string(std::move(out));
  if (object.string_info().byte_indexed(budget_)) {
    charge_bytes(count);
    if (step == 1) return value::string(text.substr(static_cast<size_t>(start), count));
    out.reserve(count);
    for (size_t k = 0, i = static_cast<size_t>(start); k < count; ++k) {
      out += text[i];
      if (k + 1 < count) i += static_cast<size_t>(step);
    }
    return value::string(std::move(out));
  }
  charge_bytes(text.size());
  // The characters picked, in the order of the text: from `first` on, every `stride`; for a
  // negative step, written backwards afterwards (by their lengths: written one after another,
  // invalid bytes could decode differently).
  const int64_t last = start + static_cast<int64_t>(count - 1) * step;
  const int64_t first = std::min(start, last);
  const uint64_t stride = step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  std::vector<uint8_t> lengths;
  if (step < 0) lengths.reserve(count);
  size_t picked = 0;
  int64_t index = 0;
  for (size_t i = 0; i < text.size() && picked < count; ++index) {
    const size_t len = unicode::decode(text, i).len;
    if (index >= first && static_cast<uint64_t>(index - first) % stride == 0) {
      out.append(text, i, len);
      if (step < 0) lengths.push_back(static_cast<uint8_t>(len));
      ++picked;
    }
    i += len;
  }
  if (step < 0) {
    std::string backwards;
    backwards.reserve(out.size());
    size_t end = out.size();
    for (auto it = lengths.rbegin(); it != lengths.rend(); ++it) {
      backwards.append(out, end - *it, *it);
      end -= *it;
    }
    out.swap(backwards);
  }
  return value::string(std::move(out));
}

value evaluator::eval_unary(const unary_expr& u, scope& s) {
  const value v = eval(*u.operand, s);
  if (u.op == unary_op::not_) return value::boolean(!truthy(v));
  const bool minus = u.op == unary_op::minus;
  if (v.is(kind::floating)) return value::floating(minus ? -v.as_float() : v.as_float());
  if (v.is(kind::integer) || v.is(kind::boolean)) {
    const int64_t i = v.is(kind::boolean) ? int64_t{v.as_bool()} : v.as_int();
    if (minus && i == INT64_MIN) overflow();
    return value::integer(minus ? -i : i);
  }
  throw value_error(std::string("unary '") + (minus ? "-" : "+") + "' on " + described(v));
}

value evaluator::eval_binary(const binary_expr& b, scope& s) {
  const value left = eval(*b.left, s);
  if (b.op == binary_op::and_) return truthy(left) ? eval(*b.right, s) : left;
  if (b.op == binary_op::or_) return truthy(left) ? left : eval(*b.right, s);
  const value right = eval(*b.right, s);
  const binary_op op = b.op;
  if (op == binary_op::equal) return value::boolean(loose_equals(left, right, budget_));
  if (op == binary_op::not_equal) return value::boolean(!loose_equals(left, right, budget_));
  const bool membership = op == binary_op::in || op == binary_op::not_in;
  if (left.is_undefined() || right.is_undefined()) {
    if (right.is_undefined() && membership) return value::boolean(op == binary_op::not_in);
    throw value_error(std::string("cannot apply '") + op_name(op) + "' to undefined");
  }
  if (left.is_none() || right.is_none())
    throw value_error(std::string("cannot apply '") + op_name(op) + "' to none");
  const auto concat = [&] {  // a string operand is not copied before the result is built
    std::string made[2];
    const std::string* text[2];
    const value* operands[2] = {&left, &right};
    for (int k = 0; k < 2; ++k) {
      if (operands[k]->is_string()) {
        text[k] = &operands[k]->as_string();
      } else {
        made[k] = js_string(*operands[k], budget_);
        text[k] = &made[k];
      }
    }
    std::string out;
    check_size(text[0]->size() + text[1]->size());
    out.reserve(text[0]->size() + text[1]->size());
    append(out, *text[0]);
    append(out, *text[1]);
    return value::string(std::move(out));
  };
  if (op == binary_op::concat) return concat();
  if (op == binary_op::power && is_numeric(left) && is_numeric(right)) return power(left, right);
  if (left.is_number() && right.is_number()) {
    if (auto v = arithmetic(op, left, right)) return *v;
  } else if (left.is_list() && right.is_list()) {
    if (op == binary_op::add) {
      const auto& a = left.as_list().items;
      const auto& c = right.as_list().items;
      charge(a.size() + c.size());
      std::vector<value> items(a);
      items.insert(items.end(), c.begin(), c.end());
      return value::list(std::move(items));
    }
  } else if (right.is_list() && membership) {
    bool found = false;
    for (const value& item : right.as_list().items) {
      charge(1);
      if (strict_equals(item, left, budget_)) {
        found = true;
        break;
      }
    }
    return value::boolean(found == (op == binary_op::in));
  }
  if ((left.is_string() || right.is_string()) && op == binary_op::add) return concat();
  if (left.is_string() && right.is_string()) {
    const std::string& a = left.as_string();
    const std::string& c = right.as_string();
    if (membership) {
      charge_bytes(c.size());
      const bool found = unicode::find(c, a) != std::string::npos;
      return value::boolean(found == (op == binary_op::in));
    }
    const int cmp = compare_values(left, right, budget_);  // beyond the reference, as in Python
    switch (op) {
      case binary_op::less:
        return value::boolean(cmp < 0);
      case binary_op::greater:
        return value::boolean(cmp > 0);
      case binary_op::less_equal:
        return value::boolean(cmp <= 0);
      case binary_op::greater_equal:
        return value::boolean(cmp >= 0);
      default:
        break;
    }
  }
  if (left.is_string() && right.is_dict() && membership) {
    charge_bytes(left.as_string().size());
    const bool has = right.as_dict().find(left.as_string()) != nullptr;
    return value::boolean(has == (op == binary_op::in));
  }
  if (op == binary_op::multiply && left.is_string() && right.is(kind::integer)) {
    const int64_t n = std::max<int64_t>(right.as_int(), 0);  // beyond the reference: 'ab' * 3
    const std::string& unit = left.as_string();
    size_t total = 0;
    if (__builtin_mul_overflow(unit.size(), static_cast<uint64_t>(n), &total))
      total = std::numeric_limits<size_t>::max();
    check_size(total);
    std::string out;
    out.reserve(total);
    if (!unit.empty())
      for (int64_t i = 0; i < n; ++i) append(out, unit);
    return value::string(std::move(out));
  }
  throw value_error(std::string("unknown operator '") + op_name(op) + "' between " +
                    described(left) + " and " + described(right));
}

call_args evaluator::eval_args(const std::vector<expr_ptr>& args, scope& s) {
  call_args out;
  for (const auto& a : args) {
    if (const auto* sp = std::get_if<spread_expr>(&a->node)) {
      if (sp->keywords) continue;
      const value v = eval(*sp->operand, s);
      if (!v.is_list()) throw value_error(std::string("cannot unpack ") + described(v));
      charge(v.as_list().items.size());
      for (const value& item : v.as_list().items) out.positional.push_back(item);
    } else if (!std::holds_alternative<keyword_expr>(a->node)) {
      out.positional.push_back(eval(*a, s));
    }
  }
  std::unordered_set<std::string> names;  // (keywords are few, but `**d` may add many)
  const auto add = [&out, &names](const std::string& name, value v) {
    if (!names.insert(name).second)
      throw value_error("got multiple values for the argument '" + name + "'");
    out.keywords.emplace_back(name, std::move(v));
  };
  for (const auto& a : args) {
    if (const auto* kw = std::get_if<keyword_expr>(&a->node)) {
      add(kw->name, eval(*kw->value, s));
    } else if (const auto* sp = std::get_if<spread_expr>(&a->node); sp && sp->keywords) {
      const value v = eval(*sp->operand, s);
      if (!v.is_dict()) throw value_error(std::string("'**' needs a dict, not ") + described(v));
      charge(v.as_dict().size());
      charge_bytes(v.as_dict().key_bytes());
      for (const auto& [k, item] : v.as_dict().entries()) add(k, item);
    }
  }
  return out;
}

value evaluator::apply_filter(const filter_expr& f, const value& operand, scope& s) {
  if (f.malformed) throw value_error("unknown filter");
  call_args args = eval_args(f.args, s);
  return builtins::filter(*this, f.name, operand, args, f.called);
}

}  // namespace troupe::jinja
