#include "tests/api/api_harness.hpp"

namespace troupe::testing {

api_harness::api_harness(const std::string& config_toml, test_engine_options engine,
                         api_server_options options)
    : core_(std::make_unique<core_harness>(config_toml, engine)) {
  options.bind_address = "127.0.0.1:0";
  if (!options.metrics) options.metrics = core_->metrics_registry();
  server_ = std::make_unique<api_server>(
      core_->system(), api_targets{core_->scheduler(), core_->capacity(), core_->metrics()},
      options);
}

api_harness::~api_harness() {
  server_.reset();
  core_.reset();
}

std::string api_harness::address() const {
  return "127.0.0.1:" + std::to_string(server_->port());
}

std::string api_config(int max_active, int max_queued, int max_batch_size,
                       const std::string& extra_scheduler) {
  return core_config(max_active, max_queued, max_batch_size, 512, 4096, extra_scheduler);
}

}  // namespace troupe::testing
