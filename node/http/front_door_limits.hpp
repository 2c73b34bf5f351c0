// The limits of the HTTP front door ([http] in the cluster config, docs/http.md#limits).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace troupe::http {

struct front_door_limits {
  uint64_t max_body_bytes = 8 << 20;                // larger request bodies get 413
  std::chrono::milliseconds header_timeout{15000};  // for the request headers, from connecting
  std::chrono::milliseconds body_timeout{30000};    // for the body, after the headers (408)
  std::chrono::milliseconds idle_timeout{5000};     // a kept-alive connection with no request
  size_t max_connections = 1024;                    // more are answered 503 and closed
  int socket_send_buffer = 0;  // SO_SNDBUF of connections; 0 keeps the system's (tests use it
                               // to make a slow reader's backlog fill quickly)
};

struct front_door_identity {  // what the status page names
  std::string cluster;        // [cluster] name
  std::string node;           // the head serving it
};

}  // namespace troupe::http
