// Device buffers, read and written by kernels through texel buffer views: CPU implementations
// (lavapipe) vectorize texel fetches but run every storage-buffer or device-address load as a loop
// over the SIMD lanes, and GPUs serve texel fetches from their texture caches. A buffer creates
// its views on first use, one per format, covering the whole buffer; a buffer with more texels
// than the device's maxTexelBufferElements cannot be viewed (callers split large tensors).
//
// `device` buffers prefer device-local memory (on unified-memory devices such as lavapipe that
// memory is also host-visible and gets mapped, so uploads skip the staging copy); `host` buffers
// are host-visible, coherent and mapped, for per-step inputs, read-back and staging.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>

#include "gpu/vulkan/vk_context.hpp"

namespace troupe::vk {

enum class memory_kind { device, host };

enum class texel_format : uint32_t {
  rgba32ui,  // 16-byte texels: four floats, four packed words
  r32ui,     // 4-byte texels: one float or word
};
uint32_t texel_bytes(texel_format f);

class buffer {
 public:
  buffer() = default;
  buffer(context& ctx, uint64_t size, memory_kind kind, const std::string& what);
  // Throws vulkan_error naming `what` when the size exceeds the device's limits or allocation
  // fails.
  ~buffer();
  buffer(buffer&& other) noexcept;
  buffer& operator=(buffer&& other) noexcept;
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  uint64_t size() const { return size_; }
  void* mapped() const { return mapped_; }  // nullptr unless host-visible
  bool device_local() const { return device_local_; }
  explicit operator bool() const { return buffer_ != VK_NULL_HANDLE; }

  void upload(uint64_t offset, const void* data, uint64_t bytes);
  // Copies host data in: memcpy when mapped, else through a staging buffer and a queue copy.
  void download(uint64_t offset, void* data, uint64_t bytes);
  // Copies device data out (same two paths).
  void fill_zero();

  VkBufferView view(texel_format f) const;
  // The whole buffer as texels of `f` (created once). Throws vulkan_error when the buffer holds
  // more texels than the device allows in one view.

 private:
  void reset();

  context* ctx_ = nullptr;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  uint64_t size_ = 0;
  uint64_t alloc_size_ = 0;
  void* mapped_ = nullptr;
  bool device_local_ = false;
  std::string what_;
  mutable VkBufferView views_[2] = {VK_NULL_HANDLE, VK_NULL_HANDLE};
};

}  // namespace troupe::vk
