// Compute pipelines built from the embedded SPIR-V (see cmake/Shaders.cmake).
//
// Conventions shared by every troupe kernel: buffers arrive in descriptor set 0, binding i = the
// i-th entry of `bindings` (inputs as uniform texel buffers read with texelFetch, outputs as
// storage buffers), each covering a whole vk::buffer, and scalars (sizes, element offsets into the
// bindings) in push constants. Descriptor sets are written per dispatch from the context's arena.
// Specialization constant 0 is the workgroup width and is always the context's subgroup size
// (pinned with subgroupSizeControl where available) so a workgroup is exactly one subgroup and
// kernels never need barrier(); further specialization constants (ids 1, 2, ...) select variants
// such as rows per workgroup, tokens per tile or the head size.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/vulkan/vk_context.hpp"

namespace troupe::vk {

enum class binding_kind : uint8_t {
  texels,   // uniform texel buffer: texelFetch(usamplerBuffer)
  storage,  // storage buffer
};

struct binding_value {
  VkBufferView view = VK_NULL_HANDLE;  // texels bindings
  VkBuffer buffer = VK_NULL_HANDLE;    // storage bindings
  uint64_t range = 0;                  // storage bindings: bytes from offset 0
};

class pipeline {
 public:
  pipeline(context& ctx, std::string_view shader, std::vector<uint32_t> spec, uint32_t push_bytes,
           std::vector<binding_kind> bindings);
  // `spec` holds constants 1, 2, ... (constant 0, the workgroup width, is added here). Throws
  // std::runtime_error for an unknown shader, vulkan_error when the driver rejects it.
  ~pipeline();
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  void dispatch(VkCommandBuffer cmd, std::span<const binding_value> values, const void* push,
                uint32_t groups_x, uint32_t groups_y = 1, uint32_t groups_z = 1) const;
  // Writes a descriptor set with `values` (one per binding, in order), binds it, pushes
  // `push_bytes` of constants and dispatches. groups_x larger than the device's limit is folded
  // into y (kernels compute the flat index from gl_NumWorkGroups).

  const std::string& name() const { return name_; }

 private:
  context* ctx_;
  std::string name_;
  uint32_t push_bytes_;
  std::vector<binding_kind> bindings_;
  VkShaderModule module_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

}  // namespace troupe::vk
