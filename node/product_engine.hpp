// The engine troupe-node runs: the Vulkan engine (gpu/vulkan) for each model and device of the
// node, and GGUF tokenizers for models the head serves on no local device.
#pragma once

#include "node/config.hpp"
#include "node/runtime.hpp"

namespace troupe {

engine_factory vulkan_engine_factory(const cluster_config& config);
tokenizer_factory gguf_tokenizer_factory(const cluster_config& config);

}  // namespace troupe
