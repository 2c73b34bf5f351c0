// The scheduler's message handlers: requests from clients (submit, cancel, status, attach) and
// from batchers (join, report); the rest lives in scheduler_flow.cpp and scheduler_journal.cpp.
#include "actors/scheduler/scheduler_actor.hpp"

#include <caf/actor_system.hpp>

#include <spdlog/spdlog.h>

#include "actors/capacity/capacity_ledger.hpp"
#include "actors/scheduler/scheduler_state.hpp"

namespace troupe {

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string job_name(job_id id) {
  return "job " + std::to_string(id);
}

submit_reply accepted_reply(job_id job, uint32_t position) {
  submit_reply reply;
  reply.job = job;
  reply.queue_position = position;
  return reply;
}

namespace {

uint32_t position_of(scheduler_ptr self, const job_record& r) {
  return self->state.models.at(r.spec.model).queue.position(r.id);
}

// A submit that repeats a client_request_id: the same job, never a second one. It must repeat
// the request as well; another request under a used id is refused (not answered with the first
// request's output).
std::optional<caf::result<submit_reply>> resubmit(scheduler_ptr self, const job_spec& spec,
                                                  const job_sink_actor& sink) {
  auto& s = self->state;
  const auto& rid = spec.client_request_id;
  std::optional<job_id> known;
  if (auto it = s.by_request_id.find(rid); it != s.by_request_id.end()) known = it->second;
  if (!known) known = journal_request_id(self, rid);
  if (!known) return std::nullopt;
  auto differs = [&](const job_spec& first) -> std::optional<caf::result<submit_reply>> {
    auto field = request_difference(spec, first);
    if (field.empty()) return std::nullopt;
    return caf::result<submit_reply>(submit_reply{
        make_status(errc::invalid_argument, job_name(*known) + ": client_request_id '" + rid +
                                                "' belongs to another request (its " + field +
                                                " differs)"),
        *known, 0});
  };
  if (auto a = s.admitting.find(*known); a != s.admitting.end()) {  // waiting for admission
    if (auto refused = differs(a->second.spec)) return refused;
    if (sink) a->second.sinks.push_back(sink);
    auto promise = self->make_response_promise<submit_reply>();
    a->second.duplicates.push_back(promise);
    return caf::result<submit_reply>(promise);
  }
  if (auto p = s.pending.find(*known); p != s.pending.end()) {  // its accept is in flight
    if (auto refused = differs(p->second.record.spec)) return refused;
    if (sink) p->second.record.sinks.push_back(sink);
    auto promise = self->make_response_promise<submit_reply>();
    p->second.duplicates.push_back(promise);
    return caf::result<submit_reply>(promise);
  }
  if (auto j = s.jobs.find(*known); j != s.jobs.end()) {
    if (auto refused = differs(j->second.spec)) return refused;
    add_sink(self, j->second, sink);
    return caf::result<submit_reply>(accepted_reply(*known, position_of(self, j->second)));
  }
  if (auto stored = journal_load(self, *known)) {  // finished, no longer in memory
    if (auto refused = differs(stored->spec)) return refused;
    job_record r;
    static_cast<stored_job&>(r) = std::move(*stored);
    add_sink(self, r, sink);
    return caf::result<submit_reply>(accepted_reply(*known, 0));
  }
  return std::nullopt;
}

admitting_job take_admitting(scheduler_ptr self, job_id id) {
  auto node = self->state.admitting.extract(id);
  return node.empty() ? admitting_job{} : std::move(node.mapped());
}

// A refused submit and every duplicate that waited on it get the same answer; the request id is
// free again for a later retry.
void refuse_admitting(scheduler_ptr self, const std::string& request_id,
                      caf::typed_response_promise<submit_reply>& promise,
                      const submit_reply& reply) {
  auto waiting = take_admitting(self, reply.job);
  forget_request_id(self, request_id, reply.job);
  promise.deliver(reply);
  for (auto& d : waiting.duplicates) d.deliver(reply);
}

caf::result<submit_reply> submit(scheduler_ptr self, job_spec& spec, const job_sink_actor& sink) {
  auto& s = self->state;
  if (!spec.client_request_id.empty()) {
    if (auto again = resubmit(self, spec, sink)) return std::move(*again);
  }
  auto id = s.next_job++;
  auto reject = [&](status st) {
    // A name no model has is not a model: it must not become a metrics series (clients choose
    // it), so such rejections are counted without one.
    const bool known = st.code != errc::unknown_model;
    self->send(
        s.setup.metrics,
        job_summary{known ? spec.model : std::string(), job_event::rejected, st.code, 0, 0, {}});
    return submit_reply{std::move(st), id, 0};
  };
  if (s.draining)
    return reject(make_status(errc::unavailable, job_name(id) + ": the node is shutting down"));
  auto m = s.models.find(spec.model);
  if (m == s.models.end())
    return reject(make_status(errc::unknown_model,
                              job_name(id) + ": no node serves model '" + spec.model + "'"));
  const auto& ms = m->second.setup;
  submit_limits limits;
  limits.max_prompt_bytes = s.setup.max_prompt_bytes;
  limits.max_seq_len = ms.max_seq_len;
  if (auto st = validate_submit(spec, id, limits); !st.ok()) return reject(std::move(st));
  auto prompt = ms.tok->encode(spec.prompt, {.add_special = true, .parse_special = true});
  if (prompt.empty() || prompt.size() + 1 > ms.max_seq_len)
    return reject(make_status(errc::prompt_too_long,
                              job_name(id) + ": the prompt has " + std::to_string(prompt.size()) +
                                  " tokens, model '" + spec.model + "' takes at most " +
                                  std::to_string(ms.max_seq_len - 1)));
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
  // The request id names this job from now on, so that a duplicate arriving while capacity
  // decides waits for this job's answer instead of becoming a second job.
  if (!r.spec.client_request_id.empty()) {
    s.by_request_id[r.spec.client_request_id] = id;
    s.admitting.emplace(id, admitting_job{r.spec, {}, {}});
  }
  auto promise = self->make_response_promise<submit_reply>();
  admit_request req{id, r.spec.model, r.kv_blocks, false};
  std::string request_id = r.spec.client_request_id;  // r moves into the first handler
  self->request(s.setup.capacity, caf::infinite, admit_atom::value, std::move(req))
      .then(
          [self, promise, r = std::move(r)](status& st) mutable {
            auto& state = self->state;
            if (!st.ok()) {
              self->send(state.setup.metrics,
                         job_summary{r.spec.model, job_event::rejected, st.code, 0, 0, {}});
              refuse_admitting(self, r.spec.client_request_id, promise,
                               submit_reply{std::move(st), r.id, 0});
              return;
            }
            if (state.draining && !state.setup.store) {
              self->send(state.setup.capacity, withdraw_atom::value, r.id);
              refuse_admitting(
                  self, r.spec.client_request_id, promise,
                  submit_reply{make_status(errc::unavailable,
                                           job_name(r.id) + ": the node is shutting down"),
                               r.id, 0});
              return;
            }
            auto waiting = take_admitting(self, r.id);
            for (auto& waiter : waiting.sinks) r.sinks.push_back(std::move(waiter));
            journal_accept(self,
                           pending_accept{std::move(r), promise, std::move(waiting.duplicates)});
          },
          [self, promise, id, request_id](caf::error& err) mutable {
            refuse_admitting(
                self, request_id, promise,
                submit_reply{
                    make_status(errc::unavailable,
                                job_name(id) + ": capacity actor unreachable: " + to_string(err)),
                    id, 0});
          });
  return promise;
}

status cancel(scheduler_ptr self, job_id id) {
  auto& s = self->state;
  auto it = s.jobs.find(id);
  if (it == s.jobs.end()) {
    if (s.pending.count(id))
      return make_status(errc::unavailable, job_name(id) + " is being accepted; try again");
    if (auto stored = journal_load(self, id))
      return make_status(errc::invalid_argument,
                         job_name(id) + " already " + std::string(to_string(stored->state)));
    return make_status(errc::not_found, job_name(id) + " not found");
  }
  auto& r = it->second;
  if (is_terminal(r.state))
    return make_status(errc::invalid_argument,
                       job_name(id) + " already " + std::string(to_string(r.state)));
  if (r.state == job_state::queued) {
    s.models.at(r.spec.model).queue.erase(id);
    self->send(s.setup.capacity, withdraw_atom::value, id);
  } else if (r.batcher != 0) {
    auto b = s.batchers.find(r.batcher);
    if (b != s.batchers.end()) self->send(b->second.handle, cancel_atom::value, id);
  }
  conclude(self, r, job_state::cancelled,
           make_status(errc::cancelled, job_name(id) + " cancelled"));
  return {};
}

job_info status_of(scheduler_ptr self, job_id id) {
  auto& s = self->state;
  if (auto it = s.jobs.find(id); it != s.jobs.end())
    return it->second.info(position_of(self, it->second));
  if (auto p = s.pending.find(id); p != s.pending.end()) return p->second.record.info(0);
  if (auto stored = journal_load(self, id)) return info_of(*stored, 0);
  job_info info;
  info.job = id;
  info.error = make_status(errc::not_found, job_name(id) + " not found");
  return info;
}

status attach(scheduler_ptr self, job_id id, const job_sink_actor& sink) {
  auto& s = self->state;
  if (auto it = s.jobs.find(id); it != s.jobs.end()) {
    add_sink(self, it->second, sink);
    return {};
  }
  if (auto p = s.pending.find(id); p != s.pending.end()) {
    if (sink) p->second.record.sinks.push_back(sink);
    return {};
  }
  if (auto stored = journal_load(self, id)) {
    job_record r;
    static_cast<stored_job&>(r) = std::move(*stored);
    add_sink(self, r, sink);
    return {};
  }
  return make_status(errc::not_found, job_name(id) + " not found");
}

scheduler_actor::behavior_type scheduler(scheduler_ptr self, scheduler_setup setup) {
  for (auto& m : setup.models) {
    auto name = m.name;
    self->state.models.emplace(name,
                               model_entry{std::move(m), job_queue(setup.aging), false, false});
  }
  setup.models.clear();
  self->state.setup = std::move(setup);
  self->send(self->state.setup.capacity, watch_atom::value,
             caf::actor_cast<capacity_listener>(self));
  journal_recover(self);
  self->set_down_handler(
      [self](const caf::down_msg& msg) { batcher_down(self, msg.source, msg.reason); });
  self->delayed_send(self, self->state.setup.heartbeat, heartbeat_atom::value);
  return {
      [self](submit_atom, job_spec& spec, const job_sink_actor& sink) {
        return submit(self, spec, sink);
      },
      [self](cancel_atom, job_id id) { return cancel(self, id); },
      [self](status_atom, job_id id) { return status_of(self, id); },
      [self](attach_atom, job_id id, const job_sink_actor& sink) { return attach(self, id, sink); },
      [self](join_atom, batcher_registration& reg, const batcher_actor& handle) {
        return join(self, reg, handle);
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
      [self](durable_atom, job_id id, const status& st) { journal_accepted(self, id, st); },
      [self](persisted_atom, job_id id) {
        auto it = self->state.jobs.find(id);
        if (it != self->state.jobs.end()) notify_terminal(self, it->second);
      },
      [self](sweep_atom) { journal_sweep(self); },
      [self](heartbeat_atom) { heartbeat(self); },
      [self](leave_atom, const std::string& node, int64_t grace_ms) {
        return leave(self, node, grace_ms);
      },
      [self](nodes_atom) { return nodes(self); },
  };
}

}  // namespace

scheduler_actor spawn_scheduler(caf::actor_system& sys, scheduler_setup setup) {
  return sys.spawn(scheduler, std::move(setup));
}

}  // namespace troupe
