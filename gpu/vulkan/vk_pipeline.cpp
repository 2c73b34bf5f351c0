#include "gpu/vulkan/vk_pipeline.hpp"

#include <span>
#include <stdexcept>

#include "gpu/vulkan/vk_error.hpp"

namespace troupe::vk_shaders {
std::span<const uint32_t> find_shader(std::string_view name);  // generated registry
}

namespace troupe::vk {

pipeline::pipeline(context& ctx, std::string_view shader, std::vector<uint32_t> spec,
                   uint32_t push_bytes)
    : ctx_(&ctx), name_(shader), push_bytes_(push_bytes) {
  const auto code = vk_shaders::find_shader(shader);
  if (code.empty()) throw std::runtime_error("no embedded shader named '" + name_ + "'");
  if (push_bytes > ctx.device().max_push_constants) {
    throw std::runtime_error("shader '" + name_ + "' needs " + std::to_string(push_bytes) +
                             " bytes of push constants; device offers " +
                             std::to_string(ctx.device().max_push_constants));
  }
  VkShaderModuleCreateInfo module{};
  module.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  module.codeSize = code.size() * sizeof(uint32_t);
  module.pCode = code.data();
  check(vkCreateShaderModule(ctx.handle(), &module, nullptr, &module_),
        "vkCreateShaderModule (" + name_ + ")");

  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
  VkPipelineLayoutCreateInfo layout{};
  layout.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layout.pushConstantRangeCount = push_bytes ? 1 : 0;
  layout.pPushConstantRanges = &range;
  check(vkCreatePipelineLayout(ctx.handle(), &layout, nullptr, &layout_),
        "vkCreatePipelineLayout (" + name_ + ")");

  spec.insert(spec.begin(), ctx.subgroup_size());
  std::vector<VkSpecializationMapEntry> entries;
  for (uint32_t i = 0; i < spec.size(); ++i) {
    entries.push_back({i, static_cast<uint32_t>(i * sizeof(uint32_t)), sizeof(uint32_t)});
  }
  VkSpecializationInfo spec_info{};
  spec_info.mapEntryCount = static_cast<uint32_t>(entries.size());
  spec_info.pMapEntries = entries.data();
  spec_info.dataSize = spec.size() * sizeof(uint32_t);
  spec_info.pData = spec.data();

  VkPipelineShaderStageRequiredSubgroupSizeCreateInfo required{};
  required.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO;
  required.requiredSubgroupSize = ctx.subgroup_size();

  VkComputePipelineCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module_;
  info.stage.pName = "main";
  info.stage.pSpecializationInfo = &spec_info;
  if (ctx.pin_subgroup_size()) {
    info.stage.pNext = &required;
    if (ctx.device().compute_full_subgroups) {
      info.stage.flags = VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT;
    }
  }
  info.layout = layout_;
  check(vkCreateComputePipelines(ctx.handle(), VK_NULL_HANDLE, 1, &info, nullptr, &pipeline_),
        "vkCreateComputePipelines (" + name_ + ")");
}

pipeline::~pipeline() {
  VkDevice dev = ctx_->handle();
  if (pipeline_) vkDestroyPipeline(dev, pipeline_, nullptr);
  if (layout_) vkDestroyPipelineLayout(dev, layout_, nullptr);
  if (module_) vkDestroyShaderModule(dev, module_, nullptr);
}

void pipeline::dispatch(VkCommandBuffer cmd, const void* push, uint32_t groups_x, uint32_t groups_y,
                        uint32_t groups_z) const {
  if (groups_x == 0 || groups_y == 0 || groups_z == 0) return;
  const uint32_t max_x = ctx_->device().max_workgroup_count_x;
  if (groups_x > max_x) {
    // Fold into y: the kernel's flat index x + y * num_x may then exceed the count, which every
    // kernel bounds-checks.
    if (groups_y != 1) throw std::runtime_error("dispatch of '" + name_ + "' is too large");
    groups_y = (groups_x + max_x - 1) / max_x;
    groups_x = max_x;
  }
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_);
  if (push_bytes_) {
    vkCmdPushConstants(cmd, layout_, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes_, push);
  }
  vkCmdDispatch(cmd, groups_x, groups_y, groups_z);
}

}  // namespace troupe::vk
