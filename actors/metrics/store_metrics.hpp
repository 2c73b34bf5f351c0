// The job store's numbers in the head's Prometheus registry: how long each fsynced group commit
// takes and how many writes it carries (persistence reports them through job_store_options::
// on_sync, so it needs no metrics library).
#pragma once

#include <prometheus/registry.h>

#include <chrono>
#include <cstddef>
#include <functional>

namespace troupe {

std::function<void(std::chrono::microseconds, size_t)> job_store_sync_recorder(
    prometheus::Registry& registry);
// troupe_job_store_fsync_seconds (histogram) and troupe_job_store_synced_writes_total. The
// returned function is thread-safe; `registry` must outlive it.

}  // namespace troupe
