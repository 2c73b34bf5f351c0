#include "persistence/store_bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <semaphore>
#include <thread>
#include <vector>

#include "persistence/job_store.hpp"
#include "persistence/sample_jobs.hpp"
#include "persistence/scratch_dir.hpp"

namespace troupe {

namespace {

namespace fs = std::filesystem;
using bench_clock = std::chrono::steady_clock;

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

double megabytes(const fs::path& dir) {
  uintmax_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) bytes += entry.file_size();
  return static_cast<double>(bytes) / (1 << 20);
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i =
      std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[i];
}

void durable_submit(const store_bench_options& options, int clients, const char* name,
                    std::ostream& out) {
  scratch_dir dir(std::string("store-bench-") + name, options.dir);
  auto store = job_store::open(dir.path());
  // Clients copy pregenerated jobs (with fresh ids): the benchmark measures the store, not the
  // sample generator.
  std::vector<stored_job> templates;
  for (job_id id = 1; id <= 256; ++id)
    templates.push_back(samples::sample_job(id, 1, options.prompt_tokens));
  std::atomic<job_id> next{1};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> failed{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  auto before = store->stats();
  auto start = bench_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      auto& lat = latencies[static_cast<size_t>(c)];
      while (!stop.load(std::memory_order_relaxed)) {
        job_id id = next++;
        stored_job job = templates[id % templates.size()];
        job.id = id;
        if (!job.spec.client_request_id.empty())
          job.spec.client_request_id = "bench-" + std::to_string(id);
        auto t0 = bench_clock::now();
        if (!store->accept_sync(std::move(job)).ok()) ++failed;
        lat.push_back(std::chrono::duration<double, std::micro>(bench_clock::now() - t0).count());
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(options.submit_seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = seconds_since(start);
  auto after = store->stats();

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  uint64_t synced = after.synced_batches - before.synced_batches;
  out << "{\"bench\":\"" << name << "\",\"clients\":" << clients
      << ",\"jobs_per_s\":" << static_cast<uint64_t>(static_cast<double>(all.size()) / elapsed)
      << ",\"jobs\":" << all.size() << ",\"failed\":" << failed.load()
      << ",\"synced_batches\":" << synced << ",\"jobs_per_fsync\":"
      << (synced ? static_cast<double>(all.size()) / static_cast<double>(synced) : 0)
      << ",\"p50_us\":" << percentile(all, 0.5) << ",\"p99_us\":" << percentile(all, 0.99)
      << ",\"seconds\":" << elapsed << "}" << std::endl;
}

// One submitter that does not wait (like the scheduler actor, which calls accept and moves on)
// with up to `window` accepts in flight: the store's capacity when groups are large.
void durable_submit_pipelined(const store_bench_options& options, std::ostream& out) {
  const char* name = "durable_submit_pipelined";
  scratch_dir dir(std::string("store-bench-") + name, options.dir);
  auto store = job_store::open(dir.path());
  std::vector<stored_job> templates;
  for (job_id id = 1; id <= 256; ++id)
    templates.push_back(samples::sample_job(id, 1, options.prompt_tokens));
  constexpr std::ptrdiff_t window = 4096;
  std::counting_semaphore<> in_flight(window);
  std::atomic<uint64_t> done{0}, failed{0};
  auto before = store->stats();
  auto start = bench_clock::now();
  auto deadline = start + std::chrono::duration_cast<bench_clock::duration>(
                              std::chrono::duration<double>(options.submit_seconds));
  for (job_id id = 1; bench_clock::now() < deadline; ++id) {
    stored_job job = templates[id % templates.size()];
    job.id = id;
    if (!job.spec.client_request_id.empty())
      job.spec.client_request_id = "bench-" + std::to_string(id);
    in_flight.acquire();
    store->accept(std::move(job), [&](status st) {
      if (!st.ok()) ++failed;
      ++done;
      in_flight.release();
    });
  }
  store->flush();
  double elapsed = seconds_since(start);
  uint64_t synced = store->stats().synced_batches - before.synced_batches;
  out << "{\"bench\":\"" << name << "\",\"window\":" << window
      << ",\"jobs_per_s\":" << static_cast<uint64_t>(static_cast<double>(done.load()) / elapsed)
      << ",\"jobs\":" << done.load() << ",\"failed\":" << failed.load()
      << ",\"synced_batches\":" << synced << ",\"jobs_per_fsync\":"
      << (synced ? static_cast<double>(done.load()) / static_cast<double>(synced) : 0)
      << ",\"seconds\":" << elapsed << "}" << std::endl;
}

void recovery(const store_bench_options& options, bool clean_close, std::ostream& out) {
  const char* name = clean_close ? "recovery" : "recovery_after_kill";
  scratch_dir dir(std::string("store-bench-") + name, options.dir);
  job_store_options store_options;
  store_options.flush_memtables_on_close = clean_close;
  {
    auto store = job_store::open(dir.path(), store_options);
    std::counting_semaphore<> in_flight(8192);
    std::atomic<uint64_t> failed{0};
    for (job_id id = 1; id <= options.recovery_jobs; ++id) {
      in_flight.acquire();
      store->accept(samples::sample_job(id, 2, options.prompt_tokens), [&](status st) {
        if (!st.ok()) ++failed;
        in_flight.release();
      });
    }
    store->flush();
    if (failed.load() != 0) {
      out << "{\"bench\":\"" << name << "\",\"error\":\"" << failed.load() << " accepts failed\"}"
          << std::endl;
      return;
    }
  }
  double size_mb = megabytes(dir.path());
  auto start = bench_clock::now();
  auto store = job_store::open(dir.path(), store_options);
  double open_seconds = seconds_since(start);
  start = bench_clock::now();
  auto state = store->recover();
  double recover_seconds = seconds_since(start);
  out << "{\"bench\":\"" << name << "\",\"jobs\":" << options.recovery_jobs
      << ",\"seconds\":" << recover_seconds << ",\"open_seconds\":" << open_seconds
      << ",\"recovered\":" << state.unfinished.size() << ",\"errors\":" << state.errors.size()
      << ",\"db_mb\":" << size_mb << "}" << std::endl;
}

}  // namespace

void run_store_bench(const store_bench_options& options, std::ostream& out) {
  if (options.submit) {
    durable_submit(options, options.clients, "durable_submit", out);
    durable_submit(options, 1, "durable_submit_serial", out);
    durable_submit_pipelined(options, out);
  }
  if (options.recovery) {
    recovery(options, true, out);
    recovery(options, false, out);
  }
}

}  // namespace troupe
