// The scheduler actor: the job queue and lifecycle (queued -> running -> done | failed |
// cancelled), dispatch of queued jobs to batchers through the capacity actor, and fan-out of each
// job's output to its sinks.
//
// Dispatch keeps at most one acquire per model outstanding at the capacity actor: the job at the
// head of the model's queue (job_queue.hpp: priorities with aging, FIFO within a level) waits for
// units there, and the next one is popped only when it got them, so queue order is run order.
#pragma once

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/scheduler/submit_validation.hpp"
#include "gpu/text/tokenizer.hpp"
#include "persistence/job_store.hpp"

namespace troupe {

struct scheduler_model {
  std::string name;
  std::shared_ptr<const tokenizer> tok;
  uint32_t max_seq_len = 2048;
  uint32_t kv_block_tokens = 16;
};

struct scheduler_setup {
  std::string node;  // the node the scheduler runs on
  std::vector<scheduler_model> models;
  capacity_actor capacity;
  metrics_actor metrics;
  std::chrono::milliseconds aging{10000};  // promotion interval; 0 disables aging
  uint32_t finished_retention = 10000;     // finished jobs kept for status/attach
  uint64_t max_prompt_bytes = 1 << 20;
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
  // The clock aging is measured with (tests substitute a manual one).

  std::shared_ptr<job_store> store;
  // Where jobs are made durable. With a store, a submit is answered only once the job is in the
  // store's fsynced WAL, progress is checkpointed every `checkpoint_tokens`, terminal states are
  // persisted before sinks hear of them, and queued or running jobs survive a restart. Without
  // one (tests of the core), jobs live in memory only.
  recovered_state recovered;  // what store->recover() found: resumed at start
  uint32_t checkpoint_tokens = 16;
  std::chrono::milliseconds sweep_interval{60000};  // retention sweep of finished jobs
};

scheduler_actor spawn_scheduler(caf::actor_system& sys, scheduler_setup setup);

}  // namespace troupe
