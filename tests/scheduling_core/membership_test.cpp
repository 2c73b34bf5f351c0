// Devices coming and going (the cluster's failure handling, in one process): a batcher that dies
// mid-run has its jobs resumed on another device from exactly where their streams were, with the
// same output; the nodes view follows; a leaving node drains.
#include <gtest/gtest.h>

#include <caf/send.hpp>

#include "tests/scheduling_core/step_queries.hpp"
#include "tests/support/core_harness.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

TEST(Membership, JobsOfALostBatcherResumeElsewhereWithTheSameOutput) {
  test_engine_options slow;
  slow.per_step_delay = 2ms;
  core_harness h(core_config(8, 32, 4, 512, 4096, "", /*devices=*/2), slow);
  std::vector<job_id> jobs;
  for (int i = 0; i < 8; ++i)
    jobs.push_back(h.submit(make_job("survive " + std::to_string(i), 50)).job);
  // Both devices are busy and every job has streamed something.
  ASSERT_TRUE(h.log().wait_for([&](auto& m) {
    for (auto j : jobs)
      if (!m.count(j) || m.at(j).tokens.size() < 5) return false;
    return true;
  }));
  caf::anon_send_exit(h.batchers().at(0), caf::exit_reason::kill);
  ASSERT_TRUE(h.log().wait_terminals(jobs.size()));
  for (int i = 0; i < 8; ++i) {
    auto o = h.log().outcome(jobs[i]);
    ASSERT_TRUE(o.done) << o.error.error.message;
    EXPECT_EQ(o.terminals, 1u);
    EXPECT_FALSE(o.index_gap) << "job " << jobs[i];
    EXPECT_EQ(o.text, expected_text("survive " + std::to_string(i), 50, {}));
    EXPECT_EQ(o.result.generated_tokens, 50u);
  }
  auto nodes = h.nodes();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].state, node_state::up);
  EXPECT_EQ(nodes[0].devices.size(), 1u);
  EXPECT_TRUE(eventually([&] { return h.usage().devices.size() == 1; }));
}

TEST(Membership, ANodeWhoseDevicesAreAllLostIsShownDown) {
  core_harness h(core_config(4, 8, 4));
  ASSERT_EQ(h.nodes().at(0).state, node_state::up);
  caf::anon_send_exit(h.batchers().at(0), caf::exit_reason::kill);
  ASSERT_TRUE(eventually([&] {
    auto n = h.nodes();
    return n.size() == 1 && n[0].state == node_state::down;
  }));
  // No device serves the model any more: a new job is turned away, clearly.
  EXPECT_EQ(h.submit(make_job("nobody", 3)).st.code, errc::unavailable);
}

TEST(Membership, ALeavingNodeFinishesItsJobsAndTakesNoNewOnes) {
  test_engine_options slow;
  slow.per_step_delay = 1ms;
  core_harness h(core_config(4, 16, 4), slow);
  std::vector<job_id> jobs;
  for (int i = 0; i < 4; ++i)
    jobs.push_back(h.submit(make_job("finish " + std::to_string(i), 30)).job);
  ASSERT_TRUE(h.log().wait_for([&](auto& m) { return m.size() == 4; }));
  auto st = h.leave("n1", 30s);
  EXPECT_TRUE(st.ok()) << st.message;
  ASSERT_TRUE(h.log().wait_terminals(4));
  for (auto j : jobs) EXPECT_TRUE(h.log().outcome(j).done);
  EXPECT_EQ(h.nodes().at(0).state, node_state::down);
}

}  // namespace
}  // namespace troupe::testing
