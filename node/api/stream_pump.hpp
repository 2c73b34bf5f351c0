// One job subscription on the KJ thread: takes what the job's CAF sink actor left in the
// stream_backlog and calls the client's TokenSink with it, one call at a time, using the
// `-> stream` flow control of `chunk`.
//
// Policy (docs/api.md, "Streams"): while the client is behind, chunks coalesce in the backlog;
// the subscription is dropped when the backlog overflows (`backlog_bytes`), when a sink call does
// not return within `stall_timeout`, when a call fails (the client disconnected or threw) or when
// the connection closes. Dropping ends the stream only: the job continues and can be attached
// again. Every drop is logged and counted.
#pragma once

#include <memory>
#include <string>

#include "node/api/api_context.hpp"
#include "node/api/stream_backlog.hpp"
#include "schema/troupe.capnp.h"

namespace troupe::api_kj {

class pending_stream {
 public:
  pending_stream(const api_context& ctx, connection_scope& scope);
  // A backlog and its sink actor, before the scheduler has accepted the subscription. Counts
  // as one of the connection's streams from here on.
  ~pending_stream();  // closes the backlog and stops the actor unless started

  pending_stream(pending_stream&&) = default;
  pending_stream(const pending_stream&) = delete;

  const job_sink_actor& actor() const { return actor_; }

  void start(job_id job, api::TokenSink::Client sink);
  // Hands the backlog to a pump owned by the server (ends with the connection at the latest).

 private:
  const api_context* ctx_;
  kj::Own<connection_scope> scope_;
  std::shared_ptr<api_stream::stream_backlog> backlog_;
  job_sink_actor actor_;
};

troupe::status check_stream_room(const api_context& ctx, const connection_scope& scope,
                                 const std::string& what);
// unavailable when the connection has max_per_connection streams already.

}  // namespace troupe::api_kj
