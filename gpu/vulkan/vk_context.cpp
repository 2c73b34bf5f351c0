#include "gpu/vulkan/vk_context.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <vector>

#include "gpu/vulkan/vk_error.hpp"

namespace troupe::vk {

context::context(std::string_view device_spec) : instance_(std::make_unique<instance>()) {
  auto devices = enumerate_devices(instance_->get());
  device_ = select_device(devices, device_spec);
  if (auto why = device_.unsupported_reason(); !why.empty()) {
    throw std::runtime_error("cannot use Vulkan device: " + why);
  }
  vkGetPhysicalDeviceMemoryProperties(device_.handle, &memory_);

  uint32_t families = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device_.handle, &families, nullptr);
  std::vector<VkQueueFamilyProperties> fams(families);
  vkGetPhysicalDeviceQueueFamilyProperties(device_.handle, &families, fams.data());
  // Prefer a compute-only family (asynchronous compute on discrete GPUs), else any with compute.
  bool found = false;
  for (uint32_t i = 0; i < families && !found; ++i) {
    if ((fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) &&
        !(fams[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) {
      queue_family_ = i;
      found = true;
    }
  }
  for (uint32_t i = 0; i < families && !found; ++i) {
    if (fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      queue_family_ = i;
      found = true;
    }
  }

  // Subgroup size: pin the device's default size when the device can require one for compute
  // (every Vulkan 1.3 device), so one workgroup is exactly one subgroup.
  subgroup_size_ = device_.subgroup_size;
  pin_subgroup_size_ = device_.subgroup_size_control &&
                       device_.min_subgroup_size <= subgroup_size_ &&
                       subgroup_size_ <= device_.max_subgroup_size;
  if (!pin_subgroup_size_ && device_.min_subgroup_size != device_.max_subgroup_size) {
    spdlog::warn("Vulkan device '{}' cannot pin the subgroup size; assuming {}", device_.name,
                 subgroup_size_);
  }

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue{};
  queue.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queue.queueFamilyIndex = queue_family_;
  queue.queueCount = 1;
  queue.pQueuePriorities = &priority;

  VkPhysicalDeviceSubgroupSizeControlFeatures size_control{};
  size_control.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES;
  size_control.subgroupSizeControl = pin_subgroup_size_ ? VK_TRUE : VK_FALSE;
  size_control.computeFullSubgroups = device_.compute_full_subgroups ? VK_TRUE : VK_FALSE;
  VkPhysicalDeviceFeatures2 features{};
  features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  features.features.shaderInt64 = device_.shader_int64 ? VK_TRUE : VK_FALSE;

  std::vector<const char*> extensions;
  const bool v13 =
      device_.api_version >= VK_API_VERSION_1_3 && instance_->api_version() >= VK_API_VERSION_1_3;
  if (pin_subgroup_size_ || device_.compute_full_subgroups) {
    features.pNext = &size_control;
    if (!v13) extensions.push_back("VK_EXT_subgroup_size_control");
  }
  if (device_.memory_budget) extensions.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);

  VkDeviceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  info.pNext = &features;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue;
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  check(vkCreateDevice(device_.handle, &info, nullptr, &device_handle_),
        "vkCreateDevice on '" + device_.name + "'");
  vkGetDeviceQueue(device_handle_, queue_family_, 0, &queue_);

  VkCommandPoolCreateInfo pool{};
  pool.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool.queueFamilyIndex = queue_family_;
  check(vkCreateCommandPool(device_handle_, &pool, nullptr, &pool_), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  alloc.commandPool = pool_;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  check(vkAllocateCommandBuffers(device_handle_, &alloc, &cmd_), "vkAllocateCommandBuffers");
  VkFenceCreateInfo fence{};
  fence.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  check(vkCreateFence(device_handle_, &fence, nullptr, &fence_), "vkCreateFence");
  descriptors_ = std::make_unique<descriptor_arena>(device_handle_);
}

context::~context() {
  if (device_handle_ != VK_NULL_HANDLE) {
    vkDeviceWaitIdle(device_handle_);
    descriptors_.reset();
    if (fence_) vkDestroyFence(device_handle_, fence_, nullptr);
    if (pool_) vkDestroyCommandPool(device_handle_, pool_, nullptr);
    vkDestroyDevice(device_handle_, nullptr);
  }
}

uint32_t context::find_memory_type(uint32_t type_bits, VkMemoryPropertyFlags required,
                                   VkMemoryPropertyFlags preferred) const {
  for (int pass = 0; pass < 2; ++pass) {
    const VkMemoryPropertyFlags want = pass == 0 ? (required | preferred) : required;
    for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
      if (!(type_bits & (1u << i))) continue;
      if ((memory_.memoryTypes[i].propertyFlags & want) == want) return i;
    }
  }
  throw vulkan_error("no Vulkan memory type on '" + device_.name + "' has the required properties",
                     VK_ERROR_FEATURE_NOT_PRESENT);
}

bool context::memory_type_host_visible(uint32_t type) const {
  return memory_.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
}

bool context::memory_type_device_local(uint32_t type) const {
  return memory_.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
}

void context::add_allocated(int64_t bytes, bool device_local) {
  uint64_t& counter = device_local ? allocated_device_ : allocated_host_;
  counter = static_cast<uint64_t>(static_cast<int64_t>(counter) + bytes);
}

uint64_t context::available_device_bytes() {
  if (device_.memory_budget || device_.type == "cpu") {
    refresh_memory(device_);
    return device_.device_local_available();
  }
  const uint64_t total = device_.device_local_total();
  return total > allocated_device_ ? total - allocated_device_ : 0;
}

VkCommandBuffer context::begin() {
  check(vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
  descriptors_->reset();
  VkCommandBufferBeginInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(cmd_, &info), "vkBeginCommandBuffer");
  return cmd_;
}

VkDescriptorSet context::descriptor_set(VkDescriptorSetLayout layout) {
  return descriptors_->allocate(layout);
}

void context::submit_and_wait() {
  check(vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd_;
  check(vkResetFences(device_handle_, 1, &fence_), "vkResetFences");
  check(vkQueueSubmit(queue_, 1, &submit, fence_), "vkQueueSubmit");
  ++submits_;
  check(vkWaitForFences(device_handle_, 1, &fence_, VK_TRUE, UINT64_MAX), "vkWaitForFences");
}

void context::compute_barrier(VkCommandBuffer cmd) const {
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                          VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT |
                          VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT |
                           VK_PIPELINE_STAGE_HOST_BIT,
                       0, 1, &barrier, 0, nullptr, 0, nullptr);
}

}  // namespace troupe::vk
