// Questions tests ask of a test engine's step record.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "tests/support/test_engine.hpp"

namespace troupe::testing {

inline bool step_has(const recorded_step& s, uint64_t seq) {
  return std::any_of(s.seqs.begin(), s.seqs.end(), [&](auto& x) { return x.seq == seq; });
}

// Index of the first / last recorded step containing `seq` (-1 when none).
inline long first_step(const std::vector<recorded_step>& steps, uint64_t seq) {
  for (size_t i = 0; i < steps.size(); ++i)
    if (step_has(steps[i], seq)) return static_cast<long>(i);
  return -1;
}

inline long last_step(const std::vector<recorded_step>& steps, uint64_t seq) {
  for (size_t i = steps.size(); i-- > 0;)
    if (step_has(steps[i], seq)) return static_cast<long>(i);
  return -1;
}

// Polls `pred` until it holds (for state that another actor updates asynchronously, such as the
// capacity ledger after a release). Returns false on timeout.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

}  // namespace troupe::testing
