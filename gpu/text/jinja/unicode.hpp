// The text operations the renderer needs, on UTF-8, with the semantics of JavaScript strings
// (@huggingface/jinja is the reference): what counts as whitespace, trimming, lengths and
// indices in UTF-16 code units, case mapping, code-unit ordering.
//
// Invalid UTF-8 never breaks anything: a byte that does not start a valid sequence decodes as
// U+FFFD of length 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::jinja::unicode {

struct decoded {
  char32_t cp;  // the code point, U+FFFD for an invalid sequence
  size_t len;   // bytes consumed, at least 1
};

decoded decode(std::string_view s, size_t i);
// The code point starting at byte `i` (< s.size()).

void append_utf8(std::string& out, char32_t cp);
// Appends `cp` in UTF-8; surrogates and values beyond U+10FFFF become U+FFFD.

bool is_space(char32_t cp);
// JavaScript's \s: the WhiteSpace and LineTerminator code points.

bool is_line_terminator(char32_t cp);
// \n, \r, U+2028, U+2029 (where a JavaScript multiline ^ matches after).

size_t space_at(std::string_view s, size_t i);
// The length of the whitespace code point at `i`, or 0 if there is none (or i is at the end).

std::string_view trim(std::string_view s);
std::string_view trim_start(std::string_view s);
std::string_view trim_end(std::string_view s);
// String.prototype.trim / trimStart / trimEnd.

size_t utf16_length(std::string_view s);
// String.prototype.length: code points, astral ones counting twice.

std::optional<std::string> utf16_at(std::string_view s, int64_t index);
// String.prototype.at(index) (negative counts from the end): the character at that UTF-16
// index, U+FFFD when it is half of a surrogate pair, nullopt when out of range.

std::vector<std::string_view> code_points(std::string_view s);
// Array.from(s): one view per code point.

std::string_view last_code_point(std::string_view s);
// code_points(s).back() without walking `s` (empty for an empty string).

size_t find(std::string_view haystack, std::string_view needle, size_t from = 0);
// haystack.find(needle, from) in linear time whatever the needle (std::string::find can take
// haystack × needle steps); npos when absent.

inline bool is_word(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
// An ASCII word character (\w): letters, digits, underscore.

int compare_utf16(std::string_view a, std::string_view b);
// The order of JavaScript's < on strings (UTF-16 code units): -1, 0 or 1.

std::string to_upper(std::string_view s);
std::string to_lower(std::string_view s);
// toUpperCase / toLowerCase for Latin (Basic, Latin-1, Extended-A, the regular parts of
// Extended-B, Extended Additional), Greek, Cyrillic, Armenian and fullwidth Latin letters,
// with the special cases ß → SS, ŉ → ʼN, İ → i̇; other scripts are left unchanged, and a
// final sigma lowercases to σ (JavaScript writes ς).

}  // namespace troupe::jinja::unicode
