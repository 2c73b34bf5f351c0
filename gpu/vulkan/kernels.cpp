#include "gpu/vulkan/kernels.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace troupe::vk {
namespace {

constexpr uint32_t k_tiles[] = {1, 8};

struct matmul_push {
  uint64_t w, scales, x, y, bias;
  uint32_t K, N, T, x_stride, y_stride, flags;
};
struct embed_push {
  uint64_t w, scales, tokens, x;
  uint32_t K, T, x_stride, pad;
};
struct rms_push {
  uint64_t x, weight, y, rows;
  uint32_t K, n_rows, x_stride, y_stride;
  float eps;
  uint32_t flags;
};
struct silu_push {
  uint64_t gu, h;
  uint32_t F, T, h_stride, pad;
};
struct copy_push {
  uint64_t src, dst;
  uint32_t n, per_group;
};
struct rope_push {
  uint64_t qkv, kc, vc, meta, table, rope;
  uint32_t T, n_head, n_kv, head_dim, rope_dim, neox, block_tokens, qkv_stride;
};
struct attention_push {
  uint64_t qkv, out, kc, vc, meta, table;
  uint32_t T, n_head, n_kv, block_tokens, qkv_stride, out_stride;
  float scale;
  uint32_t pad;
};

constexpr weight_format k_formats[] = {weight_format::f32, weight_format::f16, weight_format::q8_0,
                                       weight_format::q4_0};

uint32_t groups(uint64_t n, uint64_t per) {
  return static_cast<uint32_t>((n + per - 1) / per);
}

}  // namespace

kernels::kernels(context& ctx, const std::vector<uint32_t>& head_dims) : ctx_(&ctx) {
  // Rows per projection workgroup: CPU implementations scalarize per-lane loads, so the
  // activation loads are amortized over many rows there; GPUs want more, smaller workgroups.
  rows_ = ctx.device().type == "cpu" ? 16 : 4;
  for (weight_format f : k_formats) {
    const std::string suffix = shader_suffix(f);
    for (uint32_t tile : k_tiles) {
      matmul_[{f, tile}] = std::make_unique<pipeline>(
          ctx, "matmul_" + suffix, std::vector<uint32_t>{rows_, tile}, sizeof(matmul_push));
    }
    embed_[f] = std::make_unique<pipeline>(ctx, "embed_" + suffix, std::vector<uint32_t>{},
                                           sizeof(embed_push));
  }
  for (uint32_t hd : head_dims) {
    if (hd % 4 != 0 || hd == 0) {
      throw std::runtime_error("head size " + std::to_string(hd) + " is not a multiple of 4");
    }
    if (!attention_.count(hd)) {
      attention_[hd] = std::make_unique<pipeline>(ctx, "attention", std::vector<uint32_t>{hd},
                                                  sizeof(attention_push));
    }
  }
  rms_norm_ =
      std::make_unique<pipeline>(ctx, "rms_norm", std::vector<uint32_t>{}, sizeof(rms_push));
  rope_store_ =
      std::make_unique<pipeline>(ctx, "rope_store", std::vector<uint32_t>{}, sizeof(rope_push));
  silu_mul_ =
      std::make_unique<pipeline>(ctx, "silu_mul", std::vector<uint32_t>{}, sizeof(silu_push));
  copy_ = std::make_unique<pipeline>(ctx, "copy", std::vector<uint32_t>{}, sizeof(copy_push));
  warm_up();
}

void kernels::warm_up() {
  // One dispatch per pipeline with nothing to do: every kernel returns at once, but the driver
  // compiles it now.
  VkCommandBuffer cmd = ctx_->begin();
  matmul_push mp{};
  for (auto& [key, p] : matmul_) p->dispatch(cmd, &mp, 1);
  embed_push ep{};
  for (auto& [key, p] : embed_) p->dispatch(cmd, &ep, 1);
  attention_push ap{};
  for (auto& [key, p] : attention_) p->dispatch(cmd, &ap, 1);
  rms_push rp{};
  rms_norm_->dispatch(cmd, &rp, 1);
  rope_push ropep{};
  rope_store_->dispatch(cmd, &ropep, 1);
  silu_push sp{};
  silu_mul_->dispatch(cmd, &sp, 1);
  copy_push cp{};
  copy_->dispatch(cmd, &cp, 1);
  ctx_->submit_and_wait();
}

const pipeline& kernels::matmul_pipeline(weight_format f, uint32_t tile) const {
  return *matmul_.at({f, tile});
}

void kernels::embed(VkCommandBuffer cmd, const device_weight& table, VkDeviceAddress tokens,
                    VkDeviceAddress x, uint32_t T, uint32_t x_stride) const {
  embed_push p{table.values, table.scales, tokens, x, table.K, T, x_stride, 0};
  embed_.at(table.format)->dispatch(cmd, &p, T);
}

void kernels::rms_norm(VkCommandBuffer cmd, VkDeviceAddress x, VkDeviceAddress weight,
                       VkDeviceAddress y, uint32_t K, uint32_t n_rows, uint32_t x_stride,
                       uint32_t y_stride, float eps, VkDeviceAddress rows) const {
  rms_push p{x, weight, y, rows, K, n_rows, x_stride, y_stride, eps, rows ? 1u : 0u};
  rms_norm_->dispatch(cmd, &p, n_rows);
}

void kernels::matmul(VkCommandBuffer cmd, const device_weight& w, VkDeviceAddress x,
                     VkDeviceAddress y, uint32_t T, uint32_t x_stride, uint32_t y_stride,
                     bool accumulate, VkDeviceAddress bias) const {
  if (T == 0) return;
  const uint32_t tile = T == 1 ? 1 : 8;
  matmul_push p{w.values,
                w.scales,
                x,
                y,
                bias,
                w.K,
                w.N,
                T,
                x_stride,
                y_stride,
                (accumulate ? 1u : 0u) | (bias ? 2u : 0u)};
  matmul_pipeline(w.format, tile).dispatch(cmd, &p, groups(w.N, rows_), 1, groups(T, tile));
}

void kernels::rope_store(VkCommandBuffer cmd, VkDeviceAddress qkv, VkDeviceAddress k_cache,
                         VkDeviceAddress v_cache, VkDeviceAddress meta, VkDeviceAddress table,
                         VkDeviceAddress rope_table, uint32_t T, uint32_t n_head, uint32_t n_kv,
                         const rope_params& rope, uint32_t block_tokens,
                         uint32_t qkv_stride) const {
  rope_push p{qkv,
              k_cache,
              v_cache,
              meta,
              table,
              rope_table,
              T,
              n_head,
              n_kv,
              rope.head_dim,
              rope.rope_dim,
              rope.neox ? 1u : 0u,
              block_tokens,
              qkv_stride};
  rope_store_->dispatch(cmd, &p, T);
}

void kernels::attention(VkCommandBuffer cmd, VkDeviceAddress qkv, VkDeviceAddress out,
                        VkDeviceAddress k_cache, VkDeviceAddress v_cache, VkDeviceAddress meta,
                        VkDeviceAddress table, uint32_t T, uint32_t n_head, uint32_t n_kv,
                        uint32_t head_dim, uint32_t block_tokens, uint32_t qkv_stride,
                        uint32_t out_stride, float scale) const {
  auto it = attention_.find(head_dim);
  if (it == attention_.end()) {
    throw std::runtime_error("no attention kernel for head size " + std::to_string(head_dim));
  }
  attention_push p{qkv,    out,  k_cache,      v_cache,    meta,       table, T,
                   n_head, n_kv, block_tokens, qkv_stride, out_stride, scale, 0};
  it->second->dispatch(cmd, &p, T * n_head);
}

void kernels::silu_mul(VkCommandBuffer cmd, VkDeviceAddress gate_up, VkDeviceAddress h, uint32_t F,
                       uint32_t T, uint32_t h_stride) const {
  silu_push p{gate_up, h, F, T, h_stride, 0};
  silu_mul_->dispatch(cmd, &p, T);
}

void kernels::copy(VkCommandBuffer cmd, VkDeviceAddress src, VkDeviceAddress dst,
                   uint64_t bytes) const {
  const uint64_t n = bytes / 16;
  // Slices of at most 256 KiB per workgroup keep loops short (lavapipe caps a loop at 65535
  // iterations) and give every core several workgroups.
  const uint32_t per = static_cast<uint32_t>(
      std::max<uint64_t>(ctx_->subgroup_size(), std::min<uint64_t>(n, 16384)));
  copy_push p{src, dst, static_cast<uint32_t>(n), per};
  copy_->dispatch(cmd, &p, groups(n, per));
}

}  // namespace troupe::vk
