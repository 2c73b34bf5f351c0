// Vulkan result codes as exceptions: every failing Vulkan call becomes a `vulkan_error` whose
// message names the call and the result, so a missing feature or an exhausted heap surfaces as a
// readable error rather than a crash.
#pragma once

#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace troupe::vk {

class vulkan_error : public std::runtime_error {
 public:
  vulkan_error(const std::string& what, VkResult result)
      : std::runtime_error(what), result_(result) {}
  VkResult result() const { return result_; }

 private:
  VkResult result_;
};

const char* result_name(VkResult result);
// "VK_ERROR_OUT_OF_DEVICE_MEMORY" and so on; nullptr for codes it does not know.

void check(VkResult result, std::string_view what);
// Throws vulkan_error("<what> failed: <result name>") unless `result` is VK_SUCCESS.

}  // namespace troupe::vk
