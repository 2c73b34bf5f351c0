// The compute kernels of a Llama forward pass, recorded into a command buffer.
//
// Owns one pipeline per kernel variant (weight format x token tile for the projections, head size
// for attention), all created and dispatched once at construction so drivers that compile on
// first use (lavapipe JITs with LLVM) pay that cost at load, not in the first step. Addresses are
// device addresses (vk::buffer::address() plus an offset). Every method only records; the caller
// inserts `barrier` between dependent kernels.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "gpu/vulkan/vk_buffer.hpp"
#include "gpu/vulkan/vk_pipeline.hpp"
#include "gpu/vulkan/weight_repack.hpp"

namespace troupe::vk {

struct device_weight {
  weight_format format = weight_format::f32;
  uint32_t K = 0;
  uint32_t N = 0;
  VkDeviceAddress values = 0;  // quants or plain values
  VkDeviceAddress scales = 0;  // Q formats only
};

struct rope_params {
  uint32_t head_dim = 0;
  uint32_t rope_dim = 0;
  bool neox = false;
};

class kernels {
 public:
  kernels(context& ctx, const std::vector<uint32_t>& head_dims);
  // Pipelines for every weight format and the attention head sizes in `head_dims`, warmed up.

  context& ctx() { return *ctx_; }
  uint32_t max_tile() const { return 8; }
  // Tokens one projection workgroup computes at once.

  void barrier(VkCommandBuffer cmd) const { ctx_->compute_barrier(cmd); }

  void embed(VkCommandBuffer cmd, const device_weight& table, VkDeviceAddress tokens,
             VkDeviceAddress x, uint32_t T, uint32_t x_stride) const;
  // x[t] = row tokens[t] of `table`, dequantized.

  void rms_norm(VkCommandBuffer cmd, VkDeviceAddress x, VkDeviceAddress weight, VkDeviceAddress y,
                uint32_t K, uint32_t n_rows, uint32_t x_stride, uint32_t y_stride, float eps,
                VkDeviceAddress rows = 0) const;
  // y[i] = rmsnorm(x[rows ? rows[i] : i]) * weight.

  void matmul(VkCommandBuffer cmd, const device_weight& w, VkDeviceAddress x, VkDeviceAddress y,
              uint32_t T, uint32_t x_stride, uint32_t y_stride, bool accumulate,
              VkDeviceAddress bias = 0) const;
  // y[t][n] (+)= W[n] . x[t] (+ bias[n]) for t < T, n < w.N. The result of each element does not
  // depend on T.

  void rope_store(VkCommandBuffer cmd, VkDeviceAddress qkv, VkDeviceAddress k_cache,
                  VkDeviceAddress v_cache, VkDeviceAddress meta, VkDeviceAddress table,
                  VkDeviceAddress rope_table, uint32_t T, uint32_t n_head, uint32_t n_kv,
                  const rope_params& rope, uint32_t block_tokens, uint32_t qkv_stride) const;
  // Rotates q in place and writes rotated k and v into the paged cache (see rope_store.comp).

  void attention(VkCommandBuffer cmd, VkDeviceAddress qkv, VkDeviceAddress out,
                 VkDeviceAddress k_cache, VkDeviceAddress v_cache, VkDeviceAddress meta,
                 VkDeviceAddress table, uint32_t T, uint32_t n_head, uint32_t n_kv,
                 uint32_t head_dim, uint32_t block_tokens, uint32_t qkv_stride, uint32_t out_stride,
                 float scale) const;

  void silu_mul(VkCommandBuffer cmd, VkDeviceAddress gate_up, VkDeviceAddress h, uint32_t F,
                uint32_t T, uint32_t h_stride) const;
  // h[t] = silu(gate_up[t][:F]) * gate_up[t][F:].

  void copy(VkCommandBuffer cmd, VkDeviceAddress src, VkDeviceAddress dst, uint64_t bytes) const;
  // Bandwidth probe; `bytes` a multiple of 16.

 private:
  const pipeline& matmul_pipeline(weight_format f, uint32_t tile) const;
  void warm_up();

  context* ctx_;
  uint32_t rows_ = 4;
  std::map<std::pair<weight_format, uint32_t>, std::unique_ptr<pipeline>> matmul_;
  std::map<weight_format, std::unique_ptr<pipeline>> embed_;
  std::map<uint32_t, std::unique_ptr<pipeline>> attention_;
  std::unique_ptr<pipeline> rms_norm_, rope_store_, silu_mul_, copy_;
};

}  // namespace troupe::vk
