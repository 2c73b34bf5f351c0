#include "bench/cluster_bench.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "bench/bench_node.hpp"
#include "persistence/scratch_dir.hpp"
#include "tools/troupe/client.hpp"

namespace troupe::bench {
namespace {

using clock_type = std::chrono::steady_clock;

struct cluster {
  scratch_dir dir{"cluster-bench"};  // declared first: removed after the nodes are stopped
  uint16_t rpc = 0;
  std::vector<std::unique_ptr<node_child>> nodes;
};

// A cluster whose head runs `head_devices` device(s) and `workers` worker nodes one each.
std::unique_ptr<cluster> start(const cluster_bench_options& o, bool head_device, uint32_t workers) {
  auto c = std::make_unique<cluster>();
  c->rpc = free_port();
  std::string cfg =
      "[cluster]\nname = \"bench\"\nhead = \"head\"\n[scheduler]\nshutdown_grace_ms = 0\n";
  const std::string threads =
      o.cpu_threads >= 0 ? "cpu_threads = " + std::to_string(o.cpu_threads) + "\n" : "";
  auto node = [&](const std::string& name, uint16_t rpc, bool device) {
    cfg += "[[node]]\nname = \"" + name +
           "\"\nhost = \"127.0.0.1\"\nrpc_port = " + std::to_string(rpc) +
           "\nactor_port = " + std::to_string(free_port()) + "\ndata_dir = \"" + c->dir.sub(name) +
           "\"\n" + (device ? "devices = [0]\nmodels = [\"m\"]\n" : "") + threads;
  };
  node("head", c->rpc, head_device);
  for (uint32_t i = 0; i < workers; ++i) node("w" + std::to_string(i), free_port(), true);
  cfg += "[[model]]\nname = \"m\"\npath = \"" + o.model +
         "\"\nmax_active = 256\nmax_queued = 4096\nmax_batch_size = 16\nmax_seq_len = 256\n";
  auto file = c->dir.sub("cluster.toml");
  std::ofstream(file) << cfg;
  c->nodes.push_back(std::make_unique<node_child>(file, "head", c->dir.sub("head.log")));
  for (uint32_t i = 0; i < workers; ++i)
    c->nodes.push_back(std::make_unique<node_child>(file, "w" + std::to_string(i),
                                                    c->dir.sub("w" + std::to_string(i) + ".log")));
  uint32_t want = workers + (head_device ? 1 : 0);
  for (int i = 0; i < 1200; ++i) {
    try {
      cli::client probe("127.0.0.1:" + std::to_string(c->rpc), "", std::chrono::seconds(2));
      auto h = probe.health();
      if (h.serving && h.devices_up >= want) return c;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("cluster did not come up (logs in " + c->dir.path() + ")");
}

cli::job_request job(uint32_t i, int32_t tokens) {
  cli::job_request r;
  r.model = "m";
  r.prompt = "Once upon a time " + std::to_string(i);
  r.max_tokens = tokens;
  return r;
}

double aggregate_tokens_per_s(const cluster_bench_options& o, uint32_t workers) {
  auto c = start(o, false, workers);
  cli::client client("127.0.0.1:" + std::to_string(c->rpc), "", std::chrono::seconds(600));
  // Warm-up: one job per device, so JIT and first-step costs stay out of the measurement.
  std::vector<uint64_t> warm;
  for (uint32_t i = 0; i < workers; ++i) warm.push_back(client.submit_detached(job(i, 4)).job);
  for (auto id : warm) client.attach(id);
  auto t0 = clock_type::now();
  std::vector<uint64_t> ids;
  for (uint32_t i = 0; i < o.jobs; ++i)
    ids.push_back(client.submit_detached(job(i, o.gen_tokens)).job);
  uint64_t tokens = 0;
  for (auto id : ids) tokens += client.attach(id).result.generated_tokens;
  double s = std::chrono::duration<double>(clock_type::now() - t0).count();
  return double(tokens) / s;
}

// Mean time between streamed tokens of single jobs run one after another.
double ms_per_token(const cluster_bench_options& o, bool remote) {
  auto c = start(o, !remote, remote ? 1 : 0);
  cli::client client("127.0.0.1:" + std::to_string(c->rpc), "", std::chrono::seconds(600));
  client.submit(job(0, 4));  // warm-up
  double total_ms = 0;
  uint64_t intervals = 0;
  for (uint32_t i = 0; i < o.latency_jobs; ++i) {
    std::vector<clock_type::time_point> at;
    client.submit(job(i, o.gen_tokens),
                  [&](const std::string&) { at.push_back(clock_type::now()); });
    if (at.size() < 2) continue;
    total_ms += std::chrono::duration<double, std::milli>(at.back() - at.front()).count();
    intervals += at.size() - 1;
  }
  return intervals ? total_ms / double(intervals) : 0;
}

}  // namespace

void run_cluster_bench(const cluster_bench_options& o, std::ostream& out) {
  double base = 0;
  for (auto n : o.workers) {
    double tps = aggregate_tokens_per_s(o, n);
    if (base == 0) base = tps / n;
    out << nlohmann::json{{"bench", "cluster_scaling"},
                          {"workers", n},
                          {"jobs", o.jobs},
                          {"gen_tokens", o.gen_tokens},
                          {"cpu_threads", o.cpu_threads},
                          {"tokens_per_s", tps},
                          {"speedup", tps / base},
                          {"efficiency", tps / (base * n)}}
               .dump()
        << std::endl;
  }
  double local = ms_per_token(o, false);
  double remote = ms_per_token(o, true);
  out << nlohmann::json{{"bench", "remote_step"},
                        {"local_ms_per_token", local},
                        {"remote_ms_per_token", remote},
                        {"added_ms", remote - local}}
             .dump()
      << std::endl;
}

}  // namespace troupe::bench
