// Descriptor sets for the dispatches of one command buffer.
//
// Every kernel reads its inputs through texel buffer views (see vk_pipeline.hpp), so every
// dispatch needs a descriptor set. Sets live exactly as long as the command buffer they are
// recorded into: the context resets the arena when it begins a new command buffer (after the
// previous one finished), so recording allocates from pools that are never freed set by set and
// never fragment. Pools are added on demand when a step records more dispatches than the existing
// pools hold.
#pragma once

#include <vulkan/vulkan.h>

#include <vector>

namespace troupe::vk {

class descriptor_arena {
 public:
  explicit descriptor_arena(VkDevice device);
  ~descriptor_arena();
  descriptor_arena(const descriptor_arena&) = delete;
  descriptor_arena& operator=(const descriptor_arena&) = delete;

  VkDescriptorSet allocate(VkDescriptorSetLayout layout);
  // A set valid until the next `reset`. Throws vulkan_error when the device refuses a new pool.

  void reset();
  // Returns every set to the pools; only call when no recorded work still uses them.

 private:
  VkDescriptorPool add_pool();

  VkDevice device_;
  std::vector<VkDescriptorPool> pools_;
  size_t current_ = 0;  // the pool allocations are taken from
};

}  // namespace troupe::vk
