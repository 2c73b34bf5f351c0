// The HTTP front door of the head node: OpenAI- and Ollama-compatible generation, model
// listings, the operations endpoints and Prometheus metrics (docs/http.md), served by KJ HTTP on
// the API server's own KJ event loop, beside the Cap'n Proto API. An HTTP job is a troupe job
// like any other: admitted by capacity, stored before it is acknowledged, visible to `troupe
// status`.
//
// Limits: request bodies up to max_body_bytes (else 413), request headers within header_timeout
// of a connection opening (else the connection is closed), the body within body_timeout after
// them (else 408), kept-alive connections closed after idle_timeout, at most max_connections at
// once (more are answered 503 and closed). When the cluster has an API key, every endpoint but
// GET /health needs `Authorization: Bearer KEY` (compared in constant time), else 401.
#pragma once

#include <kj/async-io.h>
#include <kj/async-unix.h>

#include <memory>

#include "node/api/api_context.hpp"
#include "node/http/exchange.hpp"
#include "node/model_catalog.hpp"

namespace troupe::http {

class front_door {
 public:
  front_door(const api_kj::api_context& api, const model_catalog& models, front_door_limits limits,
             front_door_identity identity, kj::UnixEventPort& events,
             prometheus::Registry* metrics);
  ~front_door();

  front_door(const front_door&) = delete;
  front_door& operator=(const front_door&) = delete;

  kj::Promise<void> listen(kj::ConnectionReceiver& listener);
  // Accepts connections until the promise is dropped (then destroy the front door). Failing
  // accepts (no file descriptors left) are retried: they never stop the server. Also samples
  // the cluster's throughput for the status page until the front door is destroyed.

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace troupe::http
