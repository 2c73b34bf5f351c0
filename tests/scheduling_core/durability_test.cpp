// The scheduling core with its job store (durable mode): accepted jobs are in the store when the
// submit is answered; queued and running jobs survive a restart and resume where they stopped
// (a running job continues from its checkpoint, not from scratch), finished jobs stay readable,
// request ids stay idempotent and job ids are never reused. Kill -9 of a real node is tested in
// tests/node_process.
#include <gtest/gtest.h>

#include <latch>
#include <set>
#include <thread>

#include "persistence/job_store.hpp"
#include "tests/scheduling_core/step_queries.hpp"
#include "tests/support/core_harness.hpp"
#include "tests/support/process.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

test_engine_options slow(std::chrono::microseconds step = 2ms) {
  test_engine_options o;
  o.per_step_delay = step;
  return o;
}

TEST(Durability, AnAcceptedJobIsInTheStoreWhenTheSubmitIsAnswered) {
  temp_dir dir;
  job_id id = 0;
  {
    core_harness h(core_config(1, 8, 1), {}, {}, dir.path());
    h.set_limits({"test", 0, -1});  // keep it queued
    auto r = h.submit(make_job("durable", 4));
    ASSERT_TRUE(r.st.ok()) << r.st.message;
    id = r.job;
  }
  auto store = job_store::open(dir.path() + "/jobs");
  auto loaded = store->load(id);
  ASSERT_TRUE(loaded.st.ok()) << loaded.st.message;
  EXPECT_EQ(loaded.job.state, job_state::queued);
  EXPECT_EQ(loaded.job.spec.prompt, "durable");
}

TEST(Durability, QueuedAndRunningJobsResumeAfterARestartWithTheSameOutput) {
  temp_dir dir;
  auto config = core_config(2, 16, 2, 512, 4096, "checkpoint_tokens = 8");
  std::vector<job_id> jobs;
  std::vector<std::string> prompts;
  {
    core_harness h(config, slow(), {}, dir.path());
    for (int i = 0; i < 6; ++i) {
      prompts.push_back("resume me " + std::to_string(i));
      jobs.push_back(h.submit(make_job(prompts.back(), 60)).job);
    }
    // Stop while the first two run and the others wait.
    ASSERT_TRUE(h.log().wait_for(
        [&](auto& m) { return m.count(jobs[0]) && m.at(jobs[0]).tokens.size() >= 20; }));
  }
  core_harness h(config, slow(0ms), {}, dir.path());
  for (auto j : jobs) ASSERT_TRUE(h.attach(j, spawn_recorder(h.system(), h.log_ptr())).ok());
  ASSERT_TRUE(h.log().wait_terminals(jobs.size()));
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto o = h.log().outcome(jobs[i]);
    ASSERT_TRUE(o.done) << o.error.error.message;
    EXPECT_EQ(o.text, expected_text(prompts[i], 60, {})) << "job " << jobs[i];
    EXPECT_EQ(o.result.generated_tokens, 60u);
    EXPECT_FALSE(o.index_gap);
  }
  // The running job continued from its checkpoint: its first step after the restart carried the
  // prompt plus at least 16 tokens generated before.
  auto steps = h.engine().steps();
  auto first = first_step(steps, jobs[0]);
  ASSERT_GE(first, 0);
  for (auto& s : steps[first].seqs) {
    if (s.seq == jobs[0]) {
      EXPECT_GE(s.tokens.size(), prompts[0].size() + 1 + 16);
    }
  }
}

TEST(Durability, FinishedJobsRequestIdsAndJobIdsSurviveARestart) {
  temp_dir dir;
  auto config = core_config(4, 16, 4);
  job_id first = 0;
  std::string text;
  {
    core_harness h(config, {}, {}, dir.path());
    auto spec = make_job("remember me", 7);
    spec.client_request_id = "req-42";
    first = h.submit(spec).job;
    ASSERT_TRUE(h.log().wait_terminals(1));
    text = h.log().outcome(first).text;
  }
  core_harness h(config, {}, {}, dir.path());
  auto info = h.info(first);
  EXPECT_EQ(info.state, job_state::done);
  EXPECT_EQ(info.generated_tokens, 7u);
  EXPECT_EQ(h.cancel(first).code, errc::invalid_argument);
  ASSERT_TRUE(h.attach(first, spawn_recorder(h.system(), h.log_ptr())).ok());
  ASSERT_TRUE(h.log().wait_terminals(1));
  EXPECT_EQ(h.log().outcome(first).text, text);
  EXPECT_TRUE(h.log().outcome(first).done);
  auto again = make_job("remember me", 7);
  again.client_request_id = "req-42";
  EXPECT_EQ(h.submit(again).job, first);
  EXPECT_TRUE(h.engine().steps().empty());  // nothing ran twice
  auto fresh = h.submit(make_job("new", 2)).job;
  EXPECT_GT(fresh, first);
}

// Sixteen clients send the same request under one client_request_id at the same moment, in
// memory and with a store: every one of them is answered with the same job, which runs once,
// and no other job id was used up. (The request id used to name the job only once capacity had
// admitted it: duplicates arriving meanwhile became jobs of their own, and the store's refusal
// of the second erased the first's mapping.)
void concurrent_duplicates_are_one_job(const std::string& data_dir) {
  core_harness h(core_config(64, 64, 16), {}, {}, data_dir);
  auto spec = make_job("same request", 5);
  spec.client_request_id = "dup-1";
  constexpr int clients = 16;
  std::vector<submit_reply> replies(clients);
  std::latch start(clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      replies[i] = h.submit_unobserved(spec);
    });
  for (auto& t : threads) t.join();
  for (const auto& r : replies) {
    EXPECT_TRUE(r.st.ok()) << r.st.message;
    EXPECT_EQ(r.job, replies[0].job);
  }
  const job_id job = replies[0].job;
  for (int i = 0; i < 1000 && h.info(job).state != job_state::done; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(h.info(job).state, job_state::done);
  EXPECT_EQ(h.info(job).generated_tokens, 5u);
  EXPECT_EQ(h.stats()["overall"]["requests"]["accepted"], 1);  // the twins never existed
  EXPECT_EQ(h.submit(make_job("next", 1)).job, job + 1);       // nor used up an id
}

TEST(Durability, ConcurrentDuplicateSubmitsAreOneJobInMemory) {
  concurrent_duplicates_are_one_job("");
}

TEST(Durability, ConcurrentDuplicateSubmitsAreOneJobWithAStore) {
  temp_dir dir;
  concurrent_duplicates_are_one_job(dir.path());
}

TEST(Durability, DrainHandsQueuedJobsBackToTheStoreInsteadOfFailingThem) {
  temp_dir dir;
  auto config = core_config(1, 16, 1);
  std::vector<job_id> jobs;
  {
    core_harness h(config, slow(), {}, dir.path());
    for (int i = 0; i < 4; ++i)
      jobs.push_back(h.submit(make_job("later " + std::to_string(i), 30)).job);
    ASSERT_TRUE(h.log().wait_for([&](auto& m) { return !m.empty(); }));
    EXPECT_TRUE(h.drain(10s).ok());
    EXPECT_EQ(h.submit(make_job("refused", 2)).st.code, errc::unavailable);
    ASSERT_TRUE(h.log().wait_terminals(1));
    EXPECT_EQ(h.log().terminals(), 1u);  // the running one finished; the others were not failed
  }
  core_harness h(config, {}, {}, dir.path());
  for (auto j : jobs) ASSERT_TRUE(h.attach(j, spawn_recorder(h.system(), h.log_ptr())).ok());
  ASSERT_TRUE(h.log().wait_terminals(4));
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto o = h.log().outcome(jobs[i]);
    EXPECT_TRUE(o.done);
    EXPECT_EQ(o.text, expected_text("later " + std::to_string(i), 30, {}));
  }
}

}  // namespace
}  // namespace troupe::testing
