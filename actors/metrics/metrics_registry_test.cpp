#include "actors/metrics/metrics_registry.hpp"

#include <gtest/gtest.h>

#include <prometheus/registry.h>
#include <nlohmann/json.hpp>

namespace troupe {
namespace {

job_summary finished(const std::string& model, job_event e, int64_t submit, int64_t start,
                     int64_t first, int64_t end, uint32_t tokens, errc code = errc::ok) {
  return job_summary{model, e, code, 5, tokens, job_timings{submit, start, first, end}};
}

TEST(MetricsRegistry, CountsRatesAndPercentilesPerModelAndOverall) {
  metrics_registry m;
  const int64_t s = 1'000'000'000;
  for (int i = 0; i < 10; ++i) {
    m.record(job_summary{"a", job_event::accepted, errc::ok, 0, 0, {s + i * 1000, 0, 0, 0}});
  }
  for (int i = 0; i < 8; ++i)
    m.record(finished("a", job_event::done, s + i * 1000, s + i * 1000 + 100, s + i * 1000 + 500,
                      s + 1'000'000, 20));
  m.record(finished("a", job_event::failed, s, s, 0, s + 10, 0, errc::internal));
  m.record(finished("a", job_event::cancelled, s, 0, 0, s + 10, 0));
  m.record(job_summary{"b", job_event::rejected, errc::queue_full, 0, 0, {}});
  auto j = m.to_json();
  auto a = j["models"]["a"];
  EXPECT_EQ(a["requests"]["accepted"], 10);
  EXPECT_EQ(a["requests"]["processed"], 8);
  EXPECT_EQ(a["requests"]["failed"], 1);
  EXPECT_EQ(a["requests"]["cancelled"], 1);
  EXPECT_EQ(a["requests"]["in_flight"], 0);
  EXPECT_EQ(a["errors"]["internal"], 1);
  EXPECT_EQ(a["generated_tokens"], 160);
  EXPECT_NEAR(a["requests_per_s"].get<double>(), 8.0, 0.01);  // 8 done over 1 s
  EXPECT_GT(a["latency_ms"]["p50"].get<double>(), 990.0);
  EXPECT_NEAR(a["time_to_first_token_ms"]["p50"].get<double>(), 0.5, 0.02);
  EXPECT_NEAR(a["queue_wait_ms"]["p99"].get<double>(), 0.1, 0.01);
  EXPECT_EQ(j["models"]["b"]["requests"]["rejected"], 1);
  EXPECT_EQ(j["models"]["b"]["errors"]["queue_full"], 1);
  EXPECT_EQ(j["overall"]["requests"]["rejected"], 1);
  EXPECT_EQ(j["overall"]["requests"]["processed"], 8);
}

TEST(MetricsRegistry, BatchStatistics) {
  metrics_registry m;
  for (uint32_t size : {8u, 8u, 6u, 2u})
    m.record(step_stats{"a", 1, "n", "d", 0, size, 8, size, size, 40, 1000, false, 8, 4});
  m.record(step_stats{"a", 1, "n", "d", 0, 8, 8, 8, 0, 10, 0, true, 0, 0});
  auto b = m.to_json()["models"]["a"]["batch"];
  EXPECT_EQ(b["steps"], 4);
  EXPECT_EQ(b["max_size"], 8);
  EXPECT_DOUBLE_EQ(b["avg_size"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(b["utilization"].get<double>(), 0.75);
  EXPECT_EQ(m.to_json()["models"]["a"]["errors"]["engine_step"], 1);
  EXPECT_EQ(m.to_json()["models"]["a"]["prefix_cache"]["queried_tokens"], 32);
  EXPECT_EQ(m.to_json()["models"]["a"]["prefix_cache"]["hit_tokens"], 16);
}

// The same numbers, as Prometheus families of the registry /metrics serves.
TEST(MetricsRegistry, FeedsThePrometheusRegistry) {
  auto registry = std::make_shared<prometheus::Registry>();
  metrics_registry m(registry);
  const int64_t s = 1'000'000'000;
  m.record(job_summary{"a", job_event::accepted, errc::ok, 0, 0, {s, 0, 0, 0}});
  m.record(job_summary{"a",
                       job_event::done,
                       errc::ok,
                       7,
                       3,
                       {s, s + 1000, s + 2000, s + 4000},
                       finish_reason::stop});
  m.record(job_summary{"a", job_event::rejected, errc::queue_full, 0, 0, {}});
  m.record(job_summary{"a", job_event::requeued, errc::ok, 0, 0, {}});
  m.record(step_stats{"a", 1, "n", "d", 0, 2, 8, 10, 2, 40, 1000, false, 6, 4});
  std::map<std::string, double> values;
  std::map<std::string, std::string> labels;
  for (const auto& f : registry->Collect()) {
    for (const auto& metric : f.metric) {
      double v = metric.counter.value + double(metric.histogram.sample_count);
      values[f.name] += v;
      if (v == 0) continue;  // series that exist from a model's first event on, at 0
      for (const auto& l : metric.label) labels[f.name] += l.name + "=" + l.value + ",";
    }
  }
  EXPECT_EQ(values["troupe_requests_accepted_total"], 1);
  EXPECT_EQ(values["troupe_request_success_total"], 1);
  EXPECT_EQ(labels["troupe_request_success_total"], "finish_reason=stop,model=a,");
  EXPECT_EQ(values["troupe_requests_rejected_total"], 1);
  EXPECT_EQ(labels["troupe_requests_rejected_total"], "model=a,reason=queue_full,");
  EXPECT_EQ(values["troupe_requests_requeued_total"], 1);
  EXPECT_EQ(values["troupe_prompt_tokens_total"], 7);
  EXPECT_EQ(values["troupe_generation_tokens_total"], 3);
  EXPECT_EQ(values["troupe_time_to_first_token_seconds"], 1);
  EXPECT_EQ(values["troupe_time_per_output_token_seconds"], 1);
  EXPECT_EQ(values["troupe_e2e_request_latency_seconds"], 1);
  EXPECT_EQ(values["troupe_request_queue_time_seconds"], 1);
  EXPECT_EQ(values["troupe_prefix_cache_hits_total"], 4);
  EXPECT_EQ(labels["troupe_prefix_cache_hits_total"], "device=d,device_index=0,model=a,node=n,");
  EXPECT_EQ(m.to_json()["models"]["a"]["requests"]["requeued"], 1);
}

// Two identical GPUs of one node are two series; a model name no model has is not a series.
TEST(MetricsRegistry, DevicesByIndexAndNoSeriesForUnknownModels) {
  auto registry = std::make_shared<prometheus::Registry>();
  metrics_registry m(registry);
  m.record(step_stats{"a", 1, "n", "H100", 0, 2, 8, 10, 2, 40, 1000, false, 0, 0});
  m.record(step_stats{"a", 2, "n", "H100", 1, 2, 8, 10, 2, 40, 1000, false, 0, 0});
  for (int i = 0; i < 50; ++i)
    m.record(job_summary{"", job_event::rejected, errc::unknown_model, 0, 0, {}});
  size_t step_series = 0, rejected_series = 0;
  for (const auto& f : registry->Collect()) {
    if (f.name == "troupe_engine_steps_total") step_series = f.metric.size();
    if (f.name == "troupe_requests_rejected_total")
      for (const auto& metric : f.metric)
        for (const auto& l : metric.label)
          if (l.name == "reason" && l.value == "unknown_model") ++rejected_series;
  }
  EXPECT_EQ(step_series, 2u);
  EXPECT_EQ(rejected_series, 1u);
  auto j = m.to_json();
  EXPECT_EQ(j["overall"]["requests"]["rejected"], 50);
  EXPECT_EQ(j["models"].size(), 1u);                                // "a" only
  EXPECT_FALSE(j["models"]["a"]["errors"].contains("queue_full"));  // no zero entries
}

}  // namespace
}  // namespace troupe
