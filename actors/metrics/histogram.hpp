// A fixed-size log-linear histogram of non-negative integers (latencies in microseconds).
//
// Values below 64 are counted exactly; above, each power of two is split into 32 buckets, so a
// reported percentile is within ~3% of the true value, in constant memory (~15 KiB) however many
// values are recorded. Percentiles are monotone: p50 <= p95 <= p99 always holds.
#pragma once

#include <array>
#include <cstdint>

namespace troupe {

class histogram {
 public:
  void record(int64_t value);
  uint64_t count() const { return count_; }
  int64_t min() const { return count_ ? min_ : 0; }
  int64_t max() const { return count_ ? max_ : 0; }
  double mean() const { return count_ ? double(sum_) / double(count_) : 0.0; }
  int64_t percentile(double q) const;
  // The value below which a fraction q (0..1) of the recorded values lie; 0 when empty.

 private:
  static constexpr int sub_bits = 5;
  static constexpr int exact = 64;
  static constexpr int buckets = exact + (63 - 6) * (1 << sub_bits);
  static int bucket_of(uint64_t v);
  static int64_t value_of(int bucket);  // the middle of the bucket's range

  std::array<uint64_t, buckets> counts_{};
  uint64_t count_ = 0;
  int64_t sum_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
};

}  // namespace troupe
