// The metrics actor: aggregates job and step events (metrics_registry.hpp) and answers `stats`
// with the metrics JSON, including the capacity actor's live view (limits, queue depths, devices,
// memory and recommended parallelism).
#pragma once

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"

namespace troupe {

metrics_actor spawn_metrics(caf::actor_system& sys, capacity_actor capacity);

}  // namespace troupe
