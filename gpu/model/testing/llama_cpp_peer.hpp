// llama.cpp itself (node-llama-cpp, npm, pinned in tests/support/npm_reference.cpp) as the judge of
// an engine: it evaluates the same GGUF file on the same token ids, and the engine's results are
// compared with its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gpu/text/tokenizer.hpp"

namespace troupe::testing {

struct llama_cpp_run {
  std::string model;    // GGUF path
  int32_t vocab = 0;    // the model's vocabulary size
  int32_t context = 0;  // llama.cpp's context size (as the engine's: LongRoPE depends on it)
  std::vector<std::vector<token_id>> forced;  // sequences to teacher-force
  struct greedy_prompt {
    std::vector<token_id> prompt;
    int32_t tokens = 0;
  };
  std::vector<greedy_prompt> greedy;  // prompts to continue greedily
};

struct llama_cpp_result {
  std::vector<std::vector<std::vector<float>>> forced;  // per sequence, per position i: llama.cpp's
                                                        // next-token probabilities after tokens
                                                        // [0, i] (softmax, temperature 1)
  std::vector<std::vector<token_id>> greedy;            // per prompt: its greedy tokens
};

struct llama_cpp_peer {
  std::string package;  // the installed node-llama-cpp, empty when it could not be installed
  std::string skip;     // why not (for GTEST_SKIP)
};

llama_cpp_peer find_llama_cpp();
// node-llama-cpp, installed under <build>/npm on first use; `skip` says why not when node or the
// package is missing.

std::vector<llama_cpp_result> run_llama_cpp(const llama_cpp_peer& peer,
                                            const std::vector<llama_cpp_run>& runs,
                                            const std::string& work_dir);
// Runs every run in one node process (2 CPU threads). Throws std::runtime_error with node's
// output when it fails.

}  // namespace troupe::testing
