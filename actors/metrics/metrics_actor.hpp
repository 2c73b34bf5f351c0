// The metrics actor: aggregates job and step events (metrics_registry.hpp) and answers `stats`
// with the metrics JSON, including the capacity actor's live view (limits, queue depths, devices,
// memory and recommended parallelism), and writes the activity log.
#pragma once

#include <caf/fwd.hpp>

#include <memory>

#include "actors/interfaces.hpp"

namespace prometheus {
class Registry;
}

namespace troupe {

class activity_log;

metrics_actor spawn_metrics(caf::actor_system& sys, capacity_actor capacity,
                            std::shared_ptr<prometheus::Registry> registry,
                            std::shared_ptr<activity_log> log = nullptr);
// The actor's counters and histograms live in `registry` (the head's, which /metrics serves);
// every finished job also goes to `log` when there is one (activity_log.hpp).

}  // namespace troupe
