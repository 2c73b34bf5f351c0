#include "tests/support/test_engine.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>

#include "gpu/text/byte_tokenizer.hpp"

namespace troupe::testing {
namespace {

constexpr int64_t unknown = -2;

uint32_t blocks_for(size_t tokens, uint32_t block) {
  return static_cast<uint32_t>((tokens + block - 1) / block);
}

int64_t eos_index(const std::vector<token_id>& tokens) {
  std::string text;
  for (auto t : tokens)
    if (t >= byte_tokenizer::offset) text.push_back(static_cast<char>(t - byte_tokenizer::offset));
  auto at = text.find("eos=");
  if (at == std::string::npos) return -1;
  return std::atoll(text.c_str() + at + 4);
}

}  // namespace

test_engine::test_engine(test_engine_options options)
    : options_(std::move(options)), tok_(std::make_shared<byte_tokenizer>()) {
  info_.model = options_.model;
  info_.architecture = "test";
  info_.vocab_size = tok_->vocab_size();
  info_.context_length = options_.context_length;
  info_.kv_block_tokens = options_.kv_block_tokens;
  info_.kv_blocks = options_.kv_blocks;
  info_.kv_block_bytes = 1024;
  info_.device.name = options_.device_name;
  info_.device.type = "cpu";
  info_.device.vendor = "troupe-test";
  info_.device.memory_total = uint64_t{1} << 30;
  info_.device.memory_available = uint64_t{1} << 29;
}

token_id test_engine::next_token(const std::vector<token_id>& history, uint32_t sample_index,
                                 const sampling_params& params) {
  uint64_t h = 1469598103934665603ull ^ params.seed;
  size_t n = std::min<size_t>(history.size(), 8);
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<uint64_t>(history[i])) * 1099511628211ull;
  h = (h ^ sample_index) * 1099511628211ull;
  h ^= h >> 29;
  return static_cast<token_id>('a' + h % 26) + byte_tokenizer::offset;
}

step_output test_engine::step(const step_input& input) {
  size_t tokens = 0;
  for (const auto& s : input.seqs) tokens += s.tokens.size();
  if (options_.per_step_delay.count() > 0 || options_.per_token_delay.count() > 0)
    std::this_thread::sleep_for(options_.per_step_delay +
                                options_.per_token_delay * static_cast<int64_t>(tokens));
  std::lock_guard<std::mutex> lock(mutex_);
  auto number = ++step_count_;
  steps_.push_back(recorded_step{number, input.seqs, false});
  auto fail = [&](const std::string& what) {
    steps_.back().failed = true;
    throw engine_error("test engine: step " + std::to_string(number) + ": " + what);
  };
  if (options_.fail_steps.count(number)) fail("injected failure");
  std::set<uint64_t> seen;
  for (const auto& s : input.seqs) {
    if (!seen.insert(s.seq).second)
      throw std::logic_error("sequence " + std::to_string(s.seq) + " twice in one step");
    auto it = seqs_.find(s.seq);
    size_t cached = it == seqs_.end() ? 0 : it->second.tokens.size();
    if (s.pos != static_cast<int32_t>(cached))
      throw std::logic_error("sequence " + std::to_string(s.seq) + ": input at position " +
                             std::to_string(s.pos) + ", cached " + std::to_string(cached));
    if (s.tokens.empty()) throw std::logic_error("empty input for a sequence");
    if (options_.poison >= 0) {
      auto has_poison = [&](const std::vector<token_id>& v) {
        return std::find(v.begin(), v.end(), options_.poison) != v.end();
      };
      if (has_poison(s.tokens) || (it != seqs_.end() && has_poison(it->second.tokens)))
        fail("poisoned sequence " + std::to_string(s.seq));
    }
  }
  // Apply (only after every check passed: a failed step changes nothing).
  step_output out;
  for (const auto& s : input.seqs) {
    auto& st = seqs_[s.seq];
    auto before = blocks_for(st.tokens.size(), options_.kv_block_tokens);
    st.tokens.insert(st.tokens.end(), s.tokens.begin(), s.tokens.end());
    auto after = blocks_for(st.tokens.size(), options_.kv_block_tokens);
    blocks_used_ += after - before;
    if (!s.sample) {
      out.tokens.push_back(-1);
      continue;
    }
    if (st.eos_at == unknown) st.eos_at = eos_index(st.tokens);
    if (st.eos_at >= 0 && s.sample_index == st.eos_at)
      out.tokens.push_back(byte_tokenizer::eos_id);
    else
      out.tokens.push_back(next_token(st.tokens, s.sample_index, s.params));
  }
  peak_blocks_ = std::max(peak_blocks_, blocks_used_);
  peak_live_ = std::max(peak_live_, seqs_.size());

  if (blocks_used_ > options_.kv_blocks)
    throw std::logic_error("KV cache overcommitted: " + std::to_string(blocks_used_) + " of " +
                           std::to_string(options_.kv_blocks) + " blocks");
  return out;
}

void test_engine::release(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = seqs_.find(seq);
  if (it == seqs_.end()) return;
  blocks_used_ -= blocks_for(it->second.tokens.size(), options_.kv_block_tokens);
  seqs_.erase(it);
}

std::vector<recorded_step> test_engine::steps() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return steps_;
}

size_t test_engine::live_sequences() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seqs_.size();
}

size_t test_engine::peak_live_sequences() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_live_;
}

uint32_t test_engine::peak_blocks() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_blocks_;
}

std::string expected_text(const std::string& prompt, int max_tokens, const sampling_params& p) {
  byte_tokenizer tok;
  auto history = tok.encode(prompt, {.add_special = true, .parse_special = true});
  std::string out;
  for (int i = 0; i < max_tokens; ++i) {
    auto t = test_engine::next_token(history, static_cast<uint32_t>(i), p);
    history.push_back(t);
    out += tok.token_bytes(t, -1);
  }
  return out;
}

}  // namespace troupe::testing
