#include "bench/http_bench.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "bench/bench_node.hpp"
#include "persistence/scratch_dir.hpp"
#include "tools/http/http_client.hpp"
#include "tools/troupe/client.hpp"

namespace troupe::bench {
namespace {

using clock_type = std::chrono::steady_clock;
using nlohmann::json;

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * double(v.size())))];
}

struct node {
  scratch_dir dir{"http-bench"};  // first: removed after the node stopped
  uint16_t rpc = 0, http = 0;
  std::unique_ptr<node_child> child;
};

std::unique_ptr<node> start(const http_bench_options& o) {
  auto n = std::make_unique<node>();
  n->rpc = free_port();
  n->http = free_port();
  std::string cfg =
      "[cluster]\nname = \"bench\"\nhead = \"head\"\n[scheduler]\n"
      "shutdown_grace_ms = 0\n[[node]]\nname = \"head\"\nhost = \"127.0.0.1\"\n"
      "rpc_port = " +
      std::to_string(n->rpc) + "\nhttp_port = " + std::to_string(n->http) +
      "\nactor_port = " + std::to_string(free_port()) + "\ndata_dir = \"" + n->dir.sub("data") +
      "\"\ndevices = [0]\nmodels = [\"m\"]\n" +
      (o.cpu_threads >= 0 ? "cpu_threads = " + std::to_string(o.cpu_threads) + "\n" : "") +
      "[[model]]\nname = \"m\"\npath = \"" + o.model +
      "\"\nmax_active = 256\nmax_queued = 100000\nmax_batch_size = 64\n"
      "max_seq_len = 256\nmax_step_tokens = 256\n";
  const auto file = n->dir.sub("bench.toml");
  std::ofstream(file) << cfg;
  n->child = std::make_unique<node_child>(file, "head", n->dir.sub("node.log"));
  for (int i = 0; i < 1200; ++i) {
    try {
      auto h = http_client::http_request(n->http, "GET", "/health");
      if (h.status == 200) return n;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("the node did not come up (log in " + n->dir.path() + ")");
}

json completion_body(uint32_t i, int32_t tokens, bool stream) {
  json b = {{"model", "m"},
            {"prompt", "Once upon a time " + std::to_string(i)},
            {"max_tokens", tokens},
            {"temperature", 0},
            {"stream", stream}};
  if (stream) b["stream_options"] = {{"include_usage", true}};
  return b;
}

cli::job_request rpc_job(uint32_t i, int32_t tokens) {
  cli::job_request r;
  r.model = "m";
  r.prompt = "Once upon a time " + std::to_string(i);
  r.max_tokens = tokens;
  return r;
}

struct run_result {
  double seconds = 0;
  uint64_t tokens = 0;
  uint64_t failures = 0;
  std::vector<double> ttft_ms;
};

// `clients` threads, each running `per_client` jobs one after another through `one`, which
// returns (time to first token in ms, tokens) or throws.
template <class One>
run_result drive(uint32_t clients, uint32_t per_client, One one) {
  run_result r;
  std::mutex mu;
  std::vector<std::thread> threads;
  const auto t0 = clock_type::now();
  for (uint32_t c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto state = one.start();
      for (uint32_t k = 0; k < per_client; ++k) {
        try {
          auto [ttft, tokens] = one(*state, c * per_client + k);
          std::lock_guard lock(mu);
          r.ttft_ms.push_back(ttft);
          r.tokens += tokens;
        } catch (const std::exception&) {
          std::lock_guard lock(mu);
          ++r.failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  r.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  return r;
}

struct http_completion {
  uint16_t port;
  std::unique_ptr<http_client::http_connection> start() const {
    return std::make_unique<http_client::http_connection>(port);
  }
  std::pair<double, uint64_t> operator()(http_client::http_connection& c, uint32_t i) const {
    const auto t0 = clock_type::now();
    c.send("POST", "/v1/completions", completion_body(i, 1, false).dump());
    auto r = c.read_response();
    if (r.status != 200) throw std::runtime_error("HTTP " + std::to_string(r.status));
    return {ms_since(t0), 1};
  }
};

struct http_stream {
  uint16_t port;
  int32_t tokens;
  std::unique_ptr<http_client::http_connection> start() const {
    return std::make_unique<http_client::http_connection>(port);
  }
  std::pair<double, uint64_t> operator()(http_client::http_connection& c, uint32_t i) const {
    const auto t0 = clock_type::now();
    c.send("POST", "/v1/completions", completion_body(i, tokens, true).dump());
    auto head = c.read_head();
    if (!head || head->find(" 200 ") == std::string::npos) throw std::runtime_error("no stream");
    double ttft = -1;
    uint64_t generated = 0;
    while (auto chunk = c.read_chunk()) {
      if (ttft < 0 && chunk->find("\"text\":\"") != std::string::npos &&
          chunk->find("\"text\":\"\"") == std::string::npos)
        ttft = ms_since(t0);
      if (auto at = chunk->find("\"completion_tokens\":"); at != std::string::npos)
        generated = std::stoull(chunk->substr(at + 20));
    }
    return {ttft < 0 ? ms_since(t0) : ttft, generated};
  }
};

struct rpc_run {
  uint16_t port;
  int32_t tokens;
  std::unique_ptr<cli::client> start() const {
    return std::make_unique<cli::client>("127.0.0.1:" + std::to_string(port), "",
                                         std::chrono::seconds(600));
  }
  std::pair<double, uint64_t> operator()(cli::client& c, uint32_t i) const {
    const auto t0 = clock_type::now();
    double ttft = -1;
    auto out = c.submit(rpc_job(i, tokens), [&](const std::string&) {
      if (ttft < 0) ttft = ms_since(t0);
    });
    if (!out.done) throw std::runtime_error("the job did not finish");
    return {ttft < 0 ? ms_since(t0) : ttft, out.result.generated_tokens};
  }
};

json figures(const run_result& r, uint32_t jobs) {
  return {{"jobs", jobs},
          {"failures", r.failures},
          {"seconds", r.seconds},
          {"jobs_per_s", double(jobs - r.failures) / r.seconds},
          {"tokens_per_s", double(r.tokens) / r.seconds},
          {"ttft_ms_p50", percentile(r.ttft_ms, 0.50)},
          {"ttft_ms_p99", percentile(r.ttft_ms, 0.99)}};
}

json compare(const char* bench, const http_bench_options& o, const run_result& http,
             const run_result& rpc, uint32_t jobs) {
  auto h = figures(http, jobs), c = figures(rpc, jobs);
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  return {{"bench", bench},
          {"model", o.model},
          {"http", h},
          {"capnp", c},
          {"ratio_jobs_per_s", ratio(h["jobs_per_s"], c["jobs_per_s"])},
          {"ratio_tokens_per_s", ratio(h["tokens_per_s"], c["tokens_per_s"])},
          {"ratio_ttft_p50", ratio(h["ttft_ms_p50"], c["ttft_ms_p50"])},
          {"ratio_ttft_p99", ratio(h["ttft_ms_p99"], c["ttft_ms_p99"])}};
}

}  // namespace

void run_http_bench(const http_bench_options& o, std::ostream& out) {
  auto n = start(o);
  // Warm-up on both paths and at the streaming concurrency (pipelines, first steps of each batch
  // shape, connections), so neither path pays for it in the measurement.
  drive(4, 4, http_completion{n->http});
  drive(4, 4, rpc_run{n->rpc, 1});
  drive(o.streams, 1, http_stream{n->http, o.gen_tokens});
  drive(o.streams, 1, rpc_run{n->rpc, o.gen_tokens});
  const uint32_t per_client = std::max<uint32_t>(2, o.requests / o.clients);
  // Alternating the paths, twice, keeps a slow phase of the machine from favouring one.
  run_result http_a = drive(o.clients, per_client / 2 + 1, http_completion{n->http});
  run_result rpc_a = drive(o.clients, per_client / 2 + 1, rpc_run{n->rpc, 1});
  run_result http_b = drive(o.clients, per_client / 2, http_completion{n->http});
  run_result rpc_b = drive(o.clients, per_client / 2, rpc_run{n->rpc, 1});
  auto merge = [](run_result a, const run_result& b) {
    a.seconds += b.seconds;
    a.tokens += b.tokens;
    a.failures += b.failures;
    a.ttft_ms.insert(a.ttft_ms.end(), b.ttft_ms.begin(), b.ttft_ms.end());
    return a;
  };
  const uint32_t done = o.clients * (per_client / 2 + 1 + per_client / 2);
  out << compare("http_completions", o, merge(http_a, http_b), merge(rpc_a, rpc_b), done).dump()
      << std::endl;

  const uint32_t streamed = o.streams * o.rounds;
  run_result hs = drive(o.streams, o.rounds, http_stream{n->http, o.gen_tokens});
  run_result cs = drive(o.streams, o.rounds, rpc_run{n->rpc, o.gen_tokens});
  out << compare("http_streaming", o, hs, cs, streamed).dump() << std::endl;
}

}  // namespace troupe::bench
