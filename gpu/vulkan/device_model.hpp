// A Llama-family model's weights on one Vulkan device, in the kernels' layouts.
//
// Per layer the Q, K and V projections are concatenated by rows into one matrix (one dispatch
// computes all three; qwen2's biases likewise), and so are the FFN gate and up projections.
// Norm weights and biases are converted to f32. The RoPE (cos, sin) table for every position up
// to `max_positions` is computed here in double precision. A tied output projection shares the
// embedding's buffer.
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
  VkDeviceAddress attn_norm = 0;
  VkDeviceAddress ffn_norm = 0;
  VkDeviceAddress qkv_bias = 0;  // 0 when the model has none
};

class device_model {
 public:
  device_model(context& ctx, const llama_model& model, uint32_t max_positions);
  // Uploads everything. Throws std::runtime_error ("model needs X MiB of device memory, device
  // 'Y' has Z MiB free") before allocating when the weights cannot fit, vulkan_error on failure.

  static uint64_t estimate_bytes(const llama_model& model, uint32_t max_positions);
  // Device bytes the weights will take (exact up to alignment).

  const llama_hparams& hparams() const { return hp_; }
  uint64_t bytes() const { return bytes_; }

  device_weight tok_embd;
  device_weight output;
  VkDeviceAddress output_norm = 0;
  VkDeviceAddress rope_table = 0;
  std::vector<device_layer> layers;

 private:
  device_weight upload(const repacked_weight& w, const std::string& what);
  VkDeviceAddress upload_floats(const std::vector<float>& v, const std::string& what);

  context* ctx_;
  llama_hparams hp_;
  std::vector<buffer> buffers_;
  uint64_t bytes_ = 0;
};

std::vector<float> to_floats(const tensor_view& t);
// A vector tensor (norm weight, bias) dequantized to f32.

}  // namespace troupe::vk
