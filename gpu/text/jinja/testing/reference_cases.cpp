#include "gpu/text/jinja/testing/reference_cases.hpp"

namespace troupe::jinja::testing {

using nlohmann::ordered_json;

namespace {

ordered_json msg(const std::string& role, const ordered_json& content) {
  ordered_json m = ordered_json::object();
  m["role"] = role;
  m["content"] = content;
  return m;
}

ordered_json text_parts(const std::string& text) {
  return ordered_json::array({{{"type", "text"}, {"text", text}}});
}

template <typename... M>
ordered_json chat(M... messages) {
  return ordered_json::array({ordered_json(messages)...});
}

const char* const system_prompt = "You are a helpful assistant.";
const char* const awkward =
    "Ünïcödé 日本語 🙂 <|eot_id|> {{ not a tag }} {% neither %} 'single' \"double\" \\ "
    "end";

}  // namespace

std::vector<conversation> conversations() {
  std::vector<conversation> c;
  c.push_back({"one_user", chat(msg("user", "Hello!"))});
  c.push_back({"system_user", chat(msg("system", system_prompt), msg("user", "Hi there"))});
  c.push_back({"two_turns",
               chat(msg("user", "What is 2+2?"), msg("assistant", "4."), msg("user", "And 3+3?"))});
  c.push_back({"system_three_turns",
               chat(msg("system", system_prompt), msg("user", "Tell me a joke."),
                    msg("assistant", "Why did the chicken cross the road?"), msg("user", "Why?"),
                    msg("assistant", "To get to the other side."), msg("user", "Another one."))});
  c.push_back({"assistant_last", chat(msg("user", "Say hi."), msg("assistant", "Hi!"))});
  c.push_back({"whitespace_content",
               chat(msg("user", "  leading and trailing  \n"), msg("assistant", "\n\nanswer\n\n"),
                    msg("user", "tabs\tand\r\nCRLF\u00a0nbsp\u3000"))});
  c.push_back({"awkward_content", chat(msg("system", awkward), msg("user", awkward))});
  c.push_back({"empty_content", chat(msg("user", ""), msg("assistant", ""), msg("user", " "))});
  c.push_back({"multiline_system",
               chat(msg("system", "Line one.\nLine two.\n\nLine four."), msg("user", "ok"))});
  c.push_back({"system_only", chat(msg("system", system_prompt))});
  c.push_back({"no_messages", ordered_json::array()});
  c.push_back(
      {"two_users", chat(msg("user", "one"), msg("user", "two")), ordered_json::object(), false});
  c.push_back({"assistant_first", chat(msg("assistant", "I speak first."), msg("user", "ok")),
               ordered_json::object(), false});
  c.push_back({"system_then_assistant",
               chat(msg("system", system_prompt), msg("assistant", "hello"), msg("user", "hi")),
               ordered_json::object(), false});
  return c;
}

std::vector<conversation> part_conversations() {
  std::vector<conversation> c;
  c.push_back({"parts_one_user", chat(msg("user", text_parts("Hello from a part!")))});
  c.push_back({"parts_system", chat(msg("system", text_parts(system_prompt)),
                                    msg("user", text_parts(" padded ")))});
  c.push_back({"parts_three_turns",
               chat(msg("user", text_parts("first")), msg("assistant", text_parts("second\n")),
                    msg("user", text_parts("third")), msg("assistant", text_parts("fourth")),
                    msg("user", text_parts("fifth")))});
  ordered_json image_and_text =
      ordered_json::array({{{"type", "image"}},
                           {{"type", "text"}, {"text", "What is in this image?"}},
                           {{"type", "text"}, {"text", " And this one? "}}});
  c.push_back({"parts_with_image", chat(msg("user", image_and_text))});
  c.push_back({"parts_mixed_with_strings",
               chat(msg("system", system_prompt), msg("user", text_parts("part")),
                    msg("assistant", "string"), msg("user", "string again"))});
  return c;
}

std::vector<conversation> tool_conversations() {
  const ordered_json tools = ordered_json::parse(R"([
    {"type": "function", "function": {"name": "get_weather",
      "description": "Weather for a city, in °C.",
      "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "e.g. \"Zürich\""},
        "days": {"type": "integer", "minimum": 1, "maximum": 7.5}},
        "required": ["city"]}}},
    {"type": "function", "function": {"name": "now", "parameters": {}}}])");
  const ordered_json call = ordered_json::parse(R"([
    {"type": "function", "function": {"name": "get_weather",
      "arguments": {"city": "Zürich", "days": 2, "2": "integer-like key", "units": null}}}])");
  const ordered_json string_call = ordered_json::parse(R"([
    {"type": "function", "id": "c1",
     "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}])");
  auto assistant_call = [](const ordered_json& content, const ordered_json& calls) {
    ordered_json m = msg("assistant", content);
    m["tool_calls"] = calls;
    return m;
  };
  std::vector<conversation> c;
  c.push_back({"tools_offered",
               chat(msg("system", system_prompt), msg("user", "Weather in Zürich?")),
               {{"tools", tools}}});
  c.push_back({"tools_no_system", chat(msg("user", "What time is it?")), {{"tools", tools}}});
  c.push_back({"tool_call_and_result",
               chat(msg("user", "Weather in Zürich?"), assistant_call("", call),
                    msg("tool", "{\"temperature\": 21}"), msg("tool", "second result"),
                    msg("assistant", "It is 21 °C."), msg("user", "Thanks")),
               {{"tools", tools}}});
  c.push_back(
      {"string_arguments", chat(msg("user", "Paris?"), assistant_call("Let me check.", string_call),
                                msg("tool", "sunny"))});
  c.push_back(
      {"null_content_tool_calls", chat(msg("system", system_prompt), msg("user", "Paris?"),
                                       assistant_call(nullptr, string_call), msg("tool", "sunny"),
                                       msg("assistant", "Sunny."), msg("user", "And tomorrow?"))});
  ordered_json reasoning = msg("assistant", "The answer is 4.");
  reasoning["reasoning_content"] = "2 plus 2 is 4.";
  c.push_back({"reasoning_content", chat(msg("user", "2+2?"), reasoning, msg("user", "3+3?"))});
  c.push_back({"think_in_content",
               chat(msg("user", "2+2?"), msg("assistant", "<think>\nSimple.\n</think>\n\n4."),
                    msg("user", "sure?"), msg("assistant", "<think>\n\nyes\n\n</think>Yes."))});
  c.push_back(
      {"thinking_disabled", chat(msg("user", "Quick answer?")), {{"enable_thinking", false}}});
  c.push_back({"thinking_enabled", chat(msg("user", "Slow answer?")), {{"enable_thinking", true}}});
  c.push_back(
      {"tool_response_user",
       chat(msg("user", "<tool_response>\nok\n</tool_response>"), msg("user", "real question")),
       ordered_json::object(), false});
  return c;
}

std::vector<std::string> edge_templates() {
  return {
      // How values print.
      R"({{ 1.0 }}|{{ 1.5 }}|{{ -0.0 }}|{{ true }}|{{ none }}|{{ undefined_name }}|{{ 100 }})",
      R"({{ [1, 1.0, 'a', none, undefined_name, true] }}|{{ {'a': 1, 'b': [2.5, {}]} }})",
      R"({{ 0.1 + 0.2 }} {{ 2 ** 60 }} {{ 0.000001 }} {{ 0.0000001 }})",
      R"({{ 100000000000000000000.0 }} {{ 1000000000000000000000.0 }} {{ 1 / 3 }} {{ 2 / 2 }})",
      R"({{ 1 ~ [1.0, none, 'a', [2.0], {'k': 1}] }}|{{ 1.0 ~ '' }}|{{ 'a' + 1.5 }})",
      R"({{ 10 / 0 }} {{ -1 // 0 }} {{ 5 % 0 }} {{ 1.5 % 0 }})",
      // tojson.
      R"({{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ [] | tojson(indent=2) }})",
      R"({{ 'é<>&\'"\\' | tojson }}|{{ 'é😀' | tojson(ensure_ascii=true) }})",
      R"({{ [1, 2] | tojson(separators=(',', ':')) }}|{{ {'a': none} | tojson(indent=1) }})",
      R"({{ {'b': 1, 'a': 2, '_c': 3, 'B': 4} | tojson(sort_keys=true) }})",
      R"({{ undefined_name | tojson }}|{{ [undefined_name] | tojson }}|{{ f | tojson }})",
      R"({{ "\u0001\b\f\n\r\t" | tojson }}|{{ '\x41\u00e9' }})",
      // Context ordering and numbers.
      R"({{ keys }}|{% for k in keys %}{{ k }},{% endfor %}|{{ f }}|{{ f is integer }})",
      // Operators.
      R"({{ '1' == 1 }} {{ none == undefined_name }} {{ [1] == 1 }} {{ l == l }} {{ [1] == [1] }})",
      R"({{ 2 ** 3 ** 2 }} {{ -7 % 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7.5 // 2 }} {{ -3 ** 2 }})",
      R"({{ 1 + 2 * 3 }} {{ not true or true }} {{ 1 < 2 and 2 < 3 }} {{ 'a' ~ 1 ~ true }})",
      R"({{ 'a' in 'cat' }} {{ 1 in [1.0] }} {{ 'k' in d }} {{ 'x' in undefined_name }})",
      R"({{ 5 - -3 }} {{ -5 | abs }} {{ - l | length }} {{ [1] + [2] }} {{ 'a' + 'b' }})",
      R"({{ 'a' if false }}|{{ 'b' if true else 'c' }}|{{ 1 if none else 2 if 0 else 3 }})",
      // Subscripts and slices.
      R"({{ l[0] }}{{ l[-1] }}{{ l[9] }}{{ l[1:] }}{{ l[:-1] }}{{ l[::-1] }}{{ l[::2] }}{{ l[5:0:-2] }})",
      R"({{ s[0] }}{{ s[-1] }}{{ s[1:3] }}{{ s[::-1] }}{{ 'h😀i'[1:] }}{{ 'h😀i' | length }})",
      R"({{ d.a }}{{ d['a'] }}{{ d.missing }}{{ d.items is callable }}{{ x.y.z }}{{ l.length }})",
      // Whitespace.
      "  {% if true %}\n  x\n  {% endif %}\n  y  \n{%- if true -%}\n z {% if true %}w"
      "{% endif %}\n{% endif %}  \n\n",
      "a {% generation %} b {%- endgeneration %} c\n{%- generation -%}\n d {% endgeneration %}",
      "{# comment #}\n  {#- trimmed -#}  x  {#- c #}\ny\n",
      "{{- '  a  ' -}}  \n  {{ 'b' }}\n\t{% set q = 1 %}\n  text\r\n{% if true %}\r\nz{% endif %}",
      // Statements.
      R"({% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c %}x{{ a }}y{% endset %}{{ c }})",
      R"({% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{% endfor %}{{ x }})",
      R"({% if true %}{% set y = 3 %}{% endif %}{{ y }})",
      R"({% set ns = namespace(a=1, b='x') %}{% set ns.a = ns.a + 1 %}{{ ns.a }}{{ ns }})",
      R"({% set ns = namespace({'a': 1}) %}{% set n2 = namespace([['b', 2], 'cd']) %}{{ ns.a }}{{ n2 }})",
      R"({% for k, v in d.items() %}{{ k }}={{ v }}{{ ',' if not loop.last }}{% endfor %})",
      R"({% for x in range(5) if x is odd %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %})",
      R"({% for x in l %}{{ loop.previtem }}-{{ loop.nextitem }}{{ loop.revindex0 }}{% endfor %})",
      R"({% for i in [1] %}{{ loop }}{% endfor %}{% for i in [] %}x{% else %}empty{% endfor %})",
      R"({% for x in [1, 2, 3] %}a{{ x }}{% if x == 2 %}{% continue %}{% endif %}b{% endfor %})",
      R"({% for x in [1, 2] %}{% continue %}{% else %}E{% endfor %})",
      R"({% for i in [1, 2, 3] %}{{ i }}{% if i == 2 %}{% break %}{% endif %}{% else %}E{% endfor %})",
      R"({% for i in {'b': 1, 'a': 2} %}{{ i }}{% endfor %}{% for a, b in [[1, 2]] %}{{ a }}{{ b }}{% endfor %})",
      R"({% macro m() %}{{ v }}{% endmacro %}{% for v in [1, 2] %}{{ m() }}{% endfor %})",
      R"({% macro f(a, b=2, c=a) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ f(1) }}|{{ f(1, c=5) }}|{{ f(b=3, a=4) }})",
      R"({% macro f() %}{{ kwargs }}{{ varargs }}{% endmacro %}{{ f(1, 2, x=3) }})",
      R"({% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n }}*{{ fact(n - 1) }}{% endif %}{% endmacro %}{{ fact(5) }})",
      R"({% macro w(x) %}[{{ caller(x) }}]{% endmacro %}{% call(y) w(5) %}got {{ y }}{% endcall %})",
      R"({% macro m() %}x{% break %}{% endmacro %}{% for i in [1, 2, 3] %}{{ i }}{{ m() }}{% endfor %}E)",
      R"({% macro m(a, b) %}{{ a }}-{{ b }}{% endmacro %}{{ m(*[1, 2]) }}{{ m(**{'a': 3, 'b': 4}) }})",
      R"({% filter upper %}abc{{ 1 }}{% endfilter %}{% filter indent(2, true) %}a
b{% endfilter %})",
      R"({% set namespace = 1 %}{{ namespace }}{% for i in [1] %}{{ namespace is callable }}{% endfor %})",
      R"({% set true = 5 %}{{ true }}{{ True }}{% set d = {'a': 1, 'a': 2, 'b': 3} %}{{ d }})",
      R"({{ range(3) }}{{ range(1, 10, 3) }}{{ range(3, 0, -1) }}{{ range(0) }}{{ strftime_now('%%') }})",
      R"({{ 'ab' 'cd' }}{{ [1, 2,] }}{{ {'a': 1,} }}{{ 'a\tb' }}{{ 'q\'s' }}{{ "d\"q" }})",
      // Filters.
      R"({{ 'héllo wörld-foo' | title }} {{ 'ÉCOLE ß Ωμέγα Привет' | lower }} {{ 'straße Ωμέγα' | upper }})",
      R"({{ 'abc' | length }} {{ l | length }} {{ d | length }} {{ 'hello' | capitalize }} {{ 'x' | indent }})",
      R"({{ 'a
b

c' | indent(2) }} {{ 'a
b' | indent(2, true) }} {{ '  x  ' | trim }} {{ s | string }} {{ l | string }})",
      R"({{ [1, 2, 2, '2', 1.0, none, undefined_name] | unique }} {{ l | reverse }} {{ l | sort }} {{ l | sort(reverse=true) }})",
      R"({{ ['b', 'A', 'a'] | sort }} {{ ['b', 'A', 'a'] | sort(case_sensitive=true) }} {{ msgs | sort(attribute='role') | map(attribute='content') | join }})",
      R"({{ x | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} {{ none | default('d', boolean=true) }})",
      R"({{ l | join(', ') }} {{ l | join }} {{ s | join('-') }} {{ [none, 1.0, 'a', [1, 2]] | join('|') }})",
      R"({{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(', ') }})",
      R"({{ msgs | rejectattr('role', 'equalto', 'user') | list | length }} {{ msgs | selectattr('content') | list | length }})",
      R"({{ l | first }} {{ l | last }} {{ l | list }} {{ d | items }} {{ d | dictsort }} {{ d | dictsort(reverse=true) }})",
      R"({{ 3.7 | int }} {{ 3.7 | int(0) }} {{ '3.9x' | int }} {{ ' -3' | int }} {{ 'x' | int(5) }} {{ true | int }})",
      R"({{ 3 | float(0) }} {{ 3 | float }} {{ '2.5e1' | float }} {{ 'x' | float }} {{ -3 | abs }} {{ 2.5 | string }})",
      R"({{ 'a-b-c' | replace('-', '+') }} {{ 'a-b-c' | replace('-', '+', 1) }} {{ 'abc' | replace('', '.') }} {{ '<b>' | safe }})",
      // Tests.
      R"({{ x is defined }} {{ none is none }} {{ 1 is number }} {{ 1.5 is integer }} {{ 'a' is string }} {{ [1] is iterable }})",
      R"({{ (1, 2) is iterable }} {{ {} is mapping }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 3 is odd }} {{ 4 is even }})",
      R"({{ range is callable }} {{ true is true }} {{ 0 is false }} {{ 'abc' is sequence }} {{ namespace() is mapping }})",
      R"({{ x is not defined and 1 }} {{ l is not iterable }} {{ true is boolean }})",
      R"({{ d.a is eq }})",
      // Methods.
      R"({{ 'Hello'.startswith('He') }} {{ 'Hello'.endswith(('x', 'lo')) }} {{ 'a-b-c'.replace('-', '+') }} {{ 'abc'.upper() }})",
      R"({{ 'a,b,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ '  a  b '.split() }} {{ 'a b c'.split(none, 1) }})",
      R"({{ ' x '.strip() }}|{{ '\nx\n '.rstrip('\n') }}|{{ '\n x'.lstrip('\n') }}|{{ 'x'.title() }}|{{ 'ab'.capitalize() }})",
      R"({{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 5) }} {{ d.keys() }} {{ d.values() }} {{ d.items() }})",
      R"({{ msgs[0]['content'] }}{{ msgs[-1].role }}{{ msgs | length }}{{ msgs[0].content.upper() }})",
      // Errors: both renderers must fail.
      R"({{ raise_exception('Conversation roles must alternate') }})",
      R"({{ 'a' ~ undefined_name }})",
      R"({{ none + 1 }})",
      R"({{ foo() }})",
      R"({% for i in 5 %}{% endfor %})",
      R"({% if %})",
      R"({{ 1 + }})",
      R"({% endif %})",
      R"({% for x in [1] %})",
      R"({{ '\q' }})",
      R"({% unknown %})",
      R"({{ x[0] }})",
      R"({% set a, b = [1] %})",
  };
}

ordered_json edge_context() {
  return ordered_json::parse(R"({
    "s": "abc", "i": 7, "f": 1.0, "l": [3, 1, 2], "d": {"b": 2, "a": 1}, "nn": null, "e": "",
    "ls": ["x", "Y", "z"], "b": true, "big": 123456789,
    "keys": {"b": 1, "10": 2, "a": 3, "2": 4, "01": 5},
    "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"},
             {"role": "user", "content": ""}]})");
}

namespace {

class rng {  // xorshift64*: the same sequence on every platform
 public:
  explicit rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1DULL;
  }
  double real() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  uint64_t s_;
};

struct whitespace_generator {
  rng r;
  const std::vector<std::string> texts = {"",      " ",    "  ",     "\n",      "\n\n",
                                          " \n ",  "\t",   "a",      " a ",     "x\n",
                                          "\n  y", "\r\n", "  \n  ", "z\u3000", "\u00a0w "};
  std::string dash() { return r.below(2) ? "-" : ""; }
  std::string tag(const std::string& body) {
    return "{%" + dash() + r.pick<std::string>({" ", "  ", ""}) + body +
           r.pick<std::string>({" ", ""}) + dash() + "%}";
  }
  std::string text() {
    std::string out;
    for (size_t n = r.below(4); n > 0; --n) out += r.pick(texts);
    return out;
  }
  std::string node(int depth) {
    const double x = r.real();
    if (depth > 2 || x < 0.3) return text();
    if (x < 0.4) {
      return "{{" + dash() + " " + r.pick<std::string>({"'v'", "x", "n", "\" \"", "'\\n'"}) + " " +
             dash() + "}}";
    }
    if (x < 0.47) return "{#" + dash() + " c " + dash() + "#}";
    if (x < 0.52) return tag("set q = 1");
    if (x < 0.57) return tag(r.below(2) ? "generation" : "endgeneration");
    if (x < 0.75) {
      std::string s = tag("if " + r.pick<std::string>({"true", "false", "x"})) + body(depth);
      if (r.real() < 0.4) s += tag("else") + body(depth);
      return s + tag("endif");
    }
    std::string s = tag("for i in " + r.pick<std::string>({"[1,2]", "[]", "l"})) + body(depth);
    if (r.real() < 0.3) s += tag("else") + body(depth);
    return s + tag("endfor");
  }
  std::string body(int depth) {
    std::string out;
    for (size_t n = r.below(5); n > 0; --n) out += node(depth + 1);
    return out;
  }
};

struct expression_generator {
  rng r;
  const std::vector<std::string> atoms = {"0",
                                          "1",
                                          "-2",
                                          "3",
                                          "2.5",
                                          "-0.5",
                                          "1.0",
                                          "0.0",
                                          "'a'",
                                          "'B c'",
                                          "''",
                                          "\"x\\ny\"",
                                          "'  pad '",
                                          "true",
                                          "false",
                                          "none",
                                          "True",
                                          "None",
                                          "'3'",
                                          "'1.5'",
                                          "'é'",
                                          "'a,b,c'",
                                          "[]",
                                          "[1, 2]",
                                          "['b', 'a']",
                                          "{'k': 1}",
                                          "{}",
                                          "(1, 2)",
                                          "'Hello World'",
                                          "'ABC'",
                                          "s",
                                          "i",
                                          "f",
                                          "l",
                                          "d",
                                          "u",
                                          "nn",
                                          "msgs",
                                          "e",
                                          "ls",
                                          "b",
                                          "big"};
  const std::vector<std::string> vars = {"s",  "i",    "f", "l",  "d", "u",
                                         "nn", "msgs", "e", "ls", "b", "big"};
  const std::vector<std::string> filters = {"length",
                                            "upper",
                                            "lower",
                                            "title",
                                            "capitalize",
                                            "trim",
                                            "first",
                                            "last",
                                            "list",
                                            "reverse",
                                            "sort",
                                            "join",
                                            "string",
                                            "unique",
                                            "int",
                                            "float",
                                            "abs",
                                            "tojson",
                                            "safe",
                                            "items",
                                            "keys",
                                            "values",
                                            "indent",
                                            "dictsort",
                                            "join(', ')",
                                            "int(7)",
                                            "float(1.5)",
                                            "default('D')",
                                            "default('D', true)",
                                            "tojson(indent=2)",
                                            "indent(2, true)",
                                            "replace('a', 'X')",
                                            "sort(reverse=true)",
                                            "map(attribute='role')",
                                            "selectattr('role', 'equalto', 'user')",
                                            "rejectattr('role', 'equalto', 'user')",
                                            "selectattr('content')",
                                            "sort(attribute='role')",
                                            "get('k')"};
  const std::vector<std::string> tests = {
      "defined", "undefined", "none",     "string",   "number",   "integer",
      "boolean", "mapping",   "iterable", "sequence", "callable", "true",
      "false",   "odd",       "even",     "lower",    "upper"};
  const std::vector<std::string> methods = {
      "upper()",          "lower()",    "strip()",       "title()",         "capitalize()",
      "split()",          "split(',')", "split(',', 1)", "startswith('a')", "endswith('c')",
      "replace('a','b')", "items()",    "keys()",        "values()",        "get('k')",
      "get('z', 0)",      "length",     "rstrip()",      "lstrip()"};
  const std::vector<std::string> ops = {"+",  "-", "*", "/",  "//", "%",   "**", "~",  "==",
                                        "!=", "<", ">", "<=", ">=", "and", "or", "in", "not in"};
  const std::vector<std::string> subscripts = {"0",   "-1",  "1:", ":-1",    "::-1", "::2",
                                               "1:3", "'k'", "5",  "'role'", "-9:"};
  std::string expr(int depth) {
    const double x = r.real();
    if (depth > 3 || x < 0.25) return r.pick(atoms);
    if (x < 0.45) return "(" + expr(depth + 1) + " " + r.pick(ops) + " " + expr(depth + 1) + ")";
    if (x < 0.62) return expr(depth + 1) + " | " + r.pick(filters);
    if (x < 0.68) {
      return "(" + expr(depth + 1) + " is " + (r.below(2) ? "not " : "") + r.pick(tests) + ")";
    }
    if (x < 0.75) return r.pick(vars) + "." + r.pick(methods);
    if (x < 0.82) return r.pick(vars) + "[" + r.pick(subscripts) + "]";
    if (x < 0.88) {
      return "(" + expr(depth + 1) + " if " + expr(depth + 1) + " else " + expr(depth + 1) + ")";
    }
    if (x < 0.92) return "not " + expr(depth + 1);
    if (x < 0.96) return "[" + expr(depth + 1) + ", " + expr(depth + 1) + "]";
    return "-" + r.pick<std::string>({"i", "f", "(" + expr(depth + 1) + ")"});
  }
};

}  // namespace

std::vector<std::string> random_whitespace_templates(uint64_t seed, int count) {
  whitespace_generator g{rng(seed)};
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i)
    out.push_back(g.body(0) + g.r.pick<std::string>({"", "\n", "\n\n", " "}));
  return out;
}

std::vector<std::string> random_expressions(uint64_t seed, int count) {
  expression_generator g{rng(seed)};
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back("{{ " + g.expr(0) + " }}");
  return out;
}

}  // namespace troupe::jinja::testing
