// The API's way into the actor world: asynchronous calls on the scheduler, capacity and metrics
// actors whose answers come back as callbacks, and the CAF sink actors that feed job streams into
// stream_backlogs. This is the only part of the API server that includes CAF.
//
// Nothing here blocks. Each call spawns a small event-based actor that sends one request and runs
// the callback with the answer (or with an error status when the actor does not answer within the
// timeout), then quits. Callbacks therefore run on CAF threads: they must only hand the value over
// (the server passes cross-thread promise fulfillers) and never block.
#pragma once

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actors/interfaces.hpp"
#include "node/api/stream_backlog.hpp"

namespace troupe {

struct api_targets {
  scheduler_actor scheduler;
  capacity_actor capacity;
  metrics_actor metrics;
};
// The head node's actors the API talks to (node_runtime hands them out).

template <class T>
struct outcome {
  status st;  // not ok: `value` is meaningless
  T value{};
};

template <class T>
using reply_fn = std::function<void(T)>;

class cluster_bridge {
 public:
  cluster_bridge(caf::actor_system& sys, api_targets targets, std::chrono::milliseconds timeout);

  void submit(job_spec spec, const job_sink_actor& sink, reply_fn<submit_reply> done) const;
  void attach(job_id job, const job_sink_actor& sink, reply_fn<status> done) const;
  void info(job_id job, reply_fn<outcome<job_info>> done) const;
  // not_found for an unknown job; `value.error` is the job's own error (failed, cancelled).
  void cancel(job_id job, reply_fn<status> done) const;
  void result(job_id job, reply_fn<outcome<job_result>> done) const;
  // Attaches a collector to a job: its result once finished (at once for a finished job), or its
  // error; `unavailable` when it does not finish within the timeout.
  void stats(reply_fn<outcome<std::string>> done) const;
  void usage(reply_fn<outcome<capacity_report>> done) const;
  void nodes(reply_fn<outcome<std::vector<node_status>>> done) const;
  void limits(model_limits update, reply_fn<outcome<model_limits>> done) const;

  job_sink_actor spawn_sink(std::shared_ptr<api_stream::stream_backlog> backlog) const;
  // A sink that pushes a job's events into `backlog` and quits when the backlog refuses more
  // (terminal event delivered, subscription dropped).

  void release_sink(const job_sink_actor& sink) const;
  // Stops a sink whose subscription ended (safe from any thread, also if it already quit).

 private:
  caf::actor_system& sys_;
  api_targets targets_;
  std::chrono::milliseconds timeout_;
};

}  // namespace troupe
