// The batcher actor: continuous batching for one worker (see batch_planner.hpp). It keeps exactly
// one step in flight while it has sequences and reports each step's tokens, finished jobs and
// statistics to the scheduler, which may run on another node. It answers the scheduler's pings;
// told to rejoin (the scheduler gave its jobs to others after losing contact), it drops every
// sequence, resets its engine and joins again. It stops when the scheduler is gone.
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
  engine_info engine;
  double speed = 1.0;  // measured decode tokens/s of one sequence
};

batcher_actor spawn_batcher(caf::actor_system& sys, batcher_setup setup);
// Spawns the batcher: it resets its worker's engine and joins the scheduler.

}  // namespace troupe
