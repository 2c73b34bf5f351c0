// The Vulkan engine: troupe::engine on one Vulkan device (any Vulkan 1.2+ GPU, or lavapipe on
// the CPU), for GGUF llama/qwen2 models.
//
// Loading uploads the weights, creates and warms every pipeline, and sizes the paged KV cache
// from the device's free memory (or `kv_memory_bytes`). Each step runs the prefill chunks and
// decode tokens of all its sequences as one batch and samples on the host, so a sequence's tokens
// depend only on (model, its tokens, its sampling parameters) and greedy output is identical
// whatever else shares the step. Full KV blocks are content-addressed: a new sequence whose
// prompt starts with blocks another sequence computed (still held or cached since) reuses them
// and skips computing those positions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gpu/engine.hpp"

namespace troupe {

struct vulkan_engine_options {
  std::string model_name;
  std::string model_path;
  std::string device = "0";  // index or case-insensitive name fragment
  uint32_t kv_block_tokens = 16;
  uint64_t kv_memory_bytes = 0;      // 0 = auto
  uint64_t memory_budget_bytes = 0;  // the most device memory the engine may take (weights, step
                                     // buffers, KV cache); 0 = what the device has free
  uint32_t max_seq_len = 2048;
  uint32_t max_batch_size = 16;
  uint32_t max_step_tokens = 512;
};

std::shared_ptr<engine> open_vulkan_engine(const vulkan_engine_options&);
// Throws std::runtime_error with a clear message (no such device, bad file); a model that does not
// fit the device's free memory or the budget throws vk::memory_error (memory_plan.hpp) with the
// bytes it needs and the bytes available, before anything is allocated.

std::vector<device_info> list_vulkan_devices();
// Every Vulkan device, usable or not, with total and currently free device memory.

struct vulkan_engine_stats {
  uint64_t steps = 0;
  uint64_t computed_tokens = 0;        // tokens that went through the model
  uint64_t reused_tokens = 0;          // prompt tokens served from the prefix cache
  uint64_t streamed_weight_bytes = 0;  // weight bytes one decode step reads
  uint64_t submits = 0;                // command buffers submitted to the device
  uint64_t dispatches = 0;             // compute dispatches recorded (a GPU's per-dispatch cost)
};

vulkan_engine_stats vulkan_engine_statistics(const engine& e);
// Counters of an engine made by open_vulkan_engine (zeros for other engines).

}  // namespace troupe
