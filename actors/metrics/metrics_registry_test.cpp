#include "actors/metrics/metrics_registry.hpp"

#include <gtest/gtest.h>

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
    m.record(step_stats{"a", 1, size, 8, size, size, 40, 1000, false});
  m.record(step_stats{"a", 1, 8, 8, 8, 0, 10, 0, true});
  auto b = m.to_json()["models"]["a"]["batch"];
  EXPECT_EQ(b["steps"], 4);
  EXPECT_EQ(b["max_size"], 8);
  EXPECT_DOUBLE_EQ(b["avg_size"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(b["utilization"].get<double>(), 0.75);
  EXPECT_EQ(m.to_json()["models"]["a"]["errors"]["engine_step"], 1);
}

}  // namespace
}  // namespace troupe
