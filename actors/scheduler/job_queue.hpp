// The waiting jobs of one model, in the order they should run.
//
// Three FIFO lanes (high, normal, low). A waiting job is promoted one level per `aging_step` it
// has waited, up to high, so low-priority work never starves; among jobs at the same effective
// level the one enqueued first runs first. Because every lane is FIFO, its head is its
// longest-waiting (hence most promoted) job, so `pop` only compares three heads: O(1), whatever
// the depth. Removal is lazy (a tombstone skipped when it reaches a head).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include "actors/types.hpp"

namespace troupe {

class job_queue {
 public:
  using clock = std::chrono::steady_clock;

  explicit job_queue(clock::duration aging_step);
  // A zero `aging_step` disables aging (strict priorities).

  void push(job_id job, priority prio, clock::time_point enqueued);
  // Appends to the job's lane. Within a lane, pushes must come in enqueue-time order.

  void push_front(job_id job, priority prio, clock::time_point enqueued);
  // Puts a job back at the head of its lane: one that was already running (older than every job
  // waiting in the lane) returns to the queue after its device was lost.

  bool erase(job_id job);
  // Removes a waiting job (cancellation). False when it is not in the queue.

  std::optional<job_id> pop(clock::time_point now);
  // The job to run next, removed from the queue; nullopt when empty.

  std::optional<job_id> peek(clock::time_point now);
  // The job to run next, left in the queue.

  bool contains(job_id job) const { return index_.count(job) != 0; }
  size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }

  uint32_t position(job_id job) const;
  // Jobs ahead of `job` by base priority and arrival, ignoring aging and jobs removed ahead of it
  // in its lane: an estimate for clients, exact when nothing was cancelled and nothing aged.

  static int effective_level(priority prio, clock::duration waited, clock::duration aging_step);
  // The level (0 low .. 2 high) a job of base priority `prio` has reached after `waited`.

 private:
  struct entry {
    job_id job;
    clock::time_point enqueued;
    uint64_t seq;  // global arrival order: breaks ties between lanes
  };
  struct location {
    uint8_t lane;
    uint64_t seq;
  };

  void drop_dead_heads(std::deque<entry>& lane);
  int best_lane(clock::time_point now);  // -1 when empty

  clock::duration aging_step_;
  std::array<std::deque<entry>, 3> lanes_;  // indexed by priority value
  std::array<size_t, 3> live_{};            // live entries per lane
  std::unordered_map<job_id, location> index_;
  uint64_t next_seq_ = uint64_t{1} << 62;  // arrivals count up from here,
  uint64_t front_seq_ = next_seq_;         // returns to the front count down
};

}  // namespace troupe
