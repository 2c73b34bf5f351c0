#include "actors/scheduler/job_queue.hpp"

#include <algorithm>

namespace troupe {

job_queue::job_queue(clock::duration aging_step) : aging_step_(aging_step) {}

int job_queue::effective_level(priority prio, clock::duration waited, clock::duration aging_step) {
  int level = static_cast<int>(prio);
  if (aging_step.count() > 0 && waited.count() > 0) {
    auto steps = waited / aging_step;
    level += static_cast<int>(std::min<decltype(steps)>(steps, 2));
  }
  return std::min(level, static_cast<int>(priority::high));
}

void job_queue::push(job_id job, priority prio, clock::time_point enqueued) {
  auto lane = static_cast<uint8_t>(prio);
  auto seq = next_seq_++;
  lanes_[lane].push_back(entry{job, enqueued, seq});
  ++live_[lane];
  index_[job] = location{lane, seq};
}

void job_queue::push_front(job_id job, priority prio, clock::time_point enqueued) {
  auto lane = static_cast<uint8_t>(prio);
  auto seq = --front_seq_;
  lanes_[lane].push_front(entry{job, enqueued, seq});
  ++live_[lane];
  index_[job] = location{lane, seq};
}

bool job_queue::erase(job_id job) {
  auto i = index_.find(job);
  if (i == index_.end()) return false;
  --live_[i->second.lane];
  index_.erase(i);
  return true;
}

void job_queue::drop_dead_heads(std::deque<entry>& lane) {
  while (!lane.empty()) {
    auto i = index_.find(lane.front().job);
    if (i != index_.end() && i->second.seq == lane.front().seq) return;
    lane.pop_front();
  }
}

int job_queue::best_lane(clock::time_point now) {
  int best = -1;
  int best_level = -1;
  for (int lane = 0; lane < 3; ++lane) {
    drop_dead_heads(lanes_[lane]);
    if (lanes_[lane].empty()) continue;
    const auto& head = lanes_[lane].front();
    int level = effective_level(static_cast<priority>(lane), now - head.enqueued, aging_step_);
    if (best < 0 || level > best_level) {
      best = lane;
      best_level = level;
      continue;
    }
    if (level < best_level) continue;
    const auto& cur = lanes_[best].front();
    if (head.enqueued < cur.enqueued || (head.enqueued == cur.enqueued && head.seq < cur.seq))
      best = lane;
  }
  return best;
}

std::optional<job_id> job_queue::peek(clock::time_point now) {
  auto best = best_lane(now);
  if (best < 0) return std::nullopt;
  return lanes_[best].front().job;
}

std::optional<job_id> job_queue::pop(clock::time_point now) {
  auto best = best_lane(now);
  if (best < 0) return std::nullopt;
  auto job = lanes_[best].front().job;
  lanes_[best].pop_front();
  --live_[best];
  index_.erase(job);
  return job;
}

uint32_t job_queue::position(job_id job) const {
  auto i = index_.find(job);
  if (i == index_.end()) return 0;
  auto lane = i->second.lane;
  size_t ahead = 0;
  for (int higher = lane + 1; higher < 3; ++higher) ahead += live_[higher];
  // The lane is sorted by arrival number: binary search gives the entries ahead of the job
  // (tombstones included, hence the estimate).
  const auto& q = lanes_[lane];
  auto it = std::lower_bound(q.begin(), q.end(), i->second.seq,
                             [](const entry& e, uint64_t seq) { return e.seq < seq; });
  ahead += static_cast<size_t>(it - q.begin());
  return static_cast<uint32_t>(ahead);
}

}  // namespace troupe
