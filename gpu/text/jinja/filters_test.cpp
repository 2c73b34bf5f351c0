// Filters, tests, methods and globals. Every expected output here is what @huggingface/jinja
// renders, except in beyond_the_reference (what this renderer adds, with Python's semantics).
#include "gpu/text/jinja/template.hpp"

#include "gpu/text/jinja/test_util.hpp"

namespace troupe::jinja {
namespace {

using nlohmann::ordered_json;
using testing::example;
using testing::expect_renders;
using testing::render;

const ordered_json& messages() {
  static const ordered_json m = ordered_json::parse(R"({"msgs": [
    {"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"},
    {"role": "user", "content": ""}]})");
  return m;
}

TEST(jinja_filters, strings) {
  expect_renders({
      {"{{ 'Hello' | upper }} {{ 'Hello' | lower }} {{ 'hello world' | title }}",
       "HELLO hello Hello World"},
      // title and capitalize change only first letters, as JavaScript does it.
      {"{{ 'héllo wörld-foo mIxEd' | title }} {{ 'hELLO' | capitalize }}",
       "HéLlo WöRld-Foo MIxEd HELLO"},
      {"{{ 'ÉCOLE ß Ωμέγα Привет' | lower }} {{ 'straße ωμέγα' | upper }}",
       "école ß ωμέγα привет STRASSE ΩΜΈΓΑ"},
      {"{{ '  x \n' | trim }}|{{ '\u3000x\u00a0' | trim }}", "x|x"},
      {"{{ 'abc' | length }} {{ '😀' | length }} {{ 'abc' | string }} {{ 'abc' | join }}",
       "3 2 abc abc"},
      {"{{ 'abc' | join('-') }} {{ 'a\nb\n\nc' | indent }}", "a-b-c a\n    b\n\n    c"},
      {"{{ 'a\nb' | indent(2, true) }}|{{ 'a\n\nb' | indent(2, blank=true) }}",
       "  a\n  b|a\n  \n  b"},
      {"{{ 'a-b-c' | replace('-', '+') }} {{ 'a-b-c' | replace('-', '+', 1) }} "
       "{{ 'abc' | replace('', '.') }}",
       "a+b+c a+b-c .a.b.c."},
      {"{{ '<b>' | safe }} {{ 'x' | default('d') }}", "<b> x"},
  });
}

TEST(jinja_filters, numbers) {
  expect_renders({
      {"{{ 3.7 | int }} {{ -3.7 | int }} {{ '3.9x' | int }} {{ ' -3' | int }} {{ 'x' | int }}",
       "3 -4 3 -3 0"},
      // With parentheses, int and float keep a number as it is (the reference does this).
      {"{{ 3.7 | int(0) }} {{ 'x' | int(5) }} {{ 3 | float(0) }} {{ 'x' | float(1.5) }}",
       "3.7 5 3 1.5"},
      {"{{ 3 | float }} {{ '2.5e1' | float }} {{ '.5' | float }} {{ true | int }} {{ false | float "
       "}}",
       "3.0 25.0 0.5 1 0.0"},
      {"{{ -3 | abs }} {{ -2.5 | abs }} {{ 2.5 | string }} {{ 2 | string }} {{ true | string }}",
       "3 2.5 2.5 2 true"},
  });
}

TEST(jinja_filters, lists) {
  expect_renders({
      {"{{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ [3, 1, 2] | reverse }}",
       "[1, 2, 3] [3, 2, 1] [2, 1, 3]"},
      {"{{ ['b', 'A', 'a'] | sort }} {{ ['b', 'A', 'a'] | sort(case_sensitive=true) }}",
       R"(["A", "a", "b"] ["A", "a", "b"])"},
      {"{{ [{'x': 2}, {'x': 1}] | sort(attribute='x') }}", R"([{"x": 1}, {"x": 2}])"},
      {"{{ [1, 2] | first }} {{ [1, 2] | last }} {{ [1, 2] | length }} {{ [1, 2] | list }}",
       "1 2 2 [1, 2]"},
      {"{{ [1, 2, 2, '2', 1.0, none] | unique }}", R"([1, 2, "2", null])"},
      {"{{ [1, 2] | join(', ') }} {{ ['a', 'b'] | join }} {{ [none, 1.0, 'a', [1, 2]] | join('|') "
       "}}",
       "1, 2 ab |1|a|1,2"},
      {"{{ [1, 'a'] | string }} {{ [1, 'a'] | tojson }}", R"([1, "a"] [1, "a"])"},
  });
}

TEST(jinja_filters, message_lists) {
  expect_renders(
      {
          {"{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | "
           "join(', ') }}",
           "hi, "},
          {"{{ msgs | rejectattr('role', 'equalto', 'user') | list | length }} "
           "{{ msgs | selectattr('content') | list | length }}",
           "1 2"},
          {"{{ msgs | map(attribute='role') | unique | join(',') }}", "user,assistant"},
          {"{{ msgs | map(attribute='missing', default='-') | join }}", "---"},
          {"{{ msgs | sort(attribute='role') | map(attribute='content') | join(',') }}", "yo,hi,"},
          {"{{ (msgs | last).role }} {{ msgs[0].content }}", "user hi"},
      },
      messages());
}

TEST(jinja_filters, dicts) {
  expect_renders({
      {"{{ {'b': 1, 'a': 2} | items }} {{ {'b': 1, 'a': 2} | dictsort }}",
       R"([["b", 1], ["a", 2]] [["a", 2], ["b", 1]])"},
      {"{{ {'b': 1, 'a': 2} | dictsort(reverse=true) }} {{ {'a': 1} | length }}",
       R"([["b", 1], ["a", 2]] 1)"},
      {"{{ {'a': 1} | keys }} {{ {'a': 1} | values }}", R"(["a"] [1])"},
  });
}

TEST(jinja_filters, default) {
  expect_renders({
      {"{{ x | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }}", "d  d"},
      {"{{ none | default('d') }}|{{ none | default('d', boolean=true) }}", "|d"},
  });
}

TEST(jinja_filters, tojson) {
  expect_renders({
      {"{{ {'a': [1, 2.5, none], 'b': {}} | tojson }}", R"({"a": [1, 2.5, null], "b": {}})"},
      {"{{ {'a': [1, 2], 'b': {}} | tojson(indent=2) }}",
       "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}"},
      {"{{ [1, 2] | tojson(separators=(',', ':')) }} {{ [] | tojson(indent=2) }}", "[1,2] []"},
      // No HTML escaping, non-ASCII kept unless ensure_ascii.
      {R"({{ 'é<>&\'"\\' | tojson }} {{ 'é😀' | tojson(ensure_ascii=true) }})",
       R"("é<>&'\"\\" "\u00e9\ud83d\ude00")"},
      {"{{ '\x01\n\t' | tojson }} {{ x | tojson }} {{ 1.0 | tojson }}", R"("\u0001\n\t" null 1)"},
      {"{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}", R"({"a": 2, "b": 1})"},
  });
}

TEST(jinja_tests, types_and_values) {
  expect_renders({
      {"{{ x is defined }} {{ x is undefined }} {{ none is none }} {{ 0 is none }}",
       "false true true false"},
      {"{{ 1 is number }} {{ 1.5 is number }} {{ 1 is integer }} {{ 1.5 is integer }} "
       "{{ true is boolean }} {{ 1 is boolean }}",
       "true true true false true false"},
      {"{{ 'a' is string }} {{ [1] is iterable }} {{ 'a' is iterable }} {{ {} is iterable }} "
       "{{ (1, 2) is iterable }}",
       "true true true false false"},
      {"{{ {} is mapping }} {{ [] is mapping }} {{ 'abc' is sequence }} {{ {} is sequence }}",
       "true false true true"},
      {"{{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 'aB' is lower }} {{ 3 is odd }} "
       "{{ 4 is even }}",
       "true true false true true"},
      {"{{ range is callable }} {{ 1 is callable }} {{ true is true }} {{ 0 is false }}",
       "true false true false"},
      {"{{ x is not defined and 1 }} {{ [1] is not iterable }}", "1 false"},
  });
}

TEST(jinja_methods, strings) {
  expect_renders({
      {"{{ 'Hello'.startswith('He') }} {{ 'Hello'.endswith(('x', 'lo')) }} "
       "{{ 'Hello'.startswith(['a']) }}",
       "true true false"},
      {"{{ 'a,b,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ '  a  b '.split() }}",
       R"(["a", "b", "c"] ["a", "b,c"] ["a", "b"])"},
      {"{{ 'a b c'.split(none, 1) }} {{ 'abc'.split('x') }}", R"(["a", "b c"] ["abc"])"},
      {"{{ 'x'.upper() }}{{ 'X'.lower() }}{{ 'ab cd'.title() }}{{ 'ab'.capitalize() }}",
       "XxAb CdAb"},
      // strip, lstrip and rstrip ignore their argument in the reference: all whitespace goes.
      {"[{{ ' x '.strip() }}|{{ '\n x \n'.rstrip('\n') }}|{{ '\n x'.lstrip('\n') }}]",
       "[x|\n x|x]"},
      {"{{ 'a-b-c'.replace('-', '') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ 'abc'.length }}",
       "abc bba 3"},
  });
}

TEST(jinja_methods, dicts) {
  expect_renders({
      {"{% set d = {'a': 1} %}{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }}", "1  5"},
      {"{% set d = {'b': 1, 'a': 2} %}{{ d.keys() }} {{ d.values() }} {{ d.items() }}",
       R"(["b", "a"] [1, 2] [["b", 1], ["a", 2]])"},
      {"{% set d = {'items': 'mine'} %}{{ d.items }}", "mine"},  // keys win over methods
  });
}

TEST(jinja_globals, range_namespace_strftime) {
  expect_renders({
      {"{{ range(3) }} {{ range(1, 10, 3) }} {{ range(3, 0, -1) }} {{ range(0) }}",
       "[0, 1, 2] [1, 4, 7] [3, 2, 1] []"},
      {"{{ namespace(a=1).a }} {{ namespace() }}", "1 {}"},
      {"{{ strftime_now('%%') }} {{ strftime_now('%Y') | length }}", "% 4"},
  });
}

TEST(jinja_globals, range_is_computed_in_integers) {
  expect_renders({
      {"{{ range(10, 0, -3) }} {{ range(0, 10, -1) }} {{ range(0, 2.5) }} {{ range(0.5, 3) }} "
       "{{ range(3, 0, -0.5) | length }}",
       "[10, 7, 4, 1] [] [0, 1, 2] [0.5, 1.5, 2.5] 6"},
      {"{{ range(0, 10, 4) }} {{ range(-3) }} {{ range(2, -2, -1) }}",
       "[0, 4, 8] [] [2, 1, 0, -1]"},
  });
  // At the ends of int64 (where JavaScript's doubles would lose the last digits): exact, and
  // without overflow.
  const std::string max = "9223372036854775807", min = "(-9223372036854775807 - 1)";
  EXPECT_EQ(render("{% set r = range(" + max + ", 9223372036854770000, -1) %}{{ r | length }} " +
                   "{{ r[0] == " + max + " }} {{ r[-1] == 9223372036854770001 }}"),
            "5807 true true");
  EXPECT_EQ(render("{{ range(0, 10, " + max + ") }} {{ range(" + min + ", " + max + ", " + max +
                   ") | length }} {{ range(" + max + ", " + min + ", " + min + ") | length }}"),
            "[0] 3 2");
  EXPECT_EQ(render("{{ range(" + max + " - 2, " + max + ") | length }}"), "2");
  EXPECT_THROW(render("{{ range(" + max + ") | length }}"), template_limit);
}

TEST(jinja_filters, consistent_arguments) {
  expect_renders({
      // The reference's join takes `separator=` (Python's `d=` is accepted too), on lists and
      // strings alike; unique is a JavaScript Set (NaN is NaN, 1 is 1.0, -0.0 is 0).
      {"{{ 'abc' | join(separator='-') }} {{ ['a', 'b'] | join(separator='-') }}", "a-b-c a-b"},
      {"{{ [0/0, 0/0, 1, 1.0, -0.0, 0] | unique | length }}", "3"},
  });
  EXPECT_EQ(render("{{ 'abc' | join(d='-') }} {{ ['a', 'b'] | join(d='-') }}"), "a-b-c a-b");
  // Widths beyond the output limit fail when they would be used, never silently capped.
  EXPECT_EQ(render("{{ 'a' | indent(1000000000000) }} {{ 'ab' | center(1) }}"), "a ab");
  EXPECT_THROW(render("{{ 'a\nb' | indent(1000000000000) }}"), template_limit);
  EXPECT_THROW(render("{{ 'a' | center(1000000000000) }}"), template_limit);
  EXPECT_EQ(render("{{ 1 | tojson(indent=100000000) }} {{ [] | tojson(indent=100000000) }}"),
            "1 []");
  EXPECT_THROW(render("{{ [1] | tojson(indent=100000000) }}"), template_limit);
  EXPECT_EQ(render("{{ [1, [2]] | tojson(indent=3) }}"), "[\n   1,\n   [\n      2\n   ]\n]");
}

TEST(jinja_filters, beyond_the_reference) {
  // Where @huggingface/jinja fails, this renderer does what Python's Jinja2 does.
  expect_renders(
      {
          {"{{ 'ab' * 2 }} {{ 'a' < 'b' }} {{ 10 is divisibleby 5 }} {{ 2 is in [1, 2] }}",
           "abab true true true"},
          {"{{ 3 is gt(2) }} {{ 'x' is ne 'y' }} {{ 1.5 is float }}", "true true true"},
          {"{{ ['a', 'b'] | map('upper') | join }} {{ [1, 2, 3] | select('odd') | list }}",
           "AB [1, 3]"},
          {"{{ [1, 0, 2] | reject | list }} {{ [1, 2, 3] | sum }} {{ [3, 1, 2] | max }} "
           "{{ [3, 1, 2] | min }}",
           "[0] 6 3 1"},
          {"{{ msgs | sum(attribute='role') if false else msgs | count }} "
           "{{ msgs | join(', ', attribute='role') }}",
           "3 user, assistant, user"},
          {"{{ 'abc' | list }} {{ 'abc' | first }} {{ 'abc' | reverse }} {{ x | length }}",
           R"(["a", "b", "c"] a cba 0)"},
          {"{{ (1, 2) }} {{ [] | first is defined }} {{ 'a&<' | e }} {{ 'x' | center(5) }}",
           "[1, 2] false a&amp;&lt;   x  "},
          {"{{ [1, 2, 3] | batch(2) }} {{ 2.5 | round }} {{ 2.567 | round(2, 'floor') }}",
           "[[1, 2], [3]] 2.0 2.56"},
          {"{{ ', '.join(['a', 'b']) }} {{ 'hello'.find('l') }} {{ 'hello'.count('l') }}",
           "a, b 2 2"},
          {"{% for c in 'ab' %}{{ c }};{% endfor %} {{ 'one two  three' | wordcount }}", "a;b; 3"},
          {"{{ '-x-' | trim('-') }} {{ x is in 'xyz' if false else 'ok' }} [{{ x | default }}]",
           "x ok []"},
      },
      messages());
}

}  // namespace
}  // namespace troupe::jinja
