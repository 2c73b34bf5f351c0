// Job streams through the real API over loopback: submit and stream, detach and attach, clients
// that go away or never take their output.
#include <gtest/gtest.h>

#include <thread>

#include "tests/api/api_harness.hpp"
#include "tests/api/api_test_util.hpp"
#include "tests/api/raw_client.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

TEST(ApiStream, SubmitStreamsTheExpectedText) {
  api_harness h(api_config());
  cli::client c(h.address());
  std::string streamed;
  auto out = c.submit(request("hello world", 40), [&](const std::string& t) { streamed += t; });
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  ASSERT_TRUE(out.done) << out.lost_reason << out.error.message;
  EXPECT_TRUE(out.contiguous);
  EXPECT_EQ(out.tokens.size(), 40u);
  auto expected = expected_text("hello world", 40, {});
  EXPECT_EQ(streamed, expected);
  EXPECT_EQ(out.result.text, expected);
  EXPECT_EQ(out.result.generated_tokens, 40u);
  EXPECT_EQ(out.result.reason, api::FinishReason::MAX_TOKENS);
  EXPECT_GT(out.job, 0u);
}

TEST(ApiStream, SamplingParametersAndSeedReachTheEngine) {
  api_harness h(api_config());
  cli::client c(h.address());
  auto r = request("seeded", 24);
  r.temperature = 0.7f;
  r.top_p = 0.9f;
  r.top_k = 5;
  r.seed = 1234;
  auto out = c.submit(r);
  ASSERT_TRUE(out.done) << out.status.message;
  sampling_params p;
  p.temperature = 0.7f;
  p.top_p = 0.9f;
  p.top_k = 5;
  p.seed = 1234;
  EXPECT_EQ(out.text, expected_text("seeded", 24, p));
}

TEST(ApiStream, DetachedJobAttachedMidwayReplaysEverythingOnce) {
  api_harness h(api_config(), slow(2ms));
  cli::client c(h.address());
  auto sub = c.submit_detached(request("detached prompt", 300));
  ASSERT_TRUE(sub.status.ok()) << sub.status.message;
  ASSERT_TRUE(wait_status(c, sub.job,
                          [](const cli::job_status_info& i) { return i.generated_tokens >= 20; }));
  cli::client watcher(h.address());
  std::string streamed;
  auto out = watcher.attach(sub.job, [&](const std::string& t) { streamed += t; });
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  ASSERT_TRUE(out.done) << out.lost_reason;
  EXPECT_TRUE(out.contiguous);  // no token twice, none missing
  EXPECT_EQ(out.tokens.size(), 300u);
  auto expected = expected_text("detached prompt", 300, {});
  EXPECT_EQ(streamed, expected);
  EXPECT_EQ(out.result.text, expected);
}

TEST(ApiStream, AttachToAFinishedJobReplaysItAndEnds) {
  api_harness h(api_config());
  cli::client c(h.address());
  auto sub = c.submit_detached(request("finished first", 16));
  ASSERT_TRUE(sub.status.ok());
  ASSERT_TRUE(wait_status(
      c, sub.job, [](const cli::job_status_info& i) { return i.state == api::JobState::DONE; }));
  auto out = c.attach(sub.job);
  ASSERT_TRUE(out.done);
  EXPECT_EQ(out.text, expected_text("finished first", 16, {}));
  EXPECT_EQ(c.attach(987654).status.code, api::ErrorCode::NOT_FOUND);
}

TEST(ApiStream, ClientThatDisconnectsMidStreamLeavesTheJobRunning) {
  api_harness h(api_config(), slow(3ms));
  uint64_t job = 0;
  {
    raw_session raw(h.address());
    api::TokenSink::Client sink = nullptr;
    auto stream = raw.make_sink(false, sink);
    auto req = raw.session().submitRequest();
    req.initSpec().setModel("test");
    req.getSpec().setPrompt("going away");
    req.getSpec().setMaxTokens(200);
    req.setSink(sink);
    auto reply = raw.wait(req.send());
    ASSERT_EQ(reply.getStatus().getCode(), api::ErrorCode::OK);
    job = reply.getJobId();
    raw.wait(kj::mv(stream.first_chunk));
  }  // the connection closes here
  cli::client c(h.address());
  ASSERT_TRUE(wait_status(
      c, job, [](const cli::job_status_info& i) { return i.state == api::JobState::DONE; }));
  auto [st, result] = c.result(job);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(result.text, expected_text("going away", 200, {}));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (h.server().stats().subscriptions > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(h.server().stats().subscriptions, 0);
  EXPECT_EQ(h.server().stats().dropped_subscriptions, 1);
}

TEST(ApiStream, SinkThatNeverReturnsIsDroppedWithoutGrowingTheServer) {
  api_server_options options;
  options.stream_backlog_bytes = 512;
  options.stall_timeout = 20000ms;        // the backlog overflows long before
  options.socket_send_buffer = 16 << 10;  // a small flow-control window: the backlog fills first
  api_harness h(api_config(), slow(200us), options);
  raw_session raw(h.address());
  api::TokenSink::Client sink = nullptr;
  auto stream = raw.make_sink(true, sink);
  auto req = raw.session().submitRequest();
  req.initSpec().setModel("test");
  req.getSpec().setPrompt("never read");
  req.getSpec().setMaxTokens(3000);
  req.setSink(sink);
  sink = nullptr;
  auto reply = raw.wait(req.send());
  ASSERT_EQ(reply.getStatus().getCode(), api::ErrorCode::OK);
  auto stuck_job = reply.getJobId();

  // Meanwhile another client is served normally.
  cli::stream_outcome other;
  std::thread good([&] {
    cli::client c(h.address());
    other = c.submit(request("served anyway", 50));
  });
  int64_t peak_backlog = 0;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (h.server().stats().dropped_subscriptions == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    raw.pump(10ms);  // the hanging sink keeps receiving (and never returning from) chunks
    peak_backlog = std::max(peak_backlog, h.server().stats().backlog_bytes);
  }
  good.join();
  EXPECT_EQ(h.server().stats().dropped_subscriptions, 1);
  EXPECT_LE(peak_backlog, 512);
  EXPECT_EQ(h.server().stats().backlog_bytes, 0);
  ASSERT_TRUE(other.done) << other.status.message << other.lost_reason;
  EXPECT_EQ(other.text, expected_text("served anyway", 50, {}));
  EXPECT_FALSE(stream.record->done);

  // The job itself went on and can be attached again.
  cli::client c(h.address());
  ASSERT_TRUE(wait_status(
      c, stuck_job, [](const cli::job_status_info& i) { return i.state == api::JobState::DONE; },
      120s));  // 3000 steps: generous for sanitizer builds
  auto again = c.attach(stuck_job);
  ASSERT_TRUE(again.done);
  EXPECT_EQ(again.tokens.size(), 3000u);
}

TEST(ApiStream, SinkThatStallsIsDroppedAfterTheStallTimeout) {
  api_server_options options;
  options.stall_timeout = 300ms;
  api_harness h(api_config(), {}, options);
  raw_session raw(h.address());
  api::TokenSink::Client sink = nullptr;
  auto stream = raw.make_sink(true, sink);
  auto req = raw.session().submitRequest();
  req.initSpec().setModel("test");
  req.getSpec().setPrompt("short and stuck");
  req.getSpec().setMaxTokens(10);
  req.setSink(sink);
  sink = nullptr;
  ASSERT_EQ(raw.wait(req.send()).getStatus().getCode(), api::ErrorCode::OK);
  // The few chunks fit the flow-control window; the terminal call waits behind the stuck chunk.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (h.server().stats().dropped_subscriptions == 0 &&
         std::chrono::steady_clock::now() < deadline)
    raw.pump(10ms);
  EXPECT_EQ(h.server().stats().dropped_subscriptions, 1);
  EXPECT_EQ(h.server().stats().subscriptions, 0);
  EXPECT_FALSE(stream.record->done);
}

}  // namespace
}  // namespace troupe::testing
