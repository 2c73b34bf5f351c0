// The compute kernels of a Llama forward pass, recorded into a command buffer.
//
// Owns one pipeline per kernel variant (weight format x token tile for the projections, head size
// for attention), all created and dispatched once at construction so drivers that compile on
// first use (lavapipe JITs with LLVM) pay that cost at load, not in the first step. Tensors are
// given as a buffer and a byte offset (16-byte aligned wherever a kernel reads vec4 texels);
// kernels read them through the buffer's texel views and write them as storage buffers (see
// vk_pipeline.hpp). Every method only records; the caller inserts `barrier` between dependent
// kernels.
//
// The projection kernel comes in two variants, chosen from the device type: `rows` (a lane owns
// whole weight rows; activations are fetched once per 32 values and broadcast with subgroup
// shuffles) for CPU implementations, where every texel fetch is a gather costing as much for one
// lane as for all, and `split` (lanes split each row's input and meet in subgroupAdd; neighbouring
// lanes read neighbouring texels) for GPUs.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "gpu/vulkan/vk_buffer.hpp"
#include "gpu/vulkan/vk_pipeline.hpp"
#include "gpu/vulkan/weight_repack.hpp"

namespace troupe::vk {

struct tensor_ref {
  const buffer* buf = nullptr;
  uint64_t offset = 0;  // bytes
  explicit operator bool() const { return buf != nullptr; }
};

inline tensor_ref at(const buffer& b, uint64_t offset = 0) {
  return {&b, offset};
}

struct weight_part {
  std::shared_ptr<const buffer> buf;  // rows [row0, row0 + rows) in the layout of weights.glsl
  weight_format format = weight_format::f32;
  uint32_t row0 = 0;
  uint32_t rows = 0;
  uint32_t scales = 0;  // texel offset of the side region (Q formats)
};

struct device_weight {
  uint32_t K = 0;
  uint32_t N = 0;
  std::vector<weight_part> parts;
  // By rows: a matrix is split where one view cannot hold it, and matrices concatenated by rows
  // (Q|K|V, gate|up) keep each its own format (Q4_K_M files mix Q4_K and Q6_K).
};

device_weight concat_rows(std::vector<device_weight> pieces);
// One matrix of the pieces' rows, in order (every piece has the same K).

struct rope_params {
  uint32_t head_dim = 0;
  uint32_t rope_dim = 0;
  bool neox = false;
};

struct head_norm {  // the per-head RMSNorm of queries and keys before RoPE (qwen3)
  tensor_ref q, k;  // head_dim weights each; empty: no norm
  float eps = 1e-6f;
};

enum class matmul_kind { rows, split };

enum class copy_path {
  read,         // texel fetches summed per workgroup: read bandwidth
  copy_texels,  // texel fetches in, storage buffer stores out
  copy_buffer,  // storage buffers both ways
};

class kernels {
 public:
  kernels(context& ctx, const std::vector<uint32_t>& head_dims,
          const std::vector<weight_format>& formats = all_formats(),
          std::optional<matmul_kind> kind = std::nullopt);
  // Pipelines for the weight formats in `formats` and the attention head sizes in `head_dims`,
  // warmed up. `kind` defaults to the device's variant (rows on CPU devices, split elsewhere).

  static std::vector<weight_format> all_formats();

  context& ctx() { return *ctx_; }
  matmul_kind kind() const { return kind_; }

  void barrier(VkCommandBuffer cmd) const { ctx_->compute_barrier(cmd); }

  void embed(VkCommandBuffer cmd, const device_weight& table, tensor_ref tokens, tensor_ref x,
             uint32_t T, uint32_t x_stride) const;
  // x[t] = row tokens[t] of `table`, dequantized. Strides are in floats (multiples of 4).

  void rms_norm(VkCommandBuffer cmd, tensor_ref x, tensor_ref weight, tensor_ref y, uint32_t K,
                uint32_t n_rows, uint32_t x_stride, uint32_t y_stride, float eps,
                tensor_ref rows = {}) const;
  // y[i] = rmsnorm(x[rows ? rows[i] : i]) * weight.

  void matmul(VkCommandBuffer cmd, const device_weight& w, tensor_ref x, tensor_ref y, uint32_t T,
              uint32_t x_stride, uint32_t y_stride, bool accumulate, tensor_ref bias = {}) const;
  // y[t][n] (+)= W[n] . x[t] (+ bias[n]) for t < T, n < w.N. The result of each element does not
  // depend on T.

  void rope_store(VkCommandBuffer cmd, tensor_ref qkv, const buffer& k_cache, const buffer& v_cache,
                  tensor_ref meta, tensor_ref table, tensor_ref rope_table, uint32_t T,
                  uint32_t n_head, uint32_t n_kv, const rope_params& rope, uint32_t block_tokens,
                  uint32_t qkv_stride, const head_norm& norm = {}) const;
  // Normalizes q and k heads (when `norm` has weights), rotates q in place and writes rotated k
  // and v into the paged cache (see rope_store.comp).

  void attention(VkCommandBuffer cmd, tensor_ref qkv, tensor_ref out, const buffer& k_cache,
                 const buffer& v_cache, tensor_ref meta, tensor_ref table, uint32_t T,
                 uint32_t n_head, uint32_t n_kv, uint32_t head_dim, uint32_t block_tokens,
                 uint32_t qkv_stride, uint32_t out_stride, float scale) const;

  void silu_mul(VkCommandBuffer cmd, tensor_ref gate_up, tensor_ref h, uint32_t F, uint32_t T,
                uint32_t h_stride) const;
  // h[t] = silu(gate_up[t][:F]) * gate_up[t][F:].

  void copy(VkCommandBuffer cmd, const buffer& src, const buffer& dst, uint64_t bytes,
            copy_path path = copy_path::copy_texels) const;
  // Bandwidth probe over the first `bytes` (a multiple of 16) of src; `read` writes one texel
  // per lane and workgroup to dst, the others copy.

 private:
  const pipeline& matmul_pipeline(weight_format f, uint32_t tile) const;
  uint32_t tile_for(uint32_t T) const;
  void warm_up();

  context* ctx_;
  matmul_kind kind_;
  uint32_t rows_ = 4;  // rows per lane (rows) or per workgroup (split)
  std::vector<uint32_t> tiles_;
  std::map<std::pair<weight_format, uint32_t>, std::unique_ptr<pipeline>> matmul_;
  std::map<weight_format, std::unique_ptr<pipeline>> embed_;
  std::map<uint32_t, std::unique_ptr<pipeline>> attention_;
  std::unique_ptr<pipeline> rms_norm_, rope_store_, silu_mul_;
  std::map<copy_path, std::unique_ptr<pipeline>> copy_;
  buffer dummy_;  // bound where an optional input is absent
};

}  // namespace troupe::vk
