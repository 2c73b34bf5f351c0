// troupe-node --supervise with real processes: the node killed with -9 is started again on its
// data directory and finishes the jobs it had accepted; SIGTERM to the supervisor drains the
// node and stops both; a config error is not retried; a node that keeps dying is given up on.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <thread>

#include "tests/node_process/node_fixture.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

// The pid of the latest node the supervisor started, from its log; 0 when none yet.
pid_t latest_child(const child_process& supervisor) {
  static const std::regex started("supervisor: started troupe-node pid ([0-9]+)");
  const std::string log = supervisor.err();
  pid_t pid = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), started), end; it != end; ++it)
    pid = static_cast<pid_t>(std::stol((*it)[1]));
  return pid;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class Supervisor : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_test_model("stories260K.gguf").empty()) GTEST_SKIP() << "stories260K.gguf not found";
    workload_reference(40);
  }

  std::unique_ptr<child_process> supervised(const std::string& supervisor_keys) {
    spec_ = one_node();
    config_ = dir_.write("c" + std::to_string(configs_++) + ".toml",
                         config_text(spec_) + "\n[supervisor]\n" + supervisor_keys);
    return std::make_unique<child_process>(
        std::vector<std::string>{binary_path("troupe-node"), "--supervise", "--config", config_,
                                 "--data-dir", dir_.file("data"), "--log-level", "info"});
  }

  temp_dir dir_;
  cluster_spec spec_;
  std::string config_;
  int configs_ = 0;  // each supervisor reads its own file, at every restart
};

TEST_F(Supervisor, ANodeKilledWithSigkillIsBackAndFinishesItsJobs) {
  auto sup = supervised("restart_delay_ms = 100\n");
  const std::string addr = address(spec_.nodes[0]);
  ASSERT_TRUE(wait_serving(addr, 1)) << sup->err();
  const pid_t first = latest_child(*sup);
  ASSERT_GT(first, 0) << sup->err();

  // Accepted jobs, most still queued or running when the node dies.
  auto jobs = mixed_workload(40);
  std::map<std::string, uint64_t> acked;
  {
    cli::client c(addr, "", 30s);
    for (const auto& j : jobs) {
      auto r = c.submit_detached(j.request);
      ASSERT_TRUE(r.status.ok()) << r.status.message;
      acked[j.request_id] = r.job;
    }
  }
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(sup->wait_for_output("killed by signal 9", 30s)) << sup->err();
  ASSERT_TRUE(sup->wait_for_output("restarting in 100 ms", 30s)) << sup->err();
  ASSERT_TRUE(wait_serving(addr, 1, 60s)) << sup->err();
  const pid_t second = latest_child(*sup);
  // The kill hit accepted work: the restarted node read unfinished jobs back from its store.
  const std::string log = sup->err();
  const std::regex recovered("job store: ([0-9]+) unfinished jobs read");
  std::string last = "0";
  for (std::sregex_iterator it(log.begin(), log.end(), recovered), end; it != end; ++it)
    last = (*it)[1];
  EXPECT_GT(std::stoi(last), 0) << log;
  EXPECT_NE(second, first);
  EXPECT_TRUE(sup->running());

  cli::client c(addr, "", 120s);
  const auto& reference = workload_reference(40);
  for (const auto& [rid, id] : acked) {
    auto o = c.attach(id);
    EXPECT_TRUE(o.done) << rid << ": " << o.error.message << o.lost_reason;
    EXPECT_EQ(o.text, reference.at(rid)) << rid;
  }

  // SIGTERM reaches the node through the supervisor: it drains, both exit 0, no restart.
  sup->signal(SIGTERM);
  auto code = sup->wait(60s);
  ASSERT_TRUE(code.has_value()) << sup->err();
  EXPECT_EQ(*code, 0) << sup->err();
  EXPECT_NE(sup->err().find("node 'head' stopped"), std::string::npos) << sup->err();
  EXPECT_EQ(count(sup->err(), "supervisor: started troupe-node"), 2u) << sup->err();
  EXPECT_NE(::kill(second, 0), 0);  // the node is gone too
}

TEST_F(Supervisor, AConfigErrorIsNotRetriedAndANodeThatKeepsDyingIsGivenUpOn) {
  auto sup = supervised("restart_delay_ms = 10\nmax_restarts = 2\nrestart_window_s = 60\n");
  const std::string addr = address(spec_.nodes[0]);
  ASSERT_TRUE(wait_serving(addr, 1)) << sup->err();
  // A second supervised node on the same data_dir: its child exits 2, and that is not retried.
  auto second = supervised("restart_delay_ms = 10\n");
  auto code = second->wait(60s);
  ASSERT_TRUE(code.has_value()) << second->err();
  EXPECT_EQ(*code, 2) << second->err();
  EXPECT_NE(second->err().find("not restarting"), std::string::npos) << second->err();
  EXPECT_EQ(count(second->err(), "supervisor: started troupe-node"), 1u) << second->err();

  // Three deaths within the window, two restarts allowed: the third is the end.
  for (int death = 0; death < 3; ++death) {
    ASSERT_TRUE(wait_serving(addr, 1, 60s)) << sup->err();
    const pid_t child = latest_child(*sup);
    ASSERT_EQ(count(sup->err(), "supervisor: started troupe-node"), size_t(death + 1));
    ::kill(child, SIGKILL);
    if (death < 2) {
      ASSERT_TRUE(sup->wait_for_output("restart " + std::to_string(death + 1) + " of 2", 30s))
          << sup->err();
    }
  }
  code = sup->wait(60s);
  ASSERT_TRUE(code.has_value()) << sup->err();
  EXPECT_EQ(*code, 1) << sup->err();
  EXPECT_NE(sup->err().find("giving up"), std::string::npos) << sup->err();
}

TEST_F(Supervisor, ASupervisorKilledWithSigkillTakesItsNodeDown) {
  auto sup = supervised("restart_delay_ms = 10\n");
  ASSERT_TRUE(wait_serving(address(spec_.nodes[0]), 1)) << sup->err();
  const pid_t child = latest_child(*sup);
  ASSERT_GT(child, 0);
  sup->signal(SIGKILL);
  ASSERT_TRUE(sup->wait(10s).has_value());
  // The node gets SIGTERM from the kernel (PR_SET_PDEATHSIG) and drains; it is not our child,
  // so poll for it to be gone.
  bool gone = false;
  for (int i = 0; i < 600 && !gone; ++i) {
    gone = ::kill(child, 0) != 0;
    if (!gone) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(gone) << "troupe-node pid " << child << " outlived its supervisor";
  if (!gone) ::kill(child, SIGKILL);
}

}  // namespace
}  // namespace troupe::testing
