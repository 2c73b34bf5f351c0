// Failures: every syntax and evaluation error is a template_error naming the line and column,
// raise_exception is a template_raise carrying the template's message, and render_limits stop
// runaway templates. No input may crash the renderer or exhaust its stack.
#include <random>

#include "gpu/text/jinja/template.hpp"
#include "gpu/text/jinja/test_util.hpp"

namespace troupe::jinja {
namespace {

using nlohmann::ordered_json;
using testing::error_of;
using testing::render;

void expect_error(std::string_view source, int line, int column, std::string_view contains,
                  const ordered_json& context = ordered_json::object()) {
  const template_error e = error_of(source, context);
  EXPECT_EQ(e.line(), line) << source << ": " << e.what();
  EXPECT_EQ(e.column(), column) << source << ": " << e.what();
  EXPECT_NE(e.message().find(contains), std::string::npos) << source << ": " << e.what();
  EXPECT_EQ(std::string(e.what()), "line " + std::to_string(line) + ", column " +
                                       std::to_string(column) + ": " + e.message());
}

TEST(jinja_errors, syntax_errors_name_the_place) {
  expect_error("line one\n{{ 1 + }}", 2, 8, "unexpected '}}'");
  expect_error("{% if x %}\nabc", 2, 4, "expected {% endif %}");
  expect_error("a\nb\n  {% frobnicate %}", 3, 6, "unknown statement 'frobnicate'");
  expect_error("{{ 'abc }}", 1, 4, "unterminated string");
  expect_error("{{ '\\q' }}", 1, 5, "escaped character 'q'");
  expect_error("{{ a ! b }}", 1, 6, "unexpected character '!'");
  expect_error("{{ x }}\n{# never closed", 2, 1, "comment");
  expect_error("{% for x %}{% endfor %}", 1, 10, "expected 'in'");
  expect_error("{% macro m(a=1, b) %}{% endmacro %}", 1, 17, "without a default");
  expect_error("{% endif %}", 1, 4, "unknown statement 'endif'");
  expect_error("{{ 99999999999999999999 }}", 1, 4, "out of range");
  expect_error("é{{ é }}", 1, 5, "unexpected character 'é'");  // columns count characters
}

TEST(jinja_errors, evaluation_errors_name_the_place) {
  expect_error("ok\n  {{ 'abc' | frobnicate }}", 2, 14, "unknown filter 'frobnicate'");
  expect_error("{{ 1 }}\n{{ x() }}", 2, 4, "cannot call");
  expect_error("{{ none + 1 }}", 1, 9, "none");
  expect_error("{{ 'a' ~ missing }}", 1, 8, "undefined");
  expect_error("{% for i in 5 %}{% endfor %}", 1, 1, "cannot loop over an integer");
  expect_error("{% set a, b = [1] %}", 1, 1, "too few items");
  expect_error("{{ x[0] }}", 1, 5, "cannot index undefined with an integer");
  expect_error("{{ {'a': 1}[0] }}", 1, 12, "cannot look up an integer key");
  expect_error("{{ 'x' | int(1, 2, 3) if false else [1] | sort(reverse=1) }}", 1, 43,
               "must be a boolean");
  expect_error("{{ 2 ** 100 }}", 1, 6, "overflow");
  expect_error("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", 1, 34, "not more than 1");
  expect_error("{{ 'a' | indent(-1) }}", 1, 10, "negative");
  expect_error("{{ [1, 2] | tojson(indent='x') }}", 1, 13, "indent");
  expect_error("{{ 3.5 is odd }}", 1, 8, "needs an integer");
  expect_error("{{ 1 is frobnicated }}", 1, 6, "unknown test");
}

TEST(jinja_errors, raise_exception_carries_the_template_message) {
  const std::string source =
      "{% for m in messages %}\n"
      "{% if m.role not in ['user', 'assistant'] %}"
      "{{ raise_exception('Unsupported role: ' + m.role) }}{% endif %}{% endfor %}";
  const ordered_json context = {{"messages", {{{"role", "user"}}, {{"role", "wizard"}}}}};
  try {
    render(source, context);
    FAIL() << "no exception";
  } catch (const template_raise& e) {
    EXPECT_STREQ(e.what(), "Unsupported role: wizard");
    EXPECT_EQ(e.message(), "Unsupported role: wizard");
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 48);
  }
  EXPECT_THROW(render("{{ raise_exception('x') }}"), template_error);  // a template_raise is one
  try {
    render("{{ raise_exception() }}");
  } catch (const template_raise& e) {
    EXPECT_STREQ(e.what(), "");
  }
}

TEST(jinja_limits, steps) {
  render_limits limits;
  limits.max_steps = 100'000;
  const auto e = error_of(
      "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", {}, limits);
  EXPECT_NE(e.message().find("too long"), std::string::npos) << e.what();
  EXPECT_THROW(render("{{ range(1000000000000) | length }}"), template_error);  // at once
  EXPECT_THROW(render("{% for i in range(10000000) %}{% endfor %}"), template_error);
}

TEST(jinja_limits, output_and_string_sizes) {
  render_limits limits;
  limits.max_output_bytes = 1000;
  EXPECT_EQ(render("{% for i in range(10) %}0123456789{% endfor %}", {}, limits).size(), 100u);
  EXPECT_THROW(render("{% for i in range(101) %}0123456789{% endfor %}", {}, limits),
               template_error);
  // Strings a template doubles in a loop stop at the limit, wherever they are.
  EXPECT_THROW(render("{% set ns = namespace(s='ab') %}{% for i in range(100) %}"
                      "{% set ns.s = ns.s ~ ns.s %}{% endfor %}"),
               template_error);
  EXPECT_THROW(
      render("{% set s %}{% for i in range(2000) %}xx{% endfor %}{% endset %}", {}, limits),
      template_error);
  EXPECT_THROW(render("{{ 'x' * 100000000000 }}"), template_error);
  EXPECT_THROW(render("{{ range(100) | tojson(indent=100000000) }}"), template_error);
}

TEST(jinja_limits, depth) {
  EXPECT_THROW(render("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"), template_error);
  render_limits limits;
  limits.max_depth = 8;
  EXPECT_THROW(render("{{ [[[[[[[[[[1]]]]]]]]]] }}", {}, limits), template_error);
  EXPECT_EQ(render("{{ [[1]] }}", {}, limits), "[[1]]");
}

TEST(jinja_limits, deep_syntax_is_rejected_not_recursed) {
  for (std::string_view open : {"(", "[", "{'a': ", "not ", "- ", "x|f(", "[1][0]"}) {
    std::string source = "{{ ";
    for (int i = 0; i < 100000; ++i) source += open;
    EXPECT_THROW(compiled_template::parse(source), template_error) << open;
  }
  std::string chain = "{{ 1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  EXPECT_THROW(compiled_template::parse(chain + " }}"), template_error);
  std::string ifs, ends;
  for (int i = 0; i < 100000; ++i) ifs += "{% if true %}", ends += "{% endif %}";
  EXPECT_THROW(compiled_template::parse(ifs + ends), template_error);
  std::string elifs = "{% if false %}";
  for (int i = 0; i < 100000; ++i) elifs += "{% elif false %}";
  EXPECT_THROW(compiled_template::parse(elifs + "{% endif %}"), template_error);
  // Deep but within the limits: fine.
  EXPECT_EQ(render("{{ " + std::string(100, '(') + "1" + std::string(100, ')') + " }}"), "1");
}

TEST(jinja_limits, deep_and_cyclic_values) {
  // (Parsed in place: nlohmann::json copies recursively.)
  const ordered_json deep =
      ordered_json::parse("{\"x\": " + std::string(5000, '[') + "1" + std::string(5000, ']') + "}");
  EXPECT_THROW(render("{{ x }}", deep), template_error);
  // A namespace holding itself: printing it fails instead of recursing forever (and nothing
  // leaks: the render empties its namespaces when it ends).
  EXPECT_THROW(render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"), template_error);
  EXPECT_THROW(render("{% set ns = namespace() %}{% set ns.l = [ns] %}{{ ns.l ~ '' }}"),
               template_error);
  EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns.me.me is defined }}"),
            "true");
}

TEST(jinja_limits, escaped_callers_fail_cleanly) {
  // `caller` kept past its call block: calling it later is an error, not a dangling scope.
  EXPECT_EQ(render("{% set ns = namespace() %}{% macro m() %}{% set ns.c = caller %}"
                   "{{ caller() }}{% endmacro %}{% call m() %}in{% endcall %}"),
            "in");
  EXPECT_NO_THROW(
      render("{% set ns = namespace() %}{% macro m() %}{% set ns.c = caller %}"
             "{% endmacro %}{% call m() %}in{% endcall %}{{ ns.c() }}"));
}

TEST(jinja_errors, invalid_utf8_is_harmless) {
  EXPECT_EQ(render("a\xff\xfe{{ x }}", {{"x", "b"}}),
            "a\xff\xfe"
            "b");
  EXPECT_NO_THROW(render("{{ x | upper }}{{ x | length }}{{ x[::-1] }}{{ x | tojson }}",
                         {{"x", "\xc3\x28\xe2\x82"}}));
  EXPECT_THROW(render("{{ \xff }}"), template_error);
}

// Mutations of a real template: whatever they turn into, parsing and rendering either work or
// throw template_error.
TEST(jinja_errors, mutated_templates_fail_cleanly) {
  const std::string base =
      "{%- set ns = namespace(first=true, n=messages|length - 1) -%}{{ bos_token }}"
      "{%- for m in messages[::-1] if m.role != 'tool' %}{% set i = loop.index0 %}"
      "{%- if m['role'] == 'system' -%}{{ '<<SYS>>\\n' + m['content'] | trim + '\\n' }}"
      "{%- elif m.content is string -%}{{ m.content.split('</think>')[-1] ~ ns.first }}"
      "{%- else -%}{{ (m.content | selectattr('type', 'equalto', 'text') | map(attribute="
      "'text') | join(', ')) ~ i }}{% set ns.first = false %}{%- endif -%}{% macro f(a, b=2) %}"
      "{{ a ~ b ~ caller() if caller is defined }}{% endmacro %}{{ f(1) | tojson(indent=2) }}"
      "{%- endfor -%}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";
  const ordered_json context = ordered_json::parse(R"({"bos_token": "<s>",
    "add_generation_prompt": true, "messages": [{"role": "system", "content": " sys "},
    {"role": "user", "content": [{"type": "text", "text": "hi"}]},
    {"role": "assistant", "content": "<think>x</think>ok"}]})");
  const std::string alphabet = "{}%#-+|.,:()[]'\"\\ \n=<>*/~abcefilnorst0129";
  std::mt19937 gen(7);
  render_limits limits;
  limits.max_steps = 20000;
  limits.max_output_bytes = 4096;
  int rendered = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string s = base;
    for (int edits = 1 + static_cast<int>(gen() % 4); edits > 0; --edits) {
      const size_t at = gen() % (s.size() + 1);
      switch (gen() % 3) {
        case 0:
          if (at < s.size()) s.erase(at, 1 + gen() % 8);
          break;
        case 1:
          s.insert(at, 1, alphabet[gen() % alphabet.size()]);
          break;
        default:
          if (at < s.size()) s[at] = alphabet[gen() % alphabet.size()];
      }
    }
    try {
      compiled_template::parse(s).render(context, limits);
      ++rendered;
    } catch (const template_error&) {
    }
  }
  EXPECT_GT(rendered, 100);
}

}  // namespace
}  // namespace troupe::jinja
