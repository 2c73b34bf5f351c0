// The text the lexer reads: @huggingface/jinja preprocesses every template before lexing it,
// and so does this renderer, byte for byte:
//   1. one trailing "\n" is removed;
//   2. lstrip_blocks: spaces and tabs at the start of a line are removed before "{%", "{#" and
//      "{-";
//   3. trim_blocks: the "\n" right after "%}", "#}" and "-}" is removed;
//   4. `{% generation %}` and `{% endgeneration %}` tags are removed (their body stays), with
//      the whitespace before the tag when it is written `{%-` and after it when `-%}`.
// Each byte of the result remembers where it came from, so errors name the line and column in
// the template as written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::jinja {

struct preprocessed {
  std::string text;
  std::vector<uint32_t> origin;  // origin[i]: the source offset of text[i]; one more at the end
};

preprocessed preprocess(std::string_view source);

struct location {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in characters
};

location locate(std::string_view source, size_t offset);

}  // namespace troupe::jinja
