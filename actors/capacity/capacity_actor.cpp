#include "actors/capacity/capacity_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <deque>
#include <map>

#include "actors/capacity/capacity_ledger.hpp"

namespace troupe {
namespace {

struct parked_acquire {
  acquire_request request;
  caf::typed_response_promise<grant> promise;
};

struct capacity_state {
  static inline const char* name = "troupe.capacity";
  capacity_ledger ledger;
  std::map<std::string, std::deque<parked_acquire>> parked;  // per model, in arrival order

  // Grants parked acquires of `model`, in order, until one cannot be satisfied.
  void wake(const std::string& model) {
    auto& q = parked[model];
    while (!q.empty()) {
      auto batcher = ledger.try_acquire(q.front().request);
      if (!batcher) return;
      q.front().promise.deliver(grant{{}, q.front().request.job, *batcher});
      q.pop_front();
    }
  }

  void wake_all() {
    for (auto& [model, q] : parked) wake(model);
  }
};

capacity_actor::behavior_type capacity(capacity_actor::stateful_pointer<capacity_state> self,
                                       std::vector<capacity_model> models) {
  for (auto& m : models) self->state.ledger.set_model(m.limits, m.max_seq_len);
  return {
      [=](register_atom, const device_capacity& device) -> status {
        auto st = self->state.ledger.add_device(device);
        if (st.ok()) self->state.wake(device.model);
        return st;
      },
      [=](admit_atom, const admit_request& request) -> status {
        return self->state.ledger.admit(request);
      },
      [=](acquire_atom, const acquire_request& request) -> caf::result<grant> {
        auto& s = self->state;
        if (!s.ledger.holds(request.job))
          return grant{make_status(errc::not_found,
                                   "job " + std::to_string(request.job) + " was not admitted"),
                       request.job, 0};
        auto& q = s.parked[request.model];
        if (q.empty()) {
          if (auto batcher = s.ledger.try_acquire(request)) return grant{{}, request.job, *batcher};
        }
        auto promise = self->make_response_promise<grant>();
        q.push_back(parked_acquire{request, promise});
        return promise;
      },
      [=](withdraw_atom, job_id job) {
        auto& s = self->state;
        for (auto& [model, q] : s.parked) {
          for (auto i = q.begin(); i != q.end(); ++i) {
            if (i->request.job != job) continue;
            i->promise.deliver(grant{
                make_status(errc::cancelled, "job " + std::to_string(job) + " withdrawn"), job, 0});
            q.erase(i);
            break;
          }
        }
        s.ledger.withdraw(job);
        s.wake_all();
      },
      [=](release_atom, job_id job) {
        self->state.ledger.release(job);
        self->state.wake_all();
      },
      [=](limits_atom, const model_limits& update) -> model_limits {
        auto result = self->state.ledger.update_limits(update);
        self->state.wake(update.model);
        return result;
      },
      [=](usage_atom) -> capacity_report {
        auto report = self->state.ledger.report();
        for (auto& m : report.models)
          m.parked = static_cast<int32_t>(self->state.parked[m.model].size());
        return report;
      },
  };
}

}  // namespace

capacity_actor spawn_capacity(caf::actor_system& sys, std::vector<capacity_model> models) {
  return sys.spawn(capacity, std::move(models));
}

}  // namespace troupe
