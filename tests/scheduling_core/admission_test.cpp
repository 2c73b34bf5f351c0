// Admission, parking and priorities (seeds 000, 002, 004): queue_full with the job's id, peak
// concurrency within the limits, capacity released on completion, cancellation of queued and
// running jobs, limits changed at run time, priority order with aging, the memory report.
#include <gtest/gtest.h>

#include <future>

#include "tests/scheduling_core/step_queries.hpp"
#include "tests/support/core_harness.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

TEST(Admission, ActiveOneQueuedOneThirdConcurrentJobIsQueueFullWithItsId) {
  test_engine_options slow;  // 8 tokens, 50 ms each: each job holds its slot ~400 ms
  slow.per_step_delay = 50ms;
  core_harness h(core_config(1, 1, 1), slow);
  std::vector<std::future<submit_reply>> replies;
  for (int i = 0; i < 3; ++i)
    replies.push_back(std::async(std::launch::async, [&h, i] {
      return h.submit(make_job("admission-" + std::to_string(i), 8));
    }));
  int accepted = 0, queue_full = 0;
  for (auto& f : replies) {
    auto r = f.get();
    EXPECT_NE(r.job, 0u);
    if (r.st.ok()) {
      ++accepted;
    } else {
      ASSERT_EQ(r.st.code, errc::queue_full) << r.st.message;
      EXPECT_NE(r.st.message.find("job " + std::to_string(r.job)), std::string::npos)
          << r.st.message;
      ++queue_full;
    }
  }
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(queue_full, 1);
  ASSERT_TRUE(h.log().wait_terminals(2));
  for (auto& [job, o] : h.log().outcomes()) EXPECT_TRUE(o.done);
  EXPECT_EQ(h.stats()["models"]["test"]["requests"]["rejected"], 1);
}

TEST(Admission, FifteenTasksOnThreeUnitsParkAndWakeWithPeakThree) {
  // Seed 000: a pool of 3 units flooded with 15 tasks.
  test_engine_options slow;
  slow.per_step_delay = 1ms;
  core_harness h(core_config(3, 12, 8), slow);
  for (int i = 0; i < 15; ++i)
    ASSERT_TRUE(h.submit(make_job("Count to 3 #" + std::to_string(i), 10)).st.ok());
  ASSERT_TRUE(h.log().wait_terminals(15));
  for (auto& [job, o] : h.log().outcomes()) EXPECT_TRUE(o.done);
  EXPECT_EQ(h.engine().peak_live_sequences(), 3u);
  auto usage = h.usage().models.at(0);
  EXPECT_EQ(usage.peak_active, 3);
  EXPECT_GE(usage.peak_queued, 10);  // most of them parked
  EXPECT_EQ(usage.active, 0);
  EXPECT_EQ(usage.queued, 0);
}

TEST(Admission, CapacityIsReleasedOnCompletion) {
  core_harness h(core_config(4, 16, 4));
  auto a = h.submit(make_job("Short", 5));
  auto b = h.submit(make_job("Medium", 20));
  ASSERT_TRUE(h.log().wait_terminals(2));
  ASSERT_TRUE(eventually([&] {
    auto u = h.usage();
    return u.models[0].active == 0 && u.devices[0].kv_blocks_used == 0 &&
           u.devices[0].slots_used == 0;
  }));
  EXPECT_TRUE(eventually([&] { return h.engine().live_sequences() == 0; }));
  EXPECT_TRUE(h.log().outcome(a.job).done && h.log().outcome(b.job).done);
}

TEST(Admission, CancellingAQueuedJobFreesItsSlotAndItNeverRuns) {
  core_harness h(core_config(1, 1, 1));
  h.set_limits({"test", 0, -1});  // pause: nothing runs
  auto queued = h.submit(make_job("queued", 5));
  ASSERT_TRUE(queued.st.ok());
  EXPECT_EQ(h.submit(make_job("no room", 5)).st.code, errc::queue_full);
  ASSERT_TRUE(h.cancel(queued.job).ok());
  ASSERT_TRUE(h.log().wait_terminals(1));
  auto o = h.log().outcome(queued.job);
  EXPECT_TRUE(o.failed);
  EXPECT_EQ(o.error.error.code, errc::cancelled);
  EXPECT_EQ(h.info(queued.job).state, job_state::cancelled);
  EXPECT_EQ(h.cancel(queued.job).code, errc::invalid_argument);  // already cancelled
  EXPECT_EQ(h.cancel(777).code, errc::not_found);
  ASSERT_TRUE(eventually([&] { return h.usage().models[0].queued == 0; }));
  h.set_limits({"test", 1, -1});
  auto next = h.submit(make_job("next", 3));
  ASSERT_TRUE(next.st.ok()) << next.st.message;
  ASSERT_TRUE(h.log().wait_terminals(2));
  EXPECT_TRUE(h.log().outcome(next.job).done);
  EXPECT_EQ(first_step(h.engine().steps(), queued.job), -1);
}

TEST(Admission, CancellingARunningJobStopsItAndReleasesItsUnits) {
  test_engine_options slow;
  slow.per_step_delay = 1ms;
  core_harness h(core_config(2, 4, 2, 512, 4096), slow);
  auto r = h.submit(make_job("run forever", 4000));
  ASSERT_TRUE(
      h.log().wait_for([&](auto& m) { return m.count(r.job) && m.at(r.job).tokens.size() >= 3; }));
  ASSERT_TRUE(h.cancel(r.job).ok());
  ASSERT_TRUE(h.log().wait_terminals(1));
  auto o = h.log().outcome(r.job);
  EXPECT_EQ(o.error.error.code, errc::cancelled);
  EXPECT_LT(o.tokens.size(), 4000u);
  ASSERT_TRUE(eventually([&] {
    auto u = h.usage();
    return u.models[0].active == 0 && u.devices[0].slots_used == 0;
  }));
  ASSERT_TRUE(eventually([&] { return h.engine().live_sequences() == 0; }));
  EXPECT_EQ(h.stats()["models"]["test"]["requests"]["cancelled"], 1);
}

// Submits jobs while the model is paused (max_active 0), then resumes it: the order in which
// they run is exactly the queue's order, with no timing involved.
std::vector<job_id> run_order(core_harness& h, const std::vector<job_id>& jobs) {
  h.set_limits({"test", 1, -1});
  EXPECT_TRUE(h.log().wait_terminals(jobs.size()));
  std::vector<std::pair<uint64_t, job_id>> by_end;
  for (auto j : jobs) by_end.emplace_back(h.log().outcome(j).terminal_seq, j);
  std::sort(by_end.begin(), by_end.end());
  std::vector<job_id> order;
  for (auto& [seq, j] : by_end) order.push_back(j);
  return order;
}

TEST(Admission, HigherPriorityRunsFirstFifoWithinAPriority) {
  core_harness h(core_config(1, 16, 1, 512, 4096, "aging_ms = 0"));
  h.set_limits({"test", 0, -1});
  auto low = h.submit(make_job("Low", 2, priority::low)).job;
  auto n1 = h.submit(make_job("Normal 1", 2)).job;
  auto high = h.submit(make_job("High", 2, priority::high)).job;
  auto n2 = h.submit(make_job("Normal 2", 2)).job;
  EXPECT_EQ(run_order(h, {low, n1, high, n2}), (std::vector<job_id>{high, n1, n2, low}));
}

TEST(Admission, AgingLetsALowJobOvertakeYoungerHighJobs) {
  auto now = std::make_shared<std::atomic<int64_t>>(0);
  auto clock = [now] { return std::chrono::steady_clock::time_point(std::chrono::seconds(*now)); };
  core_harness h(core_config(1, 16, 1, 512, 4096, "aging_ms = 10000"), {}, clock);
  h.set_limits({"test", 0, -1});
  auto low = h.submit(make_job("Low", 2, priority::low)).job;  // enqueued at 0 s
  *now = 15;
  auto high1 = h.submit(make_job("High 1", 2, priority::high)).job;  // at 15 s
  auto normal = h.submit(make_job("Normal", 2)).job;                 // at 15 s
  // At 24 s low has waited 24 s (two promotions: it is high, and the oldest there); normal has
  // waited 9 s (no promotion yet).
  *now = 24;
  auto high2 = h.submit(make_job("High 2", 2, priority::high)).job;  // at 24 s

  EXPECT_EQ(run_order(h, {low, high1, normal, high2}),
            (std::vector<job_id>{low, high1, high2, normal}));
}

TEST(Admission, RaisingLimitsAtRunTimeWakesParkedJobs) {
  test_engine_options slow;
  slow.per_step_delay = 1ms;
  core_harness h(core_config(1, 8, 4), slow);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(h.submit(make_job("w" + std::to_string(i), 30)).st.ok());
  auto updated = h.set_limits({"test", 4, 16});
  EXPECT_EQ(updated.max_active, 4);
  EXPECT_EQ(updated.max_queued, 16);
  ASSERT_TRUE(h.log().wait_terminals(4));
  EXPECT_GE(h.engine().peak_live_sequences(), 2u);  // more than the original limit ran at once
  auto usage = h.usage().models.at(0);
  EXPECT_EQ(usage.max_active, 4);
  auto stats = h.stats();
  EXPECT_EQ(stats["capacity"]["models"]["test"]["max_queued"], 16);
}

TEST(Admission, MemoryReportAndRecommendedParallelism) {
  test_engine_options opts;
  opts.kv_blocks = 640;  // 640 blocks of 16 tokens, max_seq_len 1024 = 64 blocks: 10 sequences
  core_harness h(core_config(16, 16, 16, 512, 1024), opts);
  auto stats = h.stats();
  auto cap = stats["capacity"];
  ASSERT_EQ(cap["devices"].size(), 1u);
  EXPECT_GT(cap["devices"][0]["memory_total_bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(cap["devices"][0]["memory_available_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(cap["devices"][0]["kv_blocks_total"], 640);
  EXPECT_EQ(cap["models"]["test"]["recommended_parallel"], 10);
}

}  // namespace
}  // namespace troupe::testing
