#include "tests/node_process/node_fixture.hpp"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

namespace troupe::testing {

using namespace std::chrono_literals;

cluster_spec nodes(int count) {
  cluster_spec s;
  for (int i = 0; i < count; ++i)
    s.nodes.push_back({i == 0 ? "head" : "worker" + std::to_string(i),
                       free_port(),
                       free_port(),
                       {"stories260K"},
                       16});
  return s;
}

cluster_spec one_node() {
  return nodes(1);
}

std::string config_text(const cluster_spec& spec) {
  std::string t = "[cluster]\nname = \"test\"\nhead = \"" + spec.nodes.at(0).name + "\"\n" +
                  "heartbeat_ms = 200\nfailure_timeout_ms = 1500\nconnect_retry_ms = 100\n" +
                  spec.extra_cluster +
                  "\n[scheduler]\nshutdown_grace_ms = 2000\ncheckpoint_tokens = " +
                  std::to_string(spec.checkpoint_tokens) + "\n";
  for (const auto& n : spec.nodes) {
    t += "\n[[node]]\nname = \"" + n.name +
         "\"\nhost = \"127.0.0.1\"\nrpc_port = " + std::to_string(n.rpc_port) +
         "\nactor_port = " + std::to_string(n.actor_port) +
         (n.http_port ? "\nhttp_port = " + std::to_string(n.http_port) : "") +
         "\ndata_dir = \"/tmp/unused\"\ndevices = [0]\nmodels = [";
    for (size_t i = 0; i < n.models.size(); ++i) t += (i ? ", \"" : "\"") + n.models[i] + "\"";
    t += "]\n";
  }
  t += "\n[[model]]\nname = \"stories260K\"\npath = \"" + find_test_model("stories260K.gguf") +
       "\"\nmax_active = " + std::to_string(spec.max_active) +
       "\nmax_queued = " + std::to_string(spec.max_queued) +
       "\nmax_batch_size = 16\nmax_seq_len = 256\nmax_step_tokens = 256\n" + spec.extra_models;
  return t;
}

node_process::node_process(const std::string& config_file, const std::string& node,
                           const std::string& data)
    : proc_(std::make_unique<child_process>(
          std::vector<std::string>{binary_path("troupe-node"), "--config", config_file, "--node",
                                   node, "--data-dir", data, "--log-level", "info"})) {}

node_process::~node_process() = default;

bool node_process::wait_ready(std::chrono::milliseconds timeout) {
  return proc_->wait_for_output("ready", timeout);
}

void node_process::kill9() {
  proc_->signal(SIGKILL);
  proc_->wait(30s);
}

int node_process::stop(std::chrono::milliseconds timeout) {
  proc_->signal(SIGTERM);
  return proc_->wait(timeout).value_or(-1);
}

std::string address(const node_spec& n) {
  return "127.0.0.1:" + std::to_string(n.rpc_port);
}

bool wait_serving(const std::string& addr, size_t devices, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      cli::client c(addr, "", 2s);
      auto h = c.health();
      if (h.serving && h.devices_up >= devices) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::vector<workload_job> mixed_workload(size_t count) {
  static const char* starts[] = {"Once upon a time", "The little dog", "Tom and Sue",
                                 "One day, a big",   "Lily wanted to", "The sun was"};
  std::vector<workload_job> jobs;
  for (size_t i = 0; i < count; ++i) {
    workload_job j;
    j.request_id = "w-" + std::to_string(i);
    auto& r = j.request;
    r.model = "stories260K";
    r.prompt = std::string(starts[i % 6]) + (i % 5 ? " " + std::to_string(i) : "");
    r.max_tokens = static_cast<int32_t>(8 + i % 17);
    if (i % 3 != 0) {
      r.temperature = 0.8f;
      r.top_p = 0.95f;
      r.top_k = 40;
      r.seed = 1000 + i * 7919;
    }
    r.priority = i % 3 == 0   ? api::Priority::HIGH
                 : i % 3 == 1 ? api::Priority::NORMAL
                              : api::Priority::LOW;
    r.request_id = j.request_id;
    j.streaming = i % 4 == 0;
    jobs.push_back(std::move(j));
  }
  return jobs;
}

std::map<std::string, std::string> reference_outputs(const std::vector<workload_job>& jobs,
                                                     const std::string& addr) {
  std::map<std::string, uint64_t> ids;
  {
    cli::client c(addr);
    for (const auto& j : jobs) {
      auto r = c.submit_detached(j.request);
      if (r.status.ok()) ids[j.request_id] = r.job;
    }
  }
  std::map<std::string, std::string> out;
  cli::client c(addr, "", 300s);
  for (const auto& [rid, id] : ids) {
    auto o = c.attach(id);
    if (o.done) out[rid] = o.text;
  }
  return out;
}

const std::map<std::string, std::string>& workload_reference(size_t count) {
  static std::map<size_t, std::map<std::string, std::string>> cache;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(count); it != cache.end()) return it->second;
  auto file = binary_dir() + "/test-cache/stories260K-workload-" + std::to_string(count) + ".json";
  std::ifstream in(file);
  if (in) {
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_object() && j.size() == count)
      return cache[count] = j.get<std::map<std::string, std::string>>();
  }
  auto jobs = mixed_workload(count);
  temp_dir dir;
  auto spec = one_node();
  auto cfg = dir.write("c.toml", config_text(spec));
  node_process node(cfg, spec.nodes[0].name, dir.file("data"));
  if (!wait_serving(address(spec.nodes[0]), 1)) throw std::runtime_error("reference node failed");
  auto out = reference_outputs(jobs, address(spec.nodes[0]));
  node.stop();
  if (out.size() != count) throw std::runtime_error("reference run incomplete");
  std::filesystem::create_directories(binary_dir() + "/test-cache");
  auto tmp = file + "." + std::to_string(::getpid());
  std::ofstream(tmp) << nlohmann::json(out).dump();
  std::filesystem::rename(tmp, file);  // atomic: concurrent tests never read half a file
  return cache[count] = std::move(out);
}

cluster_run::cluster_run(cluster_spec spec)
    : spec_(std::move(spec)), config_(dir_.write("cluster.toml", config_text(spec_))) {
  procs_.resize(spec_.nodes.size());
}

cluster_run::~cluster_run() = default;  // node_process kills what still runs

node_process& cluster_run::start(size_t i) {
  procs_.at(i).reset();
  procs_[i] = std::make_unique<node_process>(config_, spec_.nodes[i].name, data_dir(i));
  return *procs_[i];
}

void cluster_run::stop_all() {
  for (size_t i = procs_.size(); i-- > 0;)
    if (procs_[i]) procs_[i]->stop();
}

}  // namespace troupe::testing
