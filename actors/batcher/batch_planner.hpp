// Continuous batching for one engine: which tokens of which sequences go into the next step, and
// what the engine's answer means for each job.
//
// Every step takes one decode token from each sequence that is generating, then fills the rest of
// the token budget (max_step_tokens) with prefill chunks of new sequences in arrival order, so a
// long prompt is prefilled over several steps without stalling the others. A sequence leaves the
// batch in the step it finishes (end of generation, max_tokens, a stop string, max_seq_len, or
// cancellation) and new sequences join whenever they arrive.
//
// Failed steps are bisected: a failed batch of several sequences is retried as two halves, so a
// sequence that makes the engine fail is isolated in log2(batch) steps while the others go on; a
// sequence failing on its own is retried up to max_step_retries times, then fails with `internal`.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/batcher/stop_matcher.hpp"
#include "actors/types.hpp"
#include "gpu/text/detokenizer.hpp"

namespace troupe {

class batch_planner {
 public:
  batch_planner(batcher_limits limits, std::shared_ptr<const tokenizer> tok);

  status add(sequence_job job);
  // A job joins. Errors: invalid_argument (duplicate, batch full, bad budget), prompt_too_long.

  std::optional<job_finish> cancel(job_id job);
  // Removes the job at once; returns its (cancelled) finish, nullopt when it is not here.

  step_input compose();
  // The next step; empty when there is nothing to compute.

  step_report apply(const step_input& input, const step_output& output);
  // Applies the engine's output for `input` (the last composed step): new tokens and text per job,
  // and the jobs that finished.

  step_report fail(const step_input& input, const std::string& what);
  // The engine failed `input`: schedules the bisected retry; returns jobs that failed for good.

  std::vector<uint64_t> clear();
  // Drops every sequence (the scheduler gave them to others); returns their ids.

  std::vector<uint64_t> take_released();
  // Sequences that left since the last call: their KV blocks should be freed in the engine.

  size_t size() const { return seqs_.size(); }
  bool empty() const { return seqs_.empty(); }
  const batcher_limits& limits() const { return limits_; }

 private:
  struct sequence {
    sequence_job job;
    std::vector<token_id> tokens;  // prompt followed by generated tokens
    uint32_t prompt_len = 0;
    uint32_t cached = 0;  // tokens whose KV the engine holds
    uint32_t generated = 0;
    uint32_t failures = 0;  // failed steps in isolation
    uint64_t arrival = 0;
    detokenizer detok;
    stop_matcher stop;
  };

  void finish(sequence& s, finish_reason reason, step_report& report, job_progress* progress);
  job_progress& progress_of(step_report& report, job_id job);
  void remove(job_id job);

  batcher_limits limits_;
  std::shared_ptr<const tokenizer> tok_;
  std::map<job_id, sequence> seqs_;
  std::vector<job_id> arrival_order_;        // ids in arrival order (removed lazily)
  std::deque<std::vector<job_id>> retries_;  // subsets to run alone after a failure
  std::vector<uint64_t> released_;
  uint64_t next_arrival_ = 0;
};

}  // namespace troupe
