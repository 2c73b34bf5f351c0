// One logical Vulkan device ready for compute: the selected physical device, a compute queue, a
// command pool with one reusable command buffer and fence, the descriptor sets of the dispatches
// recorded into it, and the features the kernels use (a fixed subgroup size per pipeline where
// the device can pin it).
//
// Work is recorded into the context's command buffer between `begin()` and `submit_and_wait()`;
// the engine records a whole step at once. Not thread-safe: one engine drives one context.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "gpu/vulkan/vk_descriptors.hpp"
#include "gpu/vulkan/vk_devices.hpp"
#include "gpu/vulkan/vk_instance.hpp"

namespace troupe::vk {

class context {
 public:
  explicit context(std::string_view device_spec);
  // Creates an instance, selects the device ("0", "llvmpipe", ...) and creates the logical device.
  // Throws std::runtime_error when no device matches or the device lacks a needed feature.
  ~context();
  context(const context&) = delete;
  context& operator=(const context&) = delete;

  const physical_device& device() const { return device_; }
  VkDevice handle() const { return device_handle_; }
  uint32_t subgroup_size() const { return subgroup_size_; }
  // Subgroup size every pipeline runs at (workgroups of the barrier-free kernels are one subgroup).
  bool pin_subgroup_size() const { return pin_subgroup_size_; }
  // True when pipelines request `subgroup_size` explicitly (subgroupSizeControl).
  const instance& vk_instance() const { return *instance_; }

  uint32_t find_memory_type(uint32_t type_bits, VkMemoryPropertyFlags required,
                            VkMemoryPropertyFlags preferred) const;
  // A memory type allowed by `type_bits` with all `required` flags, preferring those that also
  // have `preferred`; throws vulkan_error when none fits.
  bool memory_type_host_visible(uint32_t type) const;
  bool memory_type_device_local(uint32_t type) const;

  void add_allocated(int64_t bytes, bool device_local);
  uint64_t allocated_device_bytes() const { return allocated_device_; }
  uint64_t available_device_bytes();
  // Free device-local memory: the driver's budget minus usage with VK_EXT_memory_budget, else the
  // device-local heap size minus what this context allocated; for a CPU device, the host's
  // available memory (/proc/meminfo).

  VkCommandBuffer begin();
  // Resets and begins the context's command buffer (and frees the previous one's descriptor sets).
  VkDescriptorSet descriptor_set(VkDescriptorSetLayout layout);
  // A descriptor set for one dispatch of the command buffer being recorded.
  void submit_and_wait();
  // Ends, submits and waits for the command buffer; throws vulkan_error (device lost, ...).

  void compute_barrier(VkCommandBuffer cmd) const;
  // Makes shader and transfer writes visible to later compute shaders and transfers.

  void count_dispatch() { ++dispatches_; }
  uint64_t submits() const { return submits_; }        // command buffers submitted so far
  uint64_t dispatches() const { return dispatches_; }  // compute dispatches recorded so far

 private:
  std::unique_ptr<instance> instance_;
  physical_device device_;
  VkPhysicalDeviceMemoryProperties memory_{};
  VkDevice device_handle_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  std::unique_ptr<descriptor_arena> descriptors_;
  uint32_t subgroup_size_ = 0;
  bool pin_subgroup_size_ = false;
  uint64_t submits_ = 0;
  uint64_t dispatches_ = 0;
  uint64_t allocated_device_ = 0;
  uint64_t allocated_host_ = 0;
};

}  // namespace troupe::vk
