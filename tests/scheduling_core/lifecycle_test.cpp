// Job lifecycle through the whole scheduling core (scheduler, capacity, batcher, worker, metrics)
// on the test engine: completion, streaming, token counts, cancellation, capacity release.
#include <gtest/gtest.h>

#include "tests/support/core_harness.hpp"

namespace troupe::testing {
namespace {

TEST(Lifecycle, SingleJobCompletesWithExactTokens) {
  core_harness h(core_config(4, 16, 4));
  auto reply = h.submit(make_job("hello", 10));
  ASSERT_TRUE(reply.st.ok()) << reply.st.message;
  ASSERT_TRUE(h.log().wait_terminals(1));
  auto o = h.log().outcome(reply.job);
  ASSERT_TRUE(o.done) << o.error.error.message;
  EXPECT_EQ(o.result.reason, finish_reason::max_tokens);
  EXPECT_EQ(o.result.generated_tokens, 10u);
  EXPECT_EQ(o.tokens.size(), 10u);
  EXPECT_EQ(o.text, expected_text("hello", 10, {}));
  EXPECT_EQ(o.result.text, o.text);
  EXPECT_EQ(o.terminals, 1u);
  EXPECT_FALSE(o.index_gap);
}

}  // namespace
}  // namespace troupe::testing
