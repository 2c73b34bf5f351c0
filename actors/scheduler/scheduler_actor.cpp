#include "actors/scheduler/scheduler_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include "actors/capacity/capacity_ledger.hpp"
#include "actors/scheduler/job_queue.hpp"
#include "actors/scheduler/job_record.hpp"

namespace troupe {
namespace {

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct model_entry {
  scheduler_model setup;
  job_queue queue;         // the parking lot: admitted jobs waiting for units, in run order
  bool acquiring = false;  // an acquire for the queue's best job is outstanding
  bool blocked = false;    // the last acquire found no units: wait for capacity's wake
};

struct batcher_entry {
  batcher_actor handle;
  batcher_registration registration;
};

struct scheduler_state {
  static inline const char* name = "troupe.scheduler";
  scheduler_setup setup;
  std::map<std::string, model_entry> models;
  std::unordered_map<job_id, job_record> jobs;
  std::unordered_map<std::string, job_id> by_request_id;
  std::deque<job_id> finished;  // terminal jobs, oldest first (retention)
  std::map<batcher_id, batcher_entry> batchers;
  job_id next_job = 1;
  batcher_id next_batcher = 1;
  size_t on_device = 0;  // jobs held by a batcher
  bool draining = false;
  std::optional<caf::typed_response_promise<status>> drain_promise;
  size_t drained_completed = 0;
};

using self_ptr = scheduler_actor::stateful_pointer<scheduler_state>;

void dispatch(self_ptr self, const std::string& model);

job_summary summary_of(const job_record& r, job_event event) {
  return job_summary{r.spec.model,
                     event,
                     r.error.code,
                     static_cast<uint32_t>(r.prompt.size()),
                     static_cast<uint32_t>(r.generated.size()),
                     r.timings};
}

void retain(self_ptr self, job_id id) {
  auto& s = self->state;
  s.finished.push_back(id);
  while (s.finished.size() > s.setup.finished_retention) {
    auto old = s.finished.front();
    s.finished.pop_front();
    auto it = s.jobs.find(old);
    if (it == s.jobs.end()) continue;
    if (it->second.batcher != 0) {  // still leaving its batcher: keep until it has
      s.finished.push_back(old);
      break;
    }
    if (!it->second.spec.client_request_id.empty())
      s.by_request_id.erase(it->second.spec.client_request_id);
    s.jobs.erase(it);
  }
}

// Moves a job to a terminal state and tells its sinks and the metrics actor.
void conclude(self_ptr self, job_record& r, job_state state, status error) {
  if (is_terminal(r.state)) return;
  r.state = state;
  r.error = std::move(error);
  r.timings.finished_us = wall_us();
  for (auto& sink : r.sinks) {
    if (state == job_state::done)
      self->send(sink, r.result());
    else
      self->send(sink, job_error{r.id, r.error});
  }
  r.sinks.clear();
  auto event = state == job_state::done     ? job_event::done
               : state == job_state::failed ? job_event::failed
                                            : job_event::cancelled;
  self->send(self->state.setup.metrics, summary_of(r, event));
  retain(self, r.id);
}

void maybe_finish_drain(self_ptr self) {
  auto& s = self->state;
  if (!s.drain_promise || s.on_device > 0) return;
  s.drain_promise->deliver(make_status(
      errc::ok, "drained: " + std::to_string(s.drained_completed) + " running jobs completed"));
  s.drain_promise.reset();
}

void on_grant(self_ptr self, const std::string& model, const grant& g) {
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
               make_status(errc::unavailable,
                           "job " + std::to_string(g.job) + ": granted a batcher that left"));
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
  sequence_job job{
      r.id,       r.prompt, r.generated, r.max_new_tokens, r.length_limited, r.spec.sampling,
      r.spec.stop};
  self->send(b->second.handle, assign_atom::value, std::move(job));
  dispatch(self, model);
}

// Asks for units for the best queued job of `model`, unless an acquire is outstanding or the
// model waits for a wake. The job stays queued until it holds its units, so a better job arriving
// meanwhile is the one considered next.
void dispatch(self_ptr self, const std::string& model) {
  auto& s = self->state;
  if (s.draining) return;
  auto& m = s.models.at(model);
  if (m.acquiring || m.blocked) return;
  auto next = m.queue.peek(s.setup.now());
  if (!next) return;
  m.acquiring = true;
  acquire_request req{*next, model, s.jobs.at(*next).kv_blocks};
  self->request(s.setup.capacity, caf::infinite, acquire_atom::value, std::move(req))
      .then([self, model](const grant& g) { on_grant(self, model, g); },
            [self, model, job = *next](caf::error& err) {
              on_grant(self, model,
                       grant{make_status(errc::unavailable, to_string(err)), job, false, 0});
            });
}

submit_reply accepted_reply(job_id job, uint32_t position) {
  submit_reply reply;
  reply.job = job;
  reply.queue_position = position;
  return reply;
}

void add_sink(self_ptr self, job_record& r, const job_sink_actor& sink) {
  if (!sink) return;
  if (!r.generated.empty() || !r.text.empty())
    self->send(sink, token_chunk{r.id, 0, r.generated, r.text});
  if (!is_terminal(r.state)) {
    r.sinks.push_back(sink);
  } else if (r.state == job_state::done) {
    self->send(sink, r.result());
  } else {
    self->send(sink, job_error{r.id, r.error});
  }
}

caf::result<submit_reply> submit(self_ptr self, job_spec& spec, const job_sink_actor& sink) {
  auto& s = self->state;
  if (!spec.client_request_id.empty()) {
    auto known = s.by_request_id.find(spec.client_request_id);
    if (known != s.by_request_id.end()) {
      auto& r = s.jobs.at(known->second);
      add_sink(self, r, sink);
      auto& q = s.models.at(r.spec.model).queue;
      return accepted_reply(r.id, q.position(r.id));
    }
  }
  auto id = s.next_job++;
  auto reject = [&](status st) {
    self->send(s.setup.metrics, job_summary{spec.model, job_event::rejected, st.code, 0, 0, {}});
    return submit_reply{std::move(st), id, 0};
  };
  if (s.draining)
    return reject(make_status(errc::unavailable,
                              "job " + std::to_string(id) + ": the node is shutting down"));
  auto m = s.models.find(spec.model);
  if (m == s.models.end())
    return reject(
        make_status(errc::unknown_model,
                    "job " + std::to_string(id) + ": no node serves model '" + spec.model + "'"));
  const auto& ms = m->second.setup;
  submit_limits limits;
  limits.max_prompt_bytes = s.setup.max_prompt_bytes;
  limits.max_seq_len = ms.max_seq_len;
  if (auto st = validate_submit(spec, id, limits); !st.ok()) return reject(std::move(st));
  auto prompt = ms.tok->encode(spec.prompt, true);
  if (prompt.empty() || prompt.size() + 1 > ms.max_seq_len)
    return reject(make_status(errc::prompt_too_long,
                              "job " + std::to_string(id) + ": the prompt has " +
                                  std::to_string(prompt.size()) + " tokens, model '" + spec.model +
                                  "' takes at most " + std::to_string(ms.max_seq_len - 1)));
  job_record r;
  r.id = id;
  r.max_new_tokens = spec.max_tokens;
  auto room = static_cast<int32_t>(ms.max_seq_len - prompt.size());
  if (r.max_new_tokens > room) {
    r.max_new_tokens = room;
    r.length_limited = true;
  }
  r.kv_blocks = blocks_for_tokens(static_cast<uint32_t>(prompt.size()) + r.max_new_tokens,
                                  ms.kv_block_tokens);
  r.prompt = std::move(prompt);
  r.spec = std::move(spec);
  r.timings.submitted_us = wall_us();
  if (sink) r.sinks.push_back(sink);
  auto promise = self->make_response_promise<submit_reply>();
  admit_request req{id, r.spec.model, r.kv_blocks};
  self->request(s.setup.capacity, caf::infinite, admit_atom::value, std::move(req))
      .then(
          [self, promise, r = std::move(r)](status& st) mutable {
            auto& state = self->state;
            if (!st.ok()) {
              self->send(state.setup.metrics,
                         job_summary{r.spec.model, job_event::rejected, st.code, 0, 0, {}});
              promise.deliver(submit_reply{std::move(st), r.id, 0});
              return;
            }
            if (state.draining) {  // drain began while the admission was in flight
              self->send(state.setup.capacity, withdraw_atom::value, r.id);
              promise.deliver(submit_reply{
                  make_status(errc::unavailable,
                              "job " + std::to_string(r.id) + ": the node is shutting down"),
                  r.id, 0});
              return;
            }
            auto job = r.id;
            auto model = r.spec.model;
            auto& queue = state.models.at(model).queue;
            queue.push(job, r.spec.prio, state.setup.now());
            if (!r.spec.client_request_id.empty())
              state.by_request_id[r.spec.client_request_id] = job;
            self->send(state.setup.metrics, summary_of(r, job_event::accepted));
            state.jobs.emplace(job, std::move(r));
            promise.deliver(accepted_reply(job, queue.position(job)));
            dispatch(self, model);
          },
          [promise, id](caf::error& err) mutable {
            promise.deliver(
                submit_reply{make_status(errc::unavailable,
                                         "job " + std::to_string(id) +
                                             ": capacity actor unreachable: " + to_string(err)),
                             id, 0});
          });
  return promise;
}

status cancel(self_ptr self, job_id id) {
  auto& s = self->state;
  auto it = s.jobs.find(id);
  if (it == s.jobs.end())
    return make_status(errc::not_found, "job " + std::to_string(id) + " not found");
  auto& r = it->second;
  if (is_terminal(r.state))
    return make_status(errc::invalid_argument,
                       "job " + std::to_string(id) + " already " + std::string(to_string(r.state)));
  if (r.state == job_state::queued) {
    s.models.at(r.spec.model).queue.erase(id);
    self->send(s.setup.capacity, withdraw_atom::value, id);
  } else if (r.batcher != 0) {
    auto b = s.batchers.find(r.batcher);
    if (b != s.batchers.end()) self->send(b->second.handle, cancel_atom::value, id);
  }
  conclude(self, r, job_state::cancelled,
           make_status(errc::cancelled, "job " + std::to_string(id) + " cancelled"));
  return {};
}

void on_report(self_ptr self, step_report& report) {
  auto& s = self->state;
  for (auto& p : report.progress) {
    auto it = s.jobs.find(p.job);
    if (it == s.jobs.end() || it->second.state != job_state::running) continue;
    auto& r = it->second;
    if (r.timings.first_token_us == 0 && !p.tokens.empty()) r.timings.first_token_us = wall_us();
    token_chunk chunk{r.id, static_cast<uint32_t>(r.generated.size()), p.tokens, p.text};
    r.generated.insert(r.generated.end(), p.tokens.begin(), p.tokens.end());
    r.text += p.text;
    for (auto& sink : r.sinks) self->send(sink, chunk);
  }
  for (auto& f : report.finished) {
    self->send(s.setup.capacity, release_atom::value, f.job);
    auto it = s.jobs.find(f.job);
    if (it == s.jobs.end()) continue;
    auto& r = it->second;
    if (r.batcher == 0) continue;
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
}

caf::result<status> drain(self_ptr self, int64_t grace_ms) {
  auto& s = self->state;
  if (s.drain_promise) return make_status(errc::unavailable, "already draining");
  s.draining = true;
  s.drained_completed = 0;
  // Queued jobs are handed back to their clients; running ones get the grace period.
  for (auto& [id, r] : s.jobs) {
    if (r.state != job_state::queued) continue;
    self->send(s.setup.capacity, withdraw_atom::value, id);
    conclude(self, r, job_state::failed,
             make_status(errc::unavailable,
                         "job " + std::to_string(id) + ": the node is shutting down"));
  }
  for (auto& [name, m] : s.models) m.queue = job_queue(s.setup.aging);
  if (s.on_device == 0) {
    return make_status(errc::ok, "drained: no running jobs");
  }
  auto promise = self->make_response_promise<status>();
  s.drain_promise = promise;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(grace_ms, 0)),
                     tick_atom::value);
  return promise;
}

void drain_deadline(self_ptr self) {
  auto& s = self->state;
  if (!s.drain_promise) return;
  size_t stopped = 0;
  for (auto& [id, r] : s.jobs) {
    if (r.batcher == 0) continue;
    auto b = s.batchers.find(r.batcher);
    if (b != s.batchers.end()) self->send(b->second.handle, cancel_atom::value, id);
    if (!is_terminal(r.state)) {
      ++stopped;
      conclude(self, r, job_state::failed,
               make_status(errc::unavailable,
                           "job " + std::to_string(id) + ": stopped at the shutdown deadline"));
    }
  }
  s.drain_promise->deliver(make_status(
      errc::ok, "drained: " + std::to_string(s.drained_completed) + " running jobs completed, " +
                    std::to_string(stopped) + " stopped at the deadline"));
  s.drain_promise.reset();
}

scheduler_actor::behavior_type scheduler(self_ptr self, scheduler_setup setup) {
  for (auto& m : setup.models) {
    auto name = m.name;
    self->state.models.emplace(name,
                               model_entry{std::move(m), job_queue(setup.aging), false, false});
  }
  setup.models.clear();
  self->state.setup = std::move(setup);
  self->send(self->state.setup.capacity, watch_atom::value,
             caf::actor_cast<capacity_listener>(self));
  return {
      [self](submit_atom, job_spec& spec, const job_sink_actor& sink) {
        return submit(self, spec, sink);
      },
      [self](cancel_atom, job_id id) { return cancel(self, id); },
      [self](status_atom, job_id id) -> job_info {
        auto& s = self->state;
        auto it = s.jobs.find(id);
        if (it == s.jobs.end()) {
          job_info info;
          info.job = id;
          info.error = make_status(errc::not_found, "job " + std::to_string(id) + " not found");
          return info;
        }
        auto& q = s.models.at(it->second.spec.model).queue;
        return it->second.info(q.position(id));
      },
      [self](attach_atom, job_id id, const job_sink_actor& sink) -> status {
        auto& s = self->state;
        auto it = s.jobs.find(id);
        if (it == s.jobs.end())
          return make_status(errc::not_found, "job " + std::to_string(id) + " not found");
        add_sink(self, it->second, sink);
        return {};
      },
      [self](join_atom, batcher_registration& reg, const batcher_actor& handle) -> batcher_id {
        auto& s = self->state;
        auto id = s.next_batcher++;
        spdlog::info("batcher {} joined: node {}, device '{}', model {}, {} KV blocks", id,
                     reg.node, reg.engine.device.name, reg.model, reg.engine.kv_blocks);
        device_capacity cap;
        cap.batcher = id;
        cap.node = reg.node;
        cap.model = reg.model;
        cap.device = reg.engine.device;
        cap.max_batch_size = reg.limits.max_batch_size;
        cap.kv_blocks = reg.engine.kv_blocks;
        cap.kv_block_tokens = reg.engine.kv_block_tokens;
        cap.kv_block_bytes = reg.engine.kv_block_bytes;
        s.batchers[id] = batcher_entry{handle, std::move(reg)};
        self->request(s.setup.capacity, caf::infinite, register_atom::value, cap)
            .then([id](const status& st) {
              if (!st.ok()) spdlog::error("batcher {} rejected by capacity: {}", id, st.message);
            });
        return id;
      },
      [self](report_atom, step_report& report) { on_report(self, report); },
      [self](drain_atom, int64_t grace_ms) { return drain(self, grace_ms); },
      [self](wake_atom, const std::string& model) {
        auto m = self->state.models.find(model);
        if (m == self->state.models.end()) return;
        m->second.blocked = false;
        dispatch(self, model);
      },
      [self](tick_atom) { drain_deadline(self); },
  };
}

}  // namespace

scheduler_actor spawn_scheduler(caf::actor_system& sys, scheduler_setup setup) {
  return sys.spawn(scheduler, std::move(setup));
}

}  // namespace troupe
