// The metrics document under load: percentiles ordered, rates consistent with a stopwatch,
// counters that add up.
#include <gtest/gtest.h>

#include "tests/support/core_harness.hpp"

namespace troupe::testing {
namespace {

TEST(Metrics, PercentilesAreOrderedAndRatesMatchAStopwatch) {
  test_engine_options slow;
  slow.per_step_delay = std::chrono::microseconds(300);
  core_harness h(core_config(8, 128, 8), slow);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(h.submit(make_job("Request " + std::to_string(i), 5 + i % 20)).st.ok());
  ASSERT_TRUE(h.log().wait_terminals(50));
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto m = h.stats()["models"]["test"];
  for (auto key : {"latency_ms", "time_to_first_token_ms", "queue_wait_ms"}) {
    auto p = m[key];
    EXPECT_EQ(p["count"], 50) << key;
    EXPECT_LE(p["p50"].get<double>(), p["p95"].get<double>()) << key;
    EXPECT_LE(p["p95"].get<double>(), p["p99"].get<double>()) << key;
    EXPECT_LE(p["p99"].get<double>(), p["max"].get<double>() + 1e-9) << key;
  }
  EXPECT_GT(m["latency_ms"]["p50"].get<double>(), 0.0);
  EXPECT_GT(m["latency_ms"]["p99"].get<double>(), m["latency_ms"]["p50"].get<double>());
  // The busy window is inside the stopwatch's, so the rate is at least the stopwatch rate, and
  // close to it (the window only misses the first submit's round trip and the last delivery).
  double rate = m["requests_per_s"].get<double>();
  EXPECT_GE(rate, 50 / elapsed * 0.99);
  EXPECT_LE(rate, 50 / elapsed * 1.5);
  EXPECT_EQ(m["requests"]["processed"], 50);
  EXPECT_EQ(m["requests"]["in_flight"], 0);
  EXPECT_GT(m["generated_tokens_per_s"].get<double>(), 0.0);
  EXPECT_GT(h.stats()["uptime_s"].get<double>(), 0.0);
}

}  // namespace
}  // namespace troupe::testing
