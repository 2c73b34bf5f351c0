// The pieces under the renderer: JavaScript number formatting and parsing, the UTF-8/UTF-16
// string helpers, JSON quoting, and the equality the reference uses.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gpu/text/jinja/js_number.hpp"
#include "gpu/text/jinja/printing.hpp"
#include "gpu/text/jinja/unicode.hpp"
#include "gpu/text/jinja/value.hpp"

namespace troupe::jinja {
namespace {

TEST(jinja_js_number, to_string) {
  EXPECT_EQ(js::number_to_string(0), "0");
  EXPECT_EQ(js::number_to_string(-0.0), "0");
  EXPECT_EQ(js::number_to_string(1), "1");
  EXPECT_EQ(js::number_to_string(-1.5), "-1.5");
  EXPECT_EQ(js::number_to_string(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(js::number_to_string(1e21), "1e+21");
  EXPECT_EQ(js::number_to_string(1e20), "100000000000000000000");
  EXPECT_EQ(js::number_to_string(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(js::number_to_string(1e-6), "0.000001");
  EXPECT_EQ(js::number_to_string(1e-7), "1e-7");
  EXPECT_EQ(js::number_to_string(1.5e-10), "1.5e-10");
  EXPECT_EQ(js::number_to_string(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(js::number_to_string(5e-324), "5e-324");
  EXPECT_EQ(js::number_to_string(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(js::number_to_string(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(js::number_to_string(std::nan("")), "NaN");
}

TEST(jinja_js_number, floats_and_integers_print_as_the_reference) {
  EXPECT_EQ(js::float_to_string(1), "1.0");
  EXPECT_EQ(js::float_to_string(-0.0), "-0.0");
  EXPECT_EQ(js::float_to_string(2.5), "2.5");
  EXPECT_EQ(js::float_to_string(1e20), "100000000000000000000.0");
  EXPECT_EQ(js::float_to_string(1e21), "1e+21");
  EXPECT_EQ(js::integer_to_string(9007199254740992), "9007199254740992");
  EXPECT_EQ(js::integer_to_string(int64_t{1} << 60), "1152921504606847000");
  EXPECT_EQ(js::integer_to_string(-42), "-42");
}

TEST(jinja_js_number, parsing) {
  EXPECT_EQ(js::string_to_number(" 12 "), 12);
  EXPECT_EQ(js::string_to_number(""), 0);
  EXPECT_EQ(js::string_to_number("0x1f"), 31);
  EXPECT_EQ(js::string_to_number("1e3"), 1000);
  EXPECT_EQ(js::string_to_number(".5"), 0.5);
  EXPECT_TRUE(std::isnan(js::string_to_number("12px")));
  EXPECT_TRUE(std::isinf(js::string_to_number("-Infinity")));
  EXPECT_EQ(js::parse_int(" -42.9xyz"), -42);
  EXPECT_EQ(js::parse_int("x"), std::nullopt);
  EXPECT_EQ(js::parse_float("3.5e2abc"), 350);
  EXPECT_EQ(js::parse_float("-.5"), -0.5);
  EXPECT_EQ(js::parse_float("1e"), 1);
  EXPECT_EQ(js::parse_float("e1"), std::nullopt);
  EXPECT_TRUE(std::isinf(*js::parse_float("1e999")));
}

TEST(jinja_unicode, whitespace_and_trimming) {
  EXPECT_TRUE(unicode::is_space(0x3000));
  EXPECT_TRUE(unicode::is_space(0xFEFF));
  EXPECT_FALSE(unicode::is_space(0x200B));  // zero width space is not \s
  EXPECT_EQ(unicode::trim("\u00a0 x \u2028"), "x");
  EXPECT_EQ(unicode::trim_start("\t x "), "x ");
  EXPECT_EQ(unicode::trim_end(" x \n"), " x");
}

TEST(jinja_unicode, utf16_lengths_and_indices) {
  EXPECT_EQ(unicode::utf16_length("aé😀"), 4u);
  EXPECT_EQ(unicode::utf16_at("aé😀b", 1), "é");
  EXPECT_EQ(unicode::utf16_at("aé😀b", 2), "\uFFFD");  // half of the pair
  EXPECT_EQ(unicode::utf16_at("aé😀b", -1), "b");
  EXPECT_EQ(unicode::utf16_at("ab", 2), std::nullopt);
  EXPECT_EQ(unicode::code_points("a😀").size(), 2u);
  EXPECT_GT(unicode::compare_utf16("\uffff", "😀"), 0);  // U+FFFF sorts after a surrogate
  EXPECT_EQ(unicode::compare_utf16("a", "a"), 0);
  EXPECT_LT(unicode::compare_utf16("a", "ab"), 0);
}

TEST(jinja_unicode, case_mapping) {
  // As node prints "...".toUpperCase() and .toLowerCase().
  EXPECT_EQ(unicode::to_upper("straße ǆ ŉ"), "STRASSE Ǆ ʼN");
  EXPECT_EQ(unicode::to_lower("İSTANBUL ΑΒΓ ДЖ"), "i̇stanbul αβγ дж");
  EXPECT_EQ(unicode::to_upper("ÿ µ ǎ"), "Ÿ Μ Ǎ");
  EXPECT_EQ(unicode::to_upper("ΐ ΰ և ẞ ſ ı"), "\u0399\u0308\u0301 \u03A5\u0308\u0301 ԵՒ ẞ S I");
  EXPECT_EQ(unicode::to_lower("ΐ ΰ և ẞ ſ ı Ǆ ǅ"), "ΐ ΰ և ß ſ ı ǆ ǆ");
  EXPECT_EQ(unicode::to_lower("\xff"), "\xff");  // invalid bytes stay
}

TEST(jinja_unicode, decoding_never_overruns) {
  for (std::string_view s : {"\xe2", "\xe2\x82", "\xf0\x9f\x98", "\xc0\x80", "\xed\xa0\x80"}) {
    const auto d = unicode::decode(s, 0);
    EXPECT_EQ(d.cp, 0xFFFDu);
    EXPECT_EQ(d.len, 1u);
  }
}

TEST(jinja_printing, json_quote) {
  EXPECT_EQ(json_quote("a\"b\\c\n\x01\x7f", false), "\"a\\\"b\\\\c\\n\\u0001\x7f\"");
  EXPECT_EQ(json_quote("é😀", true), "\"\\u00e9\\ud83d\\ude00\"");
  EXPECT_EQ(json_quote("<>&'", false), "\"<>&'\"");
}

TEST(jinja_values, equality_as_javascript) {
  const value one = value::integer(1), one_f = value::floating(1), s1 = value::string("1");
  EXPECT_TRUE(loose_equals(one, one_f));
  EXPECT_TRUE(loose_equals(one, s1));
  EXPECT_FALSE(strict_equals(one, s1));
  EXPECT_TRUE(loose_equals(value::none(), value()));
  EXPECT_TRUE(strict_equals(value::none(), value()));  // the reference's none is undefined
  EXPECT_FALSE(loose_equals(value::none(), value::integer(0)));
  EXPECT_TRUE(loose_equals(value::boolean(true), s1));
  const value l = value::list({one});
  EXPECT_TRUE(loose_equals(l, l));
  EXPECT_FALSE(loose_equals(l, value::list({one})));  // identity
  EXPECT_TRUE(loose_equals(l, s1));                   // "1" == "1"
  EXPECT_TRUE(same_value_zero(value::floating(std::nan("")), value::floating(std::nan(""))));
}

TEST(jinja_values, truthiness) {
  EXPECT_FALSE(truthy(value()));
  EXPECT_FALSE(truthy(value::none()));
  EXPECT_FALSE(truthy(value::floating(std::nan(""))));
  EXPECT_FALSE(truthy(value::list({})));
  EXPECT_FALSE(truthy(value::dict({})));
  EXPECT_TRUE(truthy(value::make_namespace({})));  // always, in the reference
  EXPECT_TRUE(truthy(value::string(" ")));
}

}  // namespace
}  // namespace troupe::jinja
