// Crash tests with real processes: persistence_crash_helper works a store from 16 threads and
// reports what the store acknowledged; the test kills it with SIGKILL at a seed-chosen point,
// reopens the store and checks that everything acknowledged is there and intact, that nothing
// unacknowledged is half there, and that a second run recovers and finishes the running jobs.
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "persistence/crash_plan.hpp"
#include "persistence/job_store.hpp"
#include "persistence/sample_jobs.hpp"
#include "persistence/scratch_dir.hpp"

#ifndef TROUPE_CRASH_HELPER
#error "TROUPE_CRASH_HELPER must name the persistence_crash_helper executable"
#endif

namespace troupe {
namespace {

struct acknowledged {  // what the helper reported, over all its runs on one store
  std::set<job_id> accepted;
  std::map<job_id, size_t> checkpointed;  // largest acknowledged checkpoint
  std::map<job_id, size_t> finished;
  std::vector<std::string> errors;
  size_t lines = 0;
};

class helper_process {  // the helper with its stdout on a pipe; killed and reaped when destroyed
 public:
  helper_process(const std::string& dir, uint64_t seed) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a test run that died itself
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::string seed_arg = std::to_string(seed);
      ::execl(TROUPE_CRASH_HELPER, TROUPE_CRASH_HELPER, dir.c_str(), seed_arg.c_str(), "16",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~helper_process() {
    kill();
    if (out_ >= 0) ::close(out_);
  }

  // The next chunk of output; empty at end of file or after `timeout_ms` without output.
  std::string read(int timeout_ms) {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return {};
    char buf[65536];
    ssize_t n = ::read(out_, buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

  int kill() {  // SIGKILL and reap; returns the wait status
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int status_ = 0;
};

void parse_line(const std::string& line, acknowledged& acks) {
  std::istringstream in(line);
  char kind = 0;
  job_id id = 0;
  size_t n = 0;
  in >> kind;
  if (kind == 'E') {
    acks.errors.push_back(line);
    return;
  }
  in >> id >> n;
  if (kind == 'A') acks.accepted.insert(id);
  if (kind == 'C') acks.checkpointed[id] = std::max(acks.checkpointed[id], n);
  if (kind == 'F') acks.finished[id] = n;
  ++acks.lines;
}

// One run of the helper, killed once it has acknowledged `kill_after` more writes.
void run_and_kill(const std::string& dir, uint64_t seed, size_t kill_after, acknowledged& acks) {
  helper_process helper(dir, seed);
  const size_t target = acks.lines + kill_after;
  std::string pending;
  bool killed = false;
  for (;;) {
    std::string chunk = helper.read(killed ? 5000 : 30000);
    if (chunk.empty()) break;  // end of output (after the kill) or a stuck helper
    pending += chunk;
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos;) {
      parse_line(pending.substr(0, eol), acks);
      pending.erase(0, eol + 1);
    }
    if (!killed && acks.lines >= target) {
      // Everything still in the pipe was printed, hence acknowledged, before the kill: keep
      // reading.
      int wait_status = helper.kill();
      EXPECT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL);
      killed = true;
    }
  }
  EXPECT_TRUE(killed) << "the helper stopped producing output after " << acks.lines << " lines";
  EXPECT_TRUE(acks.errors.empty()) << acks.errors.front();
}

void verify(const std::string& dir, uint64_t seed, const acknowledged& acks) {
  auto store = job_store::open(dir);
  auto state = store->recover();
  for (const auto& error : state.errors) ADD_FAILURE() << error.message;
  std::set<job_id> unfinished;
  for (size_t i = 0; i < state.unfinished.size(); ++i) {
    const auto& job = state.unfinished[i];
    EXPECT_TRUE(unfinished.insert(job.id).second) << "job " << job.id << " recovered twice";
    if (i > 0) {
      const auto& prev = state.unfinished[i - 1];
      EXPECT_TRUE(prev.spec.prio > job.spec.prio ||
                  (prev.spec.prio == job.spec.prio && prev.id < job.id))
          << "recovery order: job " << prev.id << " before job " << job.id;
    }
  }
  if (!acks.accepted.empty()) {
    EXPECT_GT(state.next_id, *acks.accepted.rbegin());
  }

  size_t present = 0;
  for (job_id id = 1; id < state.next_id; ++id) {
    auto loaded = store->load(id);
    if (loaded.st.code == errc::not_found) {
      EXPECT_EQ(acks.accepted.count(id), 0u) << "acknowledged job " << id << " is lost";
      EXPECT_EQ(unfinished.count(id), 0u);
      continue;
    }
    ASSERT_TRUE(loaded.st.ok()) << loaded.st.message;
    ++present;
    const stored_job& job = loaded.job;
    // Intact: the request equals what was submitted, the output is a prefix of the real one.
    stored_job expected = samples::sample_job(id, seed);
    expected.state = job.state;
    int64_t submitted_us = expected.timings.submitted_us;
    expected.timings = job.timings;
    expected.timings.submitted_us = submitted_us;
    expected.node = job.node;
    expected.device = job.device;
    expected.reason = job.reason;
    expected.error = job.error;
    expected.generated = samples::sample_output(id, seed, job.generated.size());
    expected.text = samples::sample_text(expected.generated);
    EXPECT_EQ(samples::diff_jobs(job, expected), "") << "job " << id;

    if (auto c = acks.checkpointed.find(id); c != acks.checkpointed.end()) {
      EXPECT_GE(job.generated.size(), c->second) << "job " << id << " lost a checkpoint";
    }
    bool finished = job.state == job_state::done;
    if (acks.finished.count(id) != 0) {
      EXPECT_TRUE(finished) << "job " << id << " lost its finish";
    }
    if (finished) {
      EXPECT_EQ(job.generated.size(), crash_plan::total_tokens(id)) << "job " << id;
    }
    if (!crash_plan::runs(id)) {
      EXPECT_EQ(job.state, job_state::queued) << "job " << id;
    }
    EXPECT_EQ(unfinished.count(id), finished ? 0u : 1u) << "job " << id;
  }
  EXPECT_EQ(present, state.unfinished.size() + state.finished_kept);
}

class crash_test : public ::testing::TestWithParam<uint64_t> {};

TEST_P(crash_test, acknowledged_work_survives_kill_9) {
  const uint64_t seed = GetParam();
  scratch_dir dir("store-crash");
  acknowledged acks;
  for (int round = 0; round < 3; ++round) {
    size_t kill_after = 40 + (seed * 2654435761u + static_cast<uint64_t>(round) * 97) % 1200;
    run_and_kill(dir.sub("db"), seed, kill_after, acks);
    verify(dir.sub("db"), seed, acks);
    if (HasFailure()) return;
  }
  EXPECT_GT(acks.accepted.size(), 40u);
  EXPECT_FALSE(acks.finished.empty());
}

INSTANTIATE_TEST_SUITE_P(seeds, crash_test, ::testing::Values(1, 2, 3, 4, 5, 6));

}  // namespace
}  // namespace troupe
