// troupe-bench cluster: real troupe-node processes on loopback. Measures aggregate generation
// throughput with 1, 2 and 3 worker nodes (the head runs no device) on an engine-bound workload,
// and the added latency of a step on a remote node versus the head's own device.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace troupe::bench {

struct cluster_bench_options {
  std::string model;  // GGUF file (default: stories260K on the search path)
  std::vector<uint32_t> workers{1, 2, 3};
  uint32_t jobs = 48;
  int32_t gen_tokens = 64;
  int32_t cpu_threads = 0;  // each node's cpu_threads (0: lavapipe computes on the engine
                            // thread, one core per worker); -1: lavapipe's default
  uint32_t latency_jobs = 10;
};

void run_cluster_bench(const cluster_bench_options& options, std::ostream& out);
// Prints {"bench":"cluster_scaling","workers":N,"tokens_per_s":..,"efficiency":..} per N and
// {"bench":"remote_step","local_ms_per_token":..,"remote_ms_per_token":..,"added_ms":..}.

}  // namespace troupe::bench
