// Whitespace: the explicit controls (`{%-`, `-%}`, `{{-`, `-}}`, `{#-`, `-#}`) and what
// @huggingface/jinja always does (trim_blocks, lstrip_blocks, one trailing newline dropped,
// generation tags removed). Every expected output is what the reference renders.
#include "gpu/text/jinja/template.hpp"

#include "gpu/text/jinja/test_util.hpp"

namespace troupe::jinja {
namespace {

using testing::expect_renders;
using testing::render;

TEST(jinja_whitespace, explicit_controls) {
  expect_renders({
      {"a  {%- if true %}b{% endif %}", "ab"},
      {"a {% if true -%}  \n  b{% endif %}", "a b"},
      {"a  {{- 'b' -}}  c", "abc"},
      {"a \n {#- comment -#} \n b", "ab"},
      {"a {#- c #} b", "a b"},
      {"{% for i in [1, 2] -%}\n  {{ i }}\n{%- endfor %}", "12"},
      {"x\t\u3000{%- if true %}y{% endif %}", "xy"},  // Unicode whitespace too
  });
}

TEST(jinja_whitespace, blocks_are_trimmed_and_stripped) {
  expect_renders({
      // trim_blocks: the newline after a block tag goes; lstrip_blocks: the indentation before.
      {"{% if true %}\nyes\n{% endif %}\nafter", "yes\nafter"},
      {"<ul>\n  {% for i in [1, 2] %}\n  <li>{{ i }}</li>\n  {% endfor %}\n</ul>",
       "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>"},
      {"a\n  {# comment #}\nb", "a\nb"},
      // Not after an expression, and only spaces and tabs at the very start of a line.
      {"{{ 'x' }}\n  {{ 'y' }}\n", "x\n  y"},
      {"a  {% if true %}b{% endif %}", "a  b"},
      {"{% if true %}\r\nx{% endif %}", "\r\nx"},
  });
}

TEST(jinja_whitespace, trailing_newline) {
  EXPECT_EQ(render("a\n"), "a");
  EXPECT_EQ(render("a\n\n"), "a\n");
  EXPECT_EQ(render("{{ 'a' }}\n"), "a");
}

TEST(jinja_whitespace, generation_tags) {
  expect_renders({
      {"a {% generation %}b{% endgeneration %} c", "a b c"},
      {"a {%- generation -%} b {%- endgeneration %} c", "ab c"},
      {"{% generation %}\n  text\n{% endgeneration %}\n", "  text\n"},
  });
}

}  // namespace
}  // namespace troupe::jinja
