// The Session calls through the real API: status, result, cancel, models, stats, health, limits,
// authentication, and the admission gate (seed 002: active 1 + queued 1, three concurrent submits).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/api/api_harness.hpp"
#include "tests/api/api_test_util.hpp"
#include "tests/api/raw_client.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

TEST(ApiCalls, StatusFollowsAJobToItsEnd) {
  api_harness h(api_config(), slow(2ms));
  cli::client c(h.address());
  auto sub = c.submit_detached(request("status please", 50));
  ASSERT_TRUE(sub.status.ok());
  ASSERT_TRUE(wait_state(c, sub.job, api::JobState::RUNNING));
  auto [st, running] = c.status(sub.job);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(running.model, "test");
  EXPECT_EQ(running.node, "n1");
  EXPECT_EQ(running.device, "test-device-0");
  EXPECT_GT(running.timings.started_us, 0);
  ASSERT_TRUE(wait_state(c, sub.job, api::JobState::DONE));
  auto [st2, done] = c.status(sub.job);
  EXPECT_EQ(done.generated_tokens, 50u);
  EXPECT_EQ(done.prompt_tokens, std::string("status please").size() + 1);  // BOS + bytes
  EXPECT_EQ(done.reason, api::FinishReason::MAX_TOKENS);
  EXPECT_TRUE(done.error.ok());
  EXPECT_GE(done.timings.finished_us, done.timings.first_token_us);
  EXPECT_EQ(c.status(424242).first.code, api::ErrorCode::NOT_FOUND);
}

TEST(ApiCalls, ResultOnlyOnceFinished) {
  api_harness h(api_config(), slow(2ms));
  cli::client c(h.address());
  auto sub = c.submit_detached(request("result please", 200));
  auto [early, none] = c.result(sub.job);
  EXPECT_EQ(early.code, api::ErrorCode::UNAVAILABLE);
  EXPECT_NE(early.message.find("job " + std::to_string(sub.job)), std::string::npos);
  ASSERT_TRUE(wait_state(c, sub.job, api::JobState::DONE));
  auto [st, r] = c.result(sub.job);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(r.job, sub.job);
  EXPECT_EQ(r.text, expected_text("result please", 200, {}));
  EXPECT_EQ(r.generated_tokens, 200u);
  EXPECT_EQ(r.reason, api::FinishReason::MAX_TOKENS);
  EXPECT_EQ(c.result(999999).first.code, api::ErrorCode::NOT_FOUND);
}

TEST(ApiCalls, CancelEndsTheJobAndItsStreams) {
  api_harness h(api_config(), slow(3ms));
  cli::client c(h.address());
  auto sub = c.submit_detached(request("cancel me", 2000));
  ASSERT_TRUE(wait_status(c, sub.job,
                          [](const cli::job_status_info& i) { return i.generated_tokens > 5; }));
  cli::stream_outcome watched;
  std::thread watcher([&] {
    cli::client w(h.address());
    watched = w.attach(sub.job);
  });
  std::this_thread::sleep_for(50ms);
  auto st = c.cancel(sub.job);
  ASSERT_TRUE(st.ok()) << st.message;
  watcher.join();
  EXPECT_TRUE(watched.failed);
  EXPECT_EQ(watched.error.code, api::ErrorCode::CANCELLED);
  EXPECT_TRUE(watched.contiguous);
  auto [st2, info] = c.status(sub.job);
  EXPECT_EQ(info.state, api::JobState::CANCELLED);
  EXPECT_EQ(info.error.code, api::ErrorCode::CANCELLED);
  EXPECT_EQ(c.result(sub.job).first.code, api::ErrorCode::CANCELLED);
  auto again = c.cancel(sub.job);
  EXPECT_EQ(again.code, api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(again.message.find("already cancelled"), std::string::npos) << again.message;
  EXPECT_EQ(c.cancel(777777).code, api::ErrorCode::NOT_FOUND);
}

TEST(ApiCalls, ModelsStatsAndHealth) {
  api_harness h(api_config(3, 7, 4));
  cli::client c(h.address());
  ASSERT_TRUE(c.submit(request("count me", 8)).done);
  auto [st, models] = c.models();
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].name, "test");
  EXPECT_EQ(models[0].max_active, 3);
  EXPECT_EQ(models[0].max_queued, 7);
  EXPECT_EQ(models[0].devices, 1u);
  EXPECT_GE(models[0].recommended_parallel, 1);
  auto [st2, doc] = c.stats();
  ASSERT_TRUE(st2.ok());
  auto stats = nlohmann::json::parse(doc);
  EXPECT_EQ(stats["overall"]["requests"]["processed"], 1);
  EXPECT_TRUE(stats["models"].contains("test"));
  EXPECT_EQ(stats["capacity"]["models"]["test"]["max_active"], 3);
  auto health = c.health();
  EXPECT_TRUE(health.serving);
  EXPECT_TRUE(health.status.ok());
  EXPECT_EQ(health.devices_up, 1u);
  ASSERT_EQ(health.devices.size(), 1u);
  EXPECT_EQ(health.devices[0].name, "test-device-0");
  EXPECT_EQ(health.devices[0].model, "test");
}

TEST(ApiCalls, LimitsReadAndChangeAtRunTime) {
  api_harness h(api_config(2, 5, 4));
  cli::client c(h.address());
  auto now = c.get_limits("test");
  ASSERT_TRUE(now.status.ok());
  EXPECT_EQ(now.max_active, 2);
  EXPECT_EQ(now.max_queued, 5);
  auto changed = c.set_limits("test", 4, -1);  // -1 keeps max_queued
  ASSERT_TRUE(changed.status.ok()) << changed.status.message;
  EXPECT_EQ(changed.max_active, 4);
  EXPECT_EQ(changed.max_queued, 5);
  EXPECT_EQ(c.models().second.at(0).max_active, 4);
  EXPECT_EQ(c.set_limits("nope", 1, 1).status.code, api::ErrorCode::UNKNOWN_MODEL);
  EXPECT_EQ(c.get_limits("nope").status.code, api::ErrorCode::UNKNOWN_MODEL);
  EXPECT_EQ(c.set_limits("test", 0, 1).status.code, api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(c.set_limits("test", 1, -7).status.code, api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(c.set_limits("", 1, 1).status.code, api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(c.get_limits("test").max_active, 4);  // nothing changed by the bad calls
}

TEST(ApiCalls, ShuttingDownRefusesNewJobsAndSaysNotServing) {
  api_harness h(api_config());
  cli::client c(h.address());
  h.server().begin_shutdown();
  auto sub = c.submit_detached(request("too late", 4));
  EXPECT_EQ(sub.status.code, api::ErrorCode::UNAVAILABLE);
  auto health = c.health();
  EXPECT_FALSE(health.serving);
  EXPECT_EQ(health.status.code, api::ErrorCode::UNAVAILABLE);
}

TEST(ApiAuth, WithAnApiKeyNothingIsReachableWithoutIt) {
  api_server_options options;
  options.api_key = "s3cret-key";
  api_harness h(api_config(), {}, options);
  for (std::string key : {"", "wrong", "s3cret-ke", "s3cret-key2"}) {
    try {
      cli::client c(h.address(), key);
      ADD_FAILURE() << "session opened with key '" << key << "'";
    } catch (const cli::session_refused& e) {
      EXPECT_EQ(e.status.code, api::ErrorCode::UNAUTHORIZED);
    }
  }
  // The refused connect hands out no session: calling through it fails, and the bootstrap has
  // nothing else to offer.
  {
    capnp::EzRpcClient rpc(h.address().c_str());
    auto req = rpc.getMain<api::Troupe>().connectRequest();
    req.setApiKey("wrong");
    req.setClientVersion(api::API_VERSION);
    auto reply = req.send().wait(rpc.getWaitScope());
    EXPECT_EQ(reply.getStatus().getCode(), api::ErrorCode::UNAUTHORIZED);
    auto session = reply.getSession();
    auto call = session.statsRequest().send();
    EXPECT_ANY_THROW(call.wait(rpc.getWaitScope()));
  }
  cli::client ok(h.address(), "s3cret-key");
  EXPECT_TRUE(ok.submit(request("authorised", 4)).done);
  EXPECT_EQ(ok.server_version(), api::API_VERSION);
}

TEST(ApiAuth, ClientVersionZeroIsRefused) {
  api_harness h(api_config());
  capnp::EzRpcClient rpc(h.address().c_str());
  auto req = rpc.getMain<api::Troupe>().connectRequest();
  req.setClientVersion(0);
  auto reply = req.send().wait(rpc.getWaitScope());
  EXPECT_EQ(reply.getStatus().getCode(), api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_FALSE(reply.hasSession());
}

// Seed 002: with max_active 1 and max_queued 1, three concurrent submits of slow jobs end as two
// completed jobs and one queue_full whose message names its job id.
TEST(ApiAdmission, ThirdConcurrentSubmitGetsQueueFullNamingItsJob) {
  api_harness h(api_config(4, 64, 4), slow(150ms));  // 8 tokens: 1.2 s per job
  {
    cli::client admin(h.address());
    auto l = admin.set_limits("test", 1, 1);
    ASSERT_TRUE(l.status.ok()) << l.status.message;
  }
  std::vector<cli::stream_outcome> outcomes(3);
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i)
    clients.emplace_back([&, i] {
      cli::client c(h.address());
      outcomes[i] = c.submit(request("admission-" + std::to_string(i), 8));
    });
  for (auto& t : clients) t.join();
  int done = 0, queue_full = 0;
  for (const auto& o : outcomes) {
    if (o.done) {
      ++done;
      EXPECT_EQ(o.tokens.size(), 8u);
    } else if (o.status.code == api::ErrorCode::QUEUE_FULL) {
      ++queue_full;
      EXPECT_GT(o.job, 0u);
      EXPECT_NE(o.status.message.find("job " + std::to_string(o.job) + ":"), std::string::npos)
          << o.status.message;
    } else {
      ADD_FAILURE() << "unexpected end: " << o.status.message << o.error.message << o.lost_reason;
    }
  }
  EXPECT_EQ(done, 2);
  EXPECT_EQ(queue_full, 1);
}

}  // namespace
}  // namespace troupe::testing
