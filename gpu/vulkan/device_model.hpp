// A Llama-family model's weights on one Vulkan device, in the kernels' layouts.
//
// Per layer the Q, K and V projections are concatenated by rows into one matrix (one dispatch
// computes all three; qwen2's biases likewise), and so are the FFN gate and up projections.
// Norm weights and biases are converted to f32. The RoPE (cos, sin) table for every position up
// to `max_positions` is computed here in double precision. A tied output projection shares the
// embedding's buffers. A matrix too large for one texel buffer view (maxTexelBufferElements) is
// split by rows into parts, each in its own buffer; the kernels dispatch once per part.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gpu/model/llama_model.hpp"
#include "gpu/vulkan/kernels.hpp"
#include "gpu/vulkan/vk_buffer.hpp"

namespace troupe::vk {

struct device_layer {
  device_weight wqkv;  // [q_dim + 2 kv_dim][dim]
  device_weight wo;    // [dim][q_dim]
  device_weight wgu;   // [2 ffn][dim]: gate rows, then up rows
  device_weight wdown;
  tensor_ref attn_norm;
  tensor_ref ffn_norm;
  tensor_ref qkv_bias;  // empty when the model has none
  tensor_ref q_norm;    // head_dim weights of the per-head query RMSNorm (qwen3); else empty
  tensor_ref k_norm;
};

device_weight upload_weight(context& ctx, const repacked_weight& w, const std::string& what);
// Uploads a repacked matrix, in as many row parts as the device's texel views and buffers need.
// Throws std::runtime_error when even one row does not fit a view.

class device_model {
 public:
  device_model(context& ctx, const llama_model& model, uint32_t max_positions);
  // Uploads everything. Throws std::runtime_error ("model needs X MiB of device memory, device
  // 'Y' has Z MiB free") before allocating when the weights cannot fit, vulkan_error on failure.

  static uint64_t estimate_bytes(const llama_model& model, uint32_t max_positions);
  // Device bytes the weights will take (exact up to alignment).

  const llama_hparams& hparams() const { return hp_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t streamed_bytes() const;
  // Bytes a decode step reads: all but the embedding table (whose rows are gathered, not
  // streamed), unless the output projection is tied to it.
  std::vector<weight_format> formats() const;  // the formats of the model's matrices

  device_weight tok_embd;
  device_weight output;
  tensor_ref output_norm;
  tensor_ref rope_table;
  std::vector<device_layer> layers;

 private:
  device_weight upload(const repacked_weight& w, const std::string& what);
  device_weight upload_rows(const std::vector<const tensor_view*>& matrices,
                            const std::string& what);
  tensor_ref upload_floats(const std::vector<float>& v, const std::string& what);

  context* ctx_;
  llama_hparams hp_;
  std::vector<std::unique_ptr<buffer>> buffers_;  // vectors (norms, biases, rope table)
  uint64_t bytes_ = 0;
};

std::vector<float> to_floats(const tensor_view& t);
// A vector tensor (norm weight, bias) dequantized to f32.

}  // namespace troupe::vk
