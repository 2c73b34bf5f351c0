#include "actors/capacity/capacity_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <set>
#include <string>

#include "actors/capacity/capacity_ledger.hpp"

namespace troupe {
namespace {

struct capacity_state {
  static inline const char* name = "troupe.capacity";
  capacity_ledger ledger;
  capacity_listener listener;
  std::set<std::string> waiting;  // models with a refused acquire since their last wake

  void wake(capacity_actor::stateful_pointer<capacity_state> self, const std::string& model) {
    if (!waiting.erase(model) || !listener) return;
    self->send(listener, wake_atom::value, model);
  }
};

capacity_actor::behavior_type capacity(capacity_actor::stateful_pointer<capacity_state> self,
                                       std::vector<capacity_model> models) {
  for (auto& m : models) self->state.ledger.set_model(m.limits, m.max_seq_len);
  return {
      [=](register_atom, const device_capacity& device) -> status {
        auto st = self->state.ledger.add_device(device);
        if (st.ok()) self->state.wake(self, device.model);
        return st;
      },
      [=](admit_atom, const admit_request& request) -> status {
        return self->state.ledger.admit(request);
      },
      [=](acquire_atom, const acquire_request& request) -> grant {
        auto& s = self->state;
        if (!s.ledger.holds(request.job))
          return grant{make_status(errc::not_found,
                                   "job " + std::to_string(request.job) + " holds no admission"),
                       request.job, false, 0};
        if (auto batcher = s.ledger.try_acquire(request))
          return grant{{}, request.job, true, *batcher};
        if (auto st = s.ledger.could_ever_fit(request); !st.ok()) {
          s.ledger.withdraw(request.job);
          return grant{std::move(st), request.job, false, 0};
        }

        s.waiting.insert(request.model);
        return grant{{}, request.job, false, 0};
      },
      [=](withdraw_atom, job_id job) { self->state.ledger.withdraw(job); },
      [=](release_atom, job_id job) {
        auto& s = self->state;
        auto model = s.ledger.model_of(job);
        s.ledger.release(job);
        if (model) s.wake(self, *model);
      },
      [=](limits_atom, const model_limits& update) -> model_limits {
        auto result = self->state.ledger.update_limits(update);
        self->state.wake(self, update.model);
        return result;
      },
      [=](usage_atom) -> capacity_report {
        auto report = self->state.ledger.report();
        for (auto& m : report.models) m.waiting = self->state.waiting.count(m.model) != 0;
        return report;
      },
      [=](watch_atom, const capacity_listener& listener) { self->state.listener = listener; },

  };
}

}  // namespace

capacity_actor spawn_capacity(caf::actor_system& sys, std::vector<capacity_model> models) {
  return sys.spawn(capacity, std::move(models));
}

}  // namespace troupe
