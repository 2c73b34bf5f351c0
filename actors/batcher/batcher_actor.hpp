// The batcher actor: continuous batching for one worker (see batch_planner.hpp). It keeps exactly
// one step in flight while it has sequences, reports each step's tokens and finished jobs to the
// scheduler, and each step's statistics to the metrics actor.
#pragma once

#include <caf/fwd.hpp>

#include <memory>
#include <string>

#include "actors/interfaces.hpp"
#include "gpu/text/tokenizer.hpp"

namespace troupe {

struct batcher_setup {
  std::string node;
  std::string model;
  batcher_limits limits;
  std::shared_ptr<const tokenizer> tok;
  worker_actor worker;
  scheduler_actor scheduler;
  metrics_actor metrics;
  engine_info engine;
};

batcher_actor spawn_batcher(caf::actor_system& sys, batcher_setup setup);
// Spawns the batcher and joins it to the scheduler (it runs jobs once the scheduler answers).

}  // namespace troupe
