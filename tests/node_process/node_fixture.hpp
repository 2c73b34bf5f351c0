// Real troupe-node processes for system tests: configs on free loopback ports with stories260K,
// started, waited for, signalled (SIGTERM, SIGKILL, SIGSTOP/SIGCONT) and restarted on the same
// data directory; plus the reference workload the crash and cluster tests share.
#pragma once

#include <chrono>
#include <map>
#include <memory>
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

}  // namespace troupe::testing
