// troupe-bench scheduler: host time per step of the scheduling core at a fixed queue depth.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

namespace troupe::bench {

struct scheduler_bench_options {
  std::vector<uint32_t> depths{10, 1000, 100000};
  uint32_t steps = 3000;   // measured steps per depth
  uint32_t batch = 16;     // max_batch_size = max_active
  int32_t gen_tokens = 8;  // tokens per job
};

void run_scheduler_bench(const scheduler_bench_options& options, std::ostream& out);
// For each depth D, keeps D jobs queued (every finished job is replaced) while the batcher steps a
// zero-cost engine, and prints {"bench":"scheduler","queue_depth":D,"step_us_p50":..,
// "step_us_p99":..,"jobs_per_s":..,...} on its own line.

}  // namespace troupe::bench
