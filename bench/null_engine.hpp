// A zero-cost engine for measuring the scheduling core: every step returns at once (one fixed
// token per sampled sequence) and records when it was called, so the time between consecutive
// steps is the host overhead of the actors around it. Benchmarks only; troupe-node cannot select
// it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "gpu/engine.hpp"

namespace troupe::bench {

class null_engine : public engine {
 public:
  null_engine(std::string model, uint32_t kv_blocks, uint32_t kv_block_tokens);

  const engine_info& info() const override { return info_; }
  std::shared_ptr<const tokenizer> tokens() const override { return tok_; }
  step_output step(const step_input& input) override;
  void release(uint64_t) override {}

  void start_recording(size_t steps);
  // Records the entry time of the next `steps` steps.
  std::vector<std::chrono::steady_clock::time_point> wait_recorded();
  // Blocks until they are recorded; returns them.

  uint64_t steps() const { return steps_.load(); }

 private:
  engine_info info_;
  std::shared_ptr<const tokenizer> tok_;
  std::atomic<uint64_t> steps_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  size_t wanted_ = 0;
  std::vector<std::chrono::steady_clock::time_point> times_;
};

}  // namespace troupe::bench
