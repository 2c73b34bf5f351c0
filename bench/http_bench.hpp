// troupe-bench http: the HTTP front door against the Cap'n Proto API of the same node, in the
// same run. One troupe-node process on loopback serving the model on both; two workloads:
//   * non-streaming 1-token completions, `clients` at a time (requests per second, and the
//     request time, which for one token is the time to first token);
//   * streaming throughput: `streams` concurrent streaming jobs of `gen_tokens` tokens
//     (aggregate tokens per second, time to first token per stream).
// HTTP clients keep their connections alive; Cap'n Proto clients keep their sessions.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace troupe::bench {

struct http_bench_options {
  std::string model;         // GGUF file (default: stories260K on the search path)
  uint32_t requests = 2000;  // non-streaming completions per path
  uint32_t clients = 8;      // concurrent clients for them
  uint32_t streams = 64;     // concurrent streaming clients
  int32_t gen_tokens = 64;   // tokens per streamed job
  uint32_t rounds = 2;       // streaming jobs per streaming client
  int32_t cpu_threads = 0;   // the node's cpu_threads
};

void run_http_bench(const http_bench_options& options, std::ostream& out);
// Prints {"bench":"http_completions",...} and {"bench":"http_streaming",...}, each with the
// figures of both paths and the ratios http/capnp.

}  // namespace troupe::bench
