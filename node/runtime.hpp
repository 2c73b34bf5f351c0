// One node's actors, assembled from the cluster config: on the head, the capacity, metrics and
// scheduler actors; on every node, a worker (engine) and a batcher per (device, model) it serves.
//
// The engine is whatever `make_engine` builds: the product passes the Vulkan engine, tests pass
// their deterministic engine. Construction loads every engine first (a model that fails to load
// fails the node before it serves anything), then spawns the actors and waits until each batcher
// has joined the scheduler.
#pragma once

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "gpu/engine.hpp"
#include "node/config.hpp"
#include "persistence/job_store.hpp"

namespace troupe {

using engine_factory =
    std::function<std::shared_ptr<engine>(const model_config& model, const std::string& device)>;
// Builds the engine for one model on one device of this node; throws std::runtime_error with a
// message for the operator when it cannot.

using tokenizer_factory =
    std::function<std::shared_ptr<const tokenizer>(const model_config& model)>;
// The tokenizer of a model the head serves on no local device.

struct runtime_options {
  cluster_config config;
  std::string node;  // this process's [[node]]
  engine_factory make_engine;
  tokenizer_factory make_tokenizer;
  std::function<std::chrono::steady_clock::time_point()> clock;  // aging clock; default steady
  bool durable = true;
  // On the head: keep jobs in the job store under <data_dir>/jobs (accepted means fsynced; work
  // survives restarts). Tests of the scheduling core alone turn it off.
};

class node_runtime {
 public:
  node_runtime(caf::actor_system& sys, runtime_options options);
  // Throws std::runtime_error when an engine cannot be built or the node is misconfigured.

  ~node_runtime();  // stops the node's actors

  node_runtime(const node_runtime&) = delete;
  node_runtime& operator=(const node_runtime&) = delete;

  const scheduler_actor& scheduler() const { return scheduler_; }
  const capacity_actor& capacity() const { return capacity_; }
  const metrics_actor& metrics() const { return metrics_; }
  const std::vector<std::shared_ptr<engine>>& engines() const { return engines_; }

  status drain(std::chrono::milliseconds grace);
  // Stops admission and waits for running jobs (at most `grace`, then stops them).

 private:
  caf::actor_system& sys_;
  runtime_options options_;
  std::vector<std::shared_ptr<engine>> engines_;
  std::shared_ptr<job_store> store_;
  capacity_actor capacity_;
  metrics_actor metrics_;
  scheduler_actor scheduler_;
  std::vector<worker_actor> workers_;
  std::vector<batcher_actor> batchers_;
};

}  // namespace troupe
