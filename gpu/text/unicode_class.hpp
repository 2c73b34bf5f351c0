// Unicode character classes for pre-tokenization (\p{L}, \p{N}, \s) and UTF-8 decoding.
//
// Letter and number ranges are generated from the Unicode database (unicode_tables.cpp, see
// tools/gen_unicode_tables.py); whitespace is Unicode's White_Space property, as in the regex
// engines Hugging Face tokenizers use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::unicode {

struct code_range {
  char32_t first;
  char32_t last;
};

namespace tables {
extern const code_range letters[];
extern const size_t letters_count;
extern const code_range numbers[];
extern const size_t numbers_count;
}  // namespace tables

bool is_letter(char32_t cp);      // general category L*
bool is_number(char32_t cp);      // general category N*
bool is_whitespace(char32_t cp);  // White_Space

struct decoded {
  char32_t cp;   // the code point; U+FFFD for an invalid byte
  uint32_t len;  // bytes consumed (1 for an invalid byte)
  bool valid;
};

decoded decode_utf8(std::string_view s, size_t i);
// The character starting at s[i] (i < s.size()). Overlong forms, surrogates, code points beyond
// U+10FFFF and truncated sequences are invalid: one byte is consumed.

void append_utf8(std::string& out, char32_t cp);

}  // namespace troupe::unicode
