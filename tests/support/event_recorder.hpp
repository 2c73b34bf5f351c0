// Records what job sinks receive, for assertions in tests: every event gets a global sequence
// number, so tests can assert orderings (who finished first) from the record instead of timing.
#pragma once

#include <caf/fwd.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "actors/interfaces.hpp"

namespace troupe::testing {

struct job_outcome {
  std::vector<token_id> tokens;  // from chunks
  std::string text;              // from chunks
  bool done = false;             // a job_result arrived
  bool failed = false;           // a job_error arrived
  job_result result;
  job_error error;
  uint64_t terminal_seq = 0;  // sequence number of the terminal event
  uint64_t first_chunk_seq = 0;
  size_t terminals = 0;  // must end up exactly 1
  bool chunk_after_terminal = false;
  bool index_gap = false;  // a chunk did not start where the previous one ended
};

class event_log {
 public:
  void chunk(const token_chunk& c);
  void done(const job_result& r);
  void error(const job_error& e);

  bool wait_terminals(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(120));
  // Waits until n jobs (in total) got their terminal event.

  bool wait_for(const std::function<bool(const std::map<job_id, job_outcome>&)>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(120));
  // Waits until `pred` holds for the outcomes recorded so far.

  std::map<job_id, job_outcome> outcomes() const;
  job_outcome outcome(job_id job) const;
  size_t terminals() const;

 private:
  void terminal(job_id job, const std::function<void(job_outcome&)>& record);

  mutable std::mutex mutex_;

  std::condition_variable cv_;
  std::map<job_id, job_outcome> jobs_;
  uint64_t seq_ = 0;
  size_t terminals_ = 0;
};

job_sink_actor spawn_recorder(caf::actor_system& sys, std::shared_ptr<event_log> log);

}  // namespace troupe::testing
