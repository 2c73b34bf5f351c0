// Statements and expressions. Every expected output here is what @huggingface/jinja renders.
#include "gpu/text/jinja/template.hpp"

#include <optional>
#include <random>

#include "gpu/text/jinja/test_util.hpp"
#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja {
namespace {

using nlohmann::ordered_json;
using testing::example;
using testing::expect_renders;
using testing::render;

TEST(jinja_template, text_and_output) {
  EXPECT_EQ(render("hello"), "hello");
  EXPECT_EQ(render(""), "");
  EXPECT_EQ(render("{{ name }}!", {{"name", "world"}}), "world!");
  EXPECT_EQ(render("a{# comment #}b"), "ab");
  EXPECT_EQ(render("{ not a tag } {{ '{{' }}"), "{ not a tag } {{");
}

TEST(jinja_template, prints_values_as_the_reference) {
  expect_renders({
      {"{{ 1 }}|{{ -0 }}|{{ 1.0 }}|{{ 1.5 }}|{{ -0.0 }}|{{ 0.1 + 0.2 }}",
       "1|0|1.0|1.5|-0.0|0.30000000000000004"},
      {"{{ 2 ** 60 }}|{{ 0.000001 }}|{{ 0.0000001 }}|{{ 1000000000000000000000.0 }}",
       "1152921504606847000|0.000001|1e-7|1e+21"},
      {"{{ true }}|{{ false }}|{{ none }}|{{ missing }}|{{ True }}", "true|false|||true"},
      {"{{ [1, 1.0, 'a', none, missing, [true]] }}", R"([1, 1, "a", null, undefined, [true]])"},
      {"{{ {'a': 1, 'b': {'c': 'd'}} }}|{{ {} }}|{{ [] }}", R"({"a": 1, "b": {"c": "d"}}|{}|[])"},
      {"{{ 1 ~ [1.0, none, 'a'] }}|{{ 1.0 ~ '' }}|{{ {'a': 1} ~ '' }}",
       "11.0,undefined,a|1|[object Map]"},
      {"{{ 10 / 0 }} {{ -1 // 0 }} {{ 5 % 0 }}", "Infinity -Infinity NaN"},
  });
}

TEST(jinja_template, context_values) {
  const ordered_json context = ordered_json::parse(
      R"({"f": 1.0, "g": 2.5, "n": null, "d": {"b": 1, "2": 2, "a": 3, "1": 4}, "u": "é😀"})");
  expect_renders(
      {
          {"{{ f }} {{ f is integer }} {{ g }} {{ n is none }}", "1 true 2.5 true"},
          // Integer-like keys come first, as JavaScript orders an object's keys.
          {"{{ d }}", R"({"1": 4, "2": 2, "b": 1, "a": 3})"},
          {"{{ u }} {{ u | length }}", "é😀 3"},
      },
      context);
  EXPECT_THROW(render("x", {{"range", 1}}), template_error);  // a global's name
  EXPECT_THROW(render("x", ordered_json::array()), template_error);
  EXPECT_EQ(render("x", nullptr), "x");
}

TEST(jinja_template, literals) {
  expect_renders({
      {R"({{ 'a\tb' }}|{{ "q\"s" }}|{{ 'it\'s' }}|{{ '\\' }}|{{ '\x41\u00e9' }}|{{ '\ud83d\ude00' }})",
       "a\tb|q\"s|it's|\\|Aé|😀"},
      {"{{ 'ab' 'cd' }}|{{ [1, 2,] }}|{{ {'a': 1,} }}|{{ (1, 2)[0] }}",
       R"(abcd|[1, 2]|{"a": 1}|1)"},
      {"{{ {'a': 1, 'a': 2, 'b': 3} }}", R"({"a": 2, "b": 3})"},
      {"{{ -5 }} {{ +5 }} {{ - 5 }} {{ 3 -5 }} {{ [1, -2.5] }}", "-5 5 -5 -2 [1, -2.5]"},
  });
}

TEST(jinja_template, operators_and_precedence) {
  expect_renders({
      {"{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 * 3 ** 2 }} {{ 10 - 2 - 3 }} {{ 12 / 4 / 3 }}",
       "7 9 18 5 1.0"},
      // ** is left-associative and binds less tightly than a sign, as in the reference.
      {"{{ 2 ** 3 ** 2 }} {{ -3 ** 2 }} {{ 2 ** -1 }} {{ 2.0 ** 2 }} {{ true ** 2 }}",
       "64 9 0.5 4.0 1"},
      {"{{ -7 % 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7.5 // 2 }} {{ 7 / 2 }}", "-1 3 -4 3.0 3.5"},
      {"{{ 'a' ~ 1 ~ 2.0 ~ true }} {{ 'a' + 1 }} {{ [1] + [2] }}", "a12true a1 [1, 2]"},
      {"{{ not true or true }} {{ not (true or true) }} {{ 1 < 2 and 2 < 3 }} {{ 0 or 'x' }}",
       "true false true x"},
      {"{{ [] and 1 }}|{{ 'a' and 'b' }}|{{ none or 0 }}", "[]|b|0"},
      {"{{ 'a' in 'cat' }} {{ 'a' in ['a'] }} {{ 'k' in {'k': 1} }} {{ 1 in [1.0] }}",
       "true true true true"},
      {"{{ 'x' not in [] }} {{ 'x' in nothing }} {{ 'x' not in nothing }}", "true false true"},
      {"{{ 1 == 1.0 }} {{ '1' == 1 }} {{ none == nothing }} {{ [1] == [1] }} {{ 'a' != 'b' }}",
       "true true true false true"},
      {"{{ 1 < 2 }} {{ 2 >= 2 }} {{ 1.5 > 2 }}", "true true false"},
      {"{{ 'yes' if 1 else 'no' }}|{{ 'yes' if 0 }}|{{ 1 if none else 2 if 0 else 3 }}", "yes||3"},
      {"{{ -(3) }} {{ - -3 }} {{ -true }} {{ not none }}", "-3 3 -1 true"},
  });
}

TEST(jinja_template, subscripts_and_slices) {
  const ordered_json context = {{"l", {1, 2, 3, 4, 5}}, {"s", "héllo"}, {"d", {{"k", "v"}}}};
  expect_renders(
      {
          {"{{ l[0] }}{{ l[-1] }}{{ l[9] }}{{ l.0 }}{{ l.length }}", "1515"},
          {"{{ l[1:] }} {{ l[:-1] }} {{ l[::-1] }} {{ l[::2] }} {{ l[1:4:2] }}",
           "[2, 3, 4, 5] [1, 2, 3, 4] [5, 4, 3, 2, 1] [1, 3, 5] [2, 4]"},
          {"{{ l[5:1:-1] }} {{ l[-2:] }} {{ l[10:] }} {{ l[:0] }} {{ l[::0] }}",
           "[5, 4, 3] [4, 5] [] [] []"},
          {"{{ s[1] }}{{ s[-1] }}{{ s[1:3] }}{{ s[::-1] }}{{ s.length }}", "éoélolléh5"},
          {"{{ d.k }}{{ d['k'] }}{{ d.missing }}{{ d.missing.deeper }}{{ nothing.x }}", "vv"},
      },
      context);
}

// The reference slices as JavaScript slices Array.from(s): the model the renderer must match,
// whether a string's characters are all bytes (indexed directly) or not (walked once).
std::string sliced(const std::vector<std::string_view>& cps, std::optional<int64_t> start,
                   std::optional<int64_t> stop, int64_t step) {
  const auto len = static_cast<int64_t>(cps.size());
  int64_t a = 0, b = 0;
  if (step > 0) {
    a = !start ? 0 : (*start < 0 ? std::max<int64_t>(len + *start, 0) : std::min(*start, len));
    b = !stop ? len : (*stop < 0 ? std::max<int64_t>(len + *stop, 0) : std::min(*stop, len));
  } else {
    a = !start ? len - 1
               : (*start < 0 ? std::max<int64_t>(len + *start, -1) : std::min(*start, len - 1));
    b = !stop ? -1 : (*stop < -1 ? std::max<int64_t>(len + *stop, -1) : std::min(*stop, len - 1));
  }
  std::string out;
  for (int64_t i = a; step > 0 ? i < b : i > b; i += step) out += cps[static_cast<size_t>(i)];
  return out;
}

TEST(jinja_template, string_slices_and_indices_as_code_points) {
  const std::vector<std::string> pieces = {"a",    "b",   "\xc3\xa9", "\xf0\x9f\x98\x80",
                                           "\xff", "\xc3"};
  std::mt19937 gen(11);
  const auto pick = [&](int lo, int hi) { return lo + static_cast<int>(gen() % (hi - lo + 1)); };
  for (int round = 0; round < 400; ++round) {
    std::string s;
    const size_t kinds = round % 2 ? 2 : pieces.size();  // half of them ASCII only
    for (int n = pick(0, 12); n > 0; --n) s += pieces[gen() % kinds];
    const auto cps = unicode::code_points(s);
    std::optional<int64_t> start, stop;
    if (gen() % 4) start = pick(-15, 15);
    if (gen() % 4) stop = pick(-15, 15);
    int64_t step = pick(-4, 4);
    if (step == 0) step = 1;
    std::string source = "{{ s[" + (start ? std::to_string(*start) : "") + ":" +
                         (stop ? std::to_string(*stop) : "") + ":" + std::to_string(step) + "] }}";
    EXPECT_EQ(render(source, {{"s", s}}), sliced(cps, start, stop, step)) << source << " " << s;
    std::string reversed;  // (reverse and last on strings are Python's, beyond the reference)
    for (auto it = cps.rbegin(); it != cps.rend(); ++it) reversed += *it;
    EXPECT_EQ(render("{{ s | reverse }}", {{"s", s}}), reversed) << s;
    if (!cps.empty()) {
      EXPECT_EQ(render("{{ s | last }}", {{"s", s}}), cps.back()) << s;
    }
  }
}

TEST(jinja_template, if_elif_else) {
  expect_renders({
      {"{% if true %}a{% endif %}{% if false %}b{% endif %}", "a"},
      {"{% if 0 %}a{% elif '' %}b{% elif [1] %}c{% else %}d{% endif %}", "c"},
      {"{% if x is not defined %}nd{% elif x %}t{% else %}f{% endif %}", "nd"},
      {"{% if [] %}a{% else %}b{% endif %}{% if {} %}c{% else %}d{% endif %}", "bd"},
  });
}

TEST(jinja_template, for_loops) {
  expect_renders({
      {"{% for x in [1, 2, 3] %}{{ x }}{% endfor %}", "123"},
      {"{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;"},
      {"{% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %}", "ba"},
      {"{% for x in range(6) if x is odd %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}",
       "1/3:1 2/3:3 3/3:5 "},
      {"{% for x in [1, 2, 3] %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
       "{{ loop.first }}{{ loop.last }};{% endfor %}",
       "032truefalse;121falsefalse;210falsetrue;"},
      {"{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }} {% endfor %}",
       "-2 1-3 2- "},
      {"{% for x in [] %}x{% else %}empty{% endfor %}", "empty"},
      {"{% for i in [1, 2] %}{% for i in [3, 4] %}{{ i }}{{ loop.index }}{% endfor %}"
       "{{ i }}{{ loop.index }}{% endfor %}",
       "314211314222"},
  });
}

TEST(jinja_template, break_and_continue) {
  expect_renders({
      {"{% for i in [1, 2, 3] %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}", "1"},
      {"{% for i in [1, 2, 3] %}{% if i == 2 %}{% continue %}{% endif %}{{ i }}{% endfor %}", "13"},
      // As in the reference: an iteration left by break or continue outputs nothing, and a loop
      // whose iterations all ended that way runs its else block.
      {"{% for x in [1, 2, 3] %}a{{ x }}{% if x == 2 %}{% continue %}{% endif %}b{% endfor %}",
       "a1ba3b"},
      {"{% for x in [1, 2] %}{% continue %}{% else %}E{% endfor %}", "E"},
      {"{% macro m() %}x{% break %}{% endmacro %}{% for i in [1, 2] %}{{ i }}{{ m() }}{% endfor %}"
       "E",
       "E"},
  });
  EXPECT_THROW(render("{% break %}"), template_error);
}

TEST(jinja_template, set_and_scopes) {
  expect_renders({
      {"{% set x = 1 %}{% set x = x + 1 %}{{ x }}", "2"},
      {"{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c, d = [3, 4] %}{{ c }}{{ d }}", "1234"},
      {"{% set c %}x{{ 1 }}y{% endset %}[{{ c }}]", "[x1y]"},
      {"{% if true %}{% set y = 3 %}{% endif %}{{ y }}", "3"},
      // A set inside a loop lasts for the following iterations but not after the loop.
      {"{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{% endfor %}{{ x }}", "010"},
      {"{% set true = 5 %}{{ true }}{{ True }}", "5true"},
  });
}

TEST(jinja_template, namespaces) {
  expect_renders({
      {"{% set ns = namespace(a=1, b='x') %}{% set ns.a = ns.a + 1 %}{{ ns.a }}{{ ns.b }}{{ ns }}",
       R"(2x{"a": 2, "b": "x"})"},
      {"{% set ns = namespace(found=false) %}{% for x in [1, 2] %}{% if x == 2 %}"
       "{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}",
       "true"},
      {"{% set n = namespace({'a': 1}) %}{% set m = namespace([['b', 2], 'cd']) %}{{ n.a }}{{ m }}",
       R"(1{"b": 2, "c": "d"})"},
      {"{% set ns = namespace(items=[]) %}{% for m in ['a', 'b'] %}"
       "{% set ns.items = ns.items + [m] %}{% endfor %}{{ ns.items | join('+') }}",
       "a+b"},
  });
  EXPECT_THROW(render("{% set x = 1 %}{% set x.a = 2 %}"), template_error);
}

TEST(jinja_template, macros) {
  expect_renders({
      {"{% macro f(a, b=2, c=a) %}{{ a }}{{ b }}{{ c }}{% endmacro %}"
       "{{ f(1) }}|{{ f(1, c=5) }}|{{ f(b=3, a=4) }}|{{ f() }}",
       "121|125|434|2"},
      {"{% macro f() %}{{ kwargs }}{{ varargs }}{% endmacro %}{{ f(1, 2, x=3) }}",
       R"({"x": 3}[1, 2])"},
      {"{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n }}*{{ fact(n - 1) }}{% endif %}"
       "{% endmacro %}{{ fact(4) }}",
       "4*3*2*1"},
      // Macros see the variables where they are called (the reference scopes them so).
      {"{% macro m() %}{{ v }}{% endmacro %}{% for v in [1, 2] %}{{ m() }}{% endfor %}", "12"},
      {"{% macro m(a, b) %}{{ a }}-{{ b }}{% endmacro %}{{ m(*[1, 2]) }}{{ m(**{'a': 3, 'b': 4}) "
       "}}",
       "1-23-4"},
      {"{% macro w(x) %}[{{ caller(x) }}]{% endmacro %}{% call(y) w(5) %}got {{ y }}{% endcall %}",
       "[got 5]"},
      {"{% macro m() %}{{ 1 }}{% endmacro %}{{ m is callable }}{{ m() ~ m() }}", "true11"},
  });
  EXPECT_THROW(render("{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}"), template_error);
  EXPECT_THROW(render("{% macro f(a) %}{% endmacro %}{{ f(b=1) }}"), template_error);
}

TEST(jinja_template, filter_blocks) {
  expect_renders({
      {"{% filter upper %}abc{{ 1 }}{% endfilter %}", "ABC1"},
      {"{% filter indent(2, true) %}a\nb{% endfilter %}", "  a\n  b"},
      {"{% filter length %}abc{% endfilter %}", "3"},
  });
}

TEST(jinja_template, compiled_templates_are_reusable) {
  const auto t = compiled_template::parse("{{ x }}");
  EXPECT_EQ(t.render({{"x", 1}}), "1");
  EXPECT_EQ(t.render({{"x", "two"}}), "two");
  EXPECT_EQ(t.source(), "{{ x }}");
}

}  // namespace
}  // namespace troupe::jinja
