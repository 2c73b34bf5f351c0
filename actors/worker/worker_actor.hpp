// The worker actor: one engine (a model on a device), stepped on a thread of its own.
#pragma once

#include <caf/fwd.hpp>

#include <memory>

#include "actors/interfaces.hpp"
#include "gpu/engine.hpp"

namespace troupe {

worker_actor spawn_worker(caf::actor_system& sys, std::shared_ptr<engine> eng);
// Engine failures become a `step_reply` whose status is not ok (the worker keeps serving).

}  // namespace troupe
