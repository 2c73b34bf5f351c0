// The scheduler's flow of jobs: queue -> units -> batcher -> tokens -> terminal state, and drain.
#include <caf/actor_system.hpp>

#include <spdlog/spdlog.h>

#include "actors/capacity/prefix_affinity.hpp"
#include "actors/scheduler/scheduler_state.hpp"

namespace troupe {
namespace {

job_summary summary_of(const job_record& r, job_event event) {
  return job_summary{r.spec.model,
                     event,
                     r.error.code,
                     static_cast<uint32_t>(r.prompt.size()),
                     static_cast<uint32_t>(r.generated.size()),
                     r.timings,
                     r.reason,
                     r.id,
                     r.node,
                     r.device,
                     r.spec.client_request_id,
                     r.spec.client_address};
}

// Keeps finished jobs in memory up to the retention count (the store keeps them longer).
void retain(scheduler_ptr self, job_id id) {
  auto& s = self->state;
  s.finished.push_back(id);
  while (s.finished.size() > s.setup.finished_retention) {
    auto old = s.finished.front();
    auto it = s.jobs.find(old);
    if (it != s.jobs.end() && (it->second.batcher != 0 || it->second.terminal_pending)) break;
    s.finished.pop_front();
    if (it == s.jobs.end()) continue;
    if (!it->second.spec.client_request_id.empty())
      s.by_request_id.erase(it->second.spec.client_request_id);
    s.jobs.erase(it);
  }
}

void maybe_finish_drain(scheduler_ptr self) {
  auto& s = self->state;
  if (!s.drain_promise || s.on_device > 0) return;
  s.drain_promise->deliver(make_status(
      errc::ok, "drained: " + std::to_string(s.drained_completed) + " running jobs completed"));
  s.drain_promise.reset();
}

}  // namespace

void enqueue(scheduler_ptr self, job_record record, std::chrono::steady_clock::time_point at) {
  auto& s = self->state;
  auto id = record.id;
  auto model = record.spec.model;
  s.models.at(model).queue.push(id, record.spec.prio, at);
  if (!record.spec.client_request_id.empty()) s.by_request_id[record.spec.client_request_id] = id;
  s.jobs.insert_or_assign(id, std::move(record));
  dispatch(self, model);
}

void on_grant(scheduler_ptr self, const std::string& model, const grant& g) {
  auto& s = self->state;
  auto& m = s.models.at(model);
  m.acquiring = false;
  auto it = s.jobs.find(g.job);
  bool queued = it != s.jobs.end() && it->second.state == job_state::queued;
  if (!g.granted) {
    // No units now (capacity wakes us when some return), or the job lost its admission.
    if (g.st.ok()) {
      m.blocked = true;
    } else if (queued) {
      m.queue.erase(g.job);
      conclude(self, it->second, job_state::failed, g.st);
    }
    dispatch(self, model);
    return;
  }
  auto b = s.batchers.find(g.batcher);
  if (!queued || b == s.batchers.end()) {  // cancelled meanwhile, or the batcher left
    self->send(s.setup.capacity, release_atom::value, g.job);
    if (queued) {
      m.queue.erase(g.job);
      conclude(self, it->second, job_state::failed,
               make_status(errc::unavailable, job_name(g.job) + ": granted a batcher that left"));
    }
    dispatch(self, model);
    return;
  }
  m.queue.erase(g.job);
  auto& r = it->second;
  r.state = job_state::running;
  r.timings.started_us = wall_us();
  r.batcher = g.batcher;
  r.node = b->second.registration.node;
  r.device = b->second.registration.engine.device.name;
  ++s.on_device;
  journal_running(self, r);
  sequence_job job{
      r.id,       r.prompt, r.generated, r.max_new_tokens, r.length_limited, r.spec.sampling,
      r.spec.stop};
  self->send(b->second.handle, assign_atom::value, std::move(job));
  dispatch(self, model);
}

// Asks for units for the best queued job of `model`, unless an acquire is outstanding or the
// model waits for a wake. The job stays queued until it holds its units, so a better job arriving
// meanwhile is the one considered next.
void dispatch(scheduler_ptr self, const std::string& model) {
  auto& s = self->state;
  if (s.draining) return;
  auto& m = s.models.at(model);
  if (m.acquiring || m.blocked) return;
  auto next = m.queue.peek(s.setup.now());
  if (!next) return;
  m.acquiring = true;
  const auto& r = s.jobs.at(*next);
  acquire_request req{*next, model, r.kv_blocks, prefix_keys(r.prompt, m.setup.kv_block_tokens)};
  self->request(s.setup.capacity, caf::infinite, acquire_atom::value, std::move(req))
      .then([self, model](const grant& g) { on_grant(self, model, g); },
            [self, model, job = *next](caf::error& err) {
              on_grant(self, model,
                       grant{make_status(errc::unavailable, to_string(err)), job, false, 0});
            });
}

void notify_terminal(scheduler_ptr self, job_record& r) {
  r.terminal_pending = false;
  for (auto& sink : r.sinks) {
    if (r.state == job_state::done)
      self->send(sink, r.result());
    else
      self->send(sink, job_error{r.id, r.error});
  }
  r.sinks.clear();
}

// Moves a job to a terminal state; its sinks hear of it once the state is durable.
void conclude(scheduler_ptr self, job_record& r, job_state state, status error) {
  if (is_terminal(r.state)) return;
  r.state = state;
  r.error = std::move(error);
  r.timings.finished_us = wall_us();
  auto event = state == job_state::done     ? job_event::done
               : state == job_state::failed ? job_event::failed
                                            : job_event::cancelled;
  self->send(self->state.setup.metrics, summary_of(r, event));
  if (self->state.setup.store) {
    r.terminal_pending = true;
    journal_finish(self, r);
  } else {
    notify_terminal(self, r);
  }
  retain(self, r.id);
}

void add_sink(scheduler_ptr self, job_record& r, const job_sink_actor& sink) {
  if (!sink) return;
  if (!r.generated.empty() || !r.text.empty())
    self->send(sink, token_chunk{r.id, 0, r.generated, r.text});
  if (!is_terminal(r.state) || r.terminal_pending) {
    r.sinks.push_back(sink);
  } else if (r.state == job_state::done) {
    self->send(sink, r.result());
  } else {
    self->send(sink, job_error{r.id, r.error});
  }
}

void on_report(scheduler_ptr self, step_report& report) {
  auto& s = self->state;
  if (!s.batchers.count(report.batcher)) {
    // A batcher this scheduler gave up on (it did not answer in time): its jobs run elsewhere
    // now. Nothing it says counts; it starts over as a new batcher.
    self->send(caf::actor_cast<batcher_actor>(self->current_sender()), rejoin_atom::value);
    return;
  }
  const auto& reg = s.batchers.at(report.batcher).registration;
  for (auto& st : report.stats) {
    st.node = reg.node;
    st.device = reg.engine.device.name;
    st.device_index = reg.engine.device.index;
    self->send(s.setup.metrics, std::move(st));
  }
  for (auto& p : report.progress) {
    auto it = s.jobs.find(p.job);
    if (it == s.jobs.end() || it->second.state != job_state::running ||
        it->second.batcher != report.batcher)
      continue;
    auto& r = it->second;
    if (r.timings.first_token_us == 0 && !p.tokens.empty()) r.timings.first_token_us = wall_us();
    token_chunk chunk{r.id, static_cast<uint32_t>(r.generated.size()), p.tokens, p.text};
    r.generated.insert(r.generated.end(), p.tokens.begin(), p.tokens.end());
    r.text += p.text;
    for (auto& sink : r.sinks) self->send(sink, chunk);
    journal_progress(self, r);
  }
  for (auto& f : report.finished) {
    auto it = s.jobs.find(f.job);
    if (it == s.jobs.end()) {
      self->send(s.setup.capacity, release_atom::value, f.job);
      continue;
    }
    auto& r = it->second;
    if (r.batcher != report.batcher) continue;  // it was given to another batcher meanwhile
    self->send(s.setup.capacity, release_atom::value, f.job);
    r.batcher = 0;
    --s.on_device;
    if (r.state == job_state::running) {
      r.reason = f.reason;
      if (f.error.ok()) {
        ++s.drained_completed;
        conclude(self, r, job_state::done, {});
      } else {
        conclude(self, r, job_state::failed, f.error);
      }
    }
    dispatch(self, r.spec.model);
  }
  maybe_finish_drain(self);
  if (!report.finished.empty() && !s.leaving.empty()) check_leaving(self);
}

caf::result<status> drain(scheduler_ptr self, int64_t grace_ms) {
  auto& s = self->state;
  if (s.drain_promise) return make_status(errc::unavailable, "already draining");
  s.draining = true;
  s.drained_completed = 0;
  if (!s.setup.store) {
    // Without a store queued jobs cannot wait for the next start: their clients are told.
    for (auto& [id, r] : s.jobs) {
      if (r.state != job_state::queued) continue;
      self->send(s.setup.capacity, withdraw_atom::value, id);
      conclude(self, r, job_state::failed,
               make_status(errc::unavailable, job_name(id) + ": the node is shutting down"));
    }
    for (auto& [name, m] : s.models) m.queue = job_queue(s.setup.aging);
  }
  // With a store, queued jobs stay in it and run after the next start.
  if (s.on_device == 0) return make_status(errc::ok, "drained: no running jobs");
  auto promise = self->make_response_promise<status>();
  s.drain_promise = promise;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(grace_ms, 0)),
                     tick_atom::value);
  return promise;
}

void drain_deadline(scheduler_ptr self) {
  auto& s = self->state;
  if (!s.drain_promise) return;
  size_t stopped = 0;
  for (auto& [id, r] : s.jobs) {
    if (r.batcher == 0) continue;
    auto b = s.batchers.find(r.batcher);
    if (b != s.batchers.end()) self->send(b->second.handle, cancel_atom::value, id);
    if (is_terminal(r.state)) continue;
    ++stopped;
    if (s.setup.store) {
      journal_requeued(self, r);  // resumes from exactly here after the next start
    } else {
      conclude(self, r, job_state::failed,
               make_status(errc::unavailable, job_name(id) + ": stopped at the shutdown deadline"));
    }
  }
  s.drain_promise->deliver(make_status(
      errc::ok, "drained: " + std::to_string(s.drained_completed) + " running jobs completed, " +
                    std::to_string(stopped) + " stopped at the deadline"));
  s.drain_promise.reset();
}

}  // namespace troupe
