#include "actors/worker/worker_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <unordered_set>

namespace troupe {
namespace {

worker_actor::behavior_type worker(worker_actor::pointer, std::shared_ptr<engine> eng) {
  // Sequences the engine holds KV for, so that `reset` can free them all (a batcher that was cut
  // off from the scheduler starts over with an empty engine).
  auto live = std::make_shared<std::unordered_set<uint64_t>>();
  return {
      [eng, live](step_atom, const step_input& input) -> step_reply {
        for (const auto& s : input.seqs) live->insert(s.seq);
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
      [eng, live](release_atom, const std::vector<uint64_t>& seqs) {
        for (auto s : seqs) {
          eng->release(s);
          live->erase(s);
        }
      },
      [eng, live](reset_atom) {
        for (auto s : *live) eng->release(s);
        live->clear();
      },
  };
}

}  // namespace

worker_actor spawn_worker(caf::actor_system& sys, std::shared_ptr<engine> eng) {
  return sys.spawn<caf::detached>(worker, std::move(eng));
}

}  // namespace troupe
