// The pieces under the renderer: JavaScript number formatting and parsing, the UTF-8/UTF-16
// string helpers, JSON quoting, and the equality the reference uses.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gpu/text/jinja/budget.hpp"
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

TEST(jinja_unicode, last_code_point_and_find) {
  for (std::string_view s : {"", "a", "a\xc3\xa9", "\xf0\x9f\x98\x80", "a\xc3", "\xe2\x82",
                             "a\x80\x80", "\xf0\x9f\x98\x80\x80", "\xc3\xa9\xa9", "ab\xff"}) {
    const auto cps = unicode::code_points(s);
    EXPECT_EQ(unicode::last_code_point(s), cps.empty() ? std::string_view() : cps.back())
        << testing::PrintToString(std::string(s));
  }
  const std::string hay = std::string(100000, 'a') + "ab" + std::string(10, 'a');
  const std::string needle = std::string(5000, 'a') + "b";
  EXPECT_EQ(unicode::find(hay, needle), 100001 - 5000);
  EXPECT_EQ(unicode::find(hay, needle, 100001 - 4999), std::string::npos);
  EXPECT_EQ(unicode::find("abc", ""), 0u);
  EXPECT_EQ(unicode::find("abc", "", 3), 3u);
  EXPECT_EQ(unicode::find("abc", "c", 4), std::string::npos);
}

TEST(jinja_budget, charges_and_bounds) {
  render_limits limits;
  limits.max_steps = 10;
  limits.max_output_bytes = 100;
  limits.max_memory_bytes = 1000;
  budget b(limits);
  for (int i = 0; i < 10; ++i) b.bytes(15);  // remainders add up: 150 bytes, 9 steps
  b.steps(1);
  EXPECT_THROW(b.bytes(16), limit_error);
  budget c(limits);
  std::string out(90, 'x');
  c.append(out, std::string(10, 'y'));  // charges the 10 bytes appended, not the 100 held
  EXPECT_EQ(out.size(), 100u);
  EXPECT_THROW(c.append(out, "z"), limit_error);
  EXPECT_THROW(c.append(out, 1, 'z'), limit_error);
  EXPECT_NO_THROW(c.check_size(100));
  EXPECT_THROW(c.check_size(101), limit_error);
  c.acquire(600);
  EXPECT_THROW(c.acquire(600), limit_error);
  c.release(600);
  EXPECT_NO_THROW(c.acquire(900));
  // Values hold their memory against the active budget until they are destroyed.
  budget d(limits);
  {
    const budget::activation active(d);
    EXPECT_THROW(value::string(std::string(2000, 'x')), limit_error);
    for (int i = 0; i < 100; ++i) value::string(std::string(500, 'x'));
    const value held = value::string(std::string(500, 'x'));
    EXPECT_THROW(value::string(std::string(500, 'x')), limit_error);
  }
  EXPECT_EQ(budget::active(), nullptr);
  EXPECT_NO_THROW(value::string(std::string(2000, 'x')));  // no render: nothing to charge
}

TEST(jinja_values, nesting_is_bounded_when_built) {
  value v = value::integer(1);
  for (int i = 0; i < max_value_nesting; ++i) v = value::list({v});
  EXPECT_EQ(v.depth(), max_value_nesting);
  EXPECT_THROW(value::list({v}), limit_error);
  dict_data d;
  d.set("k", v);
  EXPECT_THROW(value::dict(std::move(d)), limit_error);
  EXPECT_EQ(value::list({value::make_namespace({})}).depth(), 2);  // a namespace is one level
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
  budget cost{render_limits{}};
  const auto loose = [&](const value& a, const value& b) { return loose_equals(a, b, cost); };
  const auto strict = [&](const value& a, const value& b) { return strict_equals(a, b, cost); };
  const value one = value::integer(1), one_f = value::floating(1), s1 = value::string("1");
  EXPECT_TRUE(loose(one, one_f));
  EXPECT_TRUE(loose(one, s1));
  EXPECT_FALSE(strict(one, s1));
  EXPECT_TRUE(loose(value::none(), value()));
  EXPECT_TRUE(strict(value::none(), value()));  // the reference's none is undefined
  EXPECT_FALSE(loose(value::none(), value::integer(0)));
  EXPECT_TRUE(loose(value::boolean(true), s1));
  const value l = value::list({one});
  EXPECT_TRUE(loose(l, l));
  EXPECT_FALSE(loose(l, value::list({one})));  // identity
  EXPECT_TRUE(loose(l, s1));                   // "1" == "1"
  EXPECT_TRUE(strict(value::string("ab"), value::string("ab")));
  EXPECT_FALSE(strict(value::string("ab"), value::string("ac")));
}

TEST(jinja_values, set_equality_and_hash) {  // the `unique` filter's
  budget cost{render_limits{}};
  const value nan = value::floating(std::nan(""));
  const value pairs[][2] = {{nan, value::floating(std::nan(""))},
                            {value::integer(1), value::floating(1.0)},
                            {value::floating(0.0), value::floating(-0.0)},
                            {value::string("x"), value::string("x")},
                            {value::none(), value()}};
  for (const auto& [a, b] : pairs) {
    EXPECT_TRUE(same_value_zero(a, b, cost)) << display(a, cost);
    EXPECT_EQ(same_value_zero_hash(a, cost), same_value_zero_hash(b, cost)) << display(a, cost);
  }
  EXPECT_FALSE(same_value_zero(value::integer(1), value::string("1"), cost));
  EXPECT_FALSE(same_value_zero(value::list({}), value::list({}), cost));  // identity
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
