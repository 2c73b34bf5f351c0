#include "node/http/throughput_history.hpp"

#include <gtest/gtest.h>

namespace troupe::http {
namespace {

TEST(ThroughputHistory, RateIsGrowthOverTheInterval) {
  throughput_history h(300, 1'000);
  h.record(1'000, {{"a/1", 100}, {"b/2", 50}});
  EXPECT_TRUE(h.points().empty());  // one sample is not an interval
  h.record(3'000, {{"a/1", 140}, {"b/2", 70}});
  ASSERT_EQ(h.points().size(), 1u);
  EXPECT_EQ(h.points()[0].at_ms, 3'000);
  EXPECT_DOUBLE_EQ(h.points()[0].tokens_per_s, 30.0);  // 60 tokens in 2 s
  h.record(4'000, {{"a/1", 140}, {"b/2", 70}});
  EXPECT_DOUBLE_EQ(h.points()[1].tokens_per_s, 0.0);
}

TEST(ThroughputHistory, NewAndRestartedBatchersAddNothingUntilTheyGrow) {
  throughput_history h(300, 1'000);
  h.record(0, {{"a/1", 1000}});
  h.record(1'000, {{"a/1", 10}, {"c/3", 5000}});  // a restarted, c joined with old tokens
  EXPECT_DOUBLE_EQ(h.points().back().tokens_per_s, 0.0);
  h.record(2'000, {{"a/1", 30}, {"c/3", 5010}});
  EXPECT_DOUBLE_EQ(h.points().back().tokens_per_s, 30.0);
  h.record(3'000, {{"c/3", 5020}});  // a left
  EXPECT_DOUBLE_EQ(h.points().back().tokens_per_s, 10.0);
}

TEST(ThroughputHistory, KeepsTheNewestPointsAndIgnoresTimeGoingBack) {
  throughput_history h(3, 1'000);
  for (int i = 0; i <= 5; ++i) h.record(i * 1'000, {{"a", uint64_t(i * i)}});
  auto p = h.points();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.front().at_ms, 3'000);
  EXPECT_DOUBLE_EQ(p.back().tokens_per_s, 9.0);  // 25 - 16
  h.record(5'000, {{"a", 1000}});
  h.record(4'000, {{"a", 2000}});
  EXPECT_EQ(h.points().size(), 3u);
  h.record(6'000, {{"a", 36}});
  EXPECT_DOUBLE_EQ(h.points().back().tokens_per_s, 11.0);
  EXPECT_EQ(h.span_ms(), 3'000);
}

}  // namespace
}  // namespace troupe::http
