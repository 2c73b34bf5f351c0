// One node's actors, assembled from the cluster config: on the head, the job store and the
// capacity, metrics and scheduler actors (the scheduler published on the node's actor_port for
// the other nodes); on every node, a worker (engine) and a batcher per (device, model) it serves.
// A worker node's batchers join the head's scheduler through a head_link, which reconnects when
// the head comes back.
//
// The engine is whatever `make_engine` builds: the product passes the Vulkan engine, tests pass
// their deterministic engine. Construction loads every engine first (a model that fails to load
// fails the node before it serves anything), then spawns the actors; the head waits until each of
// its own batchers has joined the scheduler.
#pragma once

#include <caf/fwd.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "gpu/engine.hpp"
#include "node/config.hpp"
#include "node/head_link.hpp"
#include "persistence/job_store.hpp"

namespace prometheus {
class Registry;
}

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
  bool publish = true;      // head: accept other nodes on actor_port (needs the CAF middleman)
  bool probe_speed = true;  // measure each engine's decode speed (the routing weight) at start
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

  bool is_head() const { return is_head_; }
  const scheduler_actor& scheduler() const { return scheduler_; }  // the head's only
  const capacity_actor& capacity() const { return capacity_; }
  const metrics_actor& metrics() const { return metrics_; }
  const std::shared_ptr<prometheus::Registry>& metrics_registry() const { return registry_; }
  // The head's Prometheus registry (the metrics actor's and the job store's numbers).
  const std::vector<std::shared_ptr<engine>>& engines() const { return engines_; }
  const std::vector<batcher_actor>& batchers() const { return batchers_; }

  status drain(std::chrono::milliseconds grace);
  // Head: stops admission and waits for running jobs (at most `grace`, then stops them). Worker
  // node: asks the head to drain this node's devices (their running jobs finish or move on).

 private:
  struct local_device {
    const model_config* model;
    std::shared_ptr<engine> eng;
    worker_actor worker;
    double speed = 1.0;
  };

  void start_head(const node_config& self_node);
  std::vector<batcher_actor> spawn_batchers(const scheduler_actor& scheduler);

  caf::actor_system& sys_;
  runtime_options options_;
  bool is_head_ = false;
  std::deque<model_config> node_models_;  // the models as this node runs them (stable addresses)
  std::vector<local_device> devices_;
  std::unique_ptr<head_link> link_;
  std::vector<std::shared_ptr<engine>> engines_;
  std::shared_ptr<prometheus::Registry> registry_;  // before store_: it reports into it
  std::shared_ptr<job_store> store_;
  capacity_actor capacity_;
  metrics_actor metrics_;
  scheduler_actor scheduler_;
  std::vector<worker_actor> workers_;
  std::vector<batcher_actor> batchers_;
};

}  // namespace troupe
