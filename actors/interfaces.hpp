// The actor interfaces of troupe: the contract between its actors, within a node and across nodes.
//
//   client API ──submit/cancel/status/attach──▶ scheduler ──admit/acquire/release──▶ capacity
//                                                 │  ▲
//                                         assign/cancel  report (tokens, finished jobs)
//                                                 ▼  │
//                                               batcher ──step/release──▶ worker (engine, device)
//   scheduler, batcher ──job_summary/step_stats──▶ metrics ◀──stats── client API
//   scheduler ──token_chunk/job_result/job_error──▶ job sinks (clients' streams)
//
// Every message argument is a type from actors/types.hpp (or an actor handle); all of them are
// registered in actors/type_registry.cpp. See docs/architecture.md for the job lifecycle.
#pragma once

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>
#include <vector>

#include "actors/types.hpp"

namespace troupe {

// -- atoms (at most ten characters) -------------------------------------------------------------

using submit_atom = caf::atom_constant<caf::atom("submit")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using assign_atom = caf::atom_constant<caf::atom("assign")>;
using step_atom = caf::atom_constant<caf::atom("step")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using admit_atom = caf::atom_constant<caf::atom("admit")>;
using acquire_atom = caf::atom_constant<caf::atom("acquire")>;
using withdraw_atom = caf::atom_constant<caf::atom("withdraw")>;
using limits_atom = caf::atom_constant<caf::atom("limits")>;
using usage_atom = caf::atom_constant<caf::atom("usage")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using durable_atom = caf::atom_constant<caf::atom("durable")>;
using persisted_atom = caf::atom_constant<caf::atom("persisted")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

// -- interfaces ---------------------------------------------------------------------------------

using job_sink_actor = caf::typed_actor<  //
    caf::reacts_to<token_chunk>,          // new output, in order
    caf::reacts_to<job_result>,           // terminal: the job completed
    caf::reacts_to<job_error>>;           // terminal: the job failed or was cancelled
// A subscriber to one job's output: a client stream, a test recorder. Receives chunks in order and
// then exactly one terminal event.

using worker_actor = caf::typed_actor<                         //
    caf::replies_to<step_atom, step_input>::with<step_reply>,  // run one step on the engine
    caf::reacts_to<release_atom, std::vector<uint64_t>>>;      // free these sequences' KV
// Owns one engine (one model on one device). Runs on a thread of its own: engine steps block.

using batcher_actor = caf::typed_actor<         //
    caf::reacts_to<assign_atom, sequence_job>,  // a job granted units on this batcher's device
    caf::reacts_to<cancel_atom, job_id>>;       // remove a job (reported back as finished)
// Continuous batching for one worker: composes each step from its running sequences and streams
// their tokens to the scheduler.

using capacity_listener = caf::typed_actor<   //
    caf::reacts_to<wake_atom, std::string>>;  // units of this model came back
// Whoever parks jobs waiting for units (the scheduler).

using capacity_actor = caf::typed_actor<
    caf::replies_to<register_atom, device_capacity>::with<status>,  // a batcher's device joins
    caf::replies_to<admit_atom, admit_request>::with<status>,       // take a waiting slot
    caf::replies_to<acquire_atom, acquire_request>::with<grant>,    // units to run, or not now
    caf::reacts_to<withdraw_atom, job_id>,  // an admitted job leaves before running
    caf::reacts_to<release_atom, job_id>,   // a running job's units come back
    caf::replies_to<limits_atom, model_limits>::with<model_limits>,  // update (-1 keeps a value)
    caf::replies_to<usage_atom>::with<capacity_report>,
    caf::reacts_to<watch_atom, capacity_listener>>;  // where wakes go
// The admission gate and unit accountant: per model at most max_active running and max_queued
// waiting; per device its sequence slots and KV blocks. An acquire is answered at once; when it
// finds no units, the model is marked waiting and the listener gets one `wake` as soon as units
// of that model come back (release, higher limits, a joining device). Jobs park in the
// scheduler's queue meanwhile, so they are woken in queue order (priority, aging, FIFO).

using metrics_actor = caf::typed_actor<               //
    caf::reacts_to<job_summary>,                      // job accepted / rejected / terminal
    caf::reacts_to<step_stats>,                       // one engine step
    caf::replies_to<stats_atom>::with<std::string>>;  // the metrics JSON document
// Aggregates per model and overall: rates, latency percentiles, batch statistics, counters.

using scheduler_actor = caf::typed_actor<
    caf::replies_to<submit_atom, job_spec, job_sink_actor>::with<submit_reply>,
    caf::replies_to<cancel_atom, job_id>::with<status>,
    caf::replies_to<status_atom, job_id>::with<job_info>,
    caf::replies_to<attach_atom, job_id, job_sink_actor>::with<status>,
    caf::replies_to<join_atom, batcher_registration, batcher_actor>::with<batcher_id>,
    caf::reacts_to<report_atom, step_report>, caf::replies_to<drain_atom, int64_t>::with<status>,
    caf::reacts_to<wake_atom, std::string>,        // from capacity: units came back
    caf::reacts_to<tick_atom>,                     // internal: the drain deadline
    caf::reacts_to<durable_atom, job_id, status>,  // internal: the store has an accept
    caf::reacts_to<persisted_atom, job_id>,        // internal: the store has a terminal state
    caf::reacts_to<sweep_atom>>;                   // internal: retention sweep timer

// The job queue and lifecycle. `submit` validates, tokenizes and admits a job (the sink, when
// valid, receives its output); `attach` adds a sink to a job, replaying what was generated so far;
// batchers `join` and then `report` their steps. `drain(grace_ms)` stops admission, fails queued
// jobs with `unavailable`, and answers once running jobs finished (or were stopped at the grace
// deadline).

}  // namespace troupe
