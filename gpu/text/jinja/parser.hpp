// The parser: tokens in, statements out, accepting what @huggingface/jinja's parser accepts
// (and a little more: tests with arguments, `x is divisibleby 3`, `x is in(xs)`). Operator
// precedence is the reference's, from loosest to tightest: `a if c else b`, or, and, not,
// comparisons and `in`, `+ - ~`, `* / // %`, `**`, `is`, `|`, unary sign, calls and
// subscripts.
#pragma once

#include <cstdint>
#include <vector>

#include "gpu/text/jinja/ast.hpp"
#include "gpu/text/jinja/lexer.hpp"

namespace troupe::jinja {

inline constexpr int max_parse_nesting = 512;
// Nested statements, brackets and recursive operators (not, signs, elif) at most this deep.

inline constexpr int max_expression_height = 1024;
// Expression trees (left-deep operator chains included) at most this high.

block parse(const std::vector<token>& tokens, uint32_t end_offset);
// The template's statements; throws syntax_error. `end_offset` is where errors at the end of
// the template point.

}  // namespace troupe::jinja
