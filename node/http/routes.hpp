// The endpoints of the HTTP front door, one table per API (openai_routes.cpp, ollama_routes.cpp,
// ops_routes.cpp). A route matches a method and a path (or a path prefix, for /v1/models/{id});
// `open` routes need no API key (GET /health, and GET / whose page holds no data).
#pragma once

#include <kj/async.h>
#include <kj/compat/http.h>

#include <vector>

#include "node/http/exchange.hpp"

namespace troupe::http {

using route_handler = kj::Promise<void> (*)(exchange& ex);
// May throw http_error before it returns its promise (a malformed request); the front door
// answers it.

struct route {
  kj::HttpMethod method;
  const char* path;
  bool prefix = false;  // matches `path` followed by one more segment
  bool open = false;    // served without the API key
  route_handler handle = nullptr;
};

std::vector<route> openai_routes();   // /v1/completions, /v1/chat/completions, /v1/models[/{id}]
std::vector<route> ollama_routes();   // /api/generate, chat, tags, ps, version, show
std::vector<route> ops_routes();      // /health, /queue/stats, /queue/memory,
                                      // /admin/queue/update
std::vector<route> metrics_routes();  // /metrics
std::vector<route> status_routes();   // / (the status page, open) and /status (what it shows)

}  // namespace troupe::http
