// persistence_crash_helper: works a job store hard from many threads and reports each write on
// stdout only after the store acknowledged it, so that crash_test.cpp can kill -9 it at any
// moment and check that everything acknowledged survived (test-only).
//
//   persistence_crash_helper <dir> <seed> <threads>
//
// Output, one write(2) per line (lines from different threads never interleave):
//   R <id> <n>   recovered running job <id> with <n> generated tokens; it is resumed and finished
//   A <id>       job <id> (samples::sample_job(id, seed)) is accepted: durable
//   C <id> <n>   the checkpoint of its first <n> samples::sample_output tokens is acknowledged
//   F <id> <n>   it finished (done) with <n> tokens
//   E <text>     something the helper itself found wrong (the test fails on it)
// Jobs follow persistence/crash_plan.hpp. Runs until killed.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "persistence/crash_plan.hpp"
#include "persistence/job_store.hpp"
#include "persistence/sample_jobs.hpp"

namespace {

using namespace troupe;

void say(const std::string& line) {
  std::string out = line + "\n";
  if (::write(STDOUT_FILENO, out.data(), out.size()) != static_cast<ssize_t>(out.size()))
    std::_Exit(4);
}

template <class Fn>
status wait_for(Fn&& call) {
  auto done = std::make_shared<std::promise<status>>();
  auto result = done->get_future();
  call([done](status st) { done->set_value(std::move(st)); });
  return result.get();
}

bool check(const status& st, const std::string& what) {
  if (!st.ok()) say("E " + what + ": " + st.message);
  return st.ok();
}

// Runs a job from `from` generated tokens to its end, checkpointing as it goes.
void run_job(job_store& store, job_id id, uint64_t seed, size_t from) {
  const size_t total = crash_plan::total_tokens(id);
  for (size_t n = from + crash_plan::checkpoint_every; n <= total;
       n += crash_plan::checkpoint_every) {
    auto tokens = samples::sample_output(id, seed, n);
    auto st = wait_for(
        [&](auto done) { store.checkpoint(id, tokens, samples::sample_text(tokens), 1, done); });
    if (!check(st, "checkpoint " + std::to_string(id))) return;
    say("C " + std::to_string(id) + " " + std::to_string(n));
  }
}

void finish_job(job_store& store, job_id id, uint64_t seed) {
  job_outcome outcome;
  outcome.state = job_state::done;
  outcome.reason = finish_reason::max_tokens;
  outcome.first_token_us = 1;
  outcome.finished_us = 1'000'000 + static_cast<int64_t>(id);
  outcome.generated = samples::sample_output(id, seed, crash_plan::total_tokens(id));
  outcome.text = samples::sample_text(outcome.generated);
  auto st = wait_for([&](auto done) { store.finish(id, outcome, done); });
  if (check(st, "finish " + std::to_string(id)))
    say("F " + std::to_string(id) + " " + std::to_string(outcome.generated.size()));
}

void resume(job_store& store, const stored_job& job, uint64_t seed) {
  size_t n = job.generated.size();
  if (job.generated != samples::sample_output(job.id, seed, n))
    say("E recovered job " + std::to_string(job.id) + " has the wrong tokens");
  auto st = wait_for([&](auto done) {
    store.mark_running(job.id, crash_plan::node, crash_plan::device, 1, done);
  });
  if (!check(st, "resume " + std::to_string(job.id))) return;
  run_job(store, job.id, seed, n - n % crash_plan::checkpoint_every);
  finish_job(store, job.id, seed);
}

void work(job_store& store, std::atomic<job_id>& next, uint64_t seed) {
  for (;;) {
    job_id id = next++;
    if (!check(store.accept_sync(samples::sample_job(id, seed)), "accept " + std::to_string(id)))
      continue;
    say("A " + std::to_string(id));
    if (!crash_plan::runs(id)) continue;
    auto st = wait_for(
        [&](auto done) { store.mark_running(id, crash_plan::node, crash_plan::device, 1, done); });
    if (!check(st, "running " + std::to_string(id))) continue;
    run_job(store, id, seed, 0);
    if (crash_plan::finishes(id)) finish_job(store, id, seed);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <dir> <seed> <threads>\n", argv[0]);
    return 2;
  }
  const uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  const int threads = std::atoi(argv[3]);
  std::unique_ptr<job_store> store;
  try {
    store = job_store::open(argv[1]);
  } catch (const job_store_error& e) {
    say(std::string("E open: ") + e.what());
    return 3;
  }
  auto recovered = store->recover();
  for (const auto& error : recovered.errors) say("E recover: " + error.message);
  std::atomic<job_id> next{recovered.next_id};
  std::vector<std::thread> workers;
  workers.emplace_back([&] {
    for (const auto& job : recovered.unfinished)
      if (job.state == job_state::running) {
        say("R " + std::to_string(job.id) + " " + std::to_string(job.generated.size()));
        resume(*store, job, seed);
      }
  });
  for (int t = 0; t < threads; ++t) workers.emplace_back([&] { work(*store, next, seed); });
  for (auto& w : workers) w.join();  // never: the workers run until the process is killed
  return 0;
}
