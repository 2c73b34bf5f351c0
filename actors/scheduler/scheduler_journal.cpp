// The scheduler's job store glue: durable accepts (answered only once fsynced), state changes,
// checkpoints, durable terminal states, reads of jobs no longer in memory, recovery at start and
// the retention sweep. Without a store every write is a no-op and accepts complete at once.
#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include "actors/scheduler/scheduler_state.hpp"

namespace troupe {
namespace {

void accepted(scheduler_ptr self, pending_accept p) {
  auto& s = self->state;
  auto id = p.record.id;
  auto model = p.record.spec.model;
  self->send(s.setup.metrics,
             job_summary{model, job_event::accepted, errc::ok,
                         static_cast<uint32_t>(p.record.prompt.size()), 0, p.record.timings});
  enqueue(self, std::move(p.record), s.setup.now());
  auto reply = accepted_reply(id, s.models.at(model).queue.position(id));
  p.promise.deliver(reply);
  for (auto& d : p.duplicates) d.deliver(reply);
}

scheduler_actor handle_of(scheduler_ptr self) {
  return caf::actor_cast<scheduler_actor>(self);
}

}  // namespace

void forget_request_id(scheduler_ptr self, const std::string& request_id, job_id id) {
  auto& ids = self->state.by_request_id;
  if (auto it = ids.find(request_id); it != ids.end() && it->second == id) ids.erase(it);
}

void journal_accept(scheduler_ptr self, pending_accept p) {
  auto& s = self->state;
  if (!s.setup.store) {
    accepted(self, std::move(p));
    return;
  }
  auto id = p.record.id;
  stored_job job = p.record;
  s.pending.emplace(id, std::move(p));
  s.setup.store->accept(std::move(job), [me = handle_of(self), id](status st) {
    caf::anon_send(me, durable_atom::value, id, std::move(st));  // from the store's thread
  });
}

void journal_accepted(scheduler_ptr self, job_id id, const status& st) {
  auto& s = self->state;
  auto node = s.pending.extract(id);
  if (node.empty()) return;
  auto& p = node.mapped();
  if (st.ok()) {
    accepted(self, std::move(p));
    return;
  }
  spdlog::error("{} could not be made durable: {}", job_name(id), st.message);
  self->send(s.setup.capacity, withdraw_atom::value, id);
  forget_request_id(self, p.record.spec.client_request_id, id);
  self->send(s.setup.metrics,
             job_summary{p.record.spec.model, job_event::rejected, errc::unavailable, 0, 0, {}});
  submit_reply reply{
      make_status(errc::unavailable, job_name(id) + " could not be stored: " + st.message), id, 0};
  p.promise.deliver(reply);
  for (auto& d : p.duplicates) d.deliver(reply);
}

void journal_running(scheduler_ptr self, const job_record& r) {
  if (auto& store = self->state.setup.store)
    store->mark_running(r.id, r.node, r.device, r.timings.started_us);
}

void journal_progress(scheduler_ptr self, job_record& r) {
  auto& s = self->state;
  if (!s.setup.store || r.generated.size() - r.checkpointed < s.setup.checkpoint_tokens) return;
  s.setup.store->checkpoint(r.id, r.generated, r.text, r.timings.first_token_us);
  r.checkpointed = r.generated.size();
}

void journal_requeued(scheduler_ptr self, job_record& r) {
  auto& store = self->state.setup.store;
  if (!store) return;
  store->checkpoint(r.id, r.generated, r.text, r.timings.first_token_us);
  store->mark_queued(r.id);
  r.checkpointed = r.generated.size();
}

void journal_finish(scheduler_ptr self, job_record& r) {
  job_outcome outcome;
  outcome.state = r.state;
  outcome.reason = r.reason;
  outcome.error = r.error;
  outcome.first_token_us = r.timings.first_token_us;
  outcome.finished_us = r.timings.finished_us;
  outcome.generated = r.generated;
  outcome.text = r.text;
  self->state.setup.store->finish(
      r.id, std::move(outcome), [me = handle_of(self), id = r.id](status st) {
        if (!st.ok()) spdlog::error("{}: terminal state not stored: {}", job_name(id), st.message);
        caf::anon_send(me, persisted_atom::value, id);
      });
}

std::optional<stored_job> journal_load(scheduler_ptr self, job_id id) {
  auto& store = self->state.setup.store;
  if (!store) return std::nullopt;
  auto loaded = store->load(id);
  if (!loaded.st.ok()) return std::nullopt;
  return std::move(loaded.job);
}

std::optional<job_id> journal_request_id(scheduler_ptr self, const std::string& request_id) {
  auto& store = self->state.setup.store;
  if (!store) return std::nullopt;
  return store->lookup_request_id(request_id);
}

// Puts every unfinished job of the store back: queued ones in their queues (keeping their age
// for aging), running ones too, with their last checkpoint, so they resume where they stopped.
void journal_recover(scheduler_ptr self) {
  auto& s = self->state;
  if (!s.setup.store) return;
  auto recovered = std::move(s.setup.recovered);
  s.next_job = std::max(s.next_job, recovered.next_id);
  for (const auto& e : recovered.errors) spdlog::error("recovery skipped a job: {}", e.message);
  if (!recovered.unfinished.empty())
    spdlog::info("recovering {} unfinished jobs", recovered.unfinished.size());
  for (auto& job : recovered.unfinished) {
    job_record r;
    static_cast<stored_job&>(r) = std::move(job);
    r.checkpointed = r.generated.size();
    r.state = job_state::queued;
    auto id = r.id;
    if (!s.models.count(r.spec.model)) {
      s.jobs.emplace(id, std::move(r));
      conclude(
          self, s.jobs.at(id), job_state::failed,
          make_status(errc::unknown_model, job_name(id) + ": model '" + s.jobs.at(id).spec.model +
                                               "' is no longer served"));
      continue;
    }
    auto age = std::chrono::microseconds(std::max<int64_t>(0, wall_us() - r.timings.submitted_us));
    auto at = s.setup.now() - age;
    admit_request req{id, r.spec.model, r.kv_blocks, true};
    self->request(s.setup.capacity, caf::infinite, admit_atom::value, std::move(req))
        .then(
            [self, r = std::move(r), at](status& st) mutable {
              if (st.ok()) {
                enqueue(self, std::move(r), at);
                return;
              }
              auto rid = r.id;
              self->state.jobs.emplace(rid, std::move(r));
              conclude(self, self->state.jobs.at(rid), job_state::failed, std::move(st));
            },
            [id](caf::error& err) {
              spdlog::error("{}: recovery admission failed: {}", job_name(id), to_string(err));
            });
  }
  self->delayed_send(self, s.setup.sweep_interval, sweep_atom::value);
}

void journal_sweep(scheduler_ptr self) {
  auto& s = self->state;
  if (!s.setup.store) return;
  auto removed = s.setup.store->remove_expired(wall_us());
  if (removed) spdlog::info("retention: removed {} finished jobs", removed);
  self->delayed_send(self, s.setup.sweep_interval, sweep_atom::value);
}

}  // namespace troupe
