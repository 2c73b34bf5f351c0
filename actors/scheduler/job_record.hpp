// The scheduler's record of one job: the durable part, exactly as the job store keeps it
// (stored_job: request, lifecycle, output so far), plus what only lives while this scheduler
// runs (the batcher holding it, its listeners, how much of its output is checkpointed).
#pragma once

#include <vector>

#include "actors/interfaces.hpp"
#include "persistence/job_store.hpp"

namespace troupe {

struct job_record : stored_job {
  batcher_id batcher = 0;             // holding the job; 0 when on no device
  std::vector<job_sink_actor> sinks;  // streams to notify
  size_t checkpointed = 0;            // generated tokens already in the store
  bool terminal_pending = false;      // terminal state being persisted; sinks told after

  job_info info(uint32_t queue_position) const;
  job_result result() const;
};

job_info info_of(const stored_job& job, uint32_t queue_position);
job_result result_of(const stored_job& job);

}  // namespace troupe
