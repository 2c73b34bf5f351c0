#include "gpu/vulkan/vk_pipeline.hpp"

#include <span>
#include <stdexcept>
#include <vector>

#include "gpu/vulkan/vk_error.hpp"

namespace troupe::vk_shaders {
std::span<const uint32_t> find_shader(std::string_view name);  // generated registry
}

namespace troupe::vk {

namespace {

VkDescriptorType descriptor_type(binding_kind k) {
  return k == binding_kind::texels ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                   : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
}

}  // namespace

pipeline::pipeline(context& ctx, std::string_view shader, std::vector<uint32_t> spec,
                   uint32_t push_bytes, std::vector<binding_kind> bindings)
    : ctx_(&ctx), name_(shader), push_bytes_(push_bytes), bindings_(std::move(bindings)) {
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

  std::vector<VkDescriptorSetLayoutBinding> slots;
  for (uint32_t i = 0; i < bindings_.size(); ++i) {
    slots.push_back({i, descriptor_type(bindings_[i]), 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr});
  }
  VkDescriptorSetLayoutCreateInfo set{};
  set.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  set.bindingCount = static_cast<uint32_t>(slots.size());
  set.pBindings = slots.data();
  check(vkCreateDescriptorSetLayout(ctx.handle(), &set, nullptr, &set_layout_),
        "vkCreateDescriptorSetLayout (" + name_ + ")");

  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
  VkPipelineLayoutCreateInfo layout{};
  layout.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layout.setLayoutCount = 1;
  layout.pSetLayouts = &set_layout_;
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
  if (set_layout_) vkDestroyDescriptorSetLayout(dev, set_layout_, nullptr);
  if (module_) vkDestroyShaderModule(dev, module_, nullptr);
}

void pipeline::dispatch(VkCommandBuffer cmd, std::span<const binding_value> values,
                        const void* push, uint32_t groups_x, uint32_t groups_y,
                        uint32_t groups_z) const {
  if (groups_x == 0 || groups_y == 0 || groups_z == 0) return;
  if (values.size() != bindings_.size()) {
    throw std::logic_error("dispatch of '" + name_ + "' with " + std::to_string(values.size()) +
                           " buffers for " + std::to_string(bindings_.size()) + " bindings");
  }
  const uint32_t max_x = ctx_->device().max_workgroup_count_x;
  if (groups_x > max_x) {
    // Fold into y: the kernel's flat index x + y * num_x may then exceed the count, which every
    // kernel bounds-checks.
    if (groups_y != 1) throw std::runtime_error("dispatch of '" + name_ + "' is too large");
    groups_y = (groups_x + max_x - 1) / max_x;
    groups_x = max_x;
  }
  VkDescriptorSet set = ctx_->descriptor_set(set_layout_);
  std::vector<VkWriteDescriptorSet> writes(values.size());
  std::vector<VkDescriptorBufferInfo> infos(values.size());
  for (uint32_t i = 0; i < values.size(); ++i) {
    writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    writes[i].dstSet = set;
    writes[i].dstBinding = i;
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = descriptor_type(bindings_[i]);
    if (bindings_[i] == binding_kind::texels) {
      writes[i].pTexelBufferView = &values[i].view;
    } else {
      infos[i] = {values[i].buffer, 0, values[i].range};
      writes[i].pBufferInfo = &infos[i];
    }
  }
  vkUpdateDescriptorSets(ctx_->handle(), static_cast<uint32_t>(writes.size()), writes.data(), 0,
                         nullptr);
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_);
  vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, layout_, 0, 1, &set, 0, nullptr);
  if (push_bytes_) {
    vkCmdPushConstants(cmd, layout_, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes_, push);
  }
  vkCmdDispatch(cmd, groups_x, groups_y, groups_z);
  ctx_->count_dispatch();
}

}  // namespace troupe::vk
