// reference_engine: troupe::engine on the CPU reference forward pass.
//
// The executable statement of the engine contract (gpu/engine.hpp) that device backends are
// compared against: any mix of prefill chunks and decode tokens per step, per-sequence KV state
// until release, sampling through troupe::sample with the sequence's tokens as history. Every
// input is validated before any state changes, so a step that throws engine_error changed nothing
// and may be retried. Single-threaded and unoptimized: meant for tests and small models.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gpu/engine.hpp"
#include "gpu/model/reference/reference_model.hpp"

namespace troupe {

struct reference_engine_options {
  std::string model_name;      // engine_info::model; default: general.name, else the file name
  int32_t context_length = 0;  // 0: the model's trained context
  uint32_t kv_block_tokens = 16;
  uint32_t kv_blocks = 0;  // KV capacity in blocks; 0: 64 full-context sequences' worth
};

class reference_engine : public engine {
 public:
  reference_engine(std::shared_ptr<const llama_model> model, std::shared_ptr<const tokenizer> tok,
                   reference_engine_options options = {});

  static std::unique_ptr<reference_engine> open(const std::string& gguf_path,
                                                reference_engine_options options = {});
  // Loads model and tokenizer from a GGUF file. Throws gguf_error or model_error.

  const engine_info& info() const override { return info_; }
  std::shared_ptr<const tokenizer> tokens() const override { return tok_; }
  step_output step(const step_input& input) override;
  void release(uint64_t seq) override;

  const reference::reference_model& forward_model() const { return ref_; }
  size_t live_sequences() const { return seqs_.size(); }
  uint32_t blocks_in_use() const;

 private:
  struct sequence {
    reference::sequence_kv kv;
    std::vector<token_id> tokens;  // every token at positions [0, kv.length)
  };
  uint32_t blocks_for(int64_t positions) const;

  reference::reference_model ref_;
  std::shared_ptr<const tokenizer> tok_;
  engine_info info_;
  std::map<uint64_t, sequence> seqs_;
};

}  // namespace troupe
