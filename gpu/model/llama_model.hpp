// A Llama-family model described by a GGUF file: hyperparameters and validated weight views.
//
// Covers the architectures that share Llama's block (RMSNorm, RoPE attention with grouped-query
// KV heads, SiLU-gated FFN): `llama` (Llama 2 and 3.x, with Llama 3.1's rope_freqs and tied
// embeddings; files labelled `mistral` too), `qwen2` (NEOX RoPE, QKV biases), `qwen3` (NEOX
// RoPE, an RMSNorm of every query and key head before RoPE) and `phi3` (NEOX RoPE, Q, K and V in
// one fused tensor and the FFN's gate and up in another: their rows are viewed as the separate
// matrices, so a backend sees the same layer whatever the file). Loading checks every tensor a
// forward pass needs for presence, shape and a dequantizable type, so a backend can trust the
// views without checking again. The views point into the GGUF mapping, which the model keeps
// alive.
//
// Weights follow GGUF's convention: a matrix W[out][in] has ne0 = in (the contiguous row) and
// ne1 = out, so y = W x takes one row per output.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpu/model/gguf_file.hpp"
#include "gpu/model/tensor_types.hpp"

namespace troupe {

class model_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// what() names the file and the key or tensor at fault.

enum class rope_layout {
  adjacent,  // rotate pairs (x[2i], x[2i+1]): llama.cpp's "normal" mode, used by llama GGUFs
  neox,      // rotate pairs (x[i], x[i + n_rot/2]): GPT-NeoX style, used by qwen2
};

const char* to_string(rope_layout layout);

const std::vector<std::string>& supported_architectures();
// "llama", "mistral", "qwen2", "qwen3", "phi3".

struct tensor_view {
  std::string name;
  ggml_type type = ggml_type::f32;
  int64_t ne0 = 0;  // elements per row (inputs)
  int64_t ne1 = 0;  // rows (outputs); 1 for vectors
  const uint8_t* data = nullptr;
  uint64_t bytes = 0;

  bool present() const { return data != nullptr; }
  uint64_t row_bytes() const { return ne1 > 0 ? bytes / static_cast<uint64_t>(ne1) : 0; }
  const uint8_t* row(int64_t r) const { return data + static_cast<uint64_t>(r) * row_bytes(); }
  tensor_view rows(int64_t first, int64_t count, std::string view_name) const;
  // Rows [first, first + count) as a matrix of their own (a part of a fused tensor).
};
// An absent optional tensor has data == nullptr.

struct llama_hparams {
  std::string architecture;  // "llama", "mistral", "qwen2", "qwen3" or "phi3"
  int32_t n_layer = 0;
  int32_t dim = 0;  // embedding length
  int32_t n_head = 0;
  int32_t n_head_kv = 0;  // query head h uses KV head h / (n_head / n_head_kv)
  int32_t head_dim = 0;   // dim / n_head unless the file says otherwise
  int32_t ffn_dim = 0;
  int32_t vocab_size = 0;      // rows of token_embd
  int32_t context_length = 0;  // trained context
  float rms_eps = 1e-5f;

  int32_t rope_dim = 0;               // leading dimensions of each head that RoPE rotates (even)
  float rope_base = 10000.0f;         // theta_i = pos * freq_scale * base^(-2i/rope_dim) / factor_i
  float rope_freq_scale = 1.0f;       // 1 / linear scaling factor
  float rope_attn_factor = 1.0f;      // scales RoPE's cos and sin (rope.scaling.attn_factor)
  int32_t rope_original_context = 0;  // LongRoPE: sequences longer than this use the long
                                      // factors (rope.scaling.original_context_length, else the
                                      // trained context)
  rope_layout rope = rope_layout::adjacent;

  bool tied_output = false;  // no output.weight: logits use token_embd.weight
  bool qkv_bias = false;     // bq/bk/bv present
  bool qk_norm = false;      // attn_q_norm/attn_k_norm: each query and key head RMS-normalized

  int32_t q_dim() const { return n_head * head_dim; }
  int32_t kv_dim() const { return n_head_kv * head_dim; }
  int32_t kv_group() const { return n_head / n_head_kv; }
};

struct llama_layer {
  tensor_view attn_norm;   // dim
  tensor_view wq;          // dim -> q_dim
  tensor_view wk;          // dim -> kv_dim
  tensor_view wv;          // dim -> kv_dim
  tensor_view wo;          // q_dim -> dim
  tensor_view bq, bk, bv;  // optional biases (q_dim, kv_dim, kv_dim); required for qwen2
  tensor_view q_norm;      // head_dim weights of the per-head RMSNorm of queries (qwen3)
  tensor_view k_norm;      // ... and of keys
  tensor_view ffn_norm;    // dim
  tensor_view ffn_gate;    // dim -> ffn_dim
  tensor_view ffn_up;      // dim -> ffn_dim
  tensor_view ffn_down;    // ffn_dim -> dim
};

class llama_model {
 public:
  explicit llama_model(std::shared_ptr<const gguf_file> file);
  // Reads and validates the description. Throws model_error (gguf_error for metadata of the
  // wrong type).

  const llama_hparams& hparams() const { return hp_; }
  const tensor_view& token_embd() const { return token_embd_; }    // dim x vocab
  const tensor_view& output_norm() const { return output_norm_; }  // dim
  const tensor_view& output() const { return output_; }  // dim x vocab; token_embd when tied
  const tensor_view& rope_factors(uint32_t max_seq_len) const;
  // The f32 vector of rope_dim/2 per-pair frequency divisors for sequences of up to max_seq_len
  // positions, or an absent view: Llama 3.1's rope_freqs.weight, or Phi-3's LongRoPE
  // rope_factors_short.weight (up to rope_original_context) / rope_factors_long.weight, chosen
  // as llama.cpp chooses them.
  const std::vector<llama_layer>& layers() const { return layers_; }

  const gguf_file& file() const { return *file_; }
  std::shared_ptr<const gguf_file> file_ptr() const { return file_; }
  uint64_t weight_bytes() const;  // bytes of all the tensors above (a tied output and the views
                                  // of a fused tensor counted once)

 private:
  void read_hparams();
  tensor_view tensor(const std::string& name, int64_t ne0, int64_t ne1, bool required) const;
  void read_layer(int32_t i, llama_layer& l);
  [[noreturn]] void fail(const std::string& what) const;

  std::shared_ptr<const gguf_file> file_;
  llama_hparams hp_;
  tensor_view token_embd_, output_norm_, output_, rope_freqs_, rope_long_, rope_short_;
  std::vector<llama_layer> layers_;
};

std::shared_ptr<const llama_model> load_llama_model(const std::string& path);
// Opens the GGUF file and reads the model. Throws gguf_error or model_error.

}  // namespace troupe
