// The numbers behind `troupe stats`: per model and overall.
//
// Fed with one job_summary per job event and one step_stats per engine step; renders the metrics
// JSON document (documented in docs/metrics.md). Rates are taken over the busy window, from the
// first accepted job to the latest finished one.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "actors/metrics/histogram.hpp"
#include "actors/types.hpp"

namespace troupe {

class metrics_registry {
 public:
  void record(const job_summary& s);
  void record(const step_stats& s);

  nlohmann::json to_json() const;
  // {"overall": {...}, "models": {"<name>": {...}}}; see docs/metrics.md.

 private:
  struct series {
    uint64_t accepted = 0, processed = 0, rejected = 0, failed = 0, cancelled = 0;
    std::map<std::string, uint64_t> errors;  // by code, and "engine_step" for failed steps
    uint64_t prompt_tokens = 0, generated_tokens = 0;
    int64_t first_accept_us = 0, last_finish_us = 0;
    histogram latency_us, ttft_us, queue_wait_us;
    uint64_t steps = 0, batch_sum = 0, batch_max = 0, slots_sum = 0, step_tokens = 0;
    histogram step_host_us, step_engine_us;
  };
  static void add(series& s, const job_summary& j);
  static void add(series& s, const step_stats& st);
  static nlohmann::json render(const series& s);

  series overall_;
  std::map<std::string, series> models_;
};

}  // namespace troupe
