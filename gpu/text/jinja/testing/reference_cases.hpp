// Inputs for the comparison with @huggingface/jinja (reference_test.cpp): conversations to
// render with the chat templates of real models, small templates that pin down printing,
// whitespace and expression semantics, and two deterministic generators of random templates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace troupe::jinja::testing {

struct conversation {
  std::string name;
  nlohmann::ordered_json messages;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // more context variables
  bool alternating = true;  // user/assistant/user/... after an optional system message
};

std::vector<conversation> conversations();
// Plain chats: with and without a system prompt, 1 to 3+ turns, awkward content (whitespace,
// Unicode, template syntax), empty and missing messages, roles out of order.

std::vector<conversation> part_conversations();
// The same chats with content as [{"type": "text", "text": ...}] parts (and an image part).

std::vector<conversation> tool_conversations();
// Tools, tool calls and tool results, reasoning content and <think> blocks (qwen3's template
// reads them all), and deepseek's null content with tool calls.

std::vector<std::string> edge_templates();
// Small templates, one feature or corner each (printing of values, tojson, slices, scoping,
// macros, loop control, string methods, filters, tests).

nlohmann::ordered_json edge_context();
// The variables edge_templates() and random_expressions() read.

std::vector<std::string> random_whitespace_templates(uint64_t seed, int count);
// Nested if/for/set/comments/output with every combination of `-` markers and surrounding
// spaces, tabs and newlines.

std::vector<std::string> random_expressions(uint64_t seed, int count);
// `{{ expression }}` built from literals, variables, operators, filters, tests, methods and
// subscripts.

}  // namespace troupe::jinja::testing
