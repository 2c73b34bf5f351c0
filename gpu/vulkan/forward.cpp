#include "gpu/vulkan/forward.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace troupe::vk {
namespace {

uint64_t align16(uint64_t n) {
  return (n + 15) & ~uint64_t{15};
}

}  // namespace

uint64_t forward_pass::block_bytes(const llama_hparams& hp, uint32_t block_tokens) {
  return uint64_t{2} * hp.n_layer * block_tokens * hp.kv_dim() * sizeof(float);
}

uint64_t forward_pass::activation_bytes(const llama_hparams& hp, const forward_limits& l) {
  const uint64_t T = l.max_tokens;
  const uint64_t qkv = hp.q_dim() + 2ull * hp.kv_dim();
  return 4 * (T * (2ull * hp.dim + qkv + hp.q_dim() + 3ull * hp.ffn_dim) +
              uint64_t{l.max_samples} * (hp.dim + hp.vocab_size));
}

forward_pass::forward_pass(context& ctx, const kernels& k, const device_model& model,
                           forward_limits limits)
    : ctx_(&ctx), k_(&k), model_(&model), limits_(limits) {
  const auto& hp = model.hparams();
  const uint64_t T = limits.max_tokens;
  qkv_dim_ = static_cast<uint32_t>(hp.q_dim() + 2 * hp.kv_dim());
  x_ = buffer(ctx, T * hp.dim * 4, memory_kind::device, "activations");
  xn_ = buffer(ctx, T * hp.dim * 4, memory_kind::device, "normed activations");
  qkv_ = buffer(ctx, T * qkv_dim_ * 4, memory_kind::device, "qkv");
  att_ = buffer(ctx, T * hp.q_dim() * 4, memory_kind::device, "attention output");
  gu_ = buffer(ctx, T * hp.ffn_dim * 2 * 4, memory_kind::device, "gate/up");
  h_ = buffer(ctx, T * hp.ffn_dim * 4, memory_kind::device, "ffn hidden");
  xs_ = buffer(ctx, uint64_t{limits.max_samples} * hp.dim * 4, memory_kind::device, "sampled rows");
  off_meta_ = align16(T * 4);
  off_table_ = off_meta_ + align16(T * 8);
  off_rows_ = off_table_ + align16(uint64_t{limits.max_table} * 4);
  io_ = buffer(ctx, off_rows_ + align16(uint64_t{limits.max_samples} * 4), memory_kind::host,
               "step inputs");
  logits_ =
      buffer(ctx, uint64_t{limits.max_samples} * hp.vocab_size * 4, memory_kind::host, "logits");
  const uint64_t layer_bytes =
      uint64_t{limits.n_blocks} * limits.block_tokens * hp.kv_dim() * sizeof(float);
  for (int32_t l = 0; l < hp.n_layer; ++l) {
    k_cache_.emplace_back(ctx, layer_bytes, memory_kind::device, "KV cache keys");
    v_cache_.emplace_back(ctx, layer_bytes, memory_kind::device, "KV cache values");
  }
  // Create every view now, so a step that could never be bound fails at load with the reason.
  const uint64_t storage_range = ctx.device().max_storage_buffer_range;
  for (const buffer* b : {&x_, &xn_, &qkv_, &att_, &gu_, &h_, &xs_, &logits_, &k_cache_[0]}) {
    b->view(texel_format::rgba32ui);
    if (b->size() > storage_range) {
      throw std::runtime_error("an activation buffer of " + std::to_string(b->size()) +
                               " bytes exceeds the device's storage buffer range of " +
                               std::to_string(storage_range) + " bytes; lower max_step_tokens");
    }
  }
  io_.view(texel_format::r32ui);
  qkv_.view(texel_format::r32ui);
}

void forward_pass::run(const step_batch& batch, std::vector<float>& logits) {
  const uint32_t T = static_cast<uint32_t>(batch.tokens.size());
  const uint32_t S = static_cast<uint32_t>(batch.sample_rows.size());
  if (T == 0 || T > limits_.max_tokens || S > limits_.max_samples ||
      batch.table.size() > limits_.max_table || batch.meta.size() != 2u * T) {
    throw std::invalid_argument("step exceeds the engine's limits");
  }
  char* io = static_cast<char*>(io_.mapped());
  std::memcpy(io, batch.tokens.data(), T * 4);
  std::memcpy(io + off_meta_, batch.meta.data(), T * 8);
  std::memcpy(io + off_table_, batch.table.data(), batch.table.size() * 4);
  std::memcpy(io + off_rows_, batch.sample_rows.data(), S * 4);
  VkCommandBuffer cmd = ctx_->begin();
  record(cmd, T, S);
  ctx_->submit_and_wait();
  const size_t vocab = static_cast<size_t>(model_->hparams().vocab_size);
  logits.resize(S * vocab);
  std::memcpy(logits.data(), logits_.mapped(), logits.size() * 4);
}

void forward_pass::record(VkCommandBuffer cmd, uint32_t T, uint32_t S) {
  const auto& hp = model_->hparams();
  const auto& m = *model_;
  const uint32_t dim = hp.dim, q_dim = hp.q_dim(), ffn = hp.ffn_dim;
  const tensor_ref tokens = at(io_), meta = at(io_, off_meta_), table = at(io_, off_table_),
                   rows = at(io_, off_rows_);
  const tensor_ref x = at(x_), xn = at(xn_), qkv = at(qkv_), att = at(att_), gu = at(gu_),
                   h = at(h_), xs = at(xs_);
  const rope_params rope{static_cast<uint32_t>(hp.head_dim), static_cast<uint32_t>(hp.rope_dim),
                         hp.rope == rope_layout::neox};
  const float scale = 1.0f / std::sqrt(static_cast<float>(hp.head_dim));

  k_->embed(cmd, m.tok_embd, tokens, x, T, dim);
  k_->barrier(cmd);
  for (size_t l = 0; l < m.layers.size(); ++l) {
    const auto& L = m.layers[l];
    k_->rms_norm(cmd, x, L.attn_norm, xn, dim, T, dim, dim, hp.rms_eps);
    k_->barrier(cmd);
    k_->matmul(cmd, L.wqkv, xn, qkv, T, dim, qkv_dim_, false, L.qkv_bias);
    k_->barrier(cmd);
    k_->rope_store(cmd, qkv, k_cache_[l], v_cache_[l], meta, table, m.rope_table, T, hp.n_head,
                   hp.n_head_kv, rope, limits_.block_tokens, qkv_dim_,
                   {L.q_norm, L.k_norm, hp.rms_eps});
    k_->barrier(cmd);
    k_->attention(cmd, qkv, att, k_cache_[l], v_cache_[l], meta, table, T, hp.n_head, hp.n_head_kv,
                  hp.head_dim, limits_.block_tokens, qkv_dim_, q_dim, scale);
    k_->barrier(cmd);
    k_->matmul(cmd, L.wo, att, x, T, q_dim, dim, true);
    k_->barrier(cmd);
    k_->rms_norm(cmd, x, L.ffn_norm, xn, dim, T, dim, dim, hp.rms_eps);
    k_->barrier(cmd);
    k_->matmul(cmd, L.wgu, xn, gu, T, dim, 2 * ffn, false);
    k_->barrier(cmd);
    k_->silu_mul(cmd, gu, h, ffn, T, ffn);
    k_->barrier(cmd);
    k_->matmul(cmd, L.wdown, h, x, T, ffn, dim, true);
    k_->barrier(cmd);
  }
  if (S > 0) {
    k_->rms_norm(cmd, x, m.output_norm, xs, dim, S, dim, dim, hp.rms_eps, rows);
    k_->barrier(cmd);
    k_->matmul(cmd, m.output, xs, at(logits_), S, dim, hp.vocab_size, false);
    k_->barrier(cmd);
  }
}

}  // namespace troupe::vk
