// GET /metrics: the Prometheus text format (version 0.0.4), from prometheus-cpp.
//
// Counters and histograms are the head's registry (the metrics actor's job and step numbers, the
// job store's fsyncs). Gauges of the cluster's state now are built at scrape time from the
// capacity actor and the scheduler's membership, so they are never stale: requests running and
// waiting, limits, KV-cache usage, slots, nodes by state, device tokens/s and memory.
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "node/api/cross_thread.hpp"
#include "node/http/routes.hpp"

namespace troupe::http {
namespace {

using api_kj::make_cross_thread;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

class gauges {
 public:
  MetricFamily& family(const std::string& name, const std::string& help) {
    for (auto& f : out_)
      if (f.name == name) return f;
    out_.push_back(MetricFamily{name, help, MetricType::Gauge, {}});
    return out_.back();
  }

  void set(const std::string& name, const std::string& help,
           std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = value;
    family(name, help).metric.push_back(std::move(m));
  }

  std::vector<MetricFamily>& families() { return out_; }

 private:
  std::vector<MetricFamily> out_;
};

void add_capacity(gauges& g, const capacity_report& r) {
  for (const auto& m : r.models) {
    const std::vector<ClientMetric::Label> model{{"model", m.model}};
    g.set("troupe_requests_running", "Jobs generating now.", model, m.active);
    g.set("troupe_requests_waiting", "Jobs admitted and waiting for a device.", model, m.queued);
    g.set("troupe_model_parallel_limit", "max_active: jobs of the model generating at once.", model,
          m.max_active);
    g.set("troupe_model_queue_limit", "max_queued: jobs of the model waiting at most.", model,
          m.max_queued);
    g.set("troupe_model_recommended_parallel",
          "Sequences of max_seq_len the model's KV caches hold at once.", model,
          m.recommended_parallel);
  }
  for (const auto& d : r.devices) {
    const std::vector<ClientMetric::Label> labels{{"model", d.model},
                                                  {"node", d.node},
                                                  {"device", d.device.name},
                                                  {"device_index", std::to_string(d.device.index)}};
    g.set("troupe_kv_cache_usage_ratio", "Fraction of the device's KV-cache blocks in use.", labels,
          d.kv_blocks_total ? double(d.kv_blocks_used) / double(d.kv_blocks_total) : 0.0);
    g.set("troupe_device_slots_used", "Sequence slots in use.", labels, d.slots_used);
    g.set("troupe_device_slots", "Sequence slots.", labels, d.slots_total);
    g.set("troupe_device_memory_bytes", "Device memory.", labels, double(d.device.memory_total));
    g.set("troupe_device_memory_available_bytes", "Device memory not in use.", labels,
          double(d.device.memory_available));
  }
}

void add_nodes(gauges& g, const std::vector<node_status>& nodes) {
  std::map<std::string, int> by_state = {{"up", 0}, {"draining", 0}, {"down", 0}};
  for (const auto& n : nodes) {
    ++by_state[std::string(to_string(n.state))];
    for (const auto& d : n.devices) {
      const std::vector<ClientMetric::Label> labels{
          {"model", d.model},
          {"node", n.name},
          {"device", d.device.name},
          {"device_index", std::to_string(d.device.index)}};
      g.set("troupe_device_tokens_per_second",
            "Tokens a device generated per second over the last few seconds.", labels,
            d.load.tokens_per_s);
      g.set("troupe_device_sequences", "Sequences running on a device.", labels, d.load.sequences);
    }
  }
  for (const auto& [state, n] : by_state)
    g.set("troupe_nodes", "Nodes of the cluster by state.", {{"state", state}}, n);
}

kj::Promise<void> metrics(exchange& ex) {
  // Both questions at once; the answer waits for the two.
  auto usage = make_cross_thread<outcome<capacity_report>>();
  auto members = make_cross_thread<outcome<std::vector<node_status>>>();
  ex.ctx().api.bridge.usage(usage.deliver);
  ex.ctx().api.bridge.nodes(members.deliver);
  return usage.promise.then(
      [&ex, nodes = kj::mv(members.promise)](outcome<capacity_report> cap) mutable {
        return nodes.then([&ex, cap = std::move(cap)](outcome<std::vector<node_status>> n) {
          gauges g;
          if (cap.st.ok()) add_capacity(g, cap.value);
          if (n.st.ok()) add_nodes(g, n.value);
          std::vector<MetricFamily> families;
          if (ex.ctx().metrics) families = ex.ctx().metrics->Collect();
          for (auto& f : g.families()) families.push_back(std::move(f));
          return ex.send(200, "text/plain; version=0.0.4; charset=utf-8",
                         prometheus::TextSerializer().Serialize(families));
        });
      });
}

}  // namespace

std::vector<route> metrics_routes() {
  return {{kj::HttpMethod::GET, "/metrics", false, false, metrics}};
}

}  // namespace troupe::http
