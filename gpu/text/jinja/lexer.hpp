// The lexer: preprocessed template text in, tokens out, exactly as @huggingface/jinja's
// tokenize() splits it (including its whitespace control: `{%-` and `{{-` trim the text before,
// `-%}`, `-}}` and `-#}` skip the whitespace after; a `-` or `+` directly after an operator or
// an opening bracket starts a signed number literal).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpu/text/jinja/source.hpp"

namespace troupe::jinja {

enum class token_type : uint8_t {
  text,
  numeric,
  string,
  identifier,
  equals,
  open_paren,
  close_paren,
  open_statement,
  close_statement,
  open_expression,
  close_expression,
  open_square,
  close_square,
  open_curly,
  close_curly,
  comma,
  dot,
  colon,
  pipe,
  additive,        // + - ~
  multiplicative,  // * / // %
  exponentiation,  // **
  comparison,      // < > <= >= == !=
  unary,           // a sign that is not part of a number: - +
  comment,
};

const char* token_name(token_type t);

struct token {
  token_type type;
  std::string value;  // text, literal contents (escapes resolved), identifier, operator
  uint32_t offset;    // where it starts in the source as written
};

struct syntax_error : std::runtime_error {
  syntax_error(const std::string& message, uint32_t at, bool too_deep = false)
      : std::runtime_error(message), offset(at), limit(too_deep) {}
  uint32_t offset;  // in the source as written
  bool limit;       // the template nests too deeply (a template_limit)
};

std::vector<token> tokenize(const preprocessed& source);
// Throws syntax_error.

}  // namespace troupe::jinja
