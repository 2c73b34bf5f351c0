#include "node/product_engine.hpp"

#include <stdexcept>

#include "gpu/model/tokenizer_loader.hpp"
#include "gpu/vulkan/memory_plan.hpp"
#include "gpu/vulkan/vulkan_engine.hpp"

namespace troupe {

engine_factory vulkan_engine_factory(const cluster_config&) {
  return [](const model_config& m, const std::string& device) -> std::shared_ptr<engine> {
    vulkan_engine_options o;
    o.model_name = m.name;
    o.model_path = m.path;
    o.device = device;
    o.kv_block_tokens = m.kv_block_tokens;
    o.kv_memory_bytes = m.kv_memory_mb << 20;
    o.memory_budget_bytes = m.device_memory_mb << 20;
    o.max_seq_len = m.max_seq_len;
    o.max_batch_size = m.max_batch_size;
    o.max_step_tokens = m.max_step_tokens;
    try {
      return open_vulkan_engine(o);
    } catch (const vk::memory_error& e) {  // the message names the model already
      throw vk::memory_error(std::string(e.what()) + " (device " + device + ")");
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string(e.what()) + " (device " + device + ")");
    }
  };
}

tokenizer_factory gguf_tokenizer_factory(const cluster_config&) {
  return [](const model_config& m) -> std::shared_ptr<const tokenizer> {
    try {
      return load_tokenizer(m.path);
    } catch (const std::exception& e) {
      throw std::runtime_error("tokenizer of model '" + m.name + "' (" + m.path + "): " + e.what());
    }
  };
}

}  // namespace troupe
