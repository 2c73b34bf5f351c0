// The client API server (schema/troupe.capnp over Cap'n Proto RPC) of the head node.
//
// Threads: the server runs its own KJ event loop on a thread of its own, which owns every socket
// and every Cap'n Proto object. Calls go to the actors through a cluster_bridge (CAF messages
// from short-lived request actors); answers and job streams come back through cross-thread
// promise fulfillers. Neither side ever waits for the other.
//
// Shutdown (troupe-node, SIGTERM): `begin_shutdown()` first (new submits answer unavailable,
// health says not serving; the scheduler itself also refuses submits while it drains), streams go
// on while the node drains, so clients see their jobs finish or be handed back; `stop()` after
// the drain closes every connection.
#pragma once

#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "node/api/cluster_bridge.hpp"
#include "node/http/front_door_limits.hpp"

namespace prometheus {
class Registry;
}

namespace troupe {

class model_catalog;

struct api_server_options {
  std::string bind_address = "127.0.0.1:0";       // host:port; port 0 picks a free one (see port())
  std::string api_key;                            // empty: no authentication
  uint64_t max_prompt_bytes = 1 << 20;            // the cluster's [scheduler] max_prompt_bytes
  size_t stream_backlog_bytes = 4 << 20;          // per subscription, before it is dropped
  size_t stream_backlog_total_bytes = 256 << 20;  // all subscriptions together: past it, the
                                                  // stream that would grow it is dropped
  size_t max_streams_per_connection = 256;  // more submits with a sink / attaches: unavailable
  std::chrono::milliseconds stall_timeout{30000};    // a sink call that takes longer is dropped
  std::chrono::milliseconds request_timeout{30000};  // the actors' answer to one call
  uint64_t traversal_limit_words = 4 << 20;          // per incoming message (32 MiB)
  int nesting_limit = 32;
  size_t call_flow_limit_words = 1 << 20;  // unanswered incoming calls per connection (8 MiB):
                                           // past it, the connection is not read until some return
  size_t max_connections = 1024;           // more are closed at once
  int socket_send_buffer = 0;
  // SO_SNDBUF of client sockets; 0 keeps the system's. Cap'n Proto sizes a stream's flow-control
  // window from it, so it also bounds how much output can be in flight to one slow client.

  std::string http_bind_address;  // the HTTP front door's host:port (port 0: a free one);
                                  // empty: no HTTP
  http::front_door_limits http;
  http::front_door_identity http_identity;        // the names the status page shows
  std::shared_ptr<const model_catalog> models;    // what HTTP describes and renders chats with
  std::shared_ptr<prometheus::Registry> metrics;  // what GET /metrics serves (the head's)
};

struct api_server_stats {
  int64_t connections = 0;  // Cap'n Proto
  int64_t http_connections = 0;
  int64_t subscriptions = 0;          // job streams being pumped now
  int64_t dropped_subscriptions = 0;  // streams that ended before their job did
  int64_t backlog_bytes = 0;          // output waiting for slow clients, all streams together
};

class api_server {
 public:
  api_server(caf::actor_system& sys, api_targets targets, api_server_options options);
  // Listens before returning; throws std::runtime_error when it cannot.

  api_server(caf::actor_system& sys, api_targets targets, std::string bind_address,
             std::string api_key);
  // The same with the default limits.

  ~api_server();  // stop()

  api_server(const api_server&) = delete;
  api_server& operator=(const api_server&) = delete;

  uint16_t port() const;
  uint16_t http_port() const;  // 0 without HTTP
  api_server_stats stats() const;

  void begin_shutdown();
  // New submits answer unavailable and health says not serving; everything else goes on.

  void stop();
  // Closes every connection and ends the server's thread. Idempotent.

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace troupe
