// Helpers for the renderer's unit tests.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "gpu/text/jinja/template.hpp"

namespace troupe::jinja::testing {

inline std::string render(std::string_view source,
                          const nlohmann::ordered_json& context = nlohmann::ordered_json::object(),
                          const render_limits& limits = {}) {
  return compiled_template::parse(source).render(context, limits);
}

struct example {
  const char* source;
  const char* expected;
};
// A template and what it renders to (checked against @huggingface/jinja when written).

inline void expect_renders(
    const std::vector<example>& examples,
    const nlohmann::ordered_json& context = nlohmann::ordered_json::object()) {
  for (const auto& e : examples) {
    try {
      EXPECT_EQ(render(e.source, context), e.expected) << "template: " << e.source;
    } catch (const template_error& err) {
      ADD_FAILURE() << "template: " << e.source << "\n  failed: " << err.what();
    }
  }
}

// The error a template fails with (parsing or rendering); fails the test if there is none.
inline template_error error_of(
    std::string_view source,
    const nlohmann::ordered_json& context = nlohmann::ordered_json::object(),
    const render_limits& limits = {}) {
  try {
    render(source, context, limits);
  } catch (const template_error& e) {
    return e;
  }
  ADD_FAILURE() << "no error from: " << source;
  return template_error("none", 0, 0);
}

}  // namespace troupe::jinja::testing
