// The bookkeeping behind the capacity actor: who holds which units.
//
// Units are, per model, active permits (max_active) and waiting slots (max_queued), and per
// device (one batcher), sequence slots (its max_batch_size) and KV-cache blocks. A job is first
// admitted (it takes a waiting slot or is rejected with queue_full), then acquires an active
// permit plus a slot and its KV blocks on one device, then releases everything when it leaves.
// The ledger only decides; parking and waking are the capacity actor's job.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "actors/capacity/prefix_affinity.hpp"
#include "actors/types.hpp"

namespace troupe {

class capacity_ledger {
 public:
  void set_model(const model_limits& limits, uint32_t max_seq_len);
  // Declares a model (or replaces its limits).

  status add_device(const device_capacity& device);
  // A batcher's device joins: its slots and blocks become available to its model.

  status admit(const admit_request& request);
  // Takes a waiting slot for the job. Errors: unknown_model, unavailable (no device serves the
  // model), prompt_too_long (no device's KV cache could ever hold it), queue_full.

  void withdraw(job_id job);
  // An admitted job leaves before running (cancelled): its waiting slot comes back.

  status could_ever_fit(const acquire_request& request) const;
  // prompt_too_long when devices serve the model but none has enough KV blocks in total (a job
  // admitted before a restart, or before devices changed); ok otherwise, also while no device
  // serves the model yet (one may join).

  std::optional<batcher_id> try_acquire(const acquire_request& request);
  // Moves an admitted job to active, if the model has a free permit and some device a free slot
  // and enough blocks: on the device with most free capacity (weighted by speed), unless a device
  // that last ran one of the job's prompt prefixes (the longest such prefix first) can take it
  // with at least `affinity_share` of that best score — there its leading KV blocks are likely
  // cached.

  static constexpr double affinity_share = 0.5;

  void release(job_id job);
  // A job's units come back (it finished, failed or was cancelled). Unknown jobs are ignored.

  void requeue(job_id job);
  // A running job goes back to waiting (its device was lost or handed it back): its permit, slot
  // and blocks come back, its admission stays. Not counted against max_queued.

  void remove_device(batcher_id batcher);
  // A device left (its node was lost or drained): its units disappear. Jobs still active on it
  // keep their permits until they are released or requeued.

  void set_accepting(batcher_id batcher, bool accepting);
  // A draining device takes no new jobs.

  model_limits update_limits(const model_limits& update);
  // Changes max_active / max_queued (a negative value keeps the current one); returns the result.
  // Lower limits never evict: they apply to the next admissions and grants.

  bool has_model(const std::string& model) const { return models_.count(model) != 0; }
  bool holds(job_id job) const { return jobs_.count(job) != 0; }
  std::optional<std::string> model_of(job_id job) const;
  capacity_report report() const;

 private:
  struct model_state {
    model_limits limits;
    uint32_t max_seq_len = 0;
    int32_t active = 0;
    int32_t queued = 0;
    int32_t peak_active = 0;
    int32_t peak_queued = 0;
    int64_t prefix_routed = 0;  // jobs affinity moved off the freest device
    prefix_affinity affinity;   // which device ran which prompt prefix
  };
  struct device_state {
    device_capacity capacity;
    uint32_t slots_used = 0;
    uint32_t blocks_used = 0;
    bool accepting = true;
  };
  struct holding {
    std::string model;
    bool active = false;
    batcher_id batcher = 0;
    uint32_t blocks = 0;
  };

  std::map<std::string, model_state> models_;
  std::map<batcher_id, device_state> devices_;
  std::unordered_map<job_id, holding> jobs_;

  status kv_fit(job_id job, const std::string& model, uint32_t kv_blocks) const;
  // unavailable when no device serves the model, prompt_too_long when none has kv_blocks in all.
  void return_active_units(const holding& h);
  // An active job's permit, slot and blocks come back.
};

uint32_t blocks_for_tokens(uint32_t tokens, uint32_t block_tokens);
// KV blocks needed to hold `tokens` positions.

}  // namespace troupe
