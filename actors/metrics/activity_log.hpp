// The activity log: one JSON line per finished job (done, failed or cancelled) in
// <data_dir>/activity.log on the head, rotated by size (spdlog's rotating sink: activity.log,
// activity.1.log, ...). Fields (docs/metrics.md):
//   {"time":"2026-12-02T05:30:00.123Z","id":17,"model":"m","node":"w1","device":"llvmpipe",
//    "state":"done","finish_reason":"eos","error":null,"prompt_tokens":12,
//    "generated_tokens":40,"queue_wait_ms":1.2,"ttft_ms":8.9,"duration_ms":120.4,
//    "client_request_id":"abc","client":"10.0.0.7:51234"}
// Times are from the job's own timings (submit to start, submit to first token, submit to end);
// a phase the job never reached is null. Plain data in, no CAF.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/types.hpp"

namespace spdlog {
class logger;
}

namespace troupe {

struct activity_log_options {
  uint64_t max_file_bytes = 64ull << 20;  // rotate past this
  size_t max_files = 5;                   // rotated files kept besides the current one
};

class activity_log {
 public:
  explicit activity_log(const std::string& path, activity_log_options options = {});
  // Opens (creating) the file; throws std::runtime_error naming it when it cannot.
  ~activity_log();

  void record(const job_summary& s);  // terminal events are written (and flushed); others ignored
  // A line that cannot be written (a full disk) is dropped and counted, and the first drop is
  // logged as a warning; the node goes on.

  uint64_t dropped() const { return dropped_->load(); }

  static std::string line(const job_summary& s);  // the JSON line, without the newline

 private:
  std::shared_ptr<std::atomic<uint64_t>> dropped_ = std::make_shared<std::atomic<uint64_t>>(0);
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace troupe
