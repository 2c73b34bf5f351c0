#include "gpu/text/jinja/parser.hpp"

#include <algorithm>

#include "gpu/text/jinja/parser_impl.hpp"
#include "gpu/text/jinja/special_args.hpp"

namespace troupe::jinja {

namespace detail {

static_assert(max_evaluation_depth == render_limits{}.max_depth);

parser::nest::nest(parser& p) : p_(p) {
  if (++p_.nesting_ > max_parse_nesting) p_.fail_too_deep("the template nests too deeply");
}

block parser::program() {
  block body;
  while (cur_ < t_.size()) {
    if (stmt_ptr s = any()) body.push_back(std::move(s));
  }
  return body;
}

void parser::fail(const std::string& message) const {
  throw syntax_error(message, here());
}

void parser::fail_too_deep(const std::string& message) const {
  throw syntax_error(message, here(), true);
}

std::string parser::describe() const {
  if (cur_ >= t_.size()) return "the end of the template";
  const token& t = t_[cur_];
  switch (t.type) {
    case token_type::identifier:
    case token_type::numeric:
      return std::string(token_name(t.type)) + " '" + t.value + "'";
    case token_type::additive:
    case token_type::multiplicative:
    case token_type::exponentiation:
    case token_type::comparison:
    case token_type::unary:
      return "'" + t.value + "'";
    default:
      return token_name(t.type);
  }
}

bool parser::is_identifier(std::string_view name, size_t ahead) const {
  return cur_ + ahead < t_.size() && t_[cur_ + ahead].type == token_type::identifier &&
         t_[cur_ + ahead].value == name;
}

bool parser::is_statement(std::initializer_list<std::string_view> names) const {
  if (!is(token_type::open_statement)) return false;
  for (auto n : names)
    if (is_identifier(n, 1)) return true;
  return false;
}

const token& parser::expect(token_type type, const char* what) {
  if (!is(type)) fail(std::string("expected ") + what + ", got " + describe());
  return t_[cur_++];
}

void parser::expect_identifier(std::string_view name) {
  if (!is_identifier(name)) fail("expected '" + std::string(name) + "', got " + describe());
  ++cur_;
}

void parser::close_tag(std::string_view end_name) {
  const std::string tag = "{% " + std::string(end_name) + " %}";
  expect(token_type::open_statement, tag.c_str());
  expect_identifier(end_name);
  expect(token_type::close_statement, "'%}'");
}

block parser::body_until(std::initializer_list<std::string_view> names) {
  block b;
  while (!is_statement(names)) {
    if (cur_ >= t_.size()) {
      std::string_view end = *names.begin();  // the end tag (endif, not elif)
      for (auto n : names)
        if (n.substr(0, 3) == "end") end = n;
      fail("unexpected end of template, expected {% " + std::string(end) + " %}");
    }
    if (stmt_ptr s = any()) b.push_back(std::move(s));
  }
  return b;
}

stmt_ptr parser::any() {
  nest guard(*this);
  statement_level level(*this);
  const token& t = t_[cur_];
  switch (t.type) {
    case token_type::comment:
      ++cur_;
      return nullptr;
    case token_type::text:
      ++cur_;
      return make_stmt(t.offset, text_stmt{t.value});
    case token_type::open_statement:
      return statement();
    case token_type::open_expression: {
      ++cur_;
      expr_ptr e = expression();
      expect(token_type::close_expression, "'}}'");
      return make_stmt(t.offset, output_stmt{std::move(e)});
    }
    default:
      fail("unexpected " + describe());
  }
}

stmt_ptr parser::statement() {
  const uint32_t at = t_[cur_++].offset;  // {%
  if (!is(token_type::identifier)) fail("expected a statement name, got " + describe());
  const std::string name = t_[cur_].value;
  ++cur_;
  if (name == "set") return set_statement(at);
  if (name == "if") {
    stmt_ptr s = if_statement(at);
    close_tag("endif");
    return s;
  }
  if (name == "macro") return macro_statement(at);
  if (name == "for") return for_statement(at);
  if (name == "call") return call_statement(at);
  if (name == "filter") return filter_statement(at);
  if (name == "break" || name == "continue") {
    expect(token_type::close_statement, "'%}'");
    if (name == "break") return make_stmt(at, break_stmt{});
    return make_stmt(at, continue_stmt{});
  }
  cur_ -= 1;
  fail("unknown statement '" + name + "'");
}

stmt_ptr parser::set_statement(uint32_t at) {
  set_stmt s;
  s.target = expression_sequence(false);
  if (is(token_type::equals)) {
    ++cur_;
    s.value = expression_sequence(false);
  } else {
    expect(token_type::close_statement, "'%}'");
    s.body = body_until({"endset"});
    expect(token_type::open_statement, "{% endset %}");
    expect_identifier("endset");
  }
  expect(token_type::close_statement, "'%}'");
  return make_stmt(at, std::move(s));
}

stmt_ptr parser::if_statement(uint32_t at) {
  nest guard(*this);
  if_stmt s;
  s.condition = expression();
  expect(token_type::close_statement, "'%}'");
  s.body = body_until({"elif", "else", "endif"});
  if (is_statement({"elif"})) {
    const uint32_t elif_at = t_[cur_].offset;
    cur_ += 2;
    statement_level level(*this);  // evaluated within the if's alternate block
    s.alternate.push_back(if_statement(elif_at));
  } else if (is_statement({"else"})) {
    cur_ += 2;
    expect(token_type::close_statement, "'%}'");
    s.alternate = body_until({"endif"});
  }
  return make_stmt(at, std::move(s));
}

std::vector<param> parser::parameters(std::vector<expr_ptr> args) {
  std::vector<param> out;
  for (auto& a : args) {
    if (auto* id = std::get_if<identifier_expr>(&a->node)) {
      out.push_back(param{id->name, nullptr});
    } else {
      auto& kw = std::get<keyword_expr>(a->node);
      out.push_back(param{kw.name, std::move(kw.value)});
    }
  }
  return out;
}

std::string parser::name_after(const char* statement) {
  expr_ptr e = primary();
  auto* id = std::get_if<identifier_expr>(&e->node);
  if (!id) throw syntax_error(std::string("expected a name after '") + statement + "'", e->offset);
  return id->name;
}

stmt_ptr parser::macro_statement(uint32_t at) {
  macro_stmt s;
  s.name = name_after("macro");
  s.params = parameters(args(args_mode::parameters));
  expect(token_type::close_statement, "'%}'");
  s.body = body_until({"endmacro"});
  close_tag("endmacro");
  const special_args used = find_special_args(s.params, s.body);
  s.uses_kwargs = used.kwargs;
  s.uses_varargs = used.varargs;
  return make_stmt(at, std::move(s));
}

stmt_ptr parser::for_statement(uint32_t at) {
  for_stmt s;
  s.target = expression_sequence(true);
  const auto* tuple = std::get_if<list_expr>(&s.target->node);
  if (!std::holds_alternative<identifier_expr>(s.target->node) && !(tuple && tuple->tuple))
    throw syntax_error("expected a name or a tuple of names after 'for'", s.target->offset);
  if (!is_identifier("in")) fail("expected 'in' after the loop variable, got " + describe());
  ++cur_;
  s.iterable = expression();
  if (auto* sel = std::get_if<select_expr>(&s.iterable->node)) {  // for x in xs if c
    s.condition = std::move(sel->condition);
    expr_ptr inner = std::move(sel->value);
    s.iterable = std::move(inner);
  }
  expect(token_type::close_statement, "'%}'");
  s.body = body_until({"endfor", "else"});
  if (is_statement({"else"})) {
    cur_ += 2;
    expect(token_type::close_statement, "'%}'");
    s.otherwise = body_until({"endfor"});
  }
  close_tag("endfor");
  return make_stmt(at, std::move(s));
}

stmt_ptr parser::call_statement(uint32_t at) {
  call_stmt s;
  if (is(token_type::open_paren)) s.caller_params = parameters(args(args_mode::parameters));
  const uint32_t callee_at = here();
  expr_ptr callee = make(callee_at, identifier_expr{name_after("call")});
  std::vector<expr_ptr> call_args = args(args_mode::call);
  s.call = make(callee_at, call_expr{std::move(callee), std::move(call_args)});
  expect(token_type::close_statement, "'%}'");
  s.body = body_until({"endcall"});
  close_tag("endcall");
  const special_args used = find_special_args(s.caller_params, s.body);
  s.uses_kwargs = used.kwargs;
  s.uses_varargs = used.varargs;
  return make_stmt(at, std::move(s));
}

stmt_ptr parser::filter_statement(uint32_t at) {
  filter_stmt s;
  s.filter = filter_spec(nullptr);
  expect(token_type::close_statement, "'%}'");
  s.body = body_until({"endfilter"});
  close_tag("endfilter");
  return make_stmt(at, std::move(s));
}

}  // namespace detail

block parse(const std::vector<token>& tokens, uint32_t end_offset) {
  return detail::parser(tokens, end_offset).program();
}

}  // namespace troupe::jinja
