#include "bench/null_engine.hpp"

#include "gpu/text/byte_tokenizer.hpp"

namespace troupe::bench {

null_engine::null_engine(std::string model, uint32_t kv_blocks, uint32_t kv_block_tokens)
    : tok_(std::make_shared<byte_tokenizer>()) {
  info_.model = std::move(model);
  info_.architecture = "null";
  info_.vocab_size = tok_->vocab_size();
  info_.context_length = 1 << 20;
  info_.kv_block_tokens = kv_block_tokens;
  info_.kv_blocks = kv_blocks;
  info_.device.name = "null";
  info_.device.type = "cpu";
}

step_output null_engine::step(const step_input& input) {
  ++steps_;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (times_.size() < wanted_) {
      times_.push_back(std::chrono::steady_clock::now());
      if (times_.size() == wanted_) cv_.notify_all();
    }
  }
  step_output out;
  out.tokens.reserve(input.seqs.size());
  for (const auto& s : input.seqs)
    out.tokens.push_back(s.sample ? 'x' + byte_tokenizer::offset : -1);
  return out;
}

void null_engine::start_recording(size_t steps) {
  std::lock_guard<std::mutex> lock(mutex_);
  times_.clear();
  times_.reserve(steps);
  wanted_ = steps;
}

std::vector<std::chrono::steady_clock::time_point> null_engine::wait_recorded() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return times_.size() >= wanted_; });
  return times_;
}

}  // namespace troupe::bench
