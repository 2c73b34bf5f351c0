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

inline constexpr int max_evaluation_depth = 512;
// render_limits{}.max_depth: an expression tree of height h (left-deep operator chains
// included) in a statement nested k deep (a top-level statement is 1, an elif one more than its
// if) is evaluated k + h deep, so the parser rejects templates where that exceeds this. A
// template that parses renders within the default depth, unless macros call macros deeply.

block parse(const std::vector<token>& tokens, uint32_t end_offset);
// The template's statements; throws syntax_error. `end_offset` is where errors at the end of
// the template point.

}  // namespace troupe::jinja
