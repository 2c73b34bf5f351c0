// A deterministic engine for the scheduling-core tests. Never part of the product.
//
// Output: the token sampled for a sequence is a lowercase letter chosen by hashing (seed,
// sample_index, the sequence's first tokens): a pure function, as the engine contract requires.
// A prompt containing "eos=N" makes the sequence produce EOS as its token number N (0-based).
//
// It also checks its caller: every input must continue its sequence exactly where the cached part
// ends, `sample` may only be set on a chunk that ends the known tokens, and the KV blocks in use
// may never exceed the configured cache. A violation throws std::logic_error, which the tests
// see as a failed job, so a batcher or capacity bug cannot go unnoticed.
//
// Behaviour knobs: per-step and per-token delays (simulated compute), failing chosen step
// numbers, and a poison token that makes any step containing that sequence fail.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "gpu/engine.hpp"

namespace troupe::testing {

struct test_engine_options {
  std::string model = "test";
  uint32_t kv_blocks = 4096;
  uint32_t kv_block_tokens = 16;
  int32_t context_length = 1 << 16;
  std::chrono::microseconds per_step_delay{0};
  std::chrono::microseconds per_token_delay{0};
  std::set<uint64_t> fail_steps;  // 1-based step numbers that throw engine_error
  token_id poison = -1;           // a step containing a sequence with this token throws
  std::string device_name = "test-device";
};

struct recorded_step {
  uint64_t number = 0;
  std::vector<sequence_input> seqs;  // as received (tokens included)
  bool failed = false;
};

class test_engine : public engine {
 public:
  explicit test_engine(test_engine_options options);

  const engine_info& info() const override { return info_; }
  std::shared_ptr<const tokenizer> tokens() const override { return tok_; }
  step_output step(const step_input& input) override;
  void release(uint64_t seq) override;

  std::vector<recorded_step> steps() const;  // every step so far, in order
  size_t live_sequences() const;
  uint32_t peak_blocks() const;
  size_t peak_live_sequences() const;  // most sequences holding KV at any step

  static token_id next_token(const std::vector<token_id>& history, uint32_t sample_index,
                             const sampling_params& params);
  // The token the engine produces (also used by tests to compute expected outputs).

 private:
  struct seq_state {
    std::vector<token_id> tokens;
    int64_t eos_at = -2;  // token index of the EOS; -1 none, -2 not yet known
  };

  test_engine_options options_;
  engine_info info_;
  std::shared_ptr<const tokenizer> tok_;
  mutable std::mutex mutex_;
  std::map<uint64_t, seq_state> seqs_;
  std::vector<recorded_step> steps_;
  uint64_t step_count_ = 0;
  uint32_t blocks_used_ = 0;
  uint32_t peak_blocks_ = 0;
  size_t peak_live_ = 0;
};

std::string expected_text(const std::string& prompt, int max_tokens, const sampling_params& p);
// The text a job produces on the test engine with the byte tokenizer (no stop strings).

}  // namespace troupe::testing
