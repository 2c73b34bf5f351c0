#include "gpu/text/jinja/js_number.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja::js {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A decimal literal's parts, each a run of digits (possibly empty).
struct decimal_parts {
  bool negative = false;
  std::string_view integer, fraction, exponent;
  bool exponent_negative = false;
};

double decimal_value(const decimal_parts& p) {
  std::string text = p.negative ? "-" : "";
  text.append(p.integer.empty() ? std::string_view("0") : p.integer);
  if (!p.fraction.empty()) text.append(".").append(p.fraction);
  if (!p.exponent.empty()) text.append(p.exponent_negative ? "e-" : "e").append(p.exponent);
  double v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    // Too large or too small for a double: which one depends on the exponent's sign (a mantissa
    // long enough to overflow with no exponent counts as large).
    const bool huge = p.exponent.empty() ? !p.integer.empty() : !p.exponent_negative;
    v = huge ? std::numeric_limits<double>::infinity() : 0.0;
    if (p.negative) v = -v;
  }
  return v;
}

// Scans a StrDecimalLiteral (without Infinity) at the start of `s`; returns the bytes used, 0
// when there is none.
size_t scan_decimal(std::string_view s, decimal_parts& p) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) p.negative = s[i++] == '-';
  const size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  p.integer = s.substr(int_start, i - int_start);
  if (i < s.size() && s[i] == '.') {
    const size_t frac_start = i + 1;
    size_t j = frac_start;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (!p.integer.empty() || j > frac_start) {
      p.fraction = s.substr(frac_start, j - frac_start);
      i = j;
    }
  }
  if (p.integer.empty() && p.fraction.empty()) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    bool neg = false;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) neg = s[j++] == '-';
    const size_t exp_start = j;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j > exp_start) {
      p.exponent = s.substr(exp_start, j - exp_start);
      p.exponent_negative = neg;
      i = j;
    }
  }
  return i;
}

size_t scan_infinity(std::string_view s, bool& negative) {
  size_t i = 0;
  negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (s.substr(i, 8) == "Infinity") return i + 8;
  return 0;
}

}  // namespace

std::string number_to_string(double v) {
  if (std::isnan(v)) return "NaN";
  if (v == 0) return "0";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  std::string sign = v < 0 ? "-" : "";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));  // d.ddde+XX
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.') digits += c;
  int exponent = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;
  if (k <= n && n <= 21) return sign + digits + std::string(static_cast<size_t>(n - k), '0');
  if (0 < n && n <= 21) {
    return sign + digits.substr(0, static_cast<size_t>(n)) + "." +
           digits.substr(static_cast<size_t>(n));
  }
  if (-6 < n && n <= 0) return sign + "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  std::string out = sign + digits.substr(0, 1);
  if (k > 1) out += "." + digits.substr(1);
  out += n - 1 >= 0 ? "e+" : "e-";
  out += std::to_string(std::abs(n - 1));
  return out;
}

std::string integer_to_string(int64_t v) {
  constexpr int64_t exact = int64_t{1} << 53;
  if (v >= -exact && v <= exact) return std::to_string(v);
  return number_to_string(static_cast<double>(v));
}

std::string float_to_string(double v) {
  if (v == 0 && std::signbit(v)) return "-0.0";
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e21) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 1);
    return std::string(buf, r.ptr);
  }
  return number_to_string(v);
}

double string_to_number(std::string_view s) {
  s = unicode::trim(s);
  if (s.empty()) return 0;
  bool negative = false;
  if (scan_infinity(s, negative) == s.size()) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (s.size() > 2 && s[0] == '0') {
    int base = 0;
    const char x = s[1];
    if (x == 'x' || x == 'X') base = 16;
    if (x == 'o' || x == 'O') base = 8;
    if (x == 'b' || x == 'B') base = 2;
    if (base != 0) {
      double v = 0;
      for (char c : s.substr(2)) {
        int d = -1;
        if (is_digit(c)) d = c - '0';
        if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0 || d >= base) return std::numeric_limits<double>::quiet_NaN();
        v = v * base + d;
      }
      return v;
    }
  }
  decimal_parts p;
  if (scan_decimal(s, p) != s.size()) return std::numeric_limits<double>::quiet_NaN();
  return decimal_value(p);
}

std::optional<double> parse_int(std::string_view s) {
  s = unicode::trim_start(s);
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  const size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == start) return std::nullopt;
  decimal_parts p;
  p.negative = negative;
  p.integer = s.substr(start, i - start);
  return decimal_value(p);
}

std::optional<double> parse_float(std::string_view s) {
  s = unicode::trim_start(s);
  bool negative = false;
  if (scan_infinity(s, negative) != 0) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  decimal_parts p;
  if (scan_decimal(s, p) == 0) return std::nullopt;
  return decimal_value(p);
}

}  // namespace troupe::jinja::js
