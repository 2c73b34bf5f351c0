// Jobs survive kill -9 of the node (issue: "jobs that survive crashes"). A node runs a mixed
// workload (streaming and detached clients, greedy and seeded sampling, every priority) and is
// killed with SIGKILL at a random moment (a different one per seed: during submission, i.e. during
// group commits, or while generating), then restarted on the same data directory:
//   - every job whose submit was acknowledged completes exactly once, with the output of an
//     undisturbed run, and a client re-attaching gets the whole text;
//   - a job whose submit was not acknowledged is absent or whole: resubmitting it under its
//     request id yields one job with the right output (never two, never a corrupt one);
//   - what a streaming client saw before the crash is a prefix of the final text.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "tests/node_process/node_fixture.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

struct crash_run {
  std::mutex mu;
  std::map<std::string, uint64_t> acked;        // request id -> job id
  std::map<std::string, std::string> streamed;  // what streaming clients saw before the crash
};

void submit_all(const std::vector<workload_job>& jobs, const std::string& addr, crash_run& run,
                size_t thread, size_t threads) {
  try {
    cli::client c(addr, "", 60s);
    for (size_t i = thread; i < jobs.size(); i += threads) {
      const auto& j = jobs[i];
      if (j.streaming) {
        std::string seen;
        auto o = c.submit(j.request, [&](const std::string& t) { seen += t; });
        std::lock_guard<std::mutex> lock(run.mu);
        if (o.status.ok()) run.acked[j.request_id] = o.job;
        run.streamed[j.request_id] = seen;
        if (o.lost) return;  // the node died under us
      } else {
        auto r = c.submit_detached(j.request);
        std::lock_guard<std::mutex> lock(run.mu);
        if (r.status.ok()) run.acked[j.request_id] = r.job;
      }
    }
  } catch (const std::exception&) {
    // Connection lost: the node was killed. Whatever was not acknowledged is checked later.
  }
}

class CrashRecovery : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (find_test_model("stories260K.gguf").empty()) return;
    jobs_ = mixed_workload(200);
    reference_ = workload_reference(200);
  }

  void SetUp() override {
    if (find_test_model("stories260K.gguf").empty()) GTEST_SKIP() << "stories260K.gguf not found";
  }

  void run_with_kill(uint32_t seed, int min_ms, int max_ms) {
    std::mt19937 rng(seed);
    temp_dir dir;
    auto spec = one_node();
    auto cfg = dir.write("c.toml", config_text(spec));
    auto addr = address(spec.nodes[0]);
    crash_run run;
    {
      node_process node(cfg, "head", dir.file("data"));
      ASSERT_TRUE(wait_serving(addr, 1)) << node.process().err();
      std::vector<std::thread> clients;
      const size_t threads = 6;
      for (size_t t = 0; t < threads; ++t)
        clients.emplace_back([&, t] { submit_all(jobs_, addr, run, t, threads); });
      auto delay = std::uniform_int_distribution<int>(min_ms, max_ms)(rng);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      node.kill9();
      std::cout << "seed " << seed << ": SIGKILL after " << delay << " ms\n";
      for (auto& c : clients) c.join();
    }
    node_process node(cfg, "head", dir.file("data"));
    ASSERT_TRUE(wait_serving(addr, 1)) << node.process().err();
    cli::client c(addr, "", 300s);
    size_t acked = 0, resubmitted = 0;
    for (const auto& j : jobs_) {
      const auto& expected = reference_.at(j.request_id);
      auto known = run.acked.find(j.request_id);
      cli::stream_outcome o;
      if (known != run.acked.end()) {
        ++acked;
        o = c.attach(known->second);  // replays everything, then follows
      } else {
        ++resubmitted;
        o = c.submit(j.request);  // same request id: the durable one if it got that far
      }
      ASSERT_TRUE(o.done) << j.request_id << ": " << o.error.message << o.lost_reason
                          << o.status.message;
      EXPECT_TRUE(o.contiguous) << j.request_id;
      EXPECT_EQ(o.text, expected) << j.request_id << " (seed " << seed << ")";
      EXPECT_EQ(o.result.text, expected) << j.request_id;
      if (known != run.acked.end()) {
        EXPECT_EQ(o.job, known->second);
      }
      auto seen = run.streamed.find(j.request_id);
      if (seen != run.streamed.end()) {
        EXPECT_EQ(expected.compare(0, seen->second.size(), seen->second), 0)
            << j.request_id << " streamed text that is not a prefix of the result";
      }
      auto [st, info] = c.status(o.job);
      EXPECT_EQ(info.state, api::JobState::DONE);
    }
    // Idempotency across the crash: a second submit of any request id is the same job.
    for (size_t i = 0; i < jobs_.size(); i += 37) {
      auto again = c.submit_detached(jobs_[i].request);
      ASSERT_TRUE(again.status.ok());
      auto known = run.acked.find(jobs_[i].request_id);
      if (known != run.acked.end()) {
        EXPECT_EQ(again.job, known->second);
      }
    }
    std::cout << "seed " << seed << ": " << acked << " acknowledged before the kill, "
              << resubmitted << " resubmitted after it\n";
    EXPECT_EQ(node.stop(), 0);
  }

  static inline std::vector<workload_job> jobs_;
  static inline std::map<std::string, std::string> reference_;
};

TEST_F(CrashRecovery, KilledWhileJobsAreBeingAcceptedSeed1) {
  run_with_kill(1, 5, 60);
}
TEST_F(CrashRecovery, KilledWhileGeneratingSeed2) {
  run_with_kill(2, 150, 700);
}
TEST_F(CrashRecovery, KilledAtARandomMomentSeed3) {
  run_with_kill(3, 20, 2500);
}

}  // namespace
}  // namespace troupe::testing
