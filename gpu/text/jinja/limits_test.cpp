// render_limits: every bound reached is a template_limit; the work a template does is charged
// to the steps whatever it does it with (strings as much as loops), ordinary large inputs stay
// well within the defaults, memory is bounded, and no value can nest deeply enough to crash.
#include <optional>
#include <string>
#include <vector>

#include "gpu/text/jinja/template.hpp"
#include "gpu/text/jinja/test_util.hpp"

namespace troupe::jinja {
namespace {

using nlohmann::ordered_json;
using testing::render;

// The template_limit a template fails with (and that it fails with one).
std::string limit_of(std::string_view source, const ordered_json& context = ordered_json::object(),
                     const render_limits& limits = {}) {
  try {
    compiled_template::parse(source).render(context, limits);
  } catch (const template_limit& e) {
    return e.message();
  } catch (const template_error& e) {
    ADD_FAILURE() << source.substr(0, 200) << ": not a template_limit: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error from: " << source.substr(0, 200);
  return "";
}

bool has(const std::string& message, std::string_view part) {
  return message.find(part) != std::string::npos;
}

std::vector<std::string> split(const std::string& list) {  // "a; b" → {"a", "b"}
  std::vector<std::string> out;
  for (size_t start = 0; start < list.size();) {
    const size_t end = std::min(list.find("; ", start), list.size());
    out.push_back(list.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

TEST(jinja_limits, bounds_reached_are_template_limits) {
  render_limits small;
  small.max_output_bytes = 100;
  small.max_steps = 10'000;
  EXPECT_TRUE(has(limit_of("{{ 'x' * 101 }}", {}, small), "exceed 100 bytes"));
  EXPECT_TRUE(has(limit_of("{% for i in range(101) %}x{% endfor %}", {}, small), "output"));
  EXPECT_TRUE(has(limit_of("{% for i in range(9000) %}{{ i }}{% endfor %}", {}, small), "long"));
  EXPECT_TRUE(has(limit_of("{{ range(100000) | length }}", {}, small), "too large"));
  EXPECT_TRUE(has(limit_of("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"), "nests"));
  EXPECT_TRUE(has(limit_of("{{ x }}", {{"x", ordered_json::parse(std::string(600, '[') +
                                                                 std::string(600, ']'))}}),
                  "nest too deeply"));
  EXPECT_TRUE(has(limit_of("{{ range(10) | tojson(indent=1000) }}", {}, small), "too large"));
  render_limits memory;
  memory.max_memory_bytes = 16 << 20;
  EXPECT_TRUE(has(limit_of("{{ ('ab' * 400000) | list | length }}", {}, memory), "memory"));
  EXPECT_TRUE(has(limit_of("{{ " + std::string(100000, '[') + std::string(100000, ']') + " }}"),
                  "nests too deeply"));  // at parse time
  // Other failures are not limits.
  const auto failure = [](std::string_view source) -> std::string {
    try {
      render(source);
    } catch (const template_limit&) {
      return "limit";
    } catch (const template_raise&) {
      return "raise";
    } catch (const template_error&) {
      return "error";
    }
    return "none";
  };
  EXPECT_EQ(failure("{{ 1 | frobnicate }}"), "error");
  EXPECT_EQ(failure("{{ 1 + }}"), "error");
  EXPECT_EQ(failure("{% for i in 5 %}{% endfor %}"), "error");
  EXPECT_EQ(failure("{{ raise_exception('no') }}"), "raise");
}

TEST(jinja_limits, no_value_nests_deep_enough_to_crash) {
  // Built a level per iteration, any of these would overflow the stack when destroyed.
  for (const char* build :
       {"{% set a = [a] %}", "{% set a = {'k': a} %}", "{% set a = (a, 1) %}",
        "{% set a = {'k': a}.items %}", "{% set ns.a = [ns.a] %}", "{% set a = [1] + [a] %}",
        "{% set a = [a] | batch(1) | first %}", "{% set a = {'k': [a]}.values() %}"}) {
    const std::string source =
        std::string("{% set a = [] %}{% set ns = namespace(a=[]) %}{% for i in range(1500000) %}") +
        build + "{% endfor %}done";
    EXPECT_TRUE(has(limit_of(source), "values nest too deeply (more than 512")) << build;
  }
  // (A set in a loop lasts only for the loop: a namespace keeps what the loops build.)
  const std::string nest =
      "{% set ns = namespace(a=1) %}{% for i in range(511) %}{% set ns.a = [ns.a] %}{% endfor %}";
  EXPECT_EQ(render(nest + "{{ ns.a | length }}{{ [ns.a] | length }}"), "11");  // 512 levels
  EXPECT_TRUE(has(limit_of(nest + "{{ [[ns.a]] }}"), "values nest too deeply"));
  // A namespace is one level (the render empties every namespace when it ends, so none is
  // destroyed through what holds it): chains of them are fine, and so is a deep list in one.
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for i in range(20000) %}"
                   "{% set ns.n = namespace(x=ns.n) %}{% endfor %}{{ ns.n.x.x.x.x is defined }}"),
            "true");
  EXPECT_EQ(render(nest + "{% set ns.b = [ns] %}{% for i in range(510) %}{% set ns.b = [ns.b] %}"
                          "{% endfor %}{{ ns.b | length }}"),
            "1");
}

TEST(jinja_limits, comparing_with_a_string_is_bounded) {
  // A list of 10^10 items compared with a string: its string form is built within the limits.
  const std::string source =
      "{% set ns = namespace(a=[0,0,0,0,0,0,0,0,0,0]) %}{% for i in range(9) %}"
      "{% set ns.a = [ns.a,ns.a,ns.a,ns.a,ns.a,ns.a,ns.a,ns.a,ns.a,ns.a] %}{% endfor %}";
  EXPECT_TRUE(has(limit_of(source + "{{ ns.a == 'x' }}"), "too large"));
  EXPECT_TRUE(has(limit_of(source + "{{ 'x' != ns.a }}"), "too large"));
  render_limits few;
  few.max_steps = 100'000;
  EXPECT_TRUE(has(limit_of(source + "{{ ns.a == 'x' }}", {}, few), "too long"));
  EXPECT_EQ(render("{{ [1, 2] == '1,2' }}{{ [1] != 1 }}"), "truefalse");
}

// 1000 iterations over a 256 KiB string, within 250,000 steps: each of these is charged for the
// text it reads or writes, and runs out of steps (uncharged, each took 256 MB of work or more).
TEST(jinja_limits, work_on_strings_is_charged) {
  const ordered_json context = {{"s", std::string(1 << 18, 'a')},
                                {"t", std::string(1 << 18, 'a')},
                                {"u", std::string(1 << 17, 'x') + "\xc3\xa9"},
                                {"d", {{"k", 1}}}};
  render_limits few_steps;
  few_steps.max_steps = 250'000;
  const std::string expensive =  // separated by ';'
      "s == t; s != t; s in [t]; s is eq t; [{'k': s}] | selectattr('k', 'eq', t) | list; "
      "s[1:]; s[::2]; u[0]; u[1:3]; u[::-1]; 'b' in s; s is in(t); [s] | string; s | upper; "
      "s | lower; s.strip(); s | trim; s | reverse; s | wordcount; s | title; s.split('b'); "
      "s.split(); s.replace('b', 'c'); s | indent; s ~ ''; s | tojson; s | escape; s | int; "
      "s.find('b'); s.count('b'); s.startswith(t); s < t; [s, t] | max; [s, t] | sort; "
      "[s, t] | unique; [s, t] | sort(case_sensitive=false); {s: 1}; d[s]; s in d; s is lower; "
      "s | join(','); [s, t] | join; s | capitalize";
  for (const std::string& e : split(expensive)) {
    const std::string source =
        std::string("{% for i in range(1000) %}{% if ") + e + " %}{% endif %}{% endfor %}";
    EXPECT_TRUE(has(limit_of(source, context, few_steps), "ran too long")) << e;
  }
  // What need not read the string does not: these are cheap however long it is (read each
  // time, 10,000 times, they would run out of the default steps).
  const std::string cheap =
      "s == s; s[0]; s[-1]; s[0:1]; s[5:10:2]; s | length; s.length; u | length; s | first; "
      "s | last; u | last; s | center(10); s is string; s; s in [1, 2]";
  for (const std::string& e : split(cheap)) {
    const std::string source =
        std::string("{% for i in range(10000) %}{% if ") + e + " %}{% endif %}{% endfor %}ok";
    EXPECT_EQ(render(source, context), "ok") << e;
  }
}

// The builders charge what they append, not what they have built so far: ordinary messages of
// a megabyte render well within the defaults.
TEST(jinja_limits, large_ordinary_inputs_fit_the_defaults) {
  std::string text;
  ordered_json parts = ordered_json::array();
  for (int i = 0; i < 33000; ++i) {
    const std::string line = "line " + std::to_string(i) + ": an ordinary line of text.";
    text += (i ? "\n" : "") + line;
    parts.push_back(line);
  }
  ASSERT_GT(text.size(), 1'000'000u);
  const ordered_json context = {{"s", text}, {"parts", parts}};
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  render_limits limits;
  limits.max_steps = 2'000'000;  // a fifth of the default, as a margin
  const auto check = [&](const std::string& source, const std::string& expected) {
    try {
      EXPECT_EQ(render(source, context, limits), expected) << source;
    } catch (const template_error& e) {
      ADD_FAILURE() << source << ": " << e.what();
    }
  };
  check("{{ s.replace('\\n', '\\r\\n') }}", crlf);
  check("{{ s | replace('\\n', '\\r\\n') }}", crlf);
  check("{{ parts | join('\\n') }}", text);
  check("{{ '\\n'.join(parts) }}", text);
  check("{{ s.split('\\n') | join('\\n') }}", text);
  check("{{ (s | indent(4)) | length }}", std::to_string(text.size() + 4 * 32999));
  check("{{ (s | indent(4, true)) | length }}", std::to_string(text.size() + 4 * 33000));
  check("{{ (s | join('')) | length }}", std::to_string(text.size()));
  check("{{ (s ~ s) | length }}", std::to_string(2 * text.size()));
  check("{{ (s | tojson) | length }}", std::to_string(text.size() + 2 + 32999));
}

TEST(jinja_limits, memory) {
  // Bounded by default (`('ab' * 4000000) | list` once took 824 MB), here with less to spare.
  EXPECT_EQ(render_limits{}.max_memory_bytes, size_t{256} << 20);
  render_limits some;
  some.max_memory_bytes = 16 << 20;
  EXPECT_TRUE(has(limit_of("{% for c in 'ab' * 400000 %}{% endfor %}", {}, some), "memory"));
  render_limits small;
  small.max_memory_bytes = 1 << 20;
  EXPECT_TRUE(has(limit_of("{% set x = 'a' * 2000000 %}", {}, small), "memory"));
  EXPECT_TRUE(has(limit_of("{% set ns = namespace(l=[]) %}{% for i in range(100) %}"
                           "{% set ns.l = ns.l + ['a' * 100000] %}{% endfor %}",
                           {}, small),
                  "memory"));
  EXPECT_TRUE(has(limit_of("{{ x }}", {{"x", std::string(2 << 20, 'x')}}, small), "memory"));
  // What is held at once counts, not what was ever made.
  EXPECT_EQ(render("{% for i in range(1000) %}{% set x = 'a' * 10000 %}{% endfor %}ok", {}, small),
            "ok");
}

// A template that parses renders within the default depth: the parser counts the statements
// around an expression as the evaluator nests them.
TEST(jinja_limits, what_parses_is_not_too_deep_to_render) {
  const auto chain = [](int terms) {
    std::string e = "1";
    for (int i = 1; i < terms; ++i) e += " + 1";
    return e;
  };
  EXPECT_EQ(render("{{ " + chain(511) + " }}"), "511");
  EXPECT_TRUE(has(limit_of("{{ " + chain(512) + " }}"), "the expression nests too deeply"));
  EXPECT_TRUE(has(limit_of("{% if true %}{{ " + chain(511) + " }}{% endif %}"), "nests"));
  const auto wrapped = [](const std::string& open, const std::string& close, int n,
                          const std::string& inner) {
    std::string s;
    for (int i = 0; i < n; ++i) s += open;
    s += inner;
    for (int i = 0; i < n; ++i) s += close;
    return s;
  };
  int parsed = 0;
  for (int n = 100; n <= 600; n += 7) {
    const std::vector<std::string> sources = {
        wrapped("{% if true %}", "{% endif %}", n, "{{ " + chain(40) + " }}"),
        wrapped("{% for i in [1] %}", "{% endfor %}", n, "{{ (" + chain(30) + ") | abs }}"),
        wrapped("{% set x %}", "{% endset %}", n / 2, "{{ [[[1]]] | first | first | first }}"),
        "{% if false %}" + wrapped("{% elif false %}", "", n, "") + "{% else %}{{ " + chain(20) +
            " }}{% endif %}",
        "{{ " + wrapped("(", " | abs)", n, "-1") + " }}",
        "{{ x" + wrapped(".a", "", n, "") + " }}",
        "{{ " + chain(n) + " }}",
    };
    for (const auto& source : sources) {
      std::optional<compiled_template> t;
      try {
        t.emplace(compiled_template::parse(source));
      } catch (const template_limit&) {
        continue;
      }
      ++parsed;
      try {
        t->render({{"x", nullptr}});
      } catch (const template_error& e) {
        ADD_FAILURE() << "parses but fails: " << e.what() << "\n" << source.substr(0, 300);
      }
    }
  }
  EXPECT_GT(parsed, 100);
}

}  // namespace
}  // namespace troupe::jinja
