#include "node/api/cluster_bridge.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <utility>

namespace troupe {
namespace {

status transport_error(const std::string& what, const caf::error& err) {
  return make_status(errc::unavailable,
                     what + ": no answer from the cluster (" + to_string(err) + ")");
}

// Sends one request from a short-lived actor: `ok` gets the answer, `fail` the error. The actor
// stays alive while the response is pending and quits once a handler ran.
template <class Result, class Dest, class Ok, class Fail, class... Ts>
void ask(caf::actor_system& sys, std::chrono::milliseconds timeout, const Dest& dest, Ok ok,
         Fail fail, Ts... xs) {
  if (!dest) {
    fail(caf::make_error(caf::sec::invalid_argument));
    return;
  }
  sys.spawn([=](caf::event_based_actor* self) mutable {
    self->request(dest, timeout, std::move(xs)...)
        .then([ok](Result& r) mutable { ok(std::move(r)); },
              [fail](caf::error& err) mutable { fail(err); });
  });
}

struct collector_state {
  collector_state() {}  // user-declared: keeps stateful_actor from aggregate-initialising it
  static inline const char* name = "troupe.api.collector";
  job_id job = 0;
  bool replied = false;
  reply_fn<outcome<job_result>> done;
};

using collector_actor = job_sink_actor::extend<caf::reacts_to<tick_atom>>;

collector_actor::behavior_type collector(collector_actor::stateful_pointer<collector_state> self,
                                         job_id job, reply_fn<outcome<job_result>> done,
                                         std::chrono::milliseconds timeout) {
  self->state.job = job;
  self->state.done = std::move(done);
  self->delayed_send(self, timeout, tick_atom::value);
  auto finish = [self](outcome<job_result> out) {
    if (!self->state.replied) {
      self->state.replied = true;
      self->state.done(std::move(out));
    }
    self->quit();
  };
  return {
      [](const token_chunk&) {},  // the result carries the whole text
      [finish](const job_result& r) {
        finish({status{}, r});
      },
      [finish](const job_error& e) {
        finish({e.error, {}});
      },
      [finish, self](tick_atom) {
        finish({make_status(errc::unavailable,
                            "job " + std::to_string(self->state.job) + ": no result in time"),
                {}});
      },
  };
}

}  // namespace

cluster_bridge::cluster_bridge(caf::actor_system& sys, api_targets targets,
                               std::chrono::milliseconds timeout)
    : sys_(sys), targets_(std::move(targets)), timeout_(timeout) {}

void cluster_bridge::submit(job_spec spec, const job_sink_actor& sink,
                            reply_fn<submit_reply> done) const {
  auto what = "submit for model '" + spec.model + "'";
  ask<submit_reply>(
      sys_, timeout_, targets_.scheduler, done,
      [done, what](const caf::error& e) {
        done(submit_reply{transport_error(what, e), 0, 0});
      },
      submit_atom::value, std::move(spec), sink);
}

void cluster_bridge::attach(job_id job, const job_sink_actor& sink, reply_fn<status> done) const {
  ask<status>(
      sys_, timeout_, targets_.scheduler, done,
      [done, job](const caf::error& e) {
        done(transport_error("attach to job " + std::to_string(job), e));
      },
      attach_atom::value, job, sink);
}

void cluster_bridge::info(job_id job, reply_fn<outcome<job_info>> done) const {
  ask<job_info>(
      sys_, timeout_, targets_.scheduler,
      [done](job_info info) {
        // The scheduler answers an unknown job with an info that names no model.
        if (info.model.empty() && info.error.code == errc::not_found)
          done({std::move(info.error), {}});
        else
          done({status{}, std::move(info)});
      },
      [done, job](const caf::error& e) {
        done({transport_error("status of job " + std::to_string(job), e), {}});
      },
      status_atom::value, job);
}

void cluster_bridge::cancel(job_id job, reply_fn<status> done) const {
  ask<status>(
      sys_, timeout_, targets_.scheduler, done,
      [done, job](const caf::error& e) {
        done(transport_error("cancel job " + std::to_string(job), e));
      },
      cancel_atom::value, job);
}

void cluster_bridge::result(job_id job, reply_fn<outcome<job_result>> done) const {
  auto sink = sys_.spawn(collector, job, done, timeout_);
  attach(job, caf::actor_cast<job_sink_actor>(sink), [done, sink](status st) {
    if (!st.ok()) {
      done({std::move(st), {}});
      caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
    }
  });
}

void cluster_bridge::stats(reply_fn<outcome<std::string>> done) const {
  ask<std::string>(
      sys_, timeout_, targets_.metrics,
      [done](std::string json) {
        done({status{}, std::move(json)});
      },
      [done](const caf::error& e) {
        done({transport_error("stats", e), {}});
      },
      stats_atom::value);
}

void cluster_bridge::nodes(reply_fn<outcome<std::vector<node_status>>> done) const {
  ask<std::vector<node_status>>(
      sys_, timeout_, targets_.scheduler,
      [done](std::vector<node_status> n) {
        done({status{}, std::move(n)});
      },
      [done](const caf::error& e) {
        done({transport_error("nodes", e), {}});
      },
      nodes_atom::value);
}

void cluster_bridge::usage(reply_fn<outcome<capacity_report>> done) const {
  ask<capacity_report>(
      sys_, timeout_, targets_.capacity,
      [done](capacity_report r) {
        done({status{}, std::move(r)});
      },
      [done](const caf::error& e) {
        done({transport_error("usage", e), {}});
      },
      usage_atom::value);
}

void cluster_bridge::limits(model_limits update, reply_fn<outcome<model_limits>> done) const {
  ask<model_limits>(
      sys_, timeout_, targets_.capacity,
      [done](model_limits l) {
        done({status{}, std::move(l)});
      },
      [done](const caf::error& e) {
        done({transport_error("limits", e), {}});
      },
      limits_atom::value, std::move(update));
}

job_sink_actor cluster_bridge::spawn_sink(
    std::shared_ptr<api_stream::stream_backlog> backlog) const {
  return sys_.spawn([backlog](job_sink_actor::pointer self) -> job_sink_actor::behavior_type {
    return {
        [self, backlog](token_chunk& c) {
          if (!backlog->push(std::move(c))) self->quit();
        },
        [self, backlog](job_result& r) {
          backlog->push(std::move(r));
          self->quit();
        },
        [self, backlog](job_error& e) {
          backlog->push(std::move(e));
          self->quit();
        },
    };
  });
}

void cluster_bridge::release_sink(const job_sink_actor& sink) const {
  if (sink) caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

}  // namespace troupe
