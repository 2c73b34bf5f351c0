// Where jobs run when several devices serve a model: prompts that share a long prefix follow the
// device that ran it last (its KV blocks are likely cached there), as long as that device is not
// much busier than the best one.
#include <gtest/gtest.h>

#include "tests/scheduling_core/step_queries.hpp"
#include "tests/support/core_harness.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

// The engine (0 or 1) whose steps contain `job`; -1 when none did.
int device_of(core_harness& h, job_id job) {
  for (int i = 0; i < 2; ++i)
    if (first_step(h.engine(i).steps(), job) >= 0) return i;
  return -1;
}

TEST(Routing, PromptsSharingADocumentFollowTheDeviceThatHasItCached) {
  test_engine_options slow;
  slow.per_step_delay = 1ms;
  core_harness h(core_config(16, 16, 4, 512, 4096, "", /*devices=*/2), slow);
  // Two documents of 4 blocks (16 tokens each); three questions about each, all about "a" first.
  // Submitted while the model is paused, then granted in one burst, so no job finishes between
  // the grants.
  const std::string doc_a(64, 'a'), doc_b(64, 'b');
  h.set_limits({"test", 0, -1});
  std::vector<job_id> a, b;
  for (int q = 0; q < 3; ++q)
    a.push_back(h.submit(make_job(doc_a + " question " + std::to_string(q), 20)).job);
  for (int q = 0; q < 3; ++q)
    b.push_back(h.submit(make_job(doc_b + " question " + std::to_string(q), 20)).job);
  h.set_limits({"test", 16, -1});
  ASSERT_TRUE(h.log().wait_terminals(6));
  // Load alone would alternate the "a" questions between the devices (4 slots each); affinity
  // keeps the second and third with the first (3 and 2 of 4 slots free are at least half of the
  // other device's 4), and the "b" questions then find the other device the freest.
  const int da = device_of(h, a[0]), db = device_of(h, b[0]);
  ASSERT_GE(da, 0);
  ASSERT_GE(db, 0);
  EXPECT_NE(da, db);
  for (int q = 0; q < 3; ++q) {
    EXPECT_TRUE(h.log().outcome(a[q]).done);
    EXPECT_TRUE(h.log().outcome(b[q]).done);
    EXPECT_EQ(device_of(h, a[q]), da) << "question " << q << " about document a";
    EXPECT_EQ(device_of(h, b[q]), db) << "question " << q << " about document b";
  }
  EXPECT_EQ(h.usage().models.at(0).prefix_routed, 2);  // a[1] and a[2] moved off the freest
  EXPECT_EQ(h.stats()["capacity"]["models"]["test"]["prefix_routed"], 2);
}

}  // namespace
}  // namespace troupe::testing
