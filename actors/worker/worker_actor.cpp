#include "actors/worker/worker_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>

namespace troupe {
namespace {

worker_actor::behavior_type worker(worker_actor::pointer, std::shared_ptr<engine> eng) {
  return {
      [eng](step_atom, const step_input& input) -> step_reply {
        auto t0 = std::chrono::steady_clock::now();
        step_reply reply;
        try {
          reply.output = eng->step(input);
        } catch (const std::exception& e) {
          reply.st = make_status(errc::internal, e.what());
        }
        reply.engine_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - t0)
                              .count();
        return reply;
      },
      [eng](release_atom, const std::vector<uint64_t>& seqs) {
        for (auto s : seqs) eng->release(s);
      },
  };
}

}  // namespace

worker_actor spawn_worker(caf::actor_system& sys, std::shared_ptr<engine> eng) {
  return sys.spawn<caf::detached>(worker, std::move(eng));
}

}  // namespace troupe
