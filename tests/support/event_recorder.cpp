#include "tests/support/event_recorder.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe::testing {

void event_log::chunk(const token_chunk& c) {
  std::unique_lock<std::mutex> lock(mutex_);

  auto& o = jobs_[c.job];
  if (o.terminals > 0) o.chunk_after_terminal = true;
  if (c.first_index != o.tokens.size()) o.index_gap = true;
  if (o.first_chunk_seq == 0) o.first_chunk_seq = ++seq_;
  o.tokens.insert(o.tokens.end(), c.tokens.begin(), c.tokens.end());
  o.text += c.text;
  cv_.notify_all();
}

void event_log::terminal(job_id job, const std::function<void(job_outcome&)>& record) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& o = jobs_[job];
    record(o);
    o.terminal_seq = ++seq_;
    if (o.terminals++ == 0) ++terminals_;
  }
  cv_.notify_all();
}

void event_log::done(const job_result& r) {
  terminal(r.job, [&](job_outcome& o) {
    o.done = true;
    o.result = r;
  });
}

void event_log::error(const job_error& e) {
  terminal(e.job, [&](job_outcome& o) {
    o.failed = true;
    o.error = e;
  });
}

bool event_log::wait_terminals(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return terminals_ >= n; });
}

bool event_log::wait_for(const std::function<bool(const std::map<job_id, job_outcome>&)>& pred,
                         std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return pred(jobs_); });
}

std::map<job_id, job_outcome> event_log::outcomes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_;
}

job_outcome event_log::outcome(job_id job) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = jobs_.find(job);
  return it == jobs_.end() ? job_outcome{} : it->second;
}

size_t event_log::terminals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return terminals_;
}

job_sink_actor spawn_recorder(caf::actor_system& sys, std::shared_ptr<event_log> log) {
  return sys.spawn([log]() -> job_sink_actor::behavior_type {
    return {
        [log](const token_chunk& c) { log->chunk(c); },
        [log](const job_result& r) { log->done(r); },
        [log](const job_error& e) { log->error(e); },
    };
  });
}

}  // namespace troupe::testing
