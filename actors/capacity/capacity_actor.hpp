// The capacity actor: admission gate and unit accountant (see capacity_ledger.hpp for the units).
// Acquires are answered at once; one that finds no units marks its model as waiting, and the
// listener (the scheduler, whose queue is the parking lot) gets a single `wake` for that model as
// soon as units come back: a release, a limit raised at run time, or a device joining.
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
