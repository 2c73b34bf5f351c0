// One step's forward pass on the device: the tokens of all the step's sequences as one activation
// matrix [T, dim], every layer's kernels recorded into one command buffer, logits only for the
// rows that are sampled.
//
// Owns the activation buffers (sized for `max_tokens` per step), the per-step input buffer
// (token ids, positions, block tables, sampled rows; host-visible, written directly) and the paged
// KV cache (one key and one value buffer per layer, `n_blocks` blocks each).
#pragma once

#include <cstdint>
#include <vector>

#include "gpu/vulkan/device_model.hpp"
#include "gpu/vulkan/kernels.hpp"
#include "gpu/vulkan/vk_buffer.hpp"

namespace troupe::vk {

struct step_batch {
  std::vector<int32_t> tokens;        // [T]
  std::vector<uint32_t> meta;         // [T][2]: position, offset of its sequence's block table
  std::vector<uint32_t> table;        // block tables of the step's sequences, concatenated
  std::vector<uint32_t> sample_rows;  // tokens whose logits are wanted, in output order
};

struct forward_limits {
  uint32_t max_tokens = 512;  // tokens per step
  uint32_t max_samples = 16;  // sampled rows per step
  uint32_t max_table = 4096;  // block table entries per step
  uint32_t n_blocks = 0;      // KV cache blocks
  uint32_t block_tokens = 16;
};

class forward_pass {
 public:
  forward_pass(context& ctx, const kernels& k, const device_model& model, forward_limits limits);

  static uint64_t block_bytes(const llama_hparams& hp, uint32_t block_tokens);
  // Device bytes of one KV block over all layers (keys and values, f32).
  static uint64_t activation_bytes(const llama_hparams& hp, const forward_limits& limits);

  void run(const step_batch& batch, std::vector<float>& logits);
  // Computes the step and writes sample_rows.size() x vocab logits. Throws vulkan_error.

  const forward_limits& limits() const { return limits_; }

 private:
  void record(VkCommandBuffer cmd, uint32_t T, uint32_t S);

  context* ctx_;
  const kernels* k_;
  const device_model* model_;
  forward_limits limits_;
  uint32_t qkv_dim_ = 0;
  buffer x_, xn_, qkv_, att_, gu_, h_, xs_;
  buffer io_;      // host-visible: tokens | meta | table | sample rows
  buffer logits_;  // host-visible
  uint64_t off_meta_ = 0, off_table_ = 0, off_rows_ = 0;
  std::vector<buffer> k_cache_, v_cache_;
};

}  // namespace troupe::vk
