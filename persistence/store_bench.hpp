// Benchmarks of the durable job store, printed as one JSON object per line (troupe-bench store
// runs them).
//
//   {"bench":"durable_submit","clients":64,"jobs_per_s":..,"jobs":..,"synced_batches":..,...}
//       `clients` threads, each accepting realistic jobs one after another (accept_sync: a client
//       waits for its acknowledgement, i.e. the fsync, before submitting the next)
//   {"bench":"durable_submit_serial","jobs_per_s":..,...}
//       the same with one client: the one-fsync-per-job baseline
//   {"bench":"durable_submit_pipelined","window":4096,"jobs_per_s":..,...}
//       one submitter that never waits (as the scheduler actor uses the store), up to `window`
//       accepts in flight: the store's own capacity
//   {"bench":"recovery","jobs":100000,"seconds":..,"open_seconds":..,...}
//       `recovery_jobs` queued jobs written and the store closed cleanly, then reopened: the time
//       of recover() (and of open)
//   {"bench":"recovery_after_kill",...}
//       the same without the clean close's memtable flush, so open replays the WAL as after kill -9
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

namespace troupe {

struct store_bench_options {
  std::string dir;            // where the stores go; empty: a new temporary directory
  int clients = 64;           // concurrent clients of durable_submit
  double submit_seconds = 3;  // duration of each submit benchmark
  size_t recovery_jobs = 100000;
  int prompt_tokens = 200;  // per job (the prompt text is about 6 bytes per token)
  bool submit = true;       // run the three durable_submit benchmarks
  bool recovery = true;     // run recovery and recovery_after_kill
};

void run_store_bench(const store_bench_options& options, std::ostream& out);
// Runs the selected benchmarks one after another; every store it creates is removed afterwards.

}  // namespace troupe
