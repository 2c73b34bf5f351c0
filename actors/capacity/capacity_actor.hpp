// The capacity actor: admission gate, unit accountant and parking lot (see capacity_ledger.hpp
// for the units). An acquire that cannot be granted now parks; parked acquires of a model are
// answered strictly in arrival order whenever units come back, limits rise or a device joins.
#pragma once

#include <caf/fwd.hpp>

#include <cstdint>
#include <vector>

#include "actors/interfaces.hpp"

namespace troupe {

struct capacity_model {
  model_limits limits;
  uint32_t max_seq_len = 0;
};

capacity_actor spawn_capacity(caf::actor_system& sys, std::vector<capacity_model> models);

}  // namespace troupe
