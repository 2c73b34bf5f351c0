// Internal to the scheduler actor: its state and the functions its three parts share
// (scheduler_actor.cpp: requests; scheduler_flow.cpp: dispatch, reports, termination, drain;
// scheduler_journal.cpp: the job store).
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/scheduler/job_queue.hpp"
#include "actors/scheduler/job_record.hpp"
#include "actors/scheduler/scheduler_actor.hpp"

namespace troupe {

struct model_entry {
  scheduler_model setup;
  job_queue queue;         // the parking lot: admitted jobs waiting for units, in run order
  bool acquiring = false;  // an acquire for the queue's best job is outstanding
  bool blocked = false;    // the last acquire found no units: wait for capacity's wake
};

struct batcher_entry {
  batcher_actor handle;
  batcher_registration registration;
  bool draining = false;  // its node is leaving: no new jobs
  bool ping_in_flight = false;
  batcher_load load;         // from the last ping
  int64_t last_seen_us = 0;  // last ping answered
};

struct leaving_node {  // a worker node draining its batchers before it exits
  caf::typed_response_promise<status> promise;
  std::chrono::steady_clock::time_point deadline;
};

struct admitting_job {  // a submit with a client_request_id waiting for capacity's answer
  job_spec spec;        // what a duplicate must repeat
  std::vector<job_sink_actor> sinks;                                  // duplicates' streams
  std::vector<caf::typed_response_promise<submit_reply>> duplicates;  // answered with the first
};

struct pending_accept {  // admitted, being made durable; answered once the store confirms
  job_record record;
  caf::typed_response_promise<submit_reply> promise;
  std::vector<caf::typed_response_promise<submit_reply>> duplicates;  // same client_request_id
};

struct scheduler_state {
  scheduler_state() = default;  // not an aggregate (see CAF's stateful_actor)
  static inline const char* name = "troupe.scheduler";
  scheduler_setup setup;
  std::map<std::string, model_entry> models;
  std::unordered_map<job_id, job_record> jobs;
  std::unordered_map<job_id, pending_accept> pending;
  std::unordered_map<job_id, admitting_job> admitting;    // by the id they will have
  std::unordered_map<std::string, job_id> by_request_id;  // jobs in memory, pending, admitting
  std::deque<job_id> finished;                            // terminal jobs, oldest first
  std::map<batcher_id, batcher_entry> batchers;
  std::map<std::string, leaving_node> leaving;  // by node name
  std::map<std::string, int64_t> lost_nodes;    // node -> last seen (wall us), shown as down
  job_id next_job = 1;
  batcher_id next_batcher = 1;
  size_t on_device = 0;  // jobs held by a batcher
  bool draining = false;
  std::optional<caf::typed_response_promise<status>> drain_promise;
  size_t drained_completed = 0;
};

using scheduler_ptr = scheduler_actor::stateful_pointer<scheduler_state>;

int64_t wall_us();
std::string job_name(job_id id);  // "job 42"
submit_reply accepted_reply(job_id job, uint32_t position);

// scheduler_flow.cpp
void dispatch(scheduler_ptr self, const std::string& model);
void enqueue(scheduler_ptr self, job_record record, std::chrono::steady_clock::time_point at);
void on_grant(scheduler_ptr self, const std::string& model, const grant& g);
void on_report(scheduler_ptr self, step_report& report);
void conclude(scheduler_ptr self, job_record& r, job_state state, status error);
void notify_terminal(scheduler_ptr self, job_record& r);
void add_sink(scheduler_ptr self, job_record& r, const job_sink_actor& sink);
caf::result<status> drain(scheduler_ptr self, int64_t grace_ms);
void drain_deadline(scheduler_ptr self);

// scheduler_cluster.cpp: batchers joining, heartbeats, lost batchers, leaving nodes.
batcher_id join(scheduler_ptr self, batcher_registration& reg, const batcher_actor& handle);
void heartbeat(scheduler_ptr self);
void batcher_lost(scheduler_ptr self, batcher_id id, const std::string& why);
void batcher_down(scheduler_ptr self, const caf::actor_addr& who, const caf::error& reason);
caf::result<status> leave(scheduler_ptr self, const std::string& node, int64_t grace_ms);
void check_leaving(scheduler_ptr self);
std::vector<node_status> nodes(scheduler_ptr self);

// scheduler_journal.cpp: every write is a no-op without a store.
void forget_request_id(scheduler_ptr self, const std::string& request_id, job_id id);
// Drops request_id -> id, only if request_id still names that job.
void journal_accept(scheduler_ptr self, pending_accept pending);
void journal_accepted(scheduler_ptr self, job_id id, const status& st);
void journal_running(scheduler_ptr self, const job_record& r);
void journal_progress(scheduler_ptr self, job_record& r);
void journal_finish(scheduler_ptr self, job_record& r);
void journal_requeued(scheduler_ptr self, job_record& r);  // checkpoint, back to queued
std::optional<stored_job> journal_load(scheduler_ptr self, job_id id);
std::optional<job_id> journal_request_id(scheduler_ptr self, const std::string& request_id);
void journal_recover(scheduler_ptr self);
void journal_sweep(scheduler_ptr self);

}  // namespace troupe
