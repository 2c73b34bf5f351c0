// The syntax tree of a template: statements (text, output, if, for, set, macro, call, filter,
// break, continue) and expressions, as @huggingface/jinja's parser builds them. Every node
// knows where it starts in the source (for error messages).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "gpu/text/jinja/value.hpp"

namespace troupe::jinja {

struct expr;
using expr_ptr = std::unique_ptr<expr>;
struct stmt;
using stmt_ptr = std::unique_ptr<stmt>;
using block = std::vector<stmt_ptr>;

enum class binary_op : uint8_t {
  and_,
  or_,
  add,       // +
  subtract,  // -
  concat,    // ~
  multiply,
  divide,        // /: always a float
  floor_divide,  // //
  modulo,
  power,
  equal,  // JavaScript's ==, as the reference
  not_equal,
  less,
  greater,
  less_equal,
  greater_equal,
  in,
  not_in,
};

enum class unary_op : uint8_t { not_, minus, plus };

struct literal_expr {
  value v;  // an integer, float or string literal
};
struct identifier_expr {
  std::string name;
};
struct list_expr {
  std::vector<expr_ptr> items;
  bool tuple = false;
};
struct dict_expr {
  std::vector<std::pair<expr_ptr, expr_ptr>> entries;
};
struct member_expr {
  expr_ptr object;
  expr_ptr property;  // `a[x]`: any expression; `a.b`: an identifier or integer literal
  bool computed = false;
};
struct slice_expr {
  expr_ptr object;
  expr_ptr start, stop, step;  // each may be null
};
struct call_expr {
  expr_ptr callee;
  std::vector<expr_ptr> args;  // expressions, keyword_expr, spread_expr
};
struct keyword_expr {
  std::string name;
  expr_ptr value;
};
struct spread_expr {
  expr_ptr operand;
  bool keywords = false;  // `**d` rather than `*xs`
};
struct unary_expr {
  unary_op op;
  expr_ptr operand;
};
struct binary_expr {
  binary_op op;
  expr_ptr left, right;
};
struct filter_expr {
  expr_ptr operand;  // null in a {% filter %} statement
  std::string name;
  std::vector<expr_ptr> args;
  bool called = false;     // written with parentheses: `f()` (some filters differ)
  bool malformed = false;  // not a name or a name with one argument list: fails when evaluated
};
struct test_expr {
  expr_ptr operand;
  std::string name;
  std::vector<expr_ptr> args;
  bool negate = false;
};
struct select_expr {  // `a if c` without else: a, or undefined
  expr_ptr value;
  expr_ptr condition;
};
struct ternary_expr {
  expr_ptr condition, if_true, if_false;
};

struct expr {
  uint32_t offset = 0;
  int height = 1;  // of the subtree, bounded by the parser
  std::variant<literal_expr, identifier_expr, list_expr, dict_expr, member_expr, slice_expr,
               call_expr, keyword_expr, spread_expr, unary_expr, binary_expr, filter_expr,
               test_expr, select_expr, ternary_expr>
      node;
};

struct param {
  std::string name;
  expr_ptr default_value;  // may be null
};

struct text_stmt {
  std::string text;
};
struct output_stmt {
  expr_ptr value;
};
struct if_stmt {
  expr_ptr condition;
  block body, alternate;
};
struct for_stmt {
  expr_ptr target;  // an identifier or a tuple of them
  expr_ptr iterable;
  expr_ptr condition;  // `for x in xs if c`; may be null
  block body, otherwise;
};
struct set_stmt {
  expr_ptr target;  // identifier, tuple, or `ns.attr`
  expr_ptr value;   // null for a block set
  block body;
};
struct macro_stmt {
  std::string name;
  std::vector<param> params;
  block body;
  bool uses_kwargs = false, uses_varargs = false;
};
struct call_stmt {
  expr_ptr call;  // a call_expr
  std::vector<param> caller_params;
  block body;
  bool uses_kwargs = false, uses_varargs = false;
};
struct filter_stmt {
  filter_expr filter;
  block body;
};
struct break_stmt {};
struct continue_stmt {};

struct stmt {
  uint32_t offset = 0;
  std::variant<text_stmt, output_stmt, if_stmt, for_stmt, set_stmt, macro_stmt, call_stmt,
               filter_stmt, break_stmt, continue_stmt>
      node;
};

}  // namespace troupe::jinja
