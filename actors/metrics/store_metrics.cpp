#include "actors/metrics/store_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

namespace troupe {

std::function<void(std::chrono::microseconds, size_t)> job_store_sync_recorder(
    prometheus::Registry& registry) {
  auto& fsync = prometheus::BuildHistogram()
                    .Name("troupe_job_store_fsync_seconds")
                    .Help("Time of each fsynced group commit of the job store.")
                    .Register(registry)
                    .Add({}, prometheus::Histogram::BucketBoundaries{
                                 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                 0.025, 0.05, 0.1, 0.25, 0.5, 1});
  auto& writes = prometheus::BuildCounter()
                     .Name("troupe_job_store_synced_writes_total")
                     .Help("Writes made durable by fsynced group commits.")
                     .Register(registry)
                     .Add({});
  return [&fsync, &writes](std::chrono::microseconds took, size_t n) {
    fsync.Observe(double(took.count()) / 1e6);
    writes.Increment(double(n));
  };
}

}  // namespace troupe
