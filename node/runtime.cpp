#include "node/runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>
#include <map>
#include <stdexcept>
#include <thread>

#include "actors/batcher/batcher_actor.hpp"
#include "actors/capacity/capacity_actor.hpp"
#include "actors/metrics/metrics_actor.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/worker/worker_actor.hpp"

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
  bool is_head = cfg.cluster.head == options_.node;
  if (!is_head)
    throw std::runtime_error("node '" + options_.node +
                             "' is not the head; multi-node clusters are not supported yet");

  // Engines first: loading is what fails in practice, and it must fail before anything serves.
  struct local_engine {
    const model_config* model;
    std::shared_ptr<engine> eng;
  };
  std::vector<local_engine> local;
  for (const auto& device : self_node->devices) {
    for (const auto& name : self_node->models) {
      const auto* model = cfg.model(name);
      auto eng = options_.make_engine(*model, device);
      if (eng->info().kv_block_tokens != model->kv_block_tokens)
        throw std::runtime_error("engine for model '" + name + "' uses KV blocks of " +
                                 std::to_string(eng->info().kv_block_tokens) +
                                 " tokens, the config says " +
                                 std::to_string(model->kv_block_tokens));
      local.push_back({model, eng});
      engines_.push_back(std::move(eng));
    }
  }

  std::vector<capacity_model> capacity_models;
  std::vector<scheduler_model> scheduler_models;
  for (const auto& m : cfg.models) {
    capacity_models.push_back({model_limits{m.name, m.max_active, m.max_queued}, m.max_seq_len});
    std::shared_ptr<const tokenizer> tok;
    for (const auto& l : local)
      if (l.model == &m) tok = l.eng->tokens();
    if (!tok && options_.make_tokenizer) tok = options_.make_tokenizer(m);
    if (!tok) throw std::runtime_error("no tokenizer for model '" + m.name + "'");
    scheduler_models.push_back({m.name, tok, m.max_seq_len, m.kv_block_tokens});
  }

  if (options_.durable) {
    auto dir = self_node->data_dir + "/jobs";
    try {
      job_store_options so;
      so.retention = std::chrono::seconds(cfg.scheduler.retention_s);
      store_ = job_store::open(dir, so);
    } catch (const job_store_error& e) {
      throw std::runtime_error("job store " + dir + ": " + e.what());
    }
  }

  capacity_ = spawn_capacity(sys_, std::move(capacity_models));
  metrics_ = spawn_metrics(sys_, capacity_);
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
  if (store_) {
    ss.store = store_;
    ss.recovered = store_->recover();
  }
  scheduler_ = spawn_scheduler(sys_, std::move(ss));

  for (const auto& l : local) {
    auto worker = spawn_worker(sys_, l.eng);
    batcher_setup bs;
    bs.node = options_.node;
    bs.model = l.model->name;
    bs.limits = limits_of(*l.model, cfg.scheduler);
    bs.tok = l.eng->tokens();
    bs.worker = worker;
    bs.scheduler = scheduler_;
    bs.metrics = metrics_;
    bs.engine = l.eng->info();
    batchers_.push_back(spawn_batcher(sys_, std::move(bs)));
    workers_.push_back(std::move(worker));
  }

  // Serve only once every local device is registered with the capacity actor.
  caf::scoped_actor self{sys_};
  for (int attempt = 0;; ++attempt) {
    size_t registered = 0;
    self->request(capacity_, std::chrono::seconds(10), usage_atom::value)
        .receive([&](const capacity_report& r) { registered = r.devices.size(); },
                 [&](caf::error& err) {
                   throw std::runtime_error("capacity actor did not answer: " + to_string(err));
                 });
    if (registered == local.size()) break;
    if (attempt > 1000) throw std::runtime_error("batchers did not join the scheduler");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  spdlog::info("node '{}' serving {} model(s) on {} engine(s)", options_.node, cfg.models.size(),
               engines_.size());
}

node_runtime::~node_runtime() {
  for (auto& b : batchers_) caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  for (auto& w : workers_) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
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
  self->request(scheduler_, grace + std::chrono::seconds(30), drain_atom::value,
                static_cast<int64_t>(grace.count()))
      .receive([&](status& st) { result = std::move(st); },
               [&](caf::error& err) {
                 result = make_status(errc::internal, "drain failed: " + to_string(err));
               });
  return result;
}

}  // namespace troupe
