// Physical device enumeration and selection.
//
// Every physical device the loader reports is described (name, type, vendor, API version, memory
// heaps with budgets, the limits and features the kernels depend on) whether or not troupe can use
// it; `unsupported_reason` says why a device cannot run the engine. Selection takes an index ("0")
// or a case-insensitive fragment of the name ("llvmpipe", "H100").
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/engine.hpp"

namespace troupe::vk {

struct memory_heap {
  uint64_t size = 0;
  bool device_local = false;
  uint64_t budget = 0;  // VK_EXT_memory_budget's budget, or `size` without the extension
  uint64_t usage = 0;   // bytes this process already uses on the heap (0 without the extension)
};

struct physical_device {
  uint32_t index = 0;
  VkPhysicalDevice handle = VK_NULL_HANDLE;
  std::string name;
  std::string type;    // discrete, integrated, virtual, cpu, other
  std::string vendor;  // nvidia, amd, intel, mesa, arm, qualcomm, apple, ... or the hex vendor id
  uint32_t vendor_id = 0;
  uint32_t device_id = 0;
  uint32_t api_version = 0;
  std::string driver;  // driver name and info, e.g. "llvmpipe Mesa 22.3.6"
  std::vector<memory_heap> heaps;

  uint64_t max_storage_buffer_range = 0;
  uint64_t max_memory_allocation_size = 0;
  uint64_t max_buffer_size = 0;  // Vulkan 1.3 maintenance4; max_memory_allocation_size before
  uint32_t max_compute_shared_memory = 0;
  uint32_t max_workgroup_invocations = 0;
  uint32_t max_workgroup_size_x = 0;
  uint32_t max_workgroup_count_x = 0;
  uint32_t max_workgroup_count_y = 0;
  uint32_t max_push_constants = 0;
  uint64_t max_texel_buffer_elements = 0;  // texels one buffer view may cover
  uint64_t min_texel_buffer_offset_alignment = 0;

  uint32_t subgroup_size = 0;  // the default size reported by the device
  uint32_t min_subgroup_size = 0;
  uint32_t max_subgroup_size = 0;
  bool subgroup_arithmetic = false;    // subgroupAdd/Max in compute shaders
  bool subgroup_shuffle = false;       // subgroupShuffle in compute shaders
  bool subgroup_size_control = false;  // a compute pipeline can require a subgroup size
  bool compute_full_subgroups = false;
  bool buffer_device_address = false;
  bool shader_int64 = false;
  bool memory_budget = false;  // VK_EXT_memory_budget
  bool has_compute_queue = false;

  uint64_t device_local_total() const;      // sum of device-local heap sizes
  uint64_t device_local_available() const;  // sum over device-local heaps of budget - usage
  std::string unsupported_reason() const;   // empty when the engine can run on it
  device_info summary() const;              // the engine contract's view (memory_available = free)
};

std::vector<physical_device> enumerate_devices(VkInstance instance);
// Describes every physical device, best first (order_devices): index 0, the default device, is a
// GPU whenever one is present, never llvmpipe beside it.

void order_devices(std::vector<physical_device>& devices);
// Devices the engine can run on before those it cannot; among them discrete GPUs, then
// integrated, virtual, other and CPU devices; the loader's order within each. Renumbers `index`.

void refresh_memory(physical_device& device);
// Re-reads heap budgets and usage (VK_EXT_memory_budget) for `device`.

const physical_device& select_device(const std::vector<physical_device>& devices,
                                     std::string_view spec);
// By index ("0", "1") or case-insensitive name fragment; throws std::runtime_error listing the
// devices when nothing matches, the index is out of range, or the fragment matches several.

std::string vendor_name(uint32_t vendor_id);

}  // namespace troupe::vk
