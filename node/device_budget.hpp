// One device's memory budget on a node (`device_memory_mb` of [[node]]), shared by the node's
// models in the order they load: each gets what the ones before it left, and at most its own
// `device_memory_mb`.
#pragma once

#include <cstdint>
#include <string>

#include "gpu/engine.hpp"

namespace troupe {

class device_budget {
 public:
  explicit device_budget(uint64_t node_mb) : node_bytes_(node_mb << 20) {}
  // 0: no node budget (each model is limited only by its own budget and the device).

  uint64_t grant_mb(const std::string& model, uint64_t model_mb) const;
  // The budget, in MiB, to load `model` with (0: none). Throws std::runtime_error naming the
  // model when the models before it used the node's budget up.

  void charge(const engine_info& loaded);
  // Counts what a loaded engine holds: weights, step buffers and KV cache.

  uint64_t used_bytes() const { return used_; }

 private:
  uint64_t node_bytes_;
  uint64_t used_ = 0;
};

}  // namespace troupe
