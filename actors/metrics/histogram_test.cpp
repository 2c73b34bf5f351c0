#include "actors/metrics/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace troupe {
namespace {

TEST(Histogram, EmptyIsZero) {
  histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(Histogram, SmallValuesAreExact) {
  histogram h;
  for (int v = 1; v <= 50; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 25);
  EXPECT_EQ(h.percentile(1.0), 50);
  EXPECT_EQ(h.min(), 1);
  EXPECT_DOUBLE_EQ(h.mean(), 25.5);
}

TEST(Histogram, PercentilesWithinThreePercentAndOrdered) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(9.0, 1.5);  // ~8 ms median, long tail
  std::vector<int64_t> values;
  histogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<int64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.95, 0.99, 0.999}) {
    auto exact = values[static_cast<size_t>(q * values.size()) - 1];
    auto approx = h.percentile(q);
    EXPECT_NEAR(double(approx), double(exact), 0.035 * double(exact) + 1) << "q=" << q;
  }
  EXPECT_LE(h.percentile(0.5), h.percentile(0.95));
  EXPECT_LE(h.percentile(0.95), h.percentile(0.99));
  EXPECT_LE(h.percentile(0.99), h.max());
}

TEST(Histogram, HugeAndNegativeValuesAreClamped) {
  histogram h;
  h.record(-5);
  h.record(int64_t{1} << 62);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.percentile(1.0), int64_t{1} << 62);
}

}  // namespace
}  // namespace troupe
