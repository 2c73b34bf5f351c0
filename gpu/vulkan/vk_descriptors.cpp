#include "gpu/vulkan/vk_descriptors.hpp"

#include "gpu/vulkan/vk_error.hpp"

namespace troupe::vk {
namespace {

// One pool holds a step's worth of sets for typical models (about ten dispatches per layer).
constexpr uint32_t k_sets_per_pool = 512;
constexpr uint32_t k_texel_descriptors_per_pool = k_sets_per_pool * 6;

}  // namespace

descriptor_arena::descriptor_arena(VkDevice device) : device_(device) {
  add_pool();
}

descriptor_arena::~descriptor_arena() {
  for (VkDescriptorPool p : pools_) vkDestroyDescriptorPool(device_, p, nullptr);
}

VkDescriptorPool descriptor_arena::add_pool() {
  const VkDescriptorPoolSize sizes[] = {
      {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, k_texel_descriptors_per_pool},
      {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, k_sets_per_pool * 4},
  };
  VkDescriptorPoolCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  info.maxSets = k_sets_per_pool;
  info.poolSizeCount = 2;
  info.pPoolSizes = sizes;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  check(vkCreateDescriptorPool(device_, &info, nullptr, &pool), "vkCreateDescriptorPool");
  pools_.push_back(pool);
  return pool;
}

VkDescriptorSet descriptor_arena::allocate(VkDescriptorSetLayout layout) {
  VkDescriptorSetAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
  info.descriptorSetCount = 1;
  info.pSetLayouts = &layout;
  bool fresh = false;  // a pool created for this very set: failing there is a real error
  for (;;) {
    info.descriptorPool = pools_[current_];
    VkDescriptorSet set = VK_NULL_HANDLE;
    const VkResult r = vkAllocateDescriptorSets(device_, &info, &set);
    if (r == VK_SUCCESS) return set;
    if (fresh || (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL)) {
      check(r, "vkAllocateDescriptorSets");
    }
    fresh = ++current_ == pools_.size();
    if (fresh) add_pool();
  }
}

void descriptor_arena::reset() {
  for (VkDescriptorPool p : pools_) {
    check(vkResetDescriptorPool(device_, p, 0), "vkResetDescriptorPool");
  }
  current_ = 0;
}

}  // namespace troupe::vk
