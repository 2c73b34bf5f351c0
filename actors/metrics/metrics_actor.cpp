#include "actors/metrics/metrics_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <nlohmann/json.hpp>

#include "actors/metrics/activity_log.hpp"
#include "actors/metrics/metrics_registry.hpp"

namespace troupe {
namespace {

struct metrics_state {
  metrics_state() = default;  // not an aggregate (see CAF's stateful_actor)
  static inline const char* name = "troupe.metrics";
  std::unique_ptr<metrics_registry> registry;
  std::shared_ptr<activity_log> log;
  capacity_actor capacity;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

nlohmann::json render_capacity(const capacity_report& r) {
  nlohmann::json models = nlohmann::json::object();
  for (const auto& m : r.models) {
    models[m.model] = {{"max_active", m.max_active},
                       {"max_queued", m.max_queued},
                       {"active", m.active},
                       {"queued", m.queued},
                       {"peak_active", m.peak_active},
                       {"peak_queued", m.peak_queued},
                       {"waiting", m.waiting},
                       {"recommended_parallel", m.recommended_parallel},
                       {"prefix_routed", m.prefix_routed}};
  }
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d : r.devices) {
    devices.push_back({{"batcher", d.batcher},
                       {"node", d.node},
                       {"model", d.model},
                       {"device", d.device.name},
                       {"device_type", d.device.type},
                       {"memory_total_bytes", d.device.memory_total},
                       {"memory_available_bytes", d.device.memory_available},
                       {"slots_total", d.slots_total},
                       {"slots_used", d.slots_used},
                       {"kv_blocks_total", d.kv_blocks_total},
                       {"kv_blocks_used", d.kv_blocks_used}});
  }
  return {{"models", models}, {"devices", devices}};
}

metrics_actor::behavior_type metrics(metrics_actor::stateful_pointer<metrics_state> self,
                                     capacity_actor capacity,
                                     std::shared_ptr<prometheus::Registry> registry,
                                     std::shared_ptr<activity_log> log) {
  self->state.capacity = std::move(capacity);
  self->state.registry = std::make_unique<metrics_registry>(std::move(registry));
  self->state.log = std::move(log);
  return {
      [self](const job_summary& s) {
        self->state.registry->record(s);
        if (self->state.log) self->state.log->record(s);
      },
      [self](const step_stats& s) { self->state.registry->record(s); },
      [self](stats_atom) -> caf::result<std::string> {
        auto promise = self->make_response_promise<std::string>();
        auto doc = self->state.registry->to_json();
        if (self->state.log) doc["activity_log_dropped_lines"] = self->state.log->dropped();
        doc["uptime_s"] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - self->state.started)
                .count();
        self->request(self->state.capacity, std::chrono::seconds(5), usage_atom::value)
            .then(
                [promise, doc](const capacity_report& r) mutable {
                  doc["capacity"] = render_capacity(r);
                  promise.deliver(doc.dump());
                },
                [promise, doc](caf::error&) mutable {
                  doc["capacity"] = nullptr;  // capacity actor unreachable
                  promise.deliver(doc.dump());
                });
        return promise;
      },
  };
}

}  // namespace

metrics_actor spawn_metrics(caf::actor_system& sys, capacity_actor capacity,
                            std::shared_ptr<prometheus::Registry> registry,
                            std::shared_ptr<activity_log> log) {
  return sys.spawn(metrics, std::move(capacity), std::move(registry), std::move(log));
}

}  // namespace troupe
