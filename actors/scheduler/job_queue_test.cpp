#include "actors/scheduler/job_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace troupe {
namespace {

using namespace std::chrono_literals;
using tp = job_queue::clock::time_point;

std::vector<job_id> drain(job_queue& q, tp now) {
  std::vector<job_id> out;
  while (auto j = q.pop(now)) out.push_back(*j);
  return out;
}

TEST(JobQueue, FifoWithinPriority) {
  job_queue q(0s);
  tp t0{};
  for (job_id j = 1; j <= 5; ++j) q.push(j, priority::normal, t0 + std::chrono::seconds(j));
  EXPECT_EQ(drain(q, t0 + 10s), (std::vector<job_id>{1, 2, 3, 4, 5}));
}

TEST(JobQueue, HigherPriorityFirstWithoutAging) {
  job_queue q(0s);
  tp t0{};
  q.push(1, priority::low, t0);
  q.push(2, priority::normal, t0 + 1s);
  q.push(3, priority::high, t0 + 2s);
  q.push(4, priority::low, t0 + 3s);
  q.push(5, priority::high, t0 + 4s);
  EXPECT_EQ(drain(q, t0 + 1000s), (std::vector<job_id>{3, 5, 2, 1, 4}));
}

TEST(JobQueue, AgingPromotesOneLevelPerStep) {
  auto step = 10s;
  EXPECT_EQ(job_queue::effective_level(priority::low, 0s, step), 0);
  EXPECT_EQ(job_queue::effective_level(priority::low, 9s, step), 0);
  EXPECT_EQ(job_queue::effective_level(priority::low, 10s, step), 1);
  EXPECT_EQ(job_queue::effective_level(priority::low, 25s, step), 2);
  EXPECT_EQ(job_queue::effective_level(priority::low, 1000s, step), 2);
  EXPECT_EQ(job_queue::effective_level(priority::normal, 10s, step), 2);
  EXPECT_EQ(job_queue::effective_level(priority::high, 0s, step), 2);
  EXPECT_EQ(job_queue::effective_level(priority::low, 1000s, 0s), 0);  // aging off
}

TEST(JobQueue, AgedLowJobOvertakesYoungerHighJobs) {
  job_queue q(10s);
  tp t0{};
  q.push(1, priority::low, t0);
  q.push(2, priority::high, t0 + 15s);
  q.push(3, priority::high, t0 + 19s);
  // At t0+19s the low job has waited 19s: one step, level normal < high.
  EXPECT_EQ(q.pop(t0 + 19s), job_id{2});
  // At t0+20s it reaches high and is older than job 3: it goes first.
  EXPECT_EQ(q.pop(t0 + 20s), job_id{1});
  EXPECT_EQ(q.pop(t0 + 20s), job_id{3});
}

TEST(JobQueue, LowNeverStarvesUnderContinuousHighLoad) {
  job_queue q(10s);
  tp now{};
  q.push(0, priority::low, now);
  job_id next = 1;
  // A new high job arrives every second and one job is served every second.
  int served_before_low = 0;
  for (int tick = 0; tick < 1000; ++tick) {
    q.push(next++, priority::high, now);
    auto j = q.pop(now);
    ASSERT_TRUE(j.has_value());
    if (*j == 0) break;
    ++served_before_low;
    now += 1s;
  }
  // Promotion to high takes 2 steps (20 s); then it is the oldest at its level.
  EXPECT_LE(served_before_low, 21);
}

TEST(JobQueue, EraseIsLazyAndExact) {
  job_queue q(0s);
  tp t0{};
  for (job_id j = 1; j <= 6; ++j) q.push(j, j % 2 ? priority::normal : priority::high, t0);
  EXPECT_TRUE(q.erase(2));
  EXPECT_FALSE(q.erase(2));
  EXPECT_TRUE(q.erase(5));
  EXPECT_EQ(q.size(), 4u);
  EXPECT_FALSE(q.contains(5));
  EXPECT_EQ(drain(q, t0), (std::vector<job_id>{4, 6, 1, 3}));
  EXPECT_TRUE(q.empty());
}

TEST(JobQueue, PushFrontReturnsAJobToTheHeadOfItsLane) {
  job_queue q(0s);
  tp t0{};
  q.push(2, priority::normal, t0 + 2s);
  q.push(3, priority::normal, t0 + 3s);
  q.push_front(1, priority::normal, t0);
  EXPECT_EQ(q.position(1), 0u);
  EXPECT_EQ(q.position(3), 2u);
  EXPECT_EQ(drain(q, t0 + 10s), (std::vector<job_id>{1, 2, 3}));
}

TEST(JobQueue, PositionCountsJobsAhead) {
  job_queue q(0s);
  tp t0{};
  q.push(1, priority::normal, t0);
  q.push(2, priority::normal, t0);
  q.push(3, priority::high, t0);
  q.push(4, priority::low, t0);
  EXPECT_EQ(q.position(3), 0u);
  EXPECT_EQ(q.position(1), 1u);
  EXPECT_EQ(q.position(2), 2u);
  EXPECT_EQ(q.position(4), 3u);
  EXPECT_EQ(q.position(99), 0u);
}

TEST(JobQueue, PopCostDoesNotGrowWithDepth) {
  // 200k jobs: pop is O(1) per job (three heads), so this runs in well under a second even
  // unoptimized; a linear scan per pop would take minutes.
  job_queue q(1s);
  tp t0{};
  for (job_id j = 0; j < 200000; ++j)
    q.push(j, static_cast<priority>(j % 3), t0 + std::chrono::microseconds(j));
  size_t n = 0;
  while (q.pop(t0 + 1h)) ++n;
  EXPECT_EQ(n, 200000u);
}

}  // namespace
}  // namespace troupe
