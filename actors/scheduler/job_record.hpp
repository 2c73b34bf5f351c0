// The scheduler's record of one job: its request, where it is in its lifecycle, its output so
// far, and who is listening.
#pragma once

#include <string>
#include <vector>

#include "actors/interfaces.hpp"

namespace troupe {

struct job_record {
  job_id id = 0;
  job_spec spec;
  std::vector<token_id> prompt;
  uint32_t kv_blocks = 0;
  int32_t max_new_tokens = 0;  // max_tokens, cut to fit max_seq_len
  bool length_limited = false;
  job_state state = job_state::queued;
  job_timings timings;
  batcher_id batcher = 0;  // the batcher holding the job; 0 when on no device
  std::string node;        // where it ran
  std::string device;
  std::vector<token_id> generated;
  std::string text;
  finish_reason reason = finish_reason::none;
  status error;
  std::vector<job_sink_actor> sinks;

  job_info info(uint32_t queue_position) const;
  job_result result() const;
};

}  // namespace troupe
