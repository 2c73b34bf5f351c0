// The numbers behind `troupe stats` and GET /metrics, per model and overall.
//
// Fed with one job_summary per job event and one step_stats per engine step. Everything that
// counts lives in prometheus-cpp families of the registry given at construction (the head's one
// registry, which /metrics serializes): counters by model (and node and device for per-step
// numbers) and latency histograms in seconds. The JSON document of `troupe stats` (docs/
// metrics.md) is a view over the same counters, plus percentiles from prometheus-cpp summaries
// (CKMS quantiles over the node's lifetime, within 0.1-1% of rank). Rates are taken over the busy
// window, from the first accepted job to the latest finished one.
//
// Not thread-safe as a whole: one owner (the metrics actor) records and renders. The prometheus
// families themselves may be collected from any thread at any time.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include <nlohmann/json_fwd.hpp>

#include "actors/types.hpp"

namespace troupe {

class metrics_registry {
 public:
  explicit metrics_registry(
      std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>());

  void record(const job_summary& s);
  void record(const step_stats& s);

  nlohmann::json to_json() const;
  // {"overall": {...}, "models": {"<name>": {...}}}; see docs/metrics.md.

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  using counters = prometheus::Family<prometheus::Counter>;
  using histograms = prometheus::Family<prometheus::Histogram>;

  class latency {  // percentiles and the largest value, in microseconds
   public:
    latency();
    void record(double us);
    nlohmann::json to_json() const;  // {count, p50, p95, p99, mean, max} in ms

   private:
    prometheus::Summary summary_;
    double max_ = 0;
  };

  struct series {  // what the counters do not hold
    int64_t first_accept_us = 0, last_finish_us = 0;
    uint64_t batch_max = 0;
    latency latency_us, ttft_us, queue_wait_us, step_host_us, step_engine_us;
  };

  struct model_metrics {  // a model's series, found once
    prometheus::Counter *accepted, *cancelled, *requeued, *prompt_tokens, *generation_tokens;
    prometheus::Histogram *ttft, *tpot, *e2e, *queue_time;
  };
  struct device_metrics {  // a batcher's (model, node, device) series, found once
    prometheus::Counter *failures, *steps, *sequences, *slots, *tokens, *prefix_queries,
        *prefix_hits;
    prometheus::Histogram* time;
  };
  model_metrics& model_series(const std::string& model);
  device_metrics& device_series(const step_stats& s);

  void add(series& s, const job_summary& j);
  void add(series& s, const step_stats& st);
  nlohmann::json render(const series& s, const std::string* model) const;
  // `model` null: every model together.

  std::shared_ptr<prometheus::Registry> registry_;
  counters& accepted_;
  counters& success_;   // by finish_reason
  counters& rejected_;  // by reason (the error code)
  counters& failed_;    // by reason
  counters& cancelled_;
  counters& requeued_;
  counters& prompt_tokens_;
  counters& generation_tokens_;
  counters& step_failures_;  // by model, node and device, as the rest of the step counters
  counters& steps_;
  counters& step_sequences_;
  counters& step_slots_;
  counters& step_tokens_;
  counters& prefix_queries_;
  counters& prefix_hits_;
  histograms& ttft_;
  histograms& tpot_;
  histograms& e2e_;
  histograms& queue_time_;
  histograms& step_time_;

  series overall_;
  std::map<std::string, series> models_;
  std::map<std::string, model_metrics> model_metrics_;
  std::unordered_map<batcher_id, device_metrics> device_metrics_;  // a batcher's labels are fixed
};

}  // namespace troupe
