// The cluster (issue: "many nodes from one config, surviving the loss of any node"), with real
// troupe-node processes on loopback: a head and two workers serving stories260K. A workload of
// mixed jobs (streaming and detached, greedy and seeded, every priority) runs while the cluster
// is disturbed — a worker or the head killed with SIGKILL, a worker frozen with SIGSTOP past the
// failure timeout, a worker drained with SIGTERM — and every job must end exactly once with the
// output of an undisturbed single-node run, streams without gaps or repeats.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/node_process/node_fixture.hpp"
#include "tools/http/http_client.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

struct drive_result {
  std::map<std::string, uint64_t> ids;           // request id -> job id
  std::map<std::string, std::string> node;       // request id -> node that ran it
  std::map<std::string, std::string> live_text;  // streams that ran to the end untouched
};

// Submits `jobs` (streaming ones from a few client threads), calls `disturb` once `trigger_done`
// jobs have finished, then follows every job to its end (re-attaching or resubmitting under its
// request id when the head was restarted) and checks each output against the reference.
drive_result drive(cluster_run& c, const std::vector<workload_job>& jobs, size_t trigger_done,
                   const std::function<void()>& disturb) {
  const auto& reference = workload_reference(200);
  drive_result out;
  std::mutex mu;
  auto addr = c.head_address();
  {
    cli::client client(addr, "", 60s);
    for (const auto& j : jobs) {
      if (j.streaming) continue;
      auto r = client.submit_detached(j.request);
      EXPECT_TRUE(r.status.ok()) << r.status.message;
      if (r.status.ok()) out.ids[j.request_id] = r.job;
    }
  }
  std::vector<std::thread> streams;
  const size_t threads = 4;
  for (size_t t = 0; t < threads; ++t)
    streams.emplace_back([&, t] {
      size_t k = 0;
      for (const auto& j : jobs) {
        if (!j.streaming || k++ % threads != t) continue;
        try {
          cli::client client(addr, "", 120s);
          std::string seen;
          auto o = client.submit(j.request, [&](const std::string& s) { seen += s; });
          std::lock_guard<std::mutex> lock(mu);
          if (o.status.ok()) out.ids[j.request_id] = o.job;
          if (o.done) {
            EXPECT_TRUE(o.contiguous) << j.request_id;
            out.live_text[j.request_id] = seen;
          }
        } catch (const std::exception&) {
          // The head went away under this stream; the job is followed up below.
        }
      }
    });
  if (disturb) {
    // Wait for the trigger: enough jobs finished, so the disturbance hits a busy cluster.
    for (int i = 0; i < 600; ++i) {
      size_t done = 0;
      try {
        cli::client client(addr, "", 5s);
        std::map<std::string, uint64_t> ids;
        {
          std::lock_guard<std::mutex> lock(mu);
          ids = out.ids;
        }
        for (const auto& [rid, id] : ids)
          done += client.status(id).second.state == api::JobState::DONE;
      } catch (const std::exception&) {
      }
      if (done >= trigger_done) break;
      std::this_thread::sleep_for(50ms);
    }
    disturb();
  }
  for (auto& t : streams) t.join();
  EXPECT_TRUE(wait_serving(addr, 1, 120s));
  cli::client client(addr, "", 300s);
  for (const auto& j : jobs) {
    auto known = out.ids.find(j.request_id);
    auto o = known != out.ids.end() ? client.attach(known->second) : client.submit(j.request);
    EXPECT_TRUE(o.done) << j.request_id << ": " << o.error.message << o.status.message
                        << o.lost_reason;
    EXPECT_TRUE(o.contiguous) << j.request_id;
    EXPECT_EQ(o.text, reference.at(j.request_id)) << j.request_id;
    auto [st, info] = client.status(o.job);
    EXPECT_EQ(info.state, api::JobState::DONE) << j.request_id;
    out.node[j.request_id] = info.node;
  }
  for (const auto& [rid, text] : out.live_text)
    EXPECT_EQ(text, reference.at(rid)) << rid << ": a live stream saw different text";
  return out;
}

// Jobs the head moved off `node` when it lost it ("... node X lost (...): N running job(s)").
int jobs_moved(const std::string& head_log, const std::string& node) {
  std::regex line("node " + node + " lost \\(.*\\): ([0-9]+) running job");
  int moved = 0;
  for (std::sregex_iterator it(head_log.begin(), head_log.end(), line), end; it != end; ++it)
    moved += std::stoi((*it)[1]);
  return moved;
}

std::vector<workload_job> first(size_t n) {
  auto all = mixed_workload(200);
  all.resize(n);
  return all;
}

class Cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_test_model("stories260K.gguf").empty()) GTEST_SKIP() << "stories260K.gguf not found";
    workload_reference(200);  // computed (or read from the cache) before any cluster starts
  }
};

TEST_F(Cluster, NodesStartedInReverseOrderFormTheClusterAndShareTwoHundredJobs) {
  cluster_run c(nodes(3));
  c.start(2);
  c.start(1);
  std::this_thread::sleep_for(500ms);  // the workers retry while the head is not there yet
  c.start(0);
  ASSERT_TRUE(wait_serving(c.head_address(), 3)) << c.node(0).process().err();
  auto r = drive(c, mixed_workload(200), 0, {});
  std::map<std::string, int> per_node;
  for (const auto& [rid, node] : r.node) ++per_node[node];
  for (const auto& n : c.spec().nodes) EXPECT_GT(per_node[n.name], 0) << n.name << " ran no job";
  cli::client client(c.head_address());
  auto [st, rows] = client.nodes();
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& n : rows) EXPECT_EQ(n.state, "up") << n.name;
  c.stop_all();

  // The head's activity log has one line per job, naming the node the job's status named.
  std::ifstream log(c.data_dir(0) + "/activity.log");
  std::map<std::string, nlohmann::json> logged;
  for (std::string line; std::getline(log, line);) {
    auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(logged.emplace(j.at("client_request_id").get<std::string>(), j).second) << line;
  }
  EXPECT_EQ(logged.size(), r.node.size());
  for (const auto& [rid, node] : r.node) {
    ASSERT_TRUE(logged.count(rid)) << rid << " is not in the activity log";
    const auto& j = logged.at(rid);
    EXPECT_EQ(j.at("state"), "done") << j;
    EXPECT_EQ(j.at("node"), node) << j;
    EXPECT_GT(j.at("generated_tokens").get<int>(), 0) << j;
    EXPECT_GE(j.at("duration_ms").get<double>(), j.at("ttft_ms").get<double>()) << j;
    EXPECT_EQ(j.at("client").get<std::string>().rfind("127.0.0.1:", 0), 0u) << j;  // the CLI's
  }
}

TEST_F(Cluster, AWorkerKilledMidRunLosesNoJob) {
  cluster_run c(nodes(3));
  for (size_t i = 0; i < 3; ++i) c.start(i);
  ASSERT_TRUE(wait_serving(c.head_address(), 3));
  drive(c, first(120), 10, [&] { c.node(1).kill9(); });
  // The kill hit running work: the head moved the dead worker's jobs elsewhere.
  EXPECT_GT(jobs_moved(c.node(0).process().err(), "worker1"), 0);
  cli::client client(c.head_address());
  auto [st, rows] = client.nodes();
  for (const auto& n : rows) {
    if (n.name == "worker1") {
      EXPECT_EQ(n.state, "down");
    }
  }
  c.stop_all();
}

TEST_F(Cluster, TheHeadKilledAndRestartedFinishesEveryJob) {
  cluster_run c(nodes(3));
  for (size_t i = 0; i < 3; ++i) c.start(i);
  ASSERT_TRUE(wait_serving(c.head_address(), 3));
  drive(c, first(120), 10, [&] {
    c.node(0).kill9();
    c.start(0);  // recovers from its job store; the workers reconnect by themselves
    EXPECT_TRUE(wait_serving(c.head_address(), 3, 120s));
    EXPECT_TRUE(c.node(0).process().wait_for_output("recovering", 1s))
        << "the restarted head found no unfinished job: the kill came too late";
  });
  c.stop_all();
}

TEST_F(Cluster, AWorkerFrozenPastTheFailureTimeoutRunsNothingTwice) {
  cluster_run c(nodes(3));
  for (size_t i = 0; i < 3; ++i) c.start(i);
  ASSERT_TRUE(wait_serving(c.head_address(), 3));
  drive(c, first(120), 10, [&] {
    c.node(1).process().signal(SIGSTOP);
    std::this_thread::sleep_for(4s);  // failure timeout is 1.5 s in these configs
    c.node(1).process().signal(SIGCONT);
  });
  // It was declared lost while frozen, and came back as a new member.
  EXPECT_GT(jobs_moved(c.node(0).process().err(), "worker1"), 0);
  EXPECT_TRUE(c.node(1).process().wait_for_output("rejoining", 30s) ||
              c.node(1).process().wait_for_output("reconnecting", 1s));
  ASSERT_TRUE(wait_serving(c.head_address(), 3, 30s));
  c.stop_all();
}

TEST_F(Cluster, AWorkerDrainedBySigtermHandsItsWorkBackAndExitsCleanly) {
  cluster_run c(nodes(3));
  for (size_t i = 0; i < 3; ++i) c.start(i);
  ASSERT_TRUE(wait_serving(c.head_address(), 3));
  int code = -1;
  drive(c, first(100), 10, [&] { code = c.node(2).stop(); });
  EXPECT_EQ(code, 0) << c.node(2).process().err();
  c.stop_all();
}

TEST_F(Cluster, ANodeServingOnlyModelANeverReceivesModelB) {
  auto spec = nodes(3);
  spec.extra_models = "\n[[model]]\nname = \"other\"\npath = \"" +
                      find_test_model("stories260K.gguf") +
                      "\"\nmax_active = 32\nmax_queued = 4096\nmax_seq_len = 256\n";
  spec.nodes[0].models = {"stories260K", "other"};
  spec.nodes[1].models = {"stories260K"};
  spec.nodes[2].models = {"other"};
  cluster_run c(spec);
  for (size_t i = 0; i < 3; ++i) c.start(i);
  ASSERT_TRUE(wait_serving(c.head_address(), 4));
  cli::client client(c.head_address(), "", 120s);
  std::vector<std::pair<std::string, uint64_t>> jobs;
  for (int i = 0; i < 60; ++i) {
    cli::job_request r;
    r.model = i % 2 ? "other" : "stories260K";
    r.prompt = "Once upon a time " + std::to_string(i);
    r.max_tokens = 12;
    auto s = client.submit_detached(r);
    ASSERT_TRUE(s.status.ok()) << s.status.message;
    jobs.emplace_back(r.model, s.job);
  }
  std::set<std::string> ran_other, ran_stories;
  for (const auto& [model, id] : jobs) {
    auto o = client.attach(id);
    ASSERT_TRUE(o.done);
    auto node = client.status(id).second.node;
    (model == "other" ? ran_other : ran_stories).insert(node);
  }
  EXPECT_FALSE(ran_other.count("worker1"));
  EXPECT_FALSE(ran_stories.count("worker2"));
  EXPECT_TRUE(ran_other.count("worker2"));
  EXPECT_TRUE(ran_stories.count("worker1"));
  cli::job_request unknown;
  unknown.model = "nobody-serves-this";
  unknown.prompt = "x";
  EXPECT_EQ(client.submit_detached(unknown).status.code, api::ErrorCode::UNKNOWN_MODEL);
  c.stop_all();
}

// The head serves HTTP for the whole cluster: jobs sent over HTTP run on the workers, and the
// head's /health and /metrics describe every node.
TEST_F(Cluster, TheHeadServesHttpForTheWholeCluster) {
  auto spec = nodes(3);
  spec.nodes[0].models = {};  // the head runs no device: every job must go to a worker
  spec.nodes[0].http_port = free_port();
  cluster_run c(spec);
  for (size_t i = 0; i < 3; ++i) c.start(i);
  ASSERT_TRUE(wait_serving(c.head_address(), 2)) << c.node(0).process().err();
  const uint16_t http = spec.nodes[0].http_port;
  std::vector<uint64_t> jobs;
  for (int i = 0; i < 8; ++i) {
    auto r = http_client::http_request(
        http, "POST", "/v1/completions",
        nlohmann::json{{"model", "stories260K"},
                       {"prompt", "Once upon a time " + std::to_string(i)},
                       {"max_tokens", 12}}
            .dump());
    ASSERT_EQ(r.status, 200) << r.body;
    jobs.push_back(std::stoull(r.header("x-troupe-job-id")));
  }
  cli::client client(c.head_address());
  std::set<std::string> ran_on;
  for (auto id : jobs) ran_on.insert(client.status(id).second.node);
  EXPECT_FALSE(ran_on.count("head"));
  EXPECT_FALSE(ran_on.empty());
  auto health = nlohmann::json::parse(http_client::http_request(http, "GET", "/health").body);
  EXPECT_EQ(health["nodes"]["up"], 2);  // membership lists the nodes with devices
  EXPECT_EQ(health["devices_up"], 2);
  auto metrics = http_client::http_request(http, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("node=\"worker1\""), std::string::npos);
  EXPECT_NE(metrics.find("node=\"worker2\""), std::string::npos);
  EXPECT_NE(metrics.find("troupe_nodes{state=\"up\"} 2"), std::string::npos);
  c.stop_all();
}

}  // namespace
}  // namespace troupe::testing
