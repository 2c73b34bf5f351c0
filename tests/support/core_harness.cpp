#include "tests/support/core_harness.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <stdexcept>
#include <variant>

#include "actors/type_registry.hpp"
#include "node/config.hpp"
#include "node/runtime.hpp"

namespace troupe::testing {

std::string core_config(int max_active, int max_queued, int max_batch_size, int max_step_tokens,
                        int max_seq_len, const std::string& extra_scheduler, int devices) {
  std::string device_list;
  for (int i = 0; i < devices; ++i) device_list += (i ? ", " : "") + std::to_string(i);
  return "[cluster]\nname = \"test\"\nhead = \"n1\"\n"
         "[scheduler]\n" +
         extra_scheduler +
         "\n[[node]]\nname = \"n1\"\nhost = \"127.0.0.1\"\nrpc_port = 1\nactor_port = 2\n"
         "data_dir = \"/tmp/troupe-test\"\ndevices = [" +
         device_list +
         "]\nmodels = [\"test\"]\n"
         "[[model]]\nname = \"test\"\npath = \"none.gguf\"\n"
         "max_active = " +
         std::to_string(max_active) + "\nmax_queued = " + std::to_string(max_queued) +
         "\nmax_batch_size = " + std::to_string(max_batch_size) +
         "\nmax_step_tokens = " + std::to_string(max_step_tokens) +
         "\nmax_seq_len = " + std::to_string(max_seq_len) + "\n";
}

struct core_harness::impl {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<node_runtime> runtime;
  job_sink_actor recorder;

  impl() { register_message_types(cfg); }
};

core_harness::core_harness(const std::string& config_toml, test_engine_options engine,
                           std::function<std::chrono::steady_clock::time_point()> clock,
                           const std::string& data_dir)
    : impl_(std::make_unique<impl>()) {
  auto parsed = parse_config(config_toml, "test.toml");
  if (auto* err = std::get_if<config_error>(&parsed)) throw std::runtime_error(err->message());
  impl_->sys = std::make_unique<caf::actor_system>(impl_->cfg);
  runtime_options opts;
  opts.config = std::get<cluster_config>(std::move(parsed));
  opts.node = opts.config.cluster.head;
  opts.clock = std::move(clock);
  opts.durable = !data_dir.empty();
  opts.probe_speed = false;  // tests count the test engine's steps
  for (auto& n : opts.config.nodes)
    if (!data_dir.empty()) n.data_dir = data_dir;
  opts.make_engine = [this, engine](const model_config& m, const std::string& device) {
    auto o = engine;
    o.model = m.name;
    o.kv_block_tokens = m.kv_block_tokens;
    o.device_name = "test-device-" + device;
    auto e = std::make_shared<test_engine>(o);
    engines_.push_back(e);
    return e;
  };
  impl_->runtime = std::make_unique<node_runtime>(*impl_->sys, std::move(opts));
  impl_->recorder = spawn_recorder(*impl_->sys, log_);
}

core_harness::~core_harness() {
  impl_->runtime.reset();
  caf::anon_send_exit(impl_->recorder, caf::exit_reason::user_shutdown);
  impl_->sys.reset();  // waits for every actor to finish
}

caf::actor_system& core_harness::system() {
  return *impl_->sys;
}
const scheduler_actor& core_harness::scheduler() const {
  return impl_->runtime->scheduler();
}
const std::vector<batcher_actor>& core_harness::batchers() const {
  return impl_->runtime->batchers();
}
const capacity_actor& core_harness::capacity() const {
  return impl_->runtime->capacity();
}
const metrics_actor& core_harness::metrics() const {
  return impl_->runtime->metrics();
}

std::shared_ptr<prometheus::Registry> core_harness::metrics_registry() const {
  return impl_->runtime->metrics_registry();
}

namespace {

template <class Result, class Dest, class... Ts>
Result ask(caf::actor_system& sys, const Dest& dest, Ts&&... xs) {
  caf::scoped_actor self{sys};
  Result out{};
  self->request(dest, std::chrono::seconds(60), std::forward<Ts>(xs)...)
      .receive(
          [&](Result& r) { out = std::move(r); },
          [&](caf::error& err) { throw std::runtime_error("request failed: " + to_string(err)); });
  return out;
}

}  // namespace

submit_reply core_harness::submit(job_spec spec) {
  return ask<submit_reply>(system(), scheduler(), submit_atom::value, std::move(spec),
                           impl_->recorder);
}

submit_reply core_harness::submit_unobserved(job_spec spec) {
  return ask<submit_reply>(system(), scheduler(), submit_atom::value, std::move(spec),
                           job_sink_actor{});
}

status core_harness::cancel(job_id job) {
  return ask<status>(system(), scheduler(), cancel_atom::value, job);
}

job_info core_harness::info(job_id job) {
  return ask<job_info>(system(), scheduler(), status_atom::value, job);
}

status core_harness::attach(job_id job, job_sink_actor sink) {
  return ask<status>(system(), scheduler(), attach_atom::value, job, std::move(sink));
}

nlohmann::json core_harness::stats() {
  return nlohmann::json::parse(
      ask<std::string>(system(), impl_->runtime->metrics(), stats_atom::value));
}

capacity_report core_harness::usage() {
  return ask<capacity_report>(system(), impl_->runtime->capacity(), usage_atom::value);
}

model_limits core_harness::set_limits(model_limits update) {
  return ask<model_limits>(system(), impl_->runtime->capacity(), limits_atom::value,
                           std::move(update));
}

std::vector<node_status> core_harness::nodes() {
  return ask<std::vector<node_status>>(system(), scheduler(), nodes_atom::value);
}

status core_harness::leave(const std::string& node, std::chrono::milliseconds grace) {
  return ask<status>(system(), scheduler(), leave_atom::value, node,
                     static_cast<int64_t>(grace.count()));
}

status core_harness::drain(std::chrono::milliseconds grace) {
  return impl_->runtime->drain(grace);
}

job_spec make_job(const std::string& prompt, int max_tokens, priority prio) {
  job_spec s;
  s.model = "test";
  s.prompt = prompt;
  s.max_tokens = max_tokens;
  s.prio = prio;
  return s;
}

}  // namespace troupe::testing
