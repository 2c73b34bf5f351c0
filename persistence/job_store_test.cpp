#include "persistence/job_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <mutex>
#include <thread>

#include "persistence/sample_jobs.hpp"
#include "persistence/scratch_dir.hpp"

namespace troupe {
namespace {

using samples::sample_job;

// Runs an async store call and waits for its callback's status.
template <class Fn>
status wait_for(Fn&& call) {
  auto done = std::make_shared<std::promise<status>>();
  auto result = done->get_future();
  call([done](status st) { done->set_value(std::move(st)); });
  return result.get();
}

TEST(job_store, accept_and_load_round_trip_every_field) {
  scratch_dir dir("store-roundtrip");
  auto store = job_store::open(dir.sub("db"));
  for (job_id id = 1; id <= 20; ++id) ASSERT_TRUE(store->accept_sync(sample_job(id, 1)).ok());
  for (job_id id = 1; id <= 20; ++id) {
    auto loaded = store->load(id);
    ASSERT_TRUE(loaded.st.ok()) << loaded.st.message;
    EXPECT_EQ(samples::diff_jobs(loaded.job, sample_job(id, 1)), "") << "job " << id;
  }
  store->close();
  auto reopened = job_store::open(dir.sub("db"));  // and from disk, after a clean close
  EXPECT_EQ(samples::diff_jobs(reopened->load(7).job, sample_job(7, 1)), "");
  EXPECT_EQ(reopened->load(21).st.code, errc::not_found);
}

TEST(job_store, accept_rejects_invalid_and_duplicate_jobs) {
  scratch_dir dir("store-reject");
  auto store = job_store::open(dir.path());
  EXPECT_EQ(store->accept_sync(sample_job(0, 1)).code, errc::invalid_argument);
  auto running = sample_job(1, 1);
  running.state = job_state::running;
  EXPECT_EQ(store->accept_sync(running).code, errc::invalid_argument);

  auto job = sample_job(2, 1);
  job.spec.client_request_id = "abc";
  ASSERT_TRUE(store->accept_sync(job).ok());
  auto again = store->accept_sync(job);
  EXPECT_EQ(again.code, errc::invalid_argument);
  EXPECT_NE(again.message.find("job 2 is already in the store"), std::string::npos);
  auto other = sample_job(3, 1);
  other.spec.client_request_id = "abc";
  auto dup = store->accept_sync(other);
  EXPECT_EQ(dup.code, errc::invalid_argument);
  EXPECT_NE(dup.message.find("'abc' already names job 2"), std::string::npos) << dup.message;
  EXPECT_EQ(store->load(3).st.code, errc::not_found);
}

TEST(job_store, request_ids_are_visible_from_the_moment_accept_returns) {
  scratch_dir dir("store-idempotent");
  auto store = job_store::open(dir.path());
  EXPECT_EQ(store->lookup_request_id("req-x"), std::nullopt);
  auto job = sample_job(10, 1);
  job.spec.client_request_id = "req-x";
  std::promise<status> first;
  store->accept(job, [&](status st) { first.set_value(st); });
  EXPECT_EQ(store->lookup_request_id("req-x"), 10u);  // in flight or durable: never absent
  auto twin = sample_job(11, 1);
  twin.spec.client_request_id = "req-x";
  EXPECT_EQ(store->accept_sync(twin).code, errc::invalid_argument);
  EXPECT_TRUE(first.get_future().get().ok());
  EXPECT_EQ(store->lookup_request_id("req-x"), 10u);
  EXPECT_EQ(store->lookup_request_id(""), std::nullopt);
}

TEST(job_store, transitions_checkpoints_and_finish) {
  scratch_dir dir("store-transitions");
  auto store = job_store::open(dir.path());
  ASSERT_TRUE(store->accept_sync(sample_job(1, 2)).ok());
  auto running = [&](auto done) { store->mark_running(1, "node-a", "gpu0", 1000, done); };
  ASSERT_TRUE(wait_for(running).ok());
  auto job = store->load(1).job;
  EXPECT_EQ(job.state, job_state::running);
  EXPECT_EQ(job.node, "node-a");
  EXPECT_EQ(job.device, "gpu0");
  EXPECT_EQ(job.timings.started_us, 1000);

  auto tokens = samples::sample_output(1, 2, 32);
  ASSERT_TRUE(wait_for([&](auto done) {
                store->checkpoint(1, tokens, samples::sample_text(tokens), 1100, done);
              }).ok());
  ASSERT_TRUE(wait_for([&](auto done) { store->mark_queued(1, done); }).ok());
  job = store->load(1).job;
  EXPECT_EQ(job.state, job_state::queued);
  EXPECT_EQ(job.node, "node-a");  // where it last ran
  EXPECT_EQ(job.generated, tokens);
  EXPECT_EQ(job.text, samples::sample_text(tokens));
  EXPECT_EQ(job.timings.first_token_us, 1100);

  job_outcome outcome;
  outcome.state = job_state::done;
  outcome.reason = finish_reason::eos;
  outcome.first_token_us = 1100;
  outcome.finished_us = 2000;
  outcome.generated = samples::sample_output(1, 2, 40);
  outcome.text = samples::sample_text(outcome.generated);
  ASSERT_TRUE(wait_for([&](auto done) { store->finish(1, outcome, done); }).ok());
  job = store->load(1).job;
  EXPECT_EQ(job.state, job_state::done);
  EXPECT_EQ(job.reason, finish_reason::eos);
  EXPECT_EQ(job.timings.finished_us, 2000);
  EXPECT_EQ(job.generated, outcome.generated);
  EXPECT_EQ(samples::diff_jobs(job,
                               [&] {
                                 auto expected = sample_job(1, 2);
                                 expected.state = job_state::done;
                                 expected.reason = finish_reason::eos;
                                 expected.node = "node-a";
                                 expected.device = "gpu0";
                                 expected.timings.started_us = 1000;
                                 expected.timings.first_token_us = 1100;
                                 expected.timings.finished_us = 2000;
                                 expected.generated = outcome.generated;
                                 expected.text = outcome.text;
                                 return expected;
                               }()),
            "");

  // A finished job takes no more writes; unknown jobs and non-terminal finishes are refused.
  auto late = wait_for([&](auto done) { store->checkpoint(1, {1}, "x", 0, done); });
  EXPECT_EQ(late.code, errc::invalid_argument);
  EXPECT_NE(late.message.find("already finished (done)"), std::string::npos) << late.message;
  EXPECT_EQ(wait_for([&](auto done) { store->mark_running(99, "n", "d", 1, done); }).code,
            errc::not_found);
  job_outcome not_terminal;
  not_terminal.state = job_state::running;
  EXPECT_EQ(wait_for([&](auto done) { store->finish(1, not_terminal, done); }).code,
            errc::invalid_argument);
}

TEST(job_store, writes_apply_in_call_order_even_within_one_group) {
  scratch_dir dir("store-order");
  auto store = job_store::open(dir.path());
  std::mutex mu;
  std::vector<std::string> order;
  auto note = [&](std::string what) {
    return [&, what](status st) {
      std::lock_guard lock(mu);
      order.push_back(st.ok() ? what : what + " failed: " + st.message);
    };
  };
  // Nothing waits: accept, transitions and checkpoints all queue up behind each other.
  store->accept(sample_job(5, 3), note("accept"));
  store->mark_running(5, "n", "d", 10, note("running"));
  for (size_t n = 1; n <= 50; ++n) {
    auto tokens = samples::sample_output(5, 3, n);
    store->checkpoint(5, tokens, samples::sample_text(tokens), 11, note("cp" + std::to_string(n)));
  }
  job_outcome outcome;
  outcome.state = job_state::cancelled;
  outcome.error = status{errc::cancelled, "by client"};
  outcome.finished_us = 20;
  outcome.generated = samples::sample_output(5, 3, 50);
  store->finish(5, outcome, note("finish"));
  store->flush();
  std::vector<std::string> expected{"accept", "running"};
  for (int n = 1; n <= 50; ++n) expected.push_back("cp" + std::to_string(n));
  expected.push_back("finish");
  EXPECT_EQ(order, expected);
  auto job = store->load(5).job;
  EXPECT_EQ(job.state, job_state::cancelled);
  EXPECT_EQ(job.error.code, errc::cancelled);
  EXPECT_EQ(job.error.message, "by client");
  EXPECT_EQ(job.generated, outcome.generated);
  EXPECT_EQ(job.text, "");
}

TEST(job_store, recover_returns_unfinished_jobs_by_priority_then_age) {
  scratch_dir dir("store-recover");
  {
    auto store = job_store::open(dir.path());
    const priority prios[] = {priority::low, priority::high,   priority::normal, priority::high,
                              priority::low, priority::normal, priority::high,   priority::low};
    for (job_id id = 1; id <= 8; ++id) {
      auto job = sample_job(id, 4);
      job.spec.prio = prios[id - 1];
      ASSERT_TRUE(store->accept_sync(job).ok());
    }
    store->mark_running(4, "n", "d", 40);
    store->checkpoint(4, {7, 8, 9}, "abc", 41);
    job_outcome outcome;
    outcome.finished_us = 50;
    store->finish(2, outcome);  // finished: not recovered
    store->flush();
  }  // closed without waiting for anything else
  auto store = job_store::open(dir.path());
  auto state = store->recover();
  EXPECT_TRUE(state.errors.empty());
  std::vector<job_id> ids;
  for (const auto& job : state.unfinished) ids.push_back(job.id);
  EXPECT_EQ(ids, (std::vector<job_id>{4, 7, 3, 6, 1, 5, 8}));
  EXPECT_EQ(state.next_id, 9u);
  EXPECT_EQ(state.finished_kept, 1u);
  const auto& resumed = state.unfinished[0];
  EXPECT_EQ(resumed.state, job_state::running);
  EXPECT_EQ(resumed.generated, (std::vector<token_id>{7, 8, 9}));
  EXPECT_EQ(resumed.text, "abc");
  auto expected = sample_job(7, 4);
  expected.spec.prio = priority::high;
  EXPECT_EQ(samples::diff_jobs(state.unfinished[1], expected), "");
}

TEST(job_store, retention_sweep_removes_finished_jobs_and_keeps_ids_unique) {
  scratch_dir dir("store-retention");
  job_store_options options;
  options.retention = std::chrono::microseconds(100);
  auto store = job_store::open(dir.path(), options);
  for (job_id id = 1; id <= 6; ++id) ASSERT_TRUE(store->accept_sync(sample_job(id, 5)).ok());
  for (job_id id = 1; id <= 5; ++id) {
    job_outcome outcome;
    outcome.finished_us = static_cast<int64_t>(id) * 100;  // 100 .. 500
    outcome.generated = {1, 2, 3};
    store->finish(id, outcome);
  }
  store->flush();
  EXPECT_EQ(store->recover().finished_kept, 5u);
  EXPECT_EQ(store->remove_finished_before(300), 2u);  // finished at 100 and 200
  EXPECT_EQ(store->load(1).st.code, errc::not_found);
  EXPECT_EQ(store->load(2).st.code, errc::not_found);
  EXPECT_TRUE(store->load(3).st.ok());
  EXPECT_EQ(store->lookup_request_id(sample_job(1, 5).spec.client_request_id), std::nullopt);
  EXPECT_EQ(store->remove_expired(500), 1u);  // retention 100: finished before 400
  EXPECT_EQ(store->recover().finished_kept, 2u);
  EXPECT_EQ(store->remove_finished_before(1'000'000), 2u);
  auto state = store->recover();
  EXPECT_EQ(state.finished_kept, 0u);
  ASSERT_EQ(state.unfinished.size(), 1u);
  EXPECT_EQ(state.unfinished[0].id, 6u);
  EXPECT_EQ(state.next_id, 7u);

  // Even with every job gone, ids are never reused.
  job_outcome outcome;
  outcome.finished_us = 1;
  ASSERT_TRUE(wait_for([&](auto done) { store->finish(6, outcome, done); }).ok());
  EXPECT_EQ(store->remove_finished_before(1'000'000), 1u);
  store->close();
  EXPECT_EQ(job_store::open(dir.path())->recover().next_id, 7u);
}

TEST(job_store, concurrent_accepts_share_fsyncs) {
  scratch_dir dir("store-group");
  auto store = job_store::open(dir.path());
  constexpr int threads = 16, per_thread = 100;
  // The first accept's callback holds the writer until every thread has queued its accepts, so
  // they all wait for the same next group: the batching is deterministic.
  std::latch queued(threads);
  std::promise<status> first;
  store->accept(sample_job(1, 6, 16), [&](status st) {
    queued.wait();
    first.set_value(st);
  });
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t)
    clients.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        store->accept(sample_job(2 + t * per_thread + i, 6, 16), [&](status st) {
          if (st.ok()) ++ok;
        });
      queued.count_down();
    });
  for (auto& c : clients) c.join();
  ASSERT_TRUE(first.get_future().get().ok());
  store->flush();
  EXPECT_EQ(ok.load(), threads * per_thread);
  auto stats = store->stats();
  EXPECT_EQ(stats.ops, uint64_t{threads * per_thread + 2});  // + the flush barrier
  EXPECT_EQ(stats.failed_ops, 0u);
  EXPECT_LE(stats.synced_batches, 3u) << "1600 accepts should take the first group + one more";

  // Clients that each wait for their acknowledgement also share fsyncs.
  auto before = store->stats().synced_batches;
  std::vector<std::thread> waiting;
  for (int t = 0; t < threads; ++t)
    waiting.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        EXPECT_TRUE(store->accept_sync(sample_job(10'000 + t * per_thread + i, 6, 16)).ok());
    });
  for (auto& c : waiting) c.join();
  auto synced = store->stats().synced_batches - before;
  EXPECT_LT(synced * 2, uint64_t{threads * per_thread}) << synced << " fsyncs";
}

}  // namespace
}  // namespace troupe
