// How an engine divides a device's memory: the weights and the step's buffers first, then the
// paged KV cache from what is left. A model that cannot hold one full-length sequence is refused
// before anything is allocated, with the bytes it needs and the bytes available, so a model too
// large for the device (or for the configured budget) never ends in an out-of-memory crash. Pure
// arithmetic, no Vulkan.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace troupe::vk {

struct memory_request {
  uint64_t weight_bytes = 0;      // the weights as the device holds them
  uint64_t activation_bytes = 0;  // the step's buffers
  uint64_t block_bytes = 0;       // one KV block over all layers
  uint64_t sequence_blocks = 0;   // blocks of one sequence at the longest length
  uint64_t wanted_blocks = 0;     // how many blocks the engine would like (automatic sizing)
  uint64_t kv_bytes = 0;          // configured KV-cache size (kv_memory_mb); 0: automatic
  uint64_t budget_bytes = 0;      // configured limit on all of it (device_memory_mb); 0: none
  uint64_t device_free = 0;       // what the device has free now
  std::string device;             // the device's name, for messages
};

struct memory_plan {
  uint64_t kv_blocks = 0;
  uint64_t total_bytes = 0;  // weights, step buffers and KV cache
};

class memory_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

memory_plan plan_memory(const memory_request& r);
// Throws memory_error when the weights, the step buffers and the KV cache of one full-length
// sequence (or the configured KV cache) exceed the smaller of the free memory and the budget.
// Automatic sizing takes `wanted_blocks`, within 90% of the free memory (headroom for the
// driver and other processes) and within the budget.

std::string byte_size(uint64_t bytes);
// "5.10 GiB", "96.0 MiB", "512 bytes".

}  // namespace troupe::vk
