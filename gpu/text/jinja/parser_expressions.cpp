// The expression half of the parser (see parser_impl.hpp).
#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "gpu/text/jinja/overloaded.hpp"
#include "gpu/text/jinja/parser_impl.hpp"

namespace troupe::jinja::detail {

int children_height(const expr& e) {
  int h = 0;
  const auto take = [&h](const expr_ptr& c) {
    if (c) h = std::max(h, c->height);
  };
  const auto take_all = [&](const std::vector<expr_ptr>& v) {
    std::for_each(v.begin(), v.end(), take);
  };
  std::visit(
      overloaded{
          [](const literal_expr&) {},
          [](const identifier_expr&) {},
          [&](const list_expr& n) { take_all(n.items); },
          [&](const dict_expr& n) {
            for (const auto& [k, v] : n.entries) take(k), take(v);
          },
          [&](const member_expr& n) { take(n.object), take(n.property); },
          [&](const slice_expr& n) { take(n.object), take(n.start), take(n.stop), take(n.step); },
          [&](const call_expr& n) { take(n.callee), take_all(n.args); },
          [&](const keyword_expr& n) { take(n.value); },
          [&](const spread_expr& n) { take(n.operand); },
          [&](const unary_expr& n) { take(n.operand); },
          [&](const binary_expr& n) { take(n.left), take(n.right); },
          [&](const filter_expr& n) { take(n.operand), take_all(n.args); },
          [&](const test_expr& n) { take(n.operand), take_all(n.args); },
          [&](const select_expr& n) { take(n.value), take(n.condition); },
          [&](const ternary_expr& n) { take(n.condition), take(n.if_true), take(n.if_false); },
      },
      e.node);
  return h;
}

filter_expr parser::filter_spec(expr_ptr operand) {
  filter_expr f;
  f.operand = std::move(operand);
  expr_ptr e = primary();
  auto* id = std::get_if<identifier_expr>(&e->node);
  if (!id) {
    f.malformed = true;  // the reference fails when it applies it, so do we
    return f;
  }
  f.name = id->name;
  if (!is(token_type::open_paren)) return f;
  expr_ptr call = call_expression(std::move(e));
  auto* c = std::get_if<call_expr>(&call->node);
  if (c && std::holds_alternative<identifier_expr>(c->callee->node)) {
    f.called = true;
    f.args = std::move(c->args);
  } else {
    f.malformed = true;
  }
  return f;
}

expr_ptr parser::expression_sequence(bool primary_only) {
  const uint32_t at = here();
  auto next = [&] { return primary_only ? primary() : expression(); };
  expr_ptr first = next();
  if (!is(token_type::comma)) return first;
  list_expr tuple;
  tuple.tuple = true;
  tuple.items.push_back(std::move(first));
  while (is(token_type::comma)) {
    ++cur_;
    tuple.items.push_back(next());
  }
  return make(at, std::move(tuple));
}

expr_ptr parser::expression() {
  nest guard(*this);
  expr_ptr a = or_expression();
  if (!is_identifier("if")) return a;
  const uint32_t at = here();
  ++cur_;
  expr_ptr condition = or_expression();
  if (is_identifier("else")) {
    ++cur_;
    expr_ptr otherwise = expression();
    return make(at, ternary_expr{std::move(condition), std::move(a), std::move(otherwise)});
  }
  return make(at, select_expr{std::move(a), std::move(condition)});
}

expr_ptr parser::binary(uint32_t at, binary_op op, expr_ptr l, expr_ptr r) {
  return make(at, binary_expr{op, std::move(l), std::move(r)});
}

expr_ptr parser::or_expression() {
  expr_ptr left = and_expression();
  while (is_identifier("or")) {
    const uint32_t at = t_[cur_++].offset;
    left = binary(at, binary_op::or_, std::move(left), and_expression());
  }
  return left;
}

expr_ptr parser::and_expression() {
  expr_ptr left = not_expression();
  while (is_identifier("and")) {
    const uint32_t at = t_[cur_++].offset;
    left = binary(at, binary_op::and_, std::move(left), not_expression());
  }
  return left;
}

expr_ptr parser::not_expression() {
  nest guard(*this);
  expr_ptr result;
  while (is_identifier("not")) {
    const uint32_t at = t_[cur_++].offset;
    result = make(at, unary_expr{unary_op::not_, not_expression()});
  }
  return result ? std::move(result) : comparison();
}

expr_ptr parser::comparison() {
  expr_ptr left = additive();
  for (;;) {
    const uint32_t at = here();
    binary_op op;
    if (is_identifier("not") && is_identifier("in", 1)) {
      op = binary_op::not_in;
      cur_ += 2;
    } else if (is_identifier("in")) {
      op = binary_op::in;
      ++cur_;
    } else if (is(token_type::comparison)) {
      const std::string& v = t_[cur_++].value;
      op = v == "=="   ? binary_op::equal
           : v == "!=" ? binary_op::not_equal
           : v == "<"  ? binary_op::less
           : v == ">"  ? binary_op::greater
           : v == "<=" ? binary_op::less_equal
                       : binary_op::greater_equal;
    } else {
      return left;
    }
    left = binary(at, op, std::move(left), additive());
  }
}

expr_ptr parser::additive() {
  expr_ptr left = multiplicative();
  while (is(token_type::additive)) {
    const token& t = t_[cur_++];
    const binary_op op = t.value == "+"   ? binary_op::add
                         : t.value == "-" ? binary_op::subtract
                                          : binary_op::concat;
    left = binary(t.offset, op, std::move(left), multiplicative());
  }
  return left;
}

expr_ptr parser::multiplicative() {
  expr_ptr left = power();
  while (is(token_type::multiplicative)) {
    const token& t = t_[cur_++];
    const binary_op op = t.value == "*"    ? binary_op::multiply
                         : t.value == "/"  ? binary_op::divide
                         : t.value == "//" ? binary_op::floor_divide
                                           : binary_op::modulo;
    left = binary(t.offset, op, std::move(left), power());
  }
  return left;
}

expr_ptr parser::power() {
  expr_ptr left = test();  // `**` is left-associative in the reference
  while (is(token_type::exponentiation)) {
    const uint32_t at = t_[cur_++].offset;
    left = binary(at, binary_op::power, std::move(left), test());
  }
  return left;
}

bool parser::starts_test_argument() const {
  if (cur_ >= t_.size()) return false;
  const token& t = t_[cur_];
  switch (t.type) {
    case token_type::numeric:
    case token_type::string:
    case token_type::open_square:
    case token_type::open_curly:
      return true;
    case token_type::identifier:
      for (std::string_view kw : {"and", "or", "else", "if", "is", "not", "in"})
        if (t.value == kw) return false;
      return true;
    default:
      return false;
  }
}

expr_ptr parser::test() {
  expr_ptr operand = filter();
  while (is_identifier("is")) {
    const uint32_t at = t_[cur_++].offset;
    test_expr t;
    t.negate = is_identifier("not");
    if (t.negate) ++cur_;
    expr_ptr name = primary();
    auto* id = std::get_if<identifier_expr>(&name->node);
    if (!id) throw syntax_error("expected a test name after 'is'", name->offset);
    t.name = id->name;
    t.operand = std::move(operand);
    if (is(token_type::open_paren)) {
      t.args = args(args_mode::call);
    } else if (starts_test_argument()) {
      t.args.push_back(member(primary()));
    }
    operand = make(at, std::move(t));
  }
  return operand;
}

expr_ptr parser::filter() {
  expr_ptr operand = unary_sign();
  while (is(token_type::pipe)) {
    ++cur_;
    const uint32_t at = here();  // errors point at the filter's name
    operand = make(at, filter_spec(std::move(operand)));
  }
  return operand;
}

expr_ptr parser::unary_sign() {
  nest guard(*this);
  if ((is(token_type::unary) || is(token_type::additive)) &&
      (t_[cur_].value == "-" || t_[cur_].value == "+")) {
    const token& t = t_[cur_++];
    const unary_op op = t.value == "-" ? unary_op::minus : unary_op::plus;
    return make(t.offset, unary_expr{op, unary_sign()});
  }
  expr_ptr m = member(primary());
  if (is(token_type::open_paren)) return call_expression(std::move(m));
  return m;
}

expr_ptr parser::call_expression(expr_ptr callee) {
  nest guard(*this);
  const uint32_t at = callee->offset;  // errors point at what is called
  std::vector<expr_ptr> a = args(args_mode::call);
  expr_ptr e = member(make(at, call_expr{std::move(callee), std::move(a)}));
  if (is(token_type::open_paren)) return call_expression(std::move(e));
  return e;
}

std::vector<expr_ptr> parser::args(args_mode mode) {
  expect(token_type::open_paren, "'('");
  std::vector<expr_ptr> out;
  std::unordered_set<std::string> names;
  bool saw_keyword = false, saw_spread = false;
  const bool params = mode == args_mode::parameters;
  while (!is(token_type::close_paren)) {
    if (cur_ >= t_.size()) fail("unexpected end of template, expected ')'");
    const uint32_t at = here();
    const bool keyword_spread = is(token_type::exponentiation);
    const bool positional_spread = is(token_type::multiplicative) && t_[cur_].value == "*";
    if (params && (keyword_spread || positional_spread))
      fail("argument unpacking is not allowed in parameter declarations");
    if (keyword_spread) {
      ++cur_;
      out.push_back(make(at, spread_expr{expression(), true}));
      if (is(token_type::comma)) ++cur_;
      if (!is(token_type::close_paren)) fail("'**' must be applied to the last argument");
      break;
    }
    expr_ptr arg;
    if (positional_spread) {
      if (saw_spread) fail("only one '*' argument unpacking is allowed");
      saw_spread = true;
      ++cur_;
      arg = make(at, spread_expr{expression(), false});
    } else {
      arg = expression();
      if (is(token_type::equals)) {
        ++cur_;
        auto* id = std::get_if<identifier_expr>(&arg->node);
        if (!id) throw syntax_error("expected a name before '='", arg->offset);
        std::string name = id->name;
        arg = make(at, keyword_expr{std::move(name), expression()});
      }
      const auto* kw = std::get_if<keyword_expr>(&arg->node);
      if (params) {
        const auto* id = std::get_if<identifier_expr>(&arg->node);
        if (!id && !kw) throw syntax_error("expected a parameter name", arg->offset);
        const std::string& name = id ? id->name : kw->name;
        if (!names.insert(name).second)
          throw syntax_error("duplicate parameter '" + name + "'", arg->offset);
      }
      if (kw) {
        saw_keyword = true;
      } else if (saw_keyword) {
        throw syntax_error(params ? "a parameter without a default follows one with a default"
                                  : "a positional argument follows a keyword argument",
                           arg->offset);
      } else if (saw_spread) {
        throw syntax_error("a positional argument follows '*' unpacking", arg->offset);
      }
    }
    out.push_back(std::move(arg));
    if (is(token_type::comma)) ++cur_;
  }
  expect(token_type::close_paren, "')'");
  return out;
}

expr_ptr parser::subscript(expr_ptr object, uint32_t at) {
  std::vector<expr_ptr> parts;
  bool is_slice = false;
  while (!is(token_type::close_square)) {
    if (cur_ >= t_.size()) fail("unexpected end of template, expected ']'");
    if (is(token_type::colon)) {
      parts.push_back(nullptr);
      ++cur_;
      is_slice = true;
    } else {
      parts.push_back(expression());
      if (is(token_type::colon)) {
        ++cur_;
        is_slice = true;
      }
    }
  }
  if (parts.empty()) fail("expected an index or a slice in '[]'");
  expect(token_type::close_square, "']'");
  if (!is_slice) return make(at, member_expr{std::move(object), std::move(parts[0]), true});
  if (parts.size() > 3) throw syntax_error("a slice has at most three parts", at);
  parts.resize(3);
  return make(at, slice_expr{std::move(object), std::move(parts[0]), std::move(parts[1]),
                             std::move(parts[2])});
}

expr_ptr parser::member(expr_ptr object) {
  while (is(token_type::dot) || is(token_type::open_square)) {
    const token& op = t_[cur_++];
    if (op.type == token_type::open_square) {
      object = subscript(std::move(object), op.offset);
      continue;
    }
    expr_ptr property = primary();
    const auto* lit = std::get_if<literal_expr>(&property->node);
    const bool integer = lit && lit->v.is(kind::integer);
    if (!integer && !std::holds_alternative<identifier_expr>(property->node))
      throw syntax_error("expected a name or an integer after '.'", property->offset);
    object = make(op.offset, member_expr{std::move(object), std::move(property), false});
  }
  return object;
}

expr_ptr parser::number_literal(const token& t) {
  std::string_view text = t.value;
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.find('.') != std::string_view::npos) {
    double d = 0;
    std::from_chars(text.data(), text.data() + text.size(), d);
    return make(t.offset, literal_expr{value::floating(d)});
  }
  int64_t i = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), i);
  if (r.ec != std::errc()) throw syntax_error("integer literal out of range", t.offset);
  return make(t.offset, literal_expr{value::integer(i)});
}

expr_ptr parser::primary() {
  if (cur_ >= t_.size()) fail("unexpected end of template");
  const token& t = t_[cur_++];
  switch (t.type) {
    case token_type::numeric:
      return number_literal(t);
    case token_type::string: {
      std::string s = t.value;
      while (is(token_type::string)) s += t_[cur_++].value;  // 'a' 'b' is 'ab'
      return make(t.offset, literal_expr{value::string(std::move(s))});
    }
    case token_type::identifier:
      return make(t.offset, identifier_expr{t.value});
    case token_type::open_paren: {
      expr_ptr e = expression_sequence(false);
      expect(token_type::close_paren, "')'");
      return e;
    }
    case token_type::open_square: {
      list_expr l;
      while (!is(token_type::close_square)) {
        if (cur_ >= t_.size()) fail("unexpected end of template, expected ']'");
        l.items.push_back(expression());
        if (is(token_type::comma)) ++cur_;
      }
      ++cur_;
      return make(t.offset, std::move(l));
    }
    case token_type::open_curly: {
      dict_expr d;
      while (!is(token_type::close_curly)) {
        if (cur_ >= t_.size()) fail("unexpected end of template, expected '}'");
        expr_ptr key = expression();
        expect(token_type::colon, "':'");
        expr_ptr v = expression();
        d.entries.emplace_back(std::move(key), std::move(v));
        if (is(token_type::comma)) ++cur_;
      }
      ++cur_;
      return make(t.offset, std::move(d));
    }
    default:
      --cur_;
      fail("unexpected " + describe());
  }
}

}  // namespace troupe::jinja::detail
