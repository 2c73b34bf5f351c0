// The cluster's generation rate over the last minutes, for the status page's chart: samples of
// every batcher's cumulative generated-token counter, turned into tokens per second between
// consecutive samples. Plain C++, no clock of its own: the caller passes the time of each sample.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace troupe::http {

struct throughput_point {
  int64_t at_ms = 0;        // when the sample was taken (Unix time, milliseconds)
  double tokens_per_s = 0;  // generated over the interval that ends here, whole cluster
};

class throughput_history {
 public:
  throughput_history(size_t capacity, int64_t interval_ms)
      : capacity_(capacity), interval_ms_(interval_ms) {}
  // Keeps `capacity` points, sampled every `interval_ms` by the caller.

  int64_t interval_ms() const { return interval_ms_; }
  int64_t span_ms() const {
    return int64_t(capacity_) * interval_ms_;
  }  // what a full history covers

  void record(int64_t at_ms, const std::map<std::string, uint64_t>& counters);
  // `counters`: every batcher's cumulative generated tokens, keyed by a name unique to it (its
  // node and id). The rate counts only what grew since the previous sample: a batcher that
  // appears counts from its second sample on (its tokens may predate the first), one that left or
  // restarted (its counter went back) adds nothing for that interval. A sample no later than the
  // previous one is ignored. The oldest points beyond `capacity` are dropped.

  std::vector<throughput_point> points() const { return {points_.begin(), points_.end()}; }
  // Oldest first.

 private:
  size_t capacity_;
  int64_t interval_ms_;
  std::deque<throughput_point> points_;
  std::map<std::string, uint64_t> last_;
  int64_t last_at_ms_ = 0;
  bool primed_ = false;
};

}  // namespace troupe::http
