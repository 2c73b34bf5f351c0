// The CPU reference forward pass of a Llama-family model, composed from reference_ops.
//
// Processes any number of sequence chunks at once (prefill chunks and single decode tokens mixed):
// the matrix products run over all the chunks' tokens together, attention per token over its own
// sequence's cache. Every token's result depends only on its own sequence, never on what else is
// in the batch. KV storage is plain and contiguous per sequence and layer.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "gpu/model/llama_model.hpp"
#include "gpu/model/reference/reference_ops.hpp"

namespace troupe::reference {

struct sequence_kv {
  std::vector<std::vector<float>> k, v;  // per layer: `length` rows of kv_dim
  int32_t length = 0;                    // positions cached
};

class reference_model {
 public:
  reference_model(std::shared_ptr<const llama_model> model, uint32_t max_seq_len);
  // max_seq_len: the longest sequence it will run (chooses LongRoPE's factors).

  const llama_model& model() const { return *m_; }
  std::shared_ptr<const llama_model> model_ptr() const { return m_; }

  struct chunk {
    std::span<const token_id> tokens;  // at positions [pos, pos + tokens.size())
    int32_t pos = 0;                   // <= kv->length; cached positions from pos on are replaced
    sequence_kv* kv = nullptr;
    float* logits = nullptr;  // when set: the last token's logits (vocab_size floats)
  };

  void forward(std::span<const chunk> chunks) const;
  // Throws std::invalid_argument (before changing anything) for an empty chunk, a token outside
  // the vocabulary or a position that is not cached yet.

  std::vector<float> logits(std::span<const token_id> tokens) const;
  // Convenience: the logits after `tokens`, run from position 0 in a fresh cache.

 private:
  std::shared_ptr<const llama_model> m_;
  std::vector<float> output_norm_, rope_freqs_;
  struct layer_vectors {
    std::vector<float> attn_norm, ffn_norm, bq, bk, bv, q_norm, k_norm;
  };
  std::vector<layer_vectors> layers_;  // 1-D weights, dequantized once
};

}  // namespace troupe::reference
