// Unicode character classes for pre-tokenization (\p{L}, \p{N}, \p{M}, \p{P}, \p{S}, \p{Lu}, ...,
// \s) and UTF-8 decoding.
//
// General categories are generated from the Unicode database (unicode_tables.cpp, see
// tools/gen_unicode_tables.py); whitespace is Unicode's White_Space property, as in the regex
// engines Hugging Face tokenizers use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::unicode {

// clang-format off
enum class category : uint8_t {
  Cn,  // unassigned
  Lu, Ll, Lt, Lm, Lo,          // letters
  Mn, Mc, Me,                  // marks
  Nd, Nl, No,                  // numbers
  Pc, Pd, Ps, Pe, Pi, Pf, Po,  // punctuation
  Sm, Sc, Sk, So,              // symbols
  Zs, Zl, Zp,                  // separators
  Cc, Cf, Cs, Co,              // other
};
// clang-format on

struct category_range {
  char32_t first;
  char32_t last;
  category cat;
};

namespace tables {
extern const category_range categories[];  // ascending, not overlapping; Cn left out
extern const size_t categories_count;
}  // namespace tables

category general_category(char32_t cp);

inline bool is_letter(category c) {
  return c >= category::Lu && c <= category::Lo;
}
inline bool is_mark(category c) {
  return c >= category::Mn && c <= category::Me;
}
inline bool is_number(category c) {
  return c >= category::Nd && c <= category::No;
}
inline bool is_punctuation(category c) {
  return c >= category::Pc && c <= category::Po;
}
inline bool is_symbol(category c) {
  return c >= category::Sm && c <= category::So;
}

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
