// Small helpers shared by the API test files.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/test_engine.hpp"
#include "tools/troupe/client.hpp"

namespace troupe::testing {

inline cli::job_request request(const std::string& prompt, int max_tokens) {
  cli::job_request r;
  r.model = "test";
  r.prompt = prompt;
  r.max_tokens = max_tokens;
  return r;
}

inline test_engine_options slow(std::chrono::microseconds per_step) {
  test_engine_options o;
  o.per_step_delay = per_step;
  return o;
}

template <class Pred>
bool wait_status(cli::client& c, uint64_t job, Pred pred,
                 std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto [st, info] = c.status(job);
    if (st.ok() && pred(info)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}
// Polls a job's status until `pred` holds; false on timeout.

inline bool wait_state(cli::client& c, uint64_t job, api::JobState state) {
  return wait_status(c, job, [state](const cli::job_status_info& i) { return i.state == state; });
}

}  // namespace troupe::testing
