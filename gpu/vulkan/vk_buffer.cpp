#include "gpu/vulkan/vk_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "gpu/vulkan/vk_error.hpp"

namespace troupe::vk {
namespace {

constexpr uint64_t k_staging_chunk = 64ull << 20;

std::string mib(uint64_t bytes) {
  return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB";
}

}  // namespace

uint32_t texel_bytes(texel_format f) {
  return f == texel_format::rgba32ui ? 16 : 4;
}

buffer::buffer(context& ctx, uint64_t size, memory_kind kind, const std::string& what)
    : ctx_(&ctx), size_(std::max<uint64_t>(size, 16)), what_(what) {
  const auto& dev = ctx.device();
  if (size_ > dev.max_buffer_size || size_ > dev.max_memory_allocation_size) {
    throw vulkan_error(what + " needs a buffer of " + mib(size_) + " but device '" + dev.name +
                           "' allows at most " +
                           mib(std::min(dev.max_buffer_size, dev.max_memory_allocation_size)),
                       VK_ERROR_OUT_OF_DEVICE_MEMORY);
  }
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = size_;
  info.usage = VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT | VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT |
               VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(vkCreateBuffer(ctx.handle(), &info, nullptr, &buffer_), "vkCreateBuffer (" + what + ")");

  VkMemoryRequirements req{};
  vkGetBufferMemoryRequirements(ctx.handle(), buffer_, &req);
  uint32_t type = 0;
  if (kind == memory_kind::device) {
    // Device-local, mapped as well where the device offers both in one type (UMA, ReBAR).
    type = ctx.find_memory_type(
        req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT,
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  } else {
    type = ctx.find_memory_type(
        req.memoryTypeBits,
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
        VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
  }
  device_local_ = ctx.memory_type_device_local(type);

  VkMemoryAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = type;
  VkResult r = vkAllocateMemory(ctx.handle(), &alloc, nullptr, &memory_);
  if (r != VK_SUCCESS) {
    vkDestroyBuffer(ctx.handle(), buffer_, nullptr);
    buffer_ = VK_NULL_HANDLE;
    check(r, "allocating " + mib(req.size) + " for " + what + " on '" + dev.name + "'");
  }
  alloc_size_ = req.size;
  ctx.add_allocated(static_cast<int64_t>(alloc_size_), device_local_);
  size_ = info.size;
  check(vkBindBufferMemory(ctx.handle(), buffer_, memory_, 0), "vkBindBufferMemory");
  if (ctx.memory_type_host_visible(type)) {
    check(vkMapMemory(ctx.handle(), memory_, 0, VK_WHOLE_SIZE, 0, &mapped_), "vkMapMemory");
  }
}

buffer::~buffer() {
  reset();
}

buffer::buffer(buffer&& other) noexcept {
  *this = std::move(other);
}

buffer& buffer::operator=(buffer&& other) noexcept {
  if (this != &other) {
    reset();
    ctx_ = std::exchange(other.ctx_, nullptr);
    buffer_ = std::exchange(other.buffer_, VK_NULL_HANDLE);
    memory_ = std::exchange(other.memory_, VK_NULL_HANDLE);
    size_ = std::exchange(other.size_, 0);
    alloc_size_ = std::exchange(other.alloc_size_, 0);
    mapped_ = std::exchange(other.mapped_, nullptr);
    device_local_ = std::exchange(other.device_local_, false);
    what_ = std::move(other.what_);
    for (size_t i = 0; i < 2; ++i) views_[i] = std::exchange(other.views_[i], VK_NULL_HANDLE);
  }
  return *this;
}

void buffer::reset() {
  if (!ctx_) return;
  for (VkBufferView& v : views_) {
    if (v) vkDestroyBufferView(ctx_->handle(), v, nullptr);
    v = VK_NULL_HANDLE;
  }
  if (buffer_) vkDestroyBuffer(ctx_->handle(), buffer_, nullptr);
  if (memory_) {
    vkFreeMemory(ctx_->handle(), memory_, nullptr);
    ctx_->add_allocated(-static_cast<int64_t>(alloc_size_), device_local_);
  }
  buffer_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
  mapped_ = nullptr;
  ctx_ = nullptr;
}

void buffer::upload(uint64_t offset, const void* data, uint64_t bytes) {
  if (bytes == 0) return;
  if (mapped_) {
    std::memcpy(static_cast<char*>(mapped_) + offset, data, bytes);
    return;
  }
  buffer staging(*ctx_, std::min(bytes, k_staging_chunk), memory_kind::host, "staging");
  for (uint64_t done = 0; done < bytes;) {
    const uint64_t n = std::min(bytes - done, staging.size());
    std::memcpy(staging.mapped(), static_cast<const char*>(data) + done, n);
    VkCommandBuffer cmd = ctx_->begin();
    VkBufferCopy region{0, offset + done, n};
    vkCmdCopyBuffer(cmd, staging.handle(), buffer_, 1, &region);
    ctx_->submit_and_wait();
    done += n;
  }
}

void buffer::download(uint64_t offset, void* data, uint64_t bytes) {
  if (bytes == 0) return;
  if (mapped_) {
    std::memcpy(data, static_cast<const char*>(mapped_) + offset, bytes);
    return;
  }
  buffer staging(*ctx_, std::min(bytes, k_staging_chunk), memory_kind::host, "staging");
  for (uint64_t done = 0; done < bytes;) {
    const uint64_t n = std::min(bytes - done, staging.size());
    VkCommandBuffer cmd = ctx_->begin();
    VkBufferCopy region{offset + done, 0, n};
    vkCmdCopyBuffer(cmd, buffer_, staging.handle(), 1, &region);
    ctx_->submit_and_wait();
    std::memcpy(static_cast<char*>(data) + done, staging.mapped(), n);
    done += n;
  }
}

VkBufferView buffer::view(texel_format f) const {
  VkBufferView& v = views_[static_cast<uint32_t>(f)];
  if (v) return v;
  const uint64_t texels = size_ / texel_bytes(f);
  const uint64_t limit = ctx_->device().max_texel_buffer_elements;
  if (texels > limit) {
    throw vulkan_error(what_ + " needs " + std::to_string(texels) + " texels of " +
                           std::to_string(texel_bytes(f)) +
                           " bytes in one buffer view but device '" + ctx_->device().name +
                           "' allows at most " + std::to_string(limit),
                       VK_ERROR_FORMAT_NOT_SUPPORTED);
  }
  VkBufferViewCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO;
  info.buffer = buffer_;
  info.format = f == texel_format::rgba32ui ? VK_FORMAT_R32G32B32A32_UINT : VK_FORMAT_R32_UINT;
  info.offset = 0;
  info.range = texels * texel_bytes(f);
  check(vkCreateBufferView(ctx_->handle(), &info, nullptr, &v),
        "vkCreateBufferView (" + what_ + ")");
  return v;
}

void buffer::fill_zero() {
  if (mapped_) {
    std::memset(mapped_, 0, size_);
    return;
  }
  VkCommandBuffer cmd = ctx_->begin();
  vkCmdFillBuffer(cmd, buffer_, 0, VK_WHOLE_SIZE, 0);
  ctx_->submit_and_wait();
}

}  // namespace troupe::vk
