// The parser's internals, shared by parser.cpp (statements) and parser_expressions.cpp
// (expressions): a port of @huggingface/jinja's recursive-descent parser, with a bound on
// recursion and on the height of expression trees.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/text/jinja/parser.hpp"

namespace troupe::jinja::detail {

enum class args_mode { call, parameters };

int children_height(const expr& e);

class parser {
 public:
  parser(const std::vector<token>& tokens, uint32_t end) : t_(tokens), end_(end) {}
  block program();

 private:
  class nest {  // counts recursion, so that no input can exhaust the stack
   public:
    explicit nest(parser& p);
    ~nest() { --p_.nesting_; }
    nest(const nest&) = delete;
    nest& operator=(const nest&) = delete;

   private:
    parser& p_;
  };
  class statement_level {  // one statement deeper, as the evaluator will nest it
   public:
    explicit statement_level(parser& p) : p_(p) { ++p_.statement_depth_; }
    ~statement_level() { --p_.statement_depth_; }
    statement_level(const statement_level&) = delete;
    statement_level& operator=(const statement_level&) = delete;

   private:
    parser& p_;
  };

  // Tokens.
  uint32_t here() const { return cur_ < t_.size() ? t_[cur_].offset : end_; }
  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void fail_too_deep(const std::string& message) const;  // a template_limit
  std::string describe() const;  // the current token, for messages
  bool is(token_type type) const { return cur_ < t_.size() && t_[cur_].type == type; }
  bool is_identifier(std::string_view name, size_t ahead = 0) const;
  bool is_statement(std::initializer_list<std::string_view> names) const;  // {% name
  const token& expect(token_type type, const char* what);
  void expect_identifier(std::string_view name);
  void close_tag(std::string_view end_name);  // {% end_name %}

  template <typename T>
  expr_ptr make(uint32_t offset, T&& node) {
    auto e = std::make_unique<expr>();
    e->offset = offset;
    e->node = std::forward<T>(node);
    e->height = 1 + children_height(*e);
    if (e->height + statement_depth_ > max_evaluation_depth)
      fail_too_deep("the expression nests too deeply");
    return e;
  }
  template <typename T>
  stmt_ptr make_stmt(uint32_t offset, T&& node) {
    auto s = std::make_unique<stmt>();
    s->offset = offset;
    s->node = std::forward<T>(node);
    return s;
  }

  // Statements (parser.cpp).
  block body_until(std::initializer_list<std::string_view> names);
  stmt_ptr any();
  stmt_ptr statement();
  stmt_ptr set_statement(uint32_t at);
  stmt_ptr if_statement(uint32_t at);
  stmt_ptr macro_statement(uint32_t at);
  stmt_ptr for_statement(uint32_t at);
  stmt_ptr call_statement(uint32_t at);
  stmt_ptr filter_statement(uint32_t at);
  std::vector<param> parameters(std::vector<expr_ptr> args);
  std::string name_after(const char* statement);

  // Expressions (parser_expressions.cpp).
  filter_expr filter_spec(expr_ptr operand);        // after `|` or `{% filter`
  expr_ptr expression_sequence(bool primary_only);  // a, b, c: a tuple
  expr_ptr expression();
  expr_ptr binary(uint32_t at, binary_op op, expr_ptr l, expr_ptr r);
  expr_ptr or_expression();
  expr_ptr and_expression();
  expr_ptr not_expression();
  expr_ptr comparison();
  expr_ptr additive();
  expr_ptr multiplicative();
  expr_ptr power();
  bool starts_test_argument() const;
  expr_ptr test();
  expr_ptr filter();
  expr_ptr unary_sign();
  expr_ptr call_expression(expr_ptr callee);
  std::vector<expr_ptr> args(args_mode mode);
  expr_ptr subscript(expr_ptr object, uint32_t at);
  expr_ptr member(expr_ptr object);
  expr_ptr primary();
  expr_ptr number_literal(const token& t);

  const std::vector<token>& t_;
  uint32_t end_;
  size_t cur_ = 0;
  int nesting_ = 0;
  int statement_depth_ = 0;
};

}  // namespace troupe::jinja::detail
