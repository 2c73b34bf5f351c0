#include "node/http/throughput_history.hpp"

namespace troupe::http {

void throughput_history::record(int64_t at_ms, const std::map<std::string, uint64_t>& counters) {
  if (primed_ && at_ms <= last_at_ms_) return;
  if (primed_) {
    uint64_t grown = 0;
    for (const auto& [key, value] : counters) {
      auto before = last_.find(key);
      if (before != last_.end() && value > before->second) grown += value - before->second;
    }
    const double seconds = double(at_ms - last_at_ms_) / 1000.0;
    points_.push_back({at_ms, double(grown) / seconds});
    while (points_.size() > capacity_) points_.pop_front();
  }
  last_ = counters;
  last_at_ms_ = at_ms;
  primed_ = true;
}

}  // namespace troupe::http
