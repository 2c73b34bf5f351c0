// The CPU reference operations of a Llama forward pass: the ground truth backends are tested
// against, one op at a time (like llama.cpp's test-backend-ops) or composed (reference_model).
//
// Plain loops, written to be read. Activations are fp32 in memory; every sum (dot products,
// sums of squares, softmax denominators, attention-weighted values) is accumulated in double, so
// the reference's own rounding error is far below any backend's and comparisons can use
// tolerances that reflect the backend alone. Weights of any dequantizable type are converted to
// fp32 one row at a time with dequantize_row, exactly as GGUF defines them.
//
// Layouts: activations are row-major [tokens][width]; a weight W[out][in] is a tensor_view with
// ne0 = in, ne1 = out, so y[t][o] = sum_i x[t][i] * W[o][i] (x times W transposed).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "gpu/model/llama_model.hpp"
#include "gpu/text/tokenizer.hpp"

namespace troupe::reference {

std::vector<float> dequantize(const tensor_view& t);
// The whole tensor as fp32, row-major (ne1 rows of ne0).

void embedding(const tensor_view& table, std::span<const token_id> ids, float* out);
// out[t][0..ne0) = row ids[t] of the table (any weight type). Throws std::out_of_range for an
// id outside [0, ne1).

void rmsnorm(const float* x, const float* weight, int64_t n, float eps, float* out);
// out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]. `out` may be `x`.

struct rope_params {
  int32_t n_dims = 0;  // leading dimensions of each head that rotate (even)
  float base = 10000.0f;
  float freq_scale = 1.0f;  // linear scaling: positions are multiplied by this
  rope_layout layout = rope_layout::adjacent;
  const float* freq_factors = nullptr;  // optional n_dims/2 divisors (rope_freqs.weight)
  float mscale = 1.0f;                  // cos and sin are scaled by this (attn_factor)
};
// Pair i (0 <= i < n_dims/2) rotates by theta_i = pos * freq_scale * base^(-2i/n_dims) /
// freq_factors[i], by (cos, sin) x mscale. adjacent: the pair is (x[2i], x[2i+1]); neox: (x[i],
// x[i + n_dims/2]).
// Dimensions from n_dims on are left alone.

rope_params rope_params_of(const llama_hparams& h, const float* freq_factors = nullptr);

void rope(float* x, int32_t n_heads, int32_t head_dim, int32_t pos, const rope_params& p);
// Rotates every head of one token's q or k ([n_heads][head_dim]) in place.

void matmul(const float* x, int64_t n_tokens, const tensor_view& w, float* y);
// y[t][0..ne1) = x[t][0..ne0) . W^T, for any weight type.

void add_bias(float* y, int64_t n_tokens, const float* bias, int64_t n);
// y[t][i] += bias[i].

void add(float* x, const float* y, int64_t n);
// x[i] += y[i] (the residual connection).

void attention(const float* q, const float* k, const float* v, int32_t n_kv, int32_t n_head,
               int32_t n_head_kv, int32_t head_dim, float* out);
// One query token against n_kv cached positions. q and out are [n_head][head_dim]; k and v hold
// n_kv rows of [n_head_kv][head_dim]. Query head h uses KV head h / (n_head / n_head_kv);
// scores are q.k / sqrt(head_dim), softmaxed over the n_kv positions; out = sum_j p_j v_j.

float silu(float x);  // x / (1 + e^-x)

void silu_ffn(const float* x, int64_t n_tokens, const tensor_view& gate, const tensor_view& up,
              const tensor_view& down, float* out);
// out = down(silu(gate(x)) * up(x)), per token.

void output_logits(const float* x, const float* norm, float eps, const tensor_view& output,
                   float* logits);
// One token's final hidden state -> rmsnorm(x) * norm -> logits[0..output.ne1).

}  // namespace troupe::reference
