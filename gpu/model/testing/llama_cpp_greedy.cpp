#include "gpu/model/testing/llama_cpp_greedy.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "gpu/text/detokenizer.hpp"
#include "tests/support/test_files.hpp"

namespace troupe::testing {

const std::vector<std::string>& pad256_variants() {
  static const std::vector<std::string> v = {"q8_0",   "q6_k", "q5_k", "q5_1", "q5_0",
                                             "q4_k_m", "q4_k", "q4_1", "q3_k"};
  return v;
}

std::string pad256_model(const std::string& variant) {
  return "stories260K-pad256." + variant + ".gguf";
}

std::string pad256_greedy(const std::string& variant) {
  return "stories260K-pad256." + variant + ".greedy.jsonl";
}

std::string first_missing_model(std::initializer_list<std::string> files) {
  for (const auto& f : files) {
    if (find_test_model(f).empty()) return f;
  }
  return "";
}

std::vector<greedy_case> read_greedy_jsonl(const std::string& path) {
  std::istringstream lines(read_file(path));
  std::vector<greedy_case> out;
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    ++n;
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      out.push_back({j.at("prompt").get<std::string>(),
                     j.at("prompt_ids").get<std::vector<token_id>>(),
                     j.at("ids").get<std::vector<token_id>>(), j.at("text").get<std::string>()});
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(path + ":" + std::to_string(n) + ": " + e.what());
    }
  }
  return out;
}

std::vector<token_id> greedy_tokens(engine& e, const std::vector<token_id>& prompt, size_t n,
                                    uint64_t seq) {
  std::vector<token_id> got;
  step_input in;
  in.seqs.push_back({seq, prompt, 0, true, 0, {}});
  int32_t pos = static_cast<int32_t>(prompt.size());
  while (got.size() < n) {
    const step_output out = e.step(in);
    if (out.tokens.size() != 1)
      throw std::runtime_error("engine answered a step of one with no token");
    got.push_back(out.tokens[0]);
    in.seqs[0] = {seq, {out.tokens[0]}, pos++, true, static_cast<uint32_t>(got.size()), {}};
  }
  e.release(seq);
  return got;
}

void expect_greedy_matches(engine& e, const std::vector<greedy_case>& cases) {
  uint64_t seq = 1;
  for (const greedy_case& c : cases) {
    SCOPED_TRACE(c.prompt);
    ASSERT_FALSE(c.prompt_ids.empty());
    ASSERT_FALSE(c.ids.empty());
    EXPECT_EQ(e.tokens()->encode(c.prompt, {.add_special = true, .parse_special = true}),
              c.prompt_ids);
    const std::vector<token_id> got = greedy_tokens(e, c.prompt_ids, c.ids.size(), seq++);
    EXPECT_EQ(got, c.ids);
    // The file's text is the generated ids decoded on their own: as at the start of a text, the
    // first one's leading space is dropped.
    detokenizer d(e.tokens(), e.tokens()->bos());
    std::string text;
    for (token_id t : got) text += d.push(t);
    text += d.flush();
    EXPECT_EQ(text, c.text);
  }
}

}  // namespace troupe::testing
