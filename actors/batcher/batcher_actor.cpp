#include "actors/batcher/batcher_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>
#include <chrono>

#include "actors/batcher/batch_planner.hpp"

namespace troupe {
namespace {

using clock_type = std::chrono::steady_clock;

int64_t micros_since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0).count();
}

struct batcher_state {
  batcher_state() = default;  // not an aggregate (see CAF's stateful_actor)
  static inline const char* name = "troupe.batcher";
  batcher_setup setup;
  batch_planner planner{{}, nullptr};
  batcher_id id = 0;  // 0 while not joined
  bool in_flight = false;
  step_input current;      // the step being computed
  int64_t compose_us = 0;  // host time spent composing `current`
  uint64_t steps = 0;
  uint64_t generated = 0;
  clock_type::time_point last_ping = clock_type::now();
  uint64_t generated_at_last_ping = 0;
};

using batcher_ptr = batcher_actor::stateful_pointer<batcher_state>;

void send_report(batcher_ptr self, step_report report) {
  if (self->state.id == 0) return;  // not (re)joined: the scheduler would not know us
  if (report.progress.empty() && report.finished.empty() && report.stats.empty()) return;
  report.batcher = self->state.id;
  self->send(self->state.setup.scheduler, report_atom::value, std::move(report));
}

void release_finished(batcher_ptr self) {
  auto released = self->state.planner.take_released();
  if (!released.empty())
    self->send(self->state.setup.worker, release_atom::value, std::move(released));
}

void join(batcher_ptr self) {
  const auto& su = self->state.setup;
  self->request(su.scheduler, caf::infinite, join_atom::value,
                batcher_registration{su.node, su.model, su.engine, su.limits, su.speed},
                caf::actor_cast<batcher_actor>(self))
      .then([self](batcher_id id) { self->state.id = id; },
            [self](caf::error& err) {
              spdlog::error("batcher for {}: joining the scheduler failed: {}",
                            self->state.setup.model, to_string(err));
              self->quit(err);
            });
}

void maybe_step(batcher_ptr self);

void on_step_done(batcher_ptr self, step_reply& reply) {
  auto& s = self->state;
  auto t1 = clock_type::now();
  step_stats stats;
  stats.model = s.setup.model;
  stats.batcher = s.id;
  stats.batch_size = static_cast<uint32_t>(s.current.seqs.size());
  stats.max_batch_size = s.setup.limits.max_batch_size;
  for (const auto& si : s.current.seqs) {
    stats.tokens += static_cast<uint32_t>(si.tokens.size());
    stats.sampled += si.sample ? 1 : 0;
  }
  stats.engine_us = reply.engine_us;
  stats.prefix_queried = reply.output.prefix_queried;
  stats.prefix_hits = reply.output.prefix_hits;
  step_report report;
  if (reply.st.ok()) {
    report = s.planner.apply(s.current, reply.output);
    ++s.steps;
    for (const auto& p : report.progress) s.generated += p.tokens.size();
  } else {
    stats.failed = true;
    spdlog::warn("batcher {} ({}): step of {} sequences failed: {}", s.id, s.setup.model,
                 stats.batch_size, reply.st.message);
    report = s.planner.fail(s.current, reply.st.message);
  }
  release_finished(self);
  stats.host_us = s.compose_us + micros_since(t1);
  report.stats.push_back(std::move(stats));
  send_report(self, std::move(report));
  s.in_flight = false;
  maybe_step(self);
}

void maybe_step(batcher_ptr self) {
  auto& st = self->state;
  if (st.in_flight || st.planner.empty()) return;
  auto t0 = clock_type::now();
  st.current = st.planner.compose();
  if (st.current.seqs.empty()) return;
  st.compose_us = micros_since(t0);
  st.in_flight = true;
  self->request(st.setup.worker, caf::infinite, step_atom::value, st.current)
      .then([self](step_reply& reply) { on_step_done(self, reply); },
            [self](caf::error& err) {
              // The worker is gone: nothing on this device can make progress.
              spdlog::error("batcher {} ({}): worker lost: {}", self->state.id,
                            self->state.setup.model, to_string(err));
              self->quit(err);
            });
}

batcher_load load_of(batcher_ptr self) {
  auto& s = self->state;
  auto now = clock_type::now();
  double secs = std::chrono::duration<double>(now - s.last_ping).count();
  batcher_load load;
  load.sequences = static_cast<uint32_t>(s.planner.size());
  load.steps = s.steps;
  load.generated_tokens = s.generated;
  load.tokens_per_s = secs > 0 ? double(s.generated - s.generated_at_last_ping) / secs : 0;
  s.last_ping = now;
  s.generated_at_last_ping = s.generated;
  return load;
}

batcher_actor::behavior_type batcher(batcher_ptr self, batcher_setup setup) {
  self->state.planner = batch_planner(setup.limits, setup.tok);
  self->state.setup = std::move(setup);
  // A batcher always starts from an empty engine (a previous one may have left sequences there).
  self->send(self->state.setup.worker, reset_atom::value);
  self->monitor(self->state.setup.scheduler);
  self->set_down_handler([self](const caf::down_msg& msg) {
    if (msg.source == self->state.setup.scheduler.address()) {
      spdlog::warn("batcher {} ({}): scheduler lost: {}", self->state.id, self->state.setup.model,
                   to_string(msg.reason));
      self->quit(msg.reason);
    }
  });
  join(self);
  return {
      [self](assign_atom, sequence_job& job) {
        auto& s = self->state;
        auto id = job.job;
        auto st = s.planner.add(std::move(job));
        if (!st.ok()) {
          step_report report;
          report.finished.push_back(job_finish{id, finish_reason::none, st});
          send_report(self, std::move(report));
          return;
        }
        maybe_step(self);
      },
      [self](cancel_atom, job_id job) {
        auto finish = self->state.planner.cancel(job);
        if (!finish) return;
        release_finished(self);
        step_report report;
        report.finished.push_back(std::move(*finish));
        send_report(self, std::move(report));
      },
      [self](ping_atom) { return load_of(self); },
      [self](rejoin_atom) {
        auto& s = self->state;
        if (s.id == 0) return;  // already rejoining
        spdlog::warn("batcher {} ({}): the scheduler gave its jobs to others; rejoining", s.id,
                     s.setup.model);
        s.planner.clear();
        s.id = 0;
        self->send(s.setup.worker, reset_atom::value);
        join(self);
      },
  };
}

}  // namespace

batcher_actor spawn_batcher(caf::actor_system& sys, batcher_setup setup) {
  return sys.spawn(batcher, std::move(setup));
}

}  // namespace troupe
