// Engine failures and shutdown: failed steps are retried (bisected) and counted, a job that keeps
// failing fails alone while the others complete, and draining finishes or hands back every job.
#include <gtest/gtest.h>

#include "tests/scheduling_core/step_queries.hpp"
#include "tests/support/core_harness.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

TEST(Failures, TransientEngineErrorsAreRetriedAndCounted) {
  test_engine_options flaky;
  flaky.fail_steps = {2, 3, 7};
  core_harness h(core_config(8, 16, 8), flaky);
  std::vector<job_id> jobs;
  for (int i = 0; i < 10; ++i)
    jobs.push_back(h.submit(make_job("Request " + std::to_string(i), 8)).job);
  ASSERT_TRUE(h.log().wait_terminals(10));
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto o = h.log().outcome(jobs[i]);
    ASSERT_TRUE(o.done) << o.error.error.message;
    EXPECT_EQ(o.text, expected_text("Request " + std::to_string(i), 8, {}));
  }
  auto stats = h.stats();
  EXPECT_EQ(stats["models"]["test"]["errors"]["engine_step"], 3);
  EXPECT_EQ(stats["models"]["test"]["requests"]["failed"], 0);
}

TEST(Failures, AJobThatAlwaysFailsIsIsolatedAndTheOthersComplete) {
  test_engine_options poisoned;
  poisoned.poison = static_cast<token_id>('!') + 3;  // byte tokenizer id of '!'
  core_harness h(core_config(8, 16, 8, 512, 4096, "max_step_retries = 2"), poisoned);
  std::vector<job_id> good;
  for (int i = 0; i < 7; ++i)
    good.push_back(h.submit(make_job("fine " + std::to_string(i), 6)).job);
  auto bad = h.submit(make_job("poison!", 6)).job;
  ASSERT_TRUE(h.log().wait_terminals(8));
  for (auto j : good) EXPECT_TRUE(h.log().outcome(j).done);
  auto o = h.log().outcome(bad);
  ASSERT_TRUE(o.failed);
  EXPECT_EQ(o.error.error.code, errc::internal);
  EXPECT_NE(o.error.error.message.find("job " + std::to_string(bad)), std::string::npos);
  EXPECT_EQ(h.info(bad).state, job_state::failed);
  auto stats = h.stats();
  EXPECT_EQ(stats["models"]["test"]["requests"]["failed"], 1);
  EXPECT_EQ(stats["models"]["test"]["errors"]["internal"], 1);
  EXPECT_GE(stats["models"]["test"]["errors"]["engine_step"].get<int>(), 3);
  // The node keeps serving.
  auto after = h.submit(make_job("after", 3)).job;
  ASSERT_TRUE(h.log().wait_terminals(9));
  EXPECT_TRUE(h.log().outcome(after).done);
}

TEST(Failures, PrefillFailureFailsTheRequestGracefully) {
  test_engine_options poisoned;
  poisoned.poison = static_cast<token_id>('#') + 3;
  core_harness h(core_config(4, 16, 4, 512, 4096, "max_step_retries = 0"), poisoned);
  auto bad = h.submit(make_job("#prefill", 4)).job;
  ASSERT_TRUE(h.log().wait_terminals(1));
  EXPECT_TRUE(h.log().outcome(bad).failed);
  ASSERT_TRUE(eventually([&] { return h.usage().models[0].active == 0; }));
}

TEST(Shutdown, DrainFinishesRunningJobsAndHandsBackQueuedOnes) {
  test_engine_options slow;
  slow.per_step_delay = 1ms;
  core_harness h(core_config(4, 64, 4), slow);
  std::vector<job_id> jobs;
  for (int i = 0; i < 20; ++i)
    jobs.push_back(h.submit(make_job("in flight " + std::to_string(i), 20)).job);
  ASSERT_TRUE(h.log().wait_for([&](auto& m) { return m.size() >= 4; }));  // some are running
  auto st = h.drain(10s);
  EXPECT_TRUE(st.ok()) << st.message;
  // Every job got its terminal event (delivered to the sink asynchronously).
  ASSERT_TRUE(h.log().wait_terminals(20, 10s));

  int done = 0, handed_back = 0;
  for (auto j : jobs) {
    auto o = h.log().outcome(j);
    EXPECT_EQ(o.terminals, 1u);
    if (o.done) {
      ++done;
      EXPECT_EQ(o.result.generated_tokens, 20u);
    } else {
      EXPECT_EQ(o.error.error.code, errc::unavailable);
      ++handed_back;
    }
  }
  EXPECT_GE(done, 4);
  EXPECT_EQ(done + handed_back, 20);
  EXPECT_EQ(h.submit(make_job("too late", 3)).st.code, errc::unavailable);
}

TEST(Shutdown, DrainStopsJobsThatOutliveTheGracePeriod) {
  test_engine_options slow;
  slow.per_step_delay = 2ms;
  core_harness h(core_config(2, 4, 2, 512, 4096), slow);
  auto r = h.submit(make_job("endless", 4000));
  ASSERT_TRUE(h.log().wait_for([&](auto& m) { return m.count(r.job) > 0; }));
  auto st = h.drain(50ms);
  EXPECT_TRUE(st.ok());
  EXPECT_NE(st.message.find("1 stopped"), std::string::npos) << st.message;
  ASSERT_TRUE(h.log().wait_terminals(1, 10s));
  auto o = h.log().outcome(r.job);

  EXPECT_EQ(o.error.error.code, errc::unavailable);
  EXPECT_EQ(o.terminals, 1u);
}

}  // namespace
}  // namespace troupe::testing
