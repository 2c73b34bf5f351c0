// Feeds the status page's throughput_history: every history.interval_ms(), on the front door's KJ
// thread, asks the scheduler for the cluster's batchers and records their generated-token counters.
#pragma once

#include <kj/async.h>

#include "node/api/api_context.hpp"
#include "node/http/throughput_history.hpp"

namespace troupe::http {

int64_t wall_ms();  // Unix time in ms: the clock the history is sampled on

kj::Promise<void> sample_throughput(const api_kj::api_context& api, throughput_history& history);
// Runs until the promise is dropped. A question the scheduler does not answer skips a sample.

}  // namespace troupe::http
