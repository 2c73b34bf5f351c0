#include "bench/scheduler_bench.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <variant>

#include "actors/type_registry.hpp"
#include "bench/null_engine.hpp"
#include "node/config.hpp"
#include "node/runtime.hpp"
#include "persistence/scratch_dir.hpp"

namespace troupe::bench {
namespace {

std::string config_for(uint32_t depth, const scheduler_bench_options& o,
                       const std::string& data_dir) {
  return "[cluster]\nname = \"bench\"\nhead = \"n\"\n"
         "[scheduler]\nfinished_retention = 1000\n"
         "[[node]]\nname = \"n\"\nhost = \"127.0.0.1\"\nrpc_port = 1\nactor_port = 2\n"
         "data_dir = \"" +
         data_dir +
         "\"\ndevices = [0]\nmodels = [\"m\"]\n"
         "[[model]]\nname = \"m\"\npath = \"none\"\nmax_active = " +
         std::to_string(o.batch) + "\nmax_queued = " + std::to_string(depth + 2 * o.batch) +
         "\nmax_batch_size = " + std::to_string(o.batch) + "\nmax_step_tokens = 512\n";
}

job_spec bench_job(int32_t tokens) {
  job_spec s;
  s.model = "m";
  s.prompt = "benchmark prompt";
  s.max_tokens = tokens;
  return s;
}

struct driver_state {
  // Not an aggregate: CAF 0.17 constructs a state from the actor pointer when it can, and C++20
  // would allow that for an aggregate whose first member is an actor handle.
  driver_state() = default;
  scheduler_actor scheduler;

  int32_t tokens = 8;
  std::atomic<uint64_t>* completed = nullptr;
};

// Replaces every finished job with a new one, so the queue depth stays where it started.
job_sink_actor::behavior_type driver(job_sink_actor::stateful_pointer<driver_state> self,
                                     scheduler_actor scheduler, int32_t tokens,
                                     std::atomic<uint64_t>* completed) {
  self->state.scheduler = std::move(scheduler);
  self->state.tokens = tokens;
  self->state.completed = completed;
  auto resubmit = [self] {
    self->request(self->state.scheduler, caf::infinite, submit_atom::value,
                  bench_job(self->state.tokens), caf::actor_cast<job_sink_actor>(self))
        .then([](const submit_reply&) {});
  };
  return {
      [](const token_chunk&) {},
      [self, resubmit](const job_result&) {
        ++*self->state.completed;
        resubmit();
      },
      [resubmit](const job_error&) { resubmit(); },
  };
}

double percentile_us(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<size_t>(q * double(v.size() - 1));
  return v[i];
}

void run_depth(uint32_t depth, const scheduler_bench_options& o, std::ostream& out) {
  caf::actor_system_config cfg;
  register_message_types(cfg);
  caf::actor_system sys{cfg};
  // A fresh job store per depth: a store left by an earlier run would be recovered, and its jobs
  // would queue ahead of the measured ones.
  const scratch_dir dir("scheduler-bench");
  auto parsed = parse_config(config_for(depth, o, dir.path()), "bench.toml");
  runtime_options ro;
  ro.config = std::get<cluster_config>(std::move(parsed));
  ro.node = "n";
  std::shared_ptr<null_engine> eng;
  ro.make_engine = [&](const model_config& m, const std::string&) {
    eng = std::make_shared<null_engine>(m.name, 1 << 20, m.kv_block_tokens);
    return eng;
  };
  {
    node_runtime node(sys, std::move(ro));
    std::atomic<uint64_t> completed{0};
    auto sink = sys.spawn(driver, node.scheduler(), o.gen_tokens, &completed);
    caf::scoped_actor self{sys};
    // Fill the queue while the model is paused, then let it run.
    self->request(node.capacity(), caf::infinite, limits_atom::value, model_limits{"m", 0, -1})
        .receive([](const model_limits&) {}, [](caf::error&) {});
    uint32_t total = depth + o.batch;
    for (uint32_t i = 0; i < total; ++i)
      self->send(node.scheduler(), submit_atom::value, bench_job(o.gen_tokens), sink);
    uint32_t accepted = 0;
    for (uint32_t i = 0; i < total; ++i)
      self->receive([&](const submit_reply& r) { accepted += r.st.ok(); });
    if (accepted != total) spdlog::warn("only {} of {} jobs accepted", accepted, total);
    self->request(node.capacity(), caf::infinite, limits_atom::value,
                  model_limits{"m", static_cast<int32_t>(o.batch), -1})
        .receive([](const model_limits&) {}, [](caf::error&) {});
    // Warm up, then measure.
    while (eng->steps() < 200) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    eng->start_recording(o.steps + 1);
    auto done_before = completed.load();
    auto times = eng->wait_recorded();
    auto done_after = completed.load();
    std::vector<double> periods;
    for (size_t i = 1; i < times.size(); ++i)
      periods.push_back(std::chrono::duration<double, std::micro>(times[i] - times[i - 1]).count());
    double window_s = std::chrono::duration<double>(times.back() - times.front()).count();
    nlohmann::json j = {{"bench", "scheduler"},
                        {"queue_depth", depth},
                        {"steps", o.steps},
                        {"batch", o.batch},
                        {"gen_tokens", o.gen_tokens},
                        {"step_us_p50", percentile_us(periods, 0.50)},
                        {"step_us_p99", percentile_us(periods, 0.99)},
                        {"jobs_per_s", double(done_after - done_before) / window_s}};
    out << j.dump() << std::endl;
    node.drain(std::chrono::milliseconds(0));
    caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  }
}

}  // namespace

void run_scheduler_bench(const scheduler_bench_options& options, std::ostream& out) {
  spdlog::set_level(spdlog::level::warn);
  for (auto d : options.depths) run_depth(d, options, out);
}

}  // namespace troupe::bench
