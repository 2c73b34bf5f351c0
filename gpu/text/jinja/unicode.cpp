#include "gpu/text/jinja/unicode.hpp"

#include <cstring>

namespace troupe::jinja::unicode {

decoded decode(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return {c, 1};
  size_t need = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3, cp = c & 0x07, min = 0x10000;
  } else {
    return {0xFFFD, 1};
  }
  if (i + need >= s.size()) return {0xFFFD, 1};
  for (size_t k = 1; k <= need; ++k) {
    const unsigned char n = b(i + k);
    if ((n & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (n & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1};
  return {cp, need + 1};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_space(char32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

bool is_line_terminator(char32_t cp) {
  return cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029;
}

size_t space_at(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  const decoded d = decode(s, i);
  return is_space(d.cp) ? d.len : 0;
}

std::string_view trim_start(std::string_view s) {
  size_t i = 0;
  while (size_t n = space_at(s, i)) i += n;
  return s.substr(i);
}

std::string_view trim_end(std::string_view s) {
  size_t end = 0;  // the end of the last non-space code point
  size_t i = 0;
  while (i < s.size()) {
    const decoded d = decode(s, i);
    i += d.len;
    if (!is_space(d.cp)) end = i;
  }
  return s.substr(0, end);
}

std::string_view trim(std::string_view s) {
  return trim_end(trim_start(s));
}

size_t utf16_length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    const decoded d = decode(s, i);
    n += d.cp >= 0x10000 ? 2 : 1;
    i += d.len;
  }
  return n;
}

std::optional<std::string> utf16_at(std::string_view s, int64_t index) {
  const auto length = static_cast<int64_t>(utf16_length(s));
  if (index < 0) index += length;
  if (index < 0 || index >= length) return std::nullopt;
  int64_t unit = 0;
  for (size_t i = 0; i < s.size();) {
    const decoded d = decode(s, i);
    const int64_t units = d.cp >= 0x10000 ? 2 : 1;
    if (index < unit + units) {
      if (units == 2) return std::string("\xEF\xBF\xBD");
      return std::string(s.substr(i, d.len));
    }
    unit += units;
    i += d.len;
  }
  return std::nullopt;
}

std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    const decoded d = decode(s, i);
    out.push_back(s.substr(i, d.len));
    i += d.len;
  }
  return out;
}

std::string_view last_code_point(std::string_view s) {
  // A byte that is not a continuation byte always starts a code point (a sequence never spans
  // one), and sequences are at most 4 bytes: the last code point starts at the last such byte
  // within 4 of the end if its sequence reaches the end, else it is the last byte alone.
  if (s.empty()) return s;
  const auto continuation = [&](size_t i) {
    return (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
  };
  for (size_t back = 1; back <= 4 && back <= s.size(); ++back) {
    const size_t i = s.size() - back;
    if (continuation(i)) continue;
    if (decode(s, i).len == back) return s.substr(i);
    break;
  }
  return s.substr(s.size() - 1);
}

size_t find(std::string_view haystack, std::string_view needle, size_t from) {
  if (from > haystack.size()) return std::string_view::npos;
  if (needle.empty()) return from;
  const void* at = memmem(haystack.data() + from, haystack.size() - from, needle.data(),
                          needle.size());  // glibc's is linear (the two-way algorithm)
  return at ? static_cast<size_t>(static_cast<const char*>(at) - haystack.data())
            : std::string_view::npos;
}

namespace {

// Walks a string as UTF-16 code units.
class utf16_units {
 public:
  explicit utf16_units(std::string_view s) : s_(s) {}
  bool next(char32_t& unit) {
    if (low_ != 0) {
      unit = low_;
      low_ = 0;
      return true;
    }
    if (i_ >= s_.size()) return false;
    const decoded d = decode(s_, i_);
    i_ += d.len;
    if (d.cp >= 0x10000) {
      unit = 0xD800 + ((d.cp - 0x10000) >> 10);
      low_ = 0xDC00 + ((d.cp - 0x10000) & 0x3FF);
    } else {
      unit = d.cp;
    }
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
  char32_t low_ = 0;
};

bool in(char32_t cp, char32_t lo, char32_t hi) {
  return cp >= lo && cp <= hi;
}

// Pairs where the uppercase letter is at an even (parity 0) or odd (parity 1) code point.
bool pair_upper(char32_t cp, char32_t lo, char32_t hi, unsigned parity) {
  return in(cp, lo, hi) && (cp & 1) == parity;
}

char32_t lower_simple(char32_t cp) {
  if (in(cp, 'A', 'Z')) return cp + 32;
  if (cp < 0xC0) return cp;
  if (in(cp, 0xC0, 0xDE) && cp != 0xD7) return cp + 32;
  if (pair_upper(cp, 0x100, 0x12F, 0) || pair_upper(cp, 0x132, 0x137, 0) ||
      pair_upper(cp, 0x139, 0x148, 1) || pair_upper(cp, 0x14A, 0x177, 0) ||
      pair_upper(cp, 0x179, 0x17E, 1))
    return cp + 1;
  if (cp == 0x178) return 0xFF;
  if (cp == 0x1C4 || cp == 0x1C5) return 0x1C6;  // the DŽ, LJ, NJ, DZ digraphs
  if (cp == 0x1C7 || cp == 0x1C8) return 0x1C9;
  if (cp == 0x1CA || cp == 0x1CB) return 0x1CC;
  if (cp == 0x1F1 || cp == 0x1F2) return 0x1F3;
  if (pair_upper(cp, 0x1CD, 0x1DC, 1) || pair_upper(cp, 0x1DE, 0x1EF, 0) ||
      pair_upper(cp, 0x1F8, 0x21F, 0) || pair_upper(cp, 0x222, 0x233, 0) ||
      pair_upper(cp, 0x246, 0x24F, 0))
    return cp + 1;
  if (cp == 0x386) return 0x3AC;
  if (in(cp, 0x388, 0x38A)) return cp + 37;
  if (cp == 0x38C) return 0x3CC;
  if (in(cp, 0x38E, 0x38F)) return cp + 63;
  if (in(cp, 0x391, 0x3A1) || in(cp, 0x3A3, 0x3AB)) return cp + 32;
  if (in(cp, 0x400, 0x40F)) return cp + 80;
  if (in(cp, 0x410, 0x42F)) return cp + 32;
  if (pair_upper(cp, 0x460, 0x481, 0) || pair_upper(cp, 0x48A, 0x4BF, 0) ||
      pair_upper(cp, 0x4C1, 0x4CE, 1) || pair_upper(cp, 0x4D0, 0x52F, 0))
    return cp + 1;
  if (cp == 0x4C0) return 0x4CF;
  if (in(cp, 0x531, 0x556)) return cp + 48;
  if (pair_upper(cp, 0x1E00, 0x1E95, 0) || pair_upper(cp, 0x1EA0, 0x1EFF, 0)) return cp + 1;
  if (cp == 0x1E9E) return 0xDF;
  if (in(cp, 0xFF21, 0xFF3A)) return cp + 32;
  return cp;
}

// The single-code-point uppercase of `cp` (itself if it has none or expands).
char32_t upper_simple(char32_t cp) {
  if (in(cp, 'a', 'z')) return cp - 32;
  if (cp < 0xB5) return cp;
  if (cp == 0xB5) return 0x39C;
  if (in(cp, 0xE0, 0xFE) && cp != 0xF7) return cp - 32;
  if (cp == 0xFF) return 0x178;
  if (pair_upper(cp, 0x101, 0x12F, 1) || pair_upper(cp, 0x133, 0x137, 1) ||
      pair_upper(cp, 0x13A, 0x148, 0) || pair_upper(cp, 0x14B, 0x177, 1) ||
      pair_upper(cp, 0x17A, 0x17E, 0))
    return cp - 1;
  if (cp == 0x131) return 'I';
  if (cp == 0x17F) return 'S';
  if (cp == 0x1C5 || cp == 0x1C6) return 0x1C4;
  if (cp == 0x1C8 || cp == 0x1C9) return 0x1C7;
  if (cp == 0x1CB || cp == 0x1CC) return 0x1CA;
  if (cp == 0x1F2 || cp == 0x1F3) return 0x1F1;
  if (pair_upper(cp, 0x1CE, 0x1DC, 0) || pair_upper(cp, 0x1DF, 0x1EF, 1) ||
      pair_upper(cp, 0x1F9, 0x21F, 1) || pair_upper(cp, 0x223, 0x233, 1) ||
      pair_upper(cp, 0x247, 0x24F, 1))
    return cp - 1;
  if (cp == 0x3AC) return 0x386;
  if (in(cp, 0x3AD, 0x3AF)) return cp - 37;
  if (cp == 0x3CC) return 0x38C;
  if (in(cp, 0x3CD, 0x3CE)) return cp - 63;
  if (in(cp, 0x3B1, 0x3C1) || in(cp, 0x3C3, 0x3CB)) return cp - 32;
  if (cp == 0x3C2) return 0x3A3;
  if (in(cp, 0x430, 0x44F)) return cp - 32;
  if (in(cp, 0x450, 0x45F)) return cp - 80;
  if (pair_upper(cp, 0x461, 0x481, 1) || pair_upper(cp, 0x48B, 0x4BF, 1) ||
      pair_upper(cp, 0x4C2, 0x4CE, 0) || pair_upper(cp, 0x4D1, 0x52F, 1))
    return cp - 1;
  if (cp == 0x4CF) return 0x4C0;
  if (in(cp, 0x561, 0x586)) return cp - 48;
  if (pair_upper(cp, 0x1E01, 0x1E95, 1) || pair_upper(cp, 0x1EA1, 0x1EFF, 1)) return cp - 1;
  if (in(cp, 0xFF41, 0xFF5A)) return cp - 32;
  return cp;
}

}  // namespace

int compare_utf16(std::string_view a, std::string_view b) {
  utf16_units ua(a), ub(b);
  for (;;) {
    char32_t x = 0, y = 0;
    const bool has_x = ua.next(x), has_y = ub.next(y);
    if (!has_x || !has_y) return has_x == has_y ? 0 : (has_x ? 1 : -1);
    if (x != y) return x < y ? -1 : 1;
  }
}

std::string to_upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const decoded d = decode(s, i);
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    } else if (d.cp == 0xDF) {
      out += "SS";
    } else if (d.cp == 0x149) {
      out += "\xCA\xBCN";  // ʼN
    } else if (d.cp == 0x390 || d.cp == 0x3B0) {
      append_utf8(out, d.cp == 0x390 ? 0x399 : 0x3A5);
      out += "\xCC\x88\xCC\x81";  // combining diaeresis and acute
    } else if (d.cp == 0x587) {
      out += "\xD4\xB5\xD5\x92";  // ԵՒ
    } else if (d.cp == 0xFFFD && d.len == 1) {
      out += s[i];  // an invalid byte stays as it is
    } else {
      append_utf8(out, upper_simple(d.cp));
    }
    i += d.len;
  }
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const decoded d = decode(s, i);
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    } else if (d.cp == 0x130) {
      out += "i\xCC\x87";  // i with combining dot above
    } else if (d.cp == 0xFFFD && d.len == 1) {
      out += s[i];
    } else {
      append_utf8(out, lower_simple(d.cp));
    }
    i += d.len;
  }
  return out;
}

}  // namespace troupe::jinja::unicode
