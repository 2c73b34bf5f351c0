// llama.cpp's greedy outputs on the shared stories260K-pad256 files (../shared/models/README.md),
// as an engine test replays them: any engine given the same prompt must produce the same tokens.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "gpu/engine.hpp"

namespace troupe::testing {

const std::vector<std::string>& pad256_variants();
// q8_0, q6_k, q5_k, q5_1, q5_0, q4_k_m, q4_k, q4_1, q3_k: the files llama.cpp quantized.

std::string pad256_model(const std::string& variant);   // "stories260K-pad256.<variant>.gguf"
std::string pad256_greedy(const std::string& variant);  // "...<variant>.greedy.jsonl"

std::string first_missing_model(std::initializer_list<std::string> files);
// The first of `files` that find_test_model cannot find, or "".

#define TROUPE_SKIP_UNLESS_MODELS(...)                                                  \
  do {                                                                                  \
    const std::string missing_ = ::troupe::testing::first_missing_model({__VA_ARGS__}); \
    if (!missing_.empty())                                                              \
      GTEST_SKIP() << "SKIPPED: " << missing_ << " not found (set TROUPE_MODEL_PATH)";  \
  } while (false)
// Skips the calling test (ctest reports it as skipped, never passed) unless every file is found.

struct greedy_case {
  std::string prompt;
  std::vector<token_id> prompt_ids;  // llama.cpp's tokens of `prompt`, BOS first
  std::vector<token_id> ids;         // its greedy continuation
  std::string text;                  // `ids` decoded on their own
};

std::vector<greedy_case> read_greedy_jsonl(const std::string& path);
// Throws std::runtime_error for a line that is not a case.

std::vector<token_id> greedy_tokens(engine& e, const std::vector<token_id>& prompt, size_t n,
                                    uint64_t seq);
// `e`'s n greedy tokens after `prompt` (the whole prompt in one step, then one token a step), as
// sequence `seq`, released after.

void expect_greedy_matches(engine& e, const std::vector<greedy_case>& cases);
// GoogleTest expectations: for every case, `e` encodes the prompt to prompt_ids and, given the
// whole prompt in one step and then one token a step, samples exactly `ids` greedily, which
// decode to `text`.

}  // namespace troupe::testing
