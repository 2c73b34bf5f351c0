#include "node/device_budget.hpp"

#include <algorithm>
#include <stdexcept>

namespace troupe {

uint64_t device_budget::grant_mb(const std::string& model, uint64_t model_mb) const {
  if (node_bytes_ == 0) return model_mb;
  const uint64_t left_mb = (node_bytes_ - std::min(node_bytes_, used_)) >> 20;
  if (left_mb == 0) {
    throw std::runtime_error(
        "model '" + model + "': the node's device_memory_mb (" + std::to_string(node_bytes_ >> 20) +
        " MiB) is used up by the models loaded before it (" + std::to_string(used_) + " bytes)");
  }
  return model_mb ? std::min(model_mb, left_mb) : left_mb;
}

void device_budget::charge(const engine_info& loaded) {
  used_ += loaded.weight_bytes + loaded.activation_bytes +
           uint64_t{loaded.kv_blocks} * loaded.kv_block_bytes;
}

}  // namespace troupe
