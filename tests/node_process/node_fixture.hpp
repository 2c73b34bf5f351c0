// Real troupe-node processes for system tests: configs on free loopback ports with stories260K,
// started, waited for, signalled (SIGTERM, SIGKILL, SIGSTOP/SIGCONT) and restarted on the same
// data directory; plus the reference workload the crash and cluster tests share.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tools/troupe/client.hpp"

namespace troupe::testing {

struct node_spec {
  std::string name;
  uint16_t rpc_port = 0;
  uint16_t actor_port = 0;
  std::vector<std::string> models = {"stories260K"};
  int max_batch_size = 16;
  uint16_t http_port = 0;  // 0: no HTTP front door (only the head's counts)
};

struct cluster_spec {
  std::vector<node_spec> nodes;  // nodes[0] is the head
  int max_active = 32;
  int max_queued = 4096;
  int checkpoint_tokens = 4;
  std::string extra_cluster;  // more [cluster] keys
  std::string extra_models;   // more [[model]] tables
};

cluster_spec one_node();
cluster_spec nodes(int count);  // head + count-1 workers, free ports
std::string config_text(const cluster_spec& spec);

class node_process {
 public:
  node_process(const std::string& config_file, const std::string& node, const std::string& data);
  ~node_process();
  child_process& process() { return *proc_; }
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  void kill9();
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(60));  // SIGTERM; exit code

 private:
  std::unique_ptr<child_process> proc_;
};

std::string address(const node_spec& n);  // "127.0.0.1:PORT"

bool wait_serving(const std::string& address, size_t devices,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));
// Until the cluster answers health with at least `devices` devices up.

struct workload_job {
  std::string request_id;
  cli::job_request request;
  bool streaming = false;  // submitted with a live stream (else detached)
};

std::vector<workload_job> mixed_workload(size_t count);
// Distinct prompts; a third greedy, the rest seeded sampling; all priorities; max_tokens 8..24;
// every fourth streamed.

std::map<std::string, std::string> reference_outputs(const std::vector<workload_job>& jobs,
                                                     const std::string& address);
// Runs every job on an undisturbed cluster and returns request id -> generated text.

const std::map<std::string, std::string>& workload_reference(size_t count);
// reference_outputs(mixed_workload(count)) from an undisturbed single node, computed once and
// cached in the build tree (every test runs in its own process).

class cluster_run {
 public:
  explicit cluster_run(cluster_spec spec);  // writes the config; starts nothing
  ~cluster_run();
  const cluster_spec& spec() const { return spec_; }
  std::string head_address() const { return address(spec_.nodes.at(0)); }
  node_process& start(size_t node);  // (re)starts nodes[node] on its data dir
  node_process& node(size_t i) { return *procs_.at(i); }
  std::string data_dir(size_t node) const { return dir_.file("data-" + spec_.nodes.at(node).name); }
  void stop_all();

 private:
  cluster_spec spec_;
  temp_dir dir_;
  std::string config_;
  std::vector<std::unique_ptr<node_process>> procs_;
};

}  // namespace troupe::testing
