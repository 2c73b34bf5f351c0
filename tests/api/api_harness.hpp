// The client API over loopback, for tests: a single-node scheduling core (core_harness, with the
// deterministic test engine) plus the product's api_server on 127.0.0.1, port 0.
#pragma once

#include <memory>
#include <string>

#include "node/api/api_server.hpp"
#include "tests/support/core_harness.hpp"

namespace troupe::testing {

class api_harness {
 public:
  explicit api_harness(const std::string& config_toml, test_engine_options engine = {},
                       api_server_options options = {});
  ~api_harness();  // the server stops first, then the core

  core_harness& core() { return *core_; }
  api_server& server() { return *server_; }
  std::string address() const;  // "127.0.0.1:PORT"

 private:
  std::unique_ptr<core_harness> core_;
  std::unique_ptr<api_server> server_;
};

std::string api_config(int max_active = 4, int max_queued = 64, int max_batch_size = 4,
                       const std::string& extra_scheduler = "");
// core_config() for API tests: model "test", max_seq_len 4096.

}  // namespace troupe::testing
