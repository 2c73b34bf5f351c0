// The Vulkan instance: one per engine or device listing.
//
// No layers by default. With TROUPE_VULKAN_VALIDATION=1 in the environment and the Khronos
// validation layer installed, the layer is enabled and its error messages are logged and counted
// (tests assert the count stays zero); without the layer installed the request is logged and
// ignored.
#pragma once

#include <vulkan/vulkan.h>

#include <atomic>
#include <cstdint>

namespace troupe::vk {

class instance {
 public:
  instance();
  ~instance();
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  VkInstance get() const { return instance_; }
  uint32_t api_version() const { return api_version_; }  // the version the instance was created for
  bool validation() const { return messenger_ != VK_NULL_HANDLE; }
  uint64_t validation_errors() const { return errors_.load(); }
  // Validation-layer errors reported since creation (always 0 without the layer).

 private:
  static VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                        VkDebugUtilsMessageTypeFlagsEXT types,
                                        const VkDebugUtilsMessengerCallbackDataEXT* data,
                                        void* user);

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  uint32_t api_version_ = VK_API_VERSION_1_2;
  std::atomic<uint64_t> errors_{0};
};

}  // namespace troupe::vk
