// The engine contract: what a worker runs, one step at a time.
//
// An engine owns one model on one device and the paged KV cache of the sequences it is running.
// The caller (the batcher) decides what each step contains; the engine computes it. Sequences are
// identified by caller-chosen 64-bit ids and hold KV state until released.
//
// Determinism contract: the token sampled for a sequence is a pure function of the model, the
// sequence's tokens so far, its sampling parameters (seed included) and `sample_index`. Re-running
// a step after a failure, or re-prefilling a sequence from a checkpoint, therefore reproduces the
// tokens an uninterrupted run would have produced.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpu/text/tokenizer.hpp"

namespace troupe {

struct sampling_params {
  float temperature = 0.0f;         // 0 selects greedy decoding (argmax, lowest id on ties)
  float top_p = 1.0f;               // nucleus sampling threshold; 1 disables it
  int32_t top_k = 0;                // keep the k most likely tokens; 0 disables it
  float repetition_penalty = 1.0f;  // > 1 discourages tokens already in the sequence; 1 disables it
  uint64_t seed = 0;                // with sample_index, selects the random stream of a sequence
  float min_p = 0.0f;  // drop tokens less likely than min_p times the most likely one; 0 disables
  float presence_penalty = 0.0f;   // subtracted from the logit of every token already present
  float frequency_penalty = 0.0f;  // subtracted once per occurrence of a token already present
};

struct sequence_input {
  uint64_t seq = 0;              // caller-chosen id, unique among the engine's live sequences
  std::vector<token_id> tokens;  // appended at positions [pos, pos + tokens.size())
  int32_t pos = 0;               // position of tokens[0]; earlier positions must already be cached
  bool sample = false;           // produce the token that follows the last one
  uint32_t sample_index = 0;     // number of tokens this sequence generated before this one
  sampling_params params;
  bool want_logits = false;  // with `sample`: also return the raw scores the token was drawn from
};

struct step_input {
  std::vector<sequence_input> seqs;  // at most one entry per sequence
};

struct step_output {
  std::vector<token_id> tokens;  // one per input sequence, in order; -1 where `sample` was false
  uint32_t prefix_queried = 0;   // prompt tokens of new sequences looked up in the prefix cache
  uint32_t prefix_hits = 0;      // ... of which were found there and not computed again
  std::vector<std::vector<float>> logits;  // empty unless a sequence set `want_logits`; then one
                                           // per input sequence: the model's scores over the
                                           // vocabulary (before penalties and sampling) where
                                           // `sample` and `want_logits` were set, else empty
};

struct device_info {
  uint32_t index = 0;         // position in the node's device enumeration
  std::string name;           // e.g. "NVIDIA H100 80GB HBM3", "llvmpipe (LLVM 15.0.6, 256 bits)"
  std::string type;           // discrete, integrated, virtual, cpu, other
  std::string vendor;         // nvidia, amd, intel, mesa, ...
  uint64_t memory_total = 0;  // bytes of device memory
  uint64_t memory_available = 0;  // bytes free after this engine's weights and KV cache
};

struct engine_info {
  std::string model;         // the model's name in the cluster config
  std::string architecture;  // e.g. "llama"
  int32_t vocab_size = 0;
  int32_t context_length = 0;     // longest sequence the engine accepts (KV positions)
  uint32_t kv_block_tokens = 16;  // tokens per KV-cache block
  uint32_t kv_blocks = 0;         // blocks in this engine's KV cache
  uint64_t kv_block_bytes = 0;    // device bytes per block
  uint64_t weight_bytes = 0;      // device bytes of the weights
  uint64_t activation_bytes = 0;  // device bytes of the step's buffers (KV and weights apart)
  device_info device;
};

class engine_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Thrown by `engine::step` when a step cannot be computed. The failed step changes no sequence's
// state: retrying it with the same input is valid.

class engine {
 public:
  virtual ~engine() = default;

  virtual const engine_info& info() const = 0;
  virtual std::shared_ptr<const tokenizer> tokens() const = 0;

  virtual step_output step(const step_input& input) = 0;
  // Computes one step: every sequence's new tokens go through the model (prefill chunks and single
  // decode tokens mixed), and sequences with `sample` set get their next token. Throws
  // engine_error.

  virtual void release(uint64_t seq) = 0;
  // Frees the sequence's KV blocks. Unknown ids are ignored.
};

}  // namespace troupe
