// Capacity's usage report and the scheduler's membership, asked at once: what /health and the
// status page describe. Runs on the front door's KJ thread.
#pragma once

#include <kj/async.h>

#include <vector>

#include "node/api/cluster_bridge.hpp"

namespace troupe::http {

struct cluster_view {
  outcome<capacity_report> capacity;
  outcome<std::vector<node_status>> nodes;
};

kj::Promise<cluster_view> ask_cluster_view(const cluster_bridge& bridge);
// Both questions go out before either answer is awaited.

}  // namespace troupe::http
