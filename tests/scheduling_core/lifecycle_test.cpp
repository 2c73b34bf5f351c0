// Job lifecycle through the whole scheduling core (scheduler, capacity, batcher, worker, metrics)
// on the test engine: completion, streaming, exact token counts, stop strings, status, attach,
// idempotent submits and rejected requests.
#include <gtest/gtest.h>

#include <future>

#include "tests/scheduling_core/step_queries.hpp"
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
  EXPECT_EQ(o.result.prompt_tokens, 6u);  // BOS + 5 bytes
  EXPECT_EQ(o.tokens.size(), 10u);
  EXPECT_EQ(o.text, expected_text("hello", 10, {}));
  EXPECT_EQ(o.result.text, o.text);
  EXPECT_EQ(o.terminals, 1u);
  EXPECT_FALSE(o.index_gap);
  auto t = o.result.timings;
  EXPECT_GT(t.submitted_us, 0);
  EXPECT_LE(t.submitted_us, t.started_us);
  EXPECT_LE(t.started_us, t.first_token_us);
  EXPECT_LE(t.first_token_us, t.finished_us);
}

TEST(Lifecycle, TwentyConcurrentJobsAllComplete) {
  core_harness h(core_config(8, 64, 8));
  std::vector<std::future<submit_reply>> replies;
  for (int i = 0; i < 20; ++i)
    replies.push_back(std::async(std::launch::async, [&h, i] {
      return h.submit(make_job("Generate text " + std::to_string(i), 12));
    }));
  std::map<job_id, int> index;
  for (int i = 0; i < 20; ++i) {
    auto r = replies[i].get();
    ASSERT_TRUE(r.st.ok()) << r.st.message;
    index[r.job] = i;
  }
  ASSERT_TRUE(h.log().wait_terminals(20));
  for (auto& [job, i] : index) {
    auto o = h.log().outcome(job);
    ASSERT_TRUE(o.done);
    EXPECT_EQ(o.terminals, 1u);
    EXPECT_FALSE(o.chunk_after_terminal);
    EXPECT_EQ(o.text, expected_text("Generate text " + std::to_string(i), 12, {}));
  }
}

TEST(Lifecycle, SequentialJobsComplete) {
  core_harness h(core_config(2, 4, 2));
  for (auto prompt : {"The sky is", "The sun is", "The moon is"}) {
    auto r = h.submit(make_job(prompt, 4));
    ASSERT_TRUE(r.st.ok());
    ASSERT_TRUE(h.log().wait_for([&](auto& m) { return m.count(r.job) && m.at(r.job).done; }));
    EXPECT_EQ(h.log().outcome(r.job).text, expected_text(prompt, 4, {}));
  }
}

TEST(Lifecycle, EndOfSequenceStopsEarlyWithExactCount) {
  core_harness h(core_config(4, 16, 4));
  auto r = h.submit(make_job("please stop: eos=7", 100));
  ASSERT_TRUE(h.log().wait_terminals(1));
  auto o = h.log().outcome(r.job);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.result.reason, finish_reason::eos);
  EXPECT_EQ(o.result.generated_tokens, 7u);
  EXPECT_EQ(o.text, expected_text("please stop: eos=7", 7, {}));
}

TEST(Lifecycle, StopStringEndsTheJobAndIsNotStreamed) {
  core_harness h(core_config(4, 16, 4));
  auto full = expected_text("stop here", 40, {});
  auto stop = full.substr(10, 3);  // something the job will certainly produce
  auto spec = make_job("stop here", 40);
  spec.stop = {stop};
  auto r = h.submit(spec);
  ASSERT_TRUE(h.log().wait_terminals(1));
  auto o = h.log().outcome(r.job);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.result.reason, finish_reason::stop);
  EXPECT_EQ(o.text, full.substr(0, full.find(stop)));
  EXPECT_EQ(o.result.text, o.text);
}

TEST(Lifecycle, MaxTokensBeyondTheContextIsCutToFit) {
  core_harness h(core_config(4, 16, 4, 512, 64));
  auto r = h.submit(make_job("0123456789", 60));  // 11 prompt tokens: room for 53
  ASSERT_TRUE(r.st.ok()) << r.st.message;
  ASSERT_TRUE(h.log().wait_terminals(1));
  auto o = h.log().outcome(r.job);
  EXPECT_EQ(o.result.reason, finish_reason::length);
  EXPECT_EQ(o.result.generated_tokens, 53u);
}

TEST(Lifecycle, StatusReportsStateNodeAndProgress) {
  core_harness h(core_config(4, 16, 4));
  auto r = h.submit(make_job("status", 5));
  ASSERT_TRUE(h.log().wait_terminals(1));
  auto info = h.info(r.job);
  EXPECT_TRUE(info.error.ok());
  EXPECT_EQ(info.state, job_state::done);
  EXPECT_EQ(info.node, "n1");
  EXPECT_EQ(info.device, "test-device-0");
  EXPECT_EQ(info.generated_tokens, 5u);
  EXPECT_EQ(info.reason, finish_reason::max_tokens);
  auto missing = h.info(9999);
  EXPECT_EQ(missing.error.code, errc::not_found);
}

TEST(Lifecycle, AttachReplaysThenFollowsWithoutGapsOrRepeats) {
  test_engine_options slow;
  slow.per_step_delay = std::chrono::milliseconds(2);
  core_harness h(core_config(4, 16, 4), slow);
  auto r = h.submit(make_job("attach me", 60));
  ASSERT_TRUE(
      h.log().wait_for([&](auto& m) { return m.count(r.job) && m.at(r.job).tokens.size() >= 5; }));
  auto second = std::make_shared<event_log>();
  ASSERT_TRUE(h.attach(r.job, spawn_recorder(h.system(), second)).ok());
  ASSERT_TRUE(second->wait_terminals(1));
  ASSERT_TRUE(h.log().wait_terminals(1));
  auto late = second->outcome(r.job);
  EXPECT_TRUE(late.done);
  EXPECT_FALSE(late.index_gap);
  EXPECT_EQ(late.text, expected_text("attach me", 60, {}));
  EXPECT_EQ(late.tokens, h.log().outcome(r.job).tokens);
  // Attaching after the end replays everything and the result.
  auto third = std::make_shared<event_log>();
  ASSERT_TRUE(h.attach(r.job, spawn_recorder(h.system(), third)).ok());
  ASSERT_TRUE(third->wait_terminals(1));
  EXPECT_EQ(third->outcome(r.job).text, late.text);
  EXPECT_EQ(h.attach(424242, spawn_recorder(h.system(), third)).code, errc::not_found);
}

TEST(Lifecycle, SameClientRequestIdIsTheSameJob) {
  core_harness h(core_config(4, 16, 4));
  auto spec = make_job("idempotent", 6);
  spec.client_request_id = "req-1";
  auto a = h.submit(spec);
  auto b = h.submit(spec);
  ASSERT_TRUE(a.st.ok());
  ASSERT_TRUE(b.st.ok());
  EXPECT_EQ(a.job, b.job);
  ASSERT_TRUE(h.log().wait_terminals(1));
  EXPECT_EQ(h.engine().steps().size(), 6u);  // one job's steps, not two
}

TEST(Lifecycle, BadRequestsGetClearErrorsAndTheNodeKeepsServing) {
  core_harness h(core_config(4, 16, 4, 512, 64));
  auto unknown = make_job("x", 4);
  unknown.model = "nope";
  auto r1 = h.submit(unknown);
  EXPECT_EQ(r1.st.code, errc::unknown_model);
  EXPECT_NE(r1.st.message.find("job " + std::to_string(r1.job)), std::string::npos);
  EXPECT_EQ(h.submit(make_job("", 4)).st.code, errc::invalid_argument);
  EXPECT_EQ(h.submit(make_job("x", 0)).st.code, errc::invalid_argument);
  EXPECT_EQ(h.submit(make_job("x", 1000000)).st.code, errc::invalid_argument);
  EXPECT_EQ(h.submit(make_job("\xFF\xFE", 4)).st.code, errc::invalid_argument);
  auto too_long = h.submit(make_job(std::string(64, 'a'), 4));  // 65 tokens > 64
  EXPECT_EQ(too_long.st.code, errc::prompt_too_long);
  auto ok = h.submit(make_job("still serving", 3));
  ASSERT_TRUE(ok.st.ok());
  ASSERT_TRUE(h.log().wait_terminals(1));
  EXPECT_TRUE(h.log().outcome(ok.job).done);
  auto stats = h.stats();
  EXPECT_EQ(stats["overall"]["requests"]["rejected"], 6);
}

}  // namespace
}  // namespace troupe::testing
