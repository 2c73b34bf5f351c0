#include "node/runtime.hpp"

#include <prometheus/registry.h>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>
#include <map>
#include <stdexcept>
#include <thread>

#include "actors/batcher/batcher_actor.hpp"
#include "actors/capacity/capacity_actor.hpp"
#include "actors/metrics/activity_log.hpp"
#include "actors/metrics/metrics_actor.hpp"
#include "actors/metrics/store_metrics.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/worker/worker_actor.hpp"
#include "node/device_budget.hpp"
#include "node/engine_probe.hpp"

namespace troupe {
namespace {

batcher_limits limits_of(const model_config& m, const scheduler_section& s) {
  batcher_limits l;
  l.max_batch_size = m.max_batch_size;
  l.max_step_tokens = m.max_step_tokens;
  l.max_seq_len = m.max_seq_len;
  l.max_step_retries = s.max_step_retries;
  return l;
}

}  // namespace

node_runtime::node_runtime(caf::actor_system& sys, runtime_options options)
    : sys_(sys), options_(std::move(options)) {
  const auto& cfg = options_.config;
  const auto* self_node = cfg.node(options_.node);
  if (!self_node) throw std::runtime_error("no [[node]] named '" + options_.node + "'");
  is_head_ = cfg.cluster.head == options_.node;

  // Engines first: loading is what fails in practice, and it must fail before anything serves.
  for (const auto& device : self_node->devices) {
    device_budget budget(self_node->device_memory_mb);
    for (const auto& name : self_node->models) {
      // This node's view of the model: its own device limits where it sets them.
      node_models_.push_back(*cfg.model(name));
      auto* model = &node_models_.back();
      if (self_node->max_batch_size) {
        model->max_batch_size = self_node->max_batch_size;
        model->max_step_tokens = std::max(model->max_step_tokens, model->max_batch_size);
      }
      if (self_node->kv_memory_mb) model->kv_memory_mb = self_node->kv_memory_mb;
      model->device_memory_mb = budget.grant_mb(name, model->device_memory_mb);
      auto eng = options_.make_engine(*model, device);
      budget.charge(eng->info());
      if (eng->info().kv_block_tokens != model->kv_block_tokens)
        throw std::runtime_error("engine for model '" + name + "' uses KV blocks of " +
                                 std::to_string(eng->info().kv_block_tokens) +
                                 " tokens, the config says " +
                                 std::to_string(model->kv_block_tokens));
      double speed = options_.probe_speed ? measure_decode_speed(*eng) : 1.0;
      engines_.push_back(eng);
      devices_.push_back({model, eng, {}, speed});
    }
  }
  for (auto& d : devices_) {
    d.worker = spawn_worker(sys_, d.eng);
    workers_.push_back(d.worker);
  }

  if (is_head_) {
    start_head(*self_node);
  } else {
    const auto* head = cfg.node(cfg.cluster.head);
    link_ = std::make_unique<head_link>(
        sys_, head->host, head->actor_port, std::chrono::milliseconds(cfg.cluster.connect_retry_ms),
        [this](const scheduler_actor& s) { return spawn_batchers(s); });
    spdlog::info("node '{}' serving {} device(s) for the head at {}:{}", options_.node,
                 devices_.size(), head->host, head->actor_port);
  }
}

std::vector<batcher_actor> node_runtime::spawn_batchers(const scheduler_actor& scheduler) {
  std::vector<batcher_actor> out;
  for (const auto& d : devices_) {
    batcher_setup bs;
    bs.node = options_.node;
    bs.model = d.model->name;
    bs.limits = limits_of(*d.model, options_.config.scheduler);
    bs.tok = d.eng->tokens();
    bs.worker = d.worker;
    bs.scheduler = scheduler;
    bs.engine = d.eng->info();
    bs.speed = d.speed;
    out.push_back(spawn_batcher(sys_, std::move(bs)));
  }
  return out;
}

void node_runtime::start_head(const node_config& self_node) {
  const auto& cfg = options_.config;
  registry_ = std::make_shared<prometheus::Registry>();
  std::vector<capacity_model> capacity_models;
  std::vector<scheduler_model> scheduler_models;
  for (const auto& m : cfg.models) {
    capacity_models.push_back({model_limits{m.name, m.max_active, m.max_queued}, m.max_seq_len});
    std::shared_ptr<const tokenizer> tok;
    for (const auto& d : devices_)
      if (d.model->name == m.name) tok = d.eng->tokens();
    if (!tok && options_.make_tokenizer) tok = options_.make_tokenizer(m);
    if (!tok) throw std::runtime_error("no tokenizer for model '" + m.name + "'");
    scheduler_models.push_back({m.name, tok, m.max_seq_len, m.kv_block_tokens});
  }

  if (options_.durable) {
    auto dir = self_node.data_dir + "/jobs";
    try {
      job_store_options so;
      so.retention = std::chrono::seconds(cfg.scheduler.retention_s);
      so.on_sync = job_store_sync_recorder(*registry_);
      store_ = job_store::open(dir, so);
    } catch (const job_store_error& e) {
      throw std::runtime_error("job store " + dir + ": " + e.what());
    }
  }

  capacity_ = spawn_capacity(sys_, std::move(capacity_models));
  std::shared_ptr<activity_log> activity;
  if (options_.durable)
    activity = std::make_shared<activity_log>(self_node.data_dir + "/activity.log");
  metrics_ = spawn_metrics(sys_, capacity_, registry_, std::move(activity));
  scheduler_setup ss;
  ss.node = options_.node;
  ss.models = std::move(scheduler_models);
  ss.capacity = capacity_;
  ss.metrics = metrics_;
  ss.aging = std::chrono::milliseconds(cfg.scheduler.aging_ms);
  ss.finished_retention = cfg.scheduler.finished_retention;
  ss.max_prompt_bytes = cfg.scheduler.max_prompt_bytes;
  if (options_.clock) ss.now = options_.clock;
  ss.checkpoint_tokens = cfg.scheduler.checkpoint_tokens;
  ss.heartbeat = std::chrono::milliseconds(cfg.cluster.heartbeat_ms);
  ss.failure_timeout = std::chrono::milliseconds(cfg.cluster.failure_timeout_ms);
  if (store_) {
    ss.store = store_;
    auto t0 = std::chrono::steady_clock::now();
    ss.recovered = store_->recover();
    spdlog::info("job store: {} unfinished jobs read in {:.2f} s", ss.recovered.unfinished.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  scheduler_ = spawn_scheduler(sys_, std::move(ss));

  if (options_.publish && cfg.nodes.size() > 1) {
    auto port =
        sys_.middleman().publish(scheduler_, self_node.actor_port, self_node.host.c_str(), true);
    if (!port)
      throw std::runtime_error("cannot accept nodes on " + self_node.host + ":" +
                               std::to_string(self_node.actor_port) + ": " +
                               to_string(port.error()));
    spdlog::info("accepting nodes on {}:{}", self_node.host, *port);
  }

  batchers_ = spawn_batchers(scheduler_);
  // Serve only once every local device is registered with the capacity actor.
  caf::scoped_actor self{sys_};
  for (int attempt = 0;; ++attempt) {
    size_t registered = 0;
    self->request(capacity_, std::chrono::seconds(10), usage_atom::value)
        .receive([&](const capacity_report& r) { registered = r.devices.size(); },
                 [&](caf::error& err) {
                   throw std::runtime_error("capacity actor did not answer: " + to_string(err));
                 });
    if (registered >= devices_.size()) break;
    if (attempt > 1000) throw std::runtime_error("batchers did not join the scheduler");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  spdlog::info("node '{}' (head) serving {} model(s), {} local engine(s)", options_.node,
               cfg.models.size(), engines_.size());
}

node_runtime::~node_runtime() {
  link_.reset();  // a worker node's batchers stop with the link
  for (auto& b : batchers_) caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  for (auto& w : workers_) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  if (!is_head_) return;
  caf::anon_send_exit(scheduler_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(metrics_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(capacity_, caf::exit_reason::user_shutdown);
  if (store_) {
    // The scheduler writes to the store until it is gone; close only then.
    caf::scoped_actor self{sys_};
    self->wait_for(scheduler_);
    store_->close();
  }
}

status node_runtime::drain(std::chrono::milliseconds grace) {
  caf::scoped_actor self{sys_};
  status result;
  auto on_error = [&](caf::error& err) {
    result = make_status(errc::internal, "drain failed: " + to_string(err));
  };
  if (is_head_) {
    self->request(scheduler_, grace + std::chrono::seconds(30), drain_atom::value,
                  static_cast<int64_t>(grace.count()))
        .receive([&](status& st) { result = std::move(st); }, on_error);
    return result;
  }
  auto head = link_ ? link_->head() : std::nullopt;
  if (!head)
    return make_status(errc::unavailable, "not connected to the head: nothing to hand back");
  self->request(*head, grace + std::chrono::seconds(30), leave_atom::value, options_.node,
                static_cast<int64_t>(grace.count()))
      .receive([&](status& st) { result = std::move(st); }, on_error);
  return result;
}

}  // namespace troupe
