// What the KJ side of the API server shares between its connections, sessions and stream pumps:
// the bridge to the actors, the timer, the options, the counters and the set of running pumps.
// Lives on the server's KJ thread; only the counters and `accepting` are read from other threads.
#pragma once

#include <kj/async-io.h>
#include <kj/async.h>
#include <kj/refcount.h>
#include <kj/timer.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "node/api/cluster_bridge.hpp"
#include "node/api/request_checks.hpp"

namespace troupe::api_kj {

struct api_counters {
  std::atomic<int64_t> connections{0};
  std::atomic<int64_t> http_connections{0};
  std::atomic<int64_t> subscriptions{0};          // streams being pumped to clients now
  std::atomic<int64_t> dropped_subscriptions{0};  // ended before their job's terminal event
  std::atomic<int64_t> backlog_bytes{0};          // held in stream backlogs, all together
};

struct stream_settings {
  size_t backlog_bytes = 4 << 20;
  size_t backlog_total_bytes = 256 << 20;
  size_t max_per_connection = 256;
  std::chrono::milliseconds stall_timeout{30000};
};

struct api_context {
  const cluster_bridge& bridge;
  kj::Timer& timer;
  api_edge::edge_limits limits;
  stream_settings streams;
  std::string api_key;
  api_counters& counters;
  const std::atomic<bool>& accepting;  // false once the node is shutting down
  kj::TaskSet& pumps;
};

class connection_scope : public kj::Refcounted {
 public:
  explicit connection_scope(std::string peer) : peer_(std::move(peer)) {}

  const std::string& peer() const { return peer_; }
  bool open() const { return open_; }
  size_t streams() const { return streams_; }
  void stream_opened() { ++streams_; }
  void stream_closed() { --streams_; }
  kj::Canceler& canceler() { return canceler_; }

  void close(kj::StringPtr why) {
    open_ = false;
    canceler_.cancel(why);
  }
  // Ends every stream of the connection (their jobs go on).

 private:
  std::string peer_;
  bool open_ = true;
  size_t streams_ = 0;  // pending and running streams of this connection
  kj::Canceler canceler_;
};
// One client connection, as its sessions see it: its streams are wrapped in its canceler so that
// they end with the connection, whatever they are waiting for.

}  // namespace troupe::api_kj
