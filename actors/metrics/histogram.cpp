#include "actors/metrics/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace troupe {

int histogram::bucket_of(uint64_t v) {
  if (v < exact) return static_cast<int>(v);
  int e = std::bit_width(v) - 1;  // 6..63
  int sub = static_cast<int>((v >> (e - sub_bits)) & ((1 << sub_bits) - 1));
  return std::min(exact + (e - 6) * (1 << sub_bits) + sub, buckets - 1);
}

int64_t histogram::value_of(int bucket) {
  if (bucket < exact) return bucket;
  int e = (bucket - exact) / (1 << sub_bits) + 6;
  int sub = (bucket - exact) % (1 << sub_bits);
  uint64_t lo = (uint64_t{1} << e) + (uint64_t(sub) << (e - sub_bits));
  uint64_t width = uint64_t{1} << (e - sub_bits);
  return static_cast<int64_t>(lo + width / 2);
}

void histogram::record(int64_t value) {
  value = std::max<int64_t>(value, 0);
  ++counts_[bucket_of(static_cast<uint64_t>(value))];
  if (count_ == 0 || value < min_) min_ = value;
  if (count_ == 0 || value > max_) max_ = value;
  ++count_;
  sum_ += value;
}

int64_t histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * double(count_))));
  uint64_t seen = 0;
  for (int b = 0; b < buckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) return std::clamp(value_of(b), min_, max_);
  }
  return max_;
}

}  // namespace troupe
