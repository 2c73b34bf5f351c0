// The HTTP front door over loopback, for tests: the API harness (a single-node scheduling core
// with the deterministic test engine, and the product's api_server) with HTTP on, and a model
// catalog for model "test" with a small chat template.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "node/model_catalog.hpp"
#include "tests/api/api_harness.hpp"
#include "tools/http/http_client.hpp"

namespace troupe::testing {

using http_client::http_connection;
using http_client::http_request;
using http_client::http_response;
using http_client::sse_data;

extern const char* const test_chat_template;
// "<s>" then per message "<|role|>content<|end|>", then "<|assistant|>" with the generation
// prompt.

struct http_harness_options {
  std::string api_key;
  http::front_door_limits limits;
  test_engine_options engine;
  std::string config;                              // default: api_config()
  size_t backlog_bytes = 4 << 20;                  // per stream, before a slow client is dropped
  std::chrono::milliseconds stall_timeout{30000};  // for a write the client does not take
};

class http_harness {
 public:
  explicit http_harness(http_harness_options options = {});

  uint16_t port() const { return api_->server().http_port(); }
  core_harness& core() { return api_->core(); }
  api_server& server() { return api_->server(); }

  http_response post(const std::string& path, const nlohmann::json& body,
                     const std::map<std::string, std::string>& headers = {});
  http_response get(const std::string& path,
                    const std::map<std::string, std::string>& headers = {});

 private:
  std::unique_ptr<api_harness> api_;
};

job_id job_of(const http_response& r);  // x-troupe-job-id, 0 when absent

}  // namespace troupe::testing
