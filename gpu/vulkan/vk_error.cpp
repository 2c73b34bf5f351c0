#include "gpu/vulkan/vk_error.hpp"

namespace troupe::vk {

const char* result_name(VkResult result) {
  switch (result) {
#define TROUPE_VK_RESULT(x) \
  case x:                   \
    return #x;
    TROUPE_VK_RESULT(VK_SUCCESS)
    TROUPE_VK_RESULT(VK_NOT_READY)
    TROUPE_VK_RESULT(VK_TIMEOUT)
    TROUPE_VK_RESULT(VK_INCOMPLETE)
    TROUPE_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    TROUPE_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    TROUPE_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    TROUPE_VK_RESULT(VK_ERROR_DEVICE_LOST)
    TROUPE_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    TROUPE_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    TROUPE_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    TROUPE_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    TROUPE_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    TROUPE_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    TROUPE_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    TROUPE_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    TROUPE_VK_RESULT(VK_ERROR_UNKNOWN)
    TROUPE_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    TROUPE_VK_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    TROUPE_VK_RESULT(VK_ERROR_FRAGMENTATION)
    TROUPE_VK_RESULT(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
#undef TROUPE_VK_RESULT
    default:
      return nullptr;
  }
}

void check(VkResult result, std::string_view what) {
  if (result == VK_SUCCESS) return;
  const char* name = result_name(result);
  std::string text = std::string(what) + " failed: ";
  text += name ? std::string(name) : "VK_RESULT(" + std::to_string(static_cast<int>(result)) + ")";
  throw vulkan_error(text, result);
}

}  // namespace troupe::vk
