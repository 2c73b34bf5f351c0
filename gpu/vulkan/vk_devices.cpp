#include "gpu/vulkan/vk_devices.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include "gpu/vulkan/vk_error.hpp"

namespace troupe::vk {
namespace {

std::string type_name(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

bool has_extension(VkPhysicalDevice device, const char* name) {
  uint32_t count = 0;
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> exts(count);
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, exts.data());
  for (const auto& e : exts) {
    if (std::strcmp(e.extensionName, name) == 0) return true;
  }
  return false;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string describe_all(const std::vector<physical_device>& devices) {
  std::string s;
  for (const auto& d : devices) {
    if (!s.empty()) s += ", ";
    s += std::to_string(d.index) + ": '" + d.name + "'";
  }
  return s.empty() ? "none" : s;
}

}  // namespace

std::string vendor_name(uint32_t vendor_id) {
  switch (vendor_id) {
    case 0x10DE:
      return "nvidia";
    case 0x1002:
    case 0x1022:
      return "amd";
    case 0x8086:
      return "intel";
    case 0x10005:
      return "mesa";
    case 0x13B5:
      return "arm";
    case 0x5143:
      return "qualcomm";
    case 0x106B:
      return "apple";
    case 0x1010:
      return "imgtec";
    case 0x14E4:
      return "broadcom";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%04x", vendor_id);
      return buf;
    }
  }
}

uint64_t physical_device::device_local_total() const {
  uint64_t total = 0;
  for (const auto& h : heaps) {
    if (h.device_local) total += h.size;
  }
  return total;
}

uint64_t physical_device::device_local_available() const {
  uint64_t free = 0;
  for (const auto& h : heaps) {
    if (h.device_local && h.budget > h.usage) free += h.budget - h.usage;
  }
  return free;
}

std::string physical_device::unsupported_reason() const {
  if (api_version < VK_API_VERSION_1_2) return "device '" + name + "' supports only Vulkan 1.0/1.1";
  if (!has_compute_queue) return "device '" + name + "' has no compute queue";
  if (!subgroup_arithmetic)
    return "device '" + name + "' lacks subgroup arithmetic operations in compute shaders";
  if (max_push_constants < 128)
    return "device '" + name + "' offers only " + std::to_string(max_push_constants) +
           " bytes of push constants";
  if (subgroup_size < 4 || subgroup_size > 128)
    return "device '" + name + "' reports an unusable subgroup size " +
           std::to_string(subgroup_size);
  return {};
}

device_info physical_device::summary() const {
  device_info info;
  info.index = index;
  info.name = name;
  info.type = type;
  info.vendor = vendor;
  info.memory_total = device_local_total();
  info.memory_available = device_local_available();
  return info;
}

namespace {

// A field of /proc/meminfo in bytes ("MemAvailable"), or 0 when it cannot be read.
uint64_t meminfo_bytes(const char* field) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  uint64_t kib = 0;
  std::string unit;
  while (in >> name >> kib) {
    std::getline(in, unit);
    if (name.size() == std::strlen(field) + 1 && name.compare(0, name.size() - 1, field) == 0)
      return kib << 10;
  }
  return 0;
}

}  // namespace

void refresh_memory(physical_device& device) {
  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{};
  budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
  VkPhysicalDeviceMemoryProperties2 props{};
  props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
  if (device.memory_budget) props.pNext = &budget;
  vkGetPhysicalDeviceMemoryProperties2(device.handle, &props);
  device.heaps.clear();
  for (uint32_t i = 0; i < props.memoryProperties.memoryHeapCount; ++i) {
    const auto& h = props.memoryProperties.memoryHeaps[i];
    memory_heap heap;
    heap.size = h.size;
    heap.device_local = (h.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0;
    heap.budget = device.memory_budget ? std::min(budget.heapBudget[i], h.size) : h.size;
    heap.usage = device.memory_budget ? budget.heapUsage[i] : 0;
    device.heaps.push_back(heap);
  }
  // A CPU device (lavapipe) computes in the host's memory and reports a nominal heap (2 GiB in
  // Mesa 22): its real room is what the host has, and what it has free now.
  if (device.type == "cpu") {
    const uint64_t total = meminfo_bytes("MemTotal"), free = meminfo_bytes("MemAvailable");
    if (total && free) {
      for (auto& heap : device.heaps) {
        if (!heap.device_local) continue;
        heap.size = total;
        heap.budget = free;
        heap.usage = 0;
        break;
      }
    }
  }
}

std::vector<physical_device> enumerate_devices(VkInstance instance) {
  uint32_t count = 0;
  check(vkEnumeratePhysicalDevices(instance, &count, nullptr), "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> handles(count);
  check(vkEnumeratePhysicalDevices(instance, &count, handles.data()), "vkEnumeratePhysicalDevices");

  std::vector<physical_device> out;
  for (uint32_t i = 0; i < count; ++i) {
    physical_device d;
    d.index = i;
    d.handle = handles[i];

    VkPhysicalDeviceSubgroupSizeControlProperties size_control{};
    size_control.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES;
    VkPhysicalDeviceSubgroupProperties subgroup{};
    subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
    VkPhysicalDeviceDriverProperties driver{};
    driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
    VkPhysicalDeviceMaintenance4Properties m4{};
    m4.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES;
    VkPhysicalDeviceProperties2 props{};
    props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;

    VkPhysicalDeviceProperties base{};
    vkGetPhysicalDeviceProperties(d.handle, &base);
    const bool v13 = base.apiVersion >= VK_API_VERSION_1_3;
    const bool v12 = base.apiVersion >= VK_API_VERSION_1_2;
    const bool ext_size_control = has_extension(d.handle, "VK_EXT_subgroup_size_control");
    props.pNext = &subgroup;
    if (v12) subgroup.pNext = &driver;
    void** tail = v12 ? &driver.pNext : &subgroup.pNext;
    if (v13 || ext_size_control) {
      *tail = &size_control;
      tail = &size_control.pNext;
    }
    if (v13) *tail = &m4;
    vkGetPhysicalDeviceProperties2(d.handle, &props);

    const auto& p = props.properties;
    d.name = p.deviceName;
    d.type = type_name(p.deviceType);
    d.vendor_id = p.vendorID;
    d.device_id = p.deviceID;
    d.vendor = vendor_name(p.vendorID);
    d.api_version = p.apiVersion;
    if (v12) d.driver = std::string(driver.driverName) + " " + driver.driverInfo;
    if (d.vendor_id == 0x10005 || d.driver.find("Mesa") != std::string::npos) {
      if (d.vendor.rfind("0x", 0) == 0) d.vendor = "mesa";
    }
    d.max_storage_buffer_range = p.limits.maxStorageBufferRange;
    d.max_compute_shared_memory = p.limits.maxComputeSharedMemorySize;
    d.max_workgroup_invocations = p.limits.maxComputeWorkGroupInvocations;
    d.max_workgroup_size_x = p.limits.maxComputeWorkGroupSize[0];
    d.max_workgroup_count_x = p.limits.maxComputeWorkGroupCount[0];
    d.max_workgroup_count_y = p.limits.maxComputeWorkGroupCount[1];
    d.max_push_constants = p.limits.maxPushConstantsSize;
    d.max_texel_buffer_elements = p.limits.maxTexelBufferElements;
    d.min_texel_buffer_offset_alignment = p.limits.minTexelBufferOffsetAlignment;

    VkPhysicalDeviceMaintenance3Properties m3{};
    m3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES;
    VkPhysicalDeviceProperties2 props3{};
    props3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    props3.pNext = &m3;
    vkGetPhysicalDeviceProperties2(d.handle, &props3);
    d.max_memory_allocation_size = m3.maxMemoryAllocationSize;
    d.max_buffer_size = v13 ? m4.maxBufferSize : m3.maxMemoryAllocationSize;

    d.subgroup_size = subgroup.subgroupSize;
    d.min_subgroup_size = subgroup.subgroupSize;
    d.max_subgroup_size = subgroup.subgroupSize;
    d.subgroup_arithmetic = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                            (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) &&
                            (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT);
    d.subgroup_shuffle = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                         (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);

    VkPhysicalDeviceSubgroupSizeControlFeatures size_features{};
    size_features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES;
    VkPhysicalDeviceVulkan12Features f12{};
    f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    VkPhysicalDeviceFeatures2 features{};
    features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    if (v12) {
      features.pNext = &f12;
      if (v13 || ext_size_control) f12.pNext = &size_features;
      vkGetPhysicalDeviceFeatures2(d.handle, &features);
      d.buffer_device_address = f12.bufferDeviceAddress;
      d.shader_int64 = features.features.shaderInt64;
      d.subgroup_size_control =
          size_features.subgroupSizeControl &&
          (size_control.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT);
      d.compute_full_subgroups = size_features.computeFullSubgroups;
      if (d.subgroup_size_control) {
        d.min_subgroup_size = size_control.minSubgroupSize;
        d.max_subgroup_size = size_control.maxSubgroupSize;
      }
    }
    d.memory_budget = has_extension(d.handle, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);

    uint32_t families = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(d.handle, &families, nullptr);
    std::vector<VkQueueFamilyProperties> fams(families);
    vkGetPhysicalDeviceQueueFamilyProperties(d.handle, &families, fams.data());
    for (const auto& f : fams) {
      if (f.queueFlags & VK_QUEUE_COMPUTE_BIT) d.has_compute_queue = true;
    }
    refresh_memory(d);
    out.push_back(std::move(d));
  }
  order_devices(out);
  return out;
}

void order_devices(std::vector<physical_device>& devices) {
  auto rank = [](const physical_device& d) {
    static const char* const kinds[] = {"discrete", "integrated", "virtual", "other", "cpu"};
    int kind = 4;
    for (int k = 0; k < 5; ++k)
      if (d.type == kinds[k]) kind = k;
    return (d.unsupported_reason().empty() ? 0 : 10) + kind;
  };
  std::stable_sort(
      devices.begin(), devices.end(),
      [&](const physical_device& a, const physical_device& b) { return rank(a) < rank(b); });
  for (size_t i = 0; i < devices.size(); ++i) devices[i].index = static_cast<uint32_t>(i);
}

const physical_device& select_device(const std::vector<physical_device>& devices,
                                     std::string_view spec) {
  if (devices.empty()) throw std::runtime_error("no Vulkan device found");
  if (spec.empty()) spec = "0";
  const bool numeric = std::all_of(spec.begin(), spec.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
  if (numeric) {
    const unsigned long index = std::stoul(std::string(spec));
    if (index >= devices.size()) {
      throw std::runtime_error("Vulkan device index " + std::string(spec) +
                               " is out of range; devices: " + describe_all(devices));
    }
    return devices[index];
  }
  const std::string needle = lower(spec);
  const physical_device* found = nullptr;
  for (const auto& d : devices) {
    if (lower(d.name).find(needle) == std::string::npos) continue;
    if (found) {
      throw std::runtime_error("Vulkan device name '" + std::string(spec) +
                               "' matches several devices: " + describe_all(devices));
    }
    found = &d;
  }
  if (!found) {
    throw std::runtime_error("no Vulkan device matches '" + std::string(spec) +
                             "'; devices: " + describe_all(devices));
  }
  return *found;
}

}  // namespace troupe::vk
