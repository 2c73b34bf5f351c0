// Synthetic models: valid GGUF v3 files of any shape, architecture and weight format with random
// weights, for tests and benchmarks of shapes no small real model has.
//
// The weights come from a fixed-seed generator, so the same options always give the same file.
// They are scaled to keep activations in a sane range through any number of layers: norm weights
// near 1, every other matrix ~ N(0, 1/in). The file carries a tokenizer: a generated
// SentencePiece-style vocabulary of --vocab N tokens, or a real byte-level BPE vocabulary
// (vocab, merges, added tokens) from a Hugging Face tokenizer.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gpu/model/tensor_types.hpp"

namespace troupe {

struct synthetic_model_options {
  std::string arch = "llama";  // llama, qwen2 (QKV biases), qwen3 (per-head Q/K norms), phi3
                               // (fused QKV and gate-up)
  int32_t layers = 2;
  int32_t dim = 64;
  int32_t heads = 4;
  int32_t kv_heads = 4;
  int32_t ffn = 192;
  int32_t vocab = 512;     // generated SentencePiece vocabulary size (when vocab_from is empty)
  std::string vocab_from;  // path of a tokenizer.json to take a BPE vocabulary from
  ggml_type type = ggml_type::f32;  // type of the 2-D weights: any type quantize_row writes
  bool k_quant_mix = false;  // llama.cpp's Q4_K_M recipe: `type` (Q4_K) for most matrices, Q6_K
                             // for the output (or tied embedding) and for attn_v and ffn_down of
                             // the layers llama.cpp gives more bits, Q5_K for a fused attn_qkv
  bool tied = false;         // no output.weight: the logits use token_embd.weight
  bool rope_freqs = false;   // a Llama 3.1-style rope_freqs.weight (per-pair frequency divisors)
  int32_t long_rope_context = 0;  // phi3: LongRoPE factors for this original context (0: none);
                                  // longer sequences use the long factors
  int32_t context_length = 2048;
  float rope_base = 10000.0f;
  uint64_t seed = 1;
  std::string name = "synthetic";
  std::string chat_template;    // written as tokenizer.chat_template when not empty
  int32_t constant_token = -1;  // >= 0: a degenerate model whose next token is always this one
                                // (constant embeddings, attention and FFN outputs zero, one
                                // output row): for tests of how generation ends
};

void write_synthetic_model(const synthetic_model_options& options, const std::string& path);
// Throws std::invalid_argument for inconsistent options (dim not a multiple of heads, rows not a
// multiple of 32 for quantized types, ...) and std::runtime_error for I/O problems.

}  // namespace troupe
