// A single-node scheduling core for tests: the product's node_runtime, built from a TOML config,
// with test engines instead of the Vulkan engine and a recorder as every job's sink.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "tests/support/event_recorder.hpp"
#include "tests/support/test_engine.hpp"

namespace prometheus {
class Registry;
}

namespace troupe::testing {

std::string core_config(int max_active, int max_queued, int max_batch_size,
                        int max_step_tokens = 512, int max_seq_len = 4096,
                        const std::string& extra_scheduler = "", int devices = 1);
// A one-node config serving model "test" with these limits.

class core_harness {
 public:
  explicit core_harness(const std::string& config_toml, test_engine_options engine = {},
                        std::function<std::chrono::steady_clock::time_point()> clock = {},
                        const std::string& data_dir = "");
  // With a `data_dir`, the node keeps its jobs in a job store there (durable mode): a second
  // harness on the same directory recovers them.
  ~core_harness();

  submit_reply submit(job_spec spec);             // the recorder receives the job's events
  submit_reply submit_unobserved(job_spec spec);  // no sink
  status cancel(job_id job);
  job_info info(job_id job);
  status attach(job_id job, job_sink_actor sink);
  nlohmann::json stats();
  capacity_report usage();
  model_limits set_limits(model_limits update);
  status drain(std::chrono::milliseconds grace);

  event_log& log() { return *log_; }
  std::shared_ptr<event_log> log_ptr() { return log_; }
  test_engine& engine(size_t i = 0) { return *engines_.at(i); }
  caf::actor_system& system();
  const scheduler_actor& scheduler() const;
  const std::vector<batcher_actor>& batchers() const;
  std::vector<node_status> nodes();
  status leave(const std::string& node, std::chrono::milliseconds grace);
  const capacity_actor& capacity() const;
  const metrics_actor& metrics() const;
  std::shared_ptr<prometheus::Registry> metrics_registry() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::shared_ptr<event_log> log_ = std::make_shared<event_log>();
  std::vector<std::shared_ptr<test_engine>> engines_;
};

job_spec make_job(const std::string& prompt, int max_tokens, priority prio = priority::normal);
// A job for model "test".

}  // namespace troupe::testing
