#include "node/http/generation_run.hpp"

#include <kj/debug.h>
#include <spdlog/spdlog.h>

#include "node/api/cross_thread.hpp"
#include "node/api/peer_name.hpp"
#include "node/http/disconnect_watch.hpp"

namespace troupe::http {
namespace {

using api_kj::make_cross_thread;
using api_kj::make_cross_thread_signal;

class generation_run {
 public:
  generation_run(exchange& ex, generation_request request, std::unique_ptr<response_format> format)
      : ex_(ex),
        request_(std::move(request)),
        format_(std::move(format)),
        bridge_(ex.ctx().api.bridge),
        watch_(ex.ctx().events, ex.fd()) {}

  ~generation_run() {
    // Dropped before its job ended: the HTTP server gave up on the connection (it hung up, or
    // the server is stopping).
    if (job_ != 0 && !finished_) {
      try {
        gone("the connection closed");
      } catch (...) {
      }
    }
    if (backlog_) backlog_->close();
    if (sink_) bridge_.release_sink(sink_);
  }

  generation_run(const generation_run&) = delete;
  generation_run& operator=(const generation_run&) = delete;

  kj::Promise<void> run() {
    auto& spec = request_.spec;
    spec.client_request_id = ex_.idempotency_key();
    spec.client_address = api_kj::address_of(ex_.peer());
    const auto& api = ex_.ctx().api;
    auto st = api_edge::check_submit(spec, api.limits);
    if (st.ok() && !api.accepting.load())
      st = make_status(errc::unavailable,
                       api_edge::request_name(spec) + ": the node is shutting down");
    if (!st.ok()) return ex_.send_error(from_status(st));
    // A request that does not stream only needs the result, which carries the whole text.
    backlog_ = std::make_shared<api_stream::stream_backlog>(
        api.streams.backlog_bytes, &api.counters.backlog_bytes, api.streams.backlog_total_bytes,
        request_.stream);
    sink_ = bridge_.spawn_sink(backlog_);
    auto reply = make_cross_thread<submit_reply>();
    bridge_.submit(spec, sink_, reply.deliver);
    // The watch starts once the job exists: until then there is nothing to cancel, and dropping
    // the submit's answer would leave a job no one knows about.
    return reply.promise.then([this](submit_reply r) -> kj::Promise<void> {
      if (!r.st.ok()) return ex_.send_error(from_status(r.st, r.job));
      job_ = r.job;
      auto answer = request_.stream ? start_stream() : collect();
      return answer
          .exclusiveJoin(watch_.closed().then([this]() -> kj::Promise<void> {
            gone("the client closed the connection");
            return disconnected();
          }))
          .catch_([this](kj::Exception&& e) -> kj::Promise<void> {
            if (!finished_)
              gone(std::string("writing to the client failed: ") + e.getDescription().cStr());
            return kj::mv(e);
          });
    });
  }

 private:
  kj::Promise<void> start_stream() {
    out_ = ex_.begin_stream(format_->content_type(true), job_);
    return write(format_->start(job_)).then([this]() { return pump(); });
  }

  // Streaming: every batch the backlog holds becomes one write.
  kj::Promise<void> pump() {
    auto signal = make_cross_thread_signal();
    auto batch = backlog_->take_or_arm(signal.fire);
    if (!batch) return signal.promise.then([this]() { return pump(); });
    if (batch->overflowed) return fell_behind(batch->overflow_bytes);
    std::string bytes;
    if (batch->chunk) bytes += format_->text(batch->chunk->text);
    if (batch->result) {
      finished_ = true;
      bytes += format_->finish(*batch->result);
    } else if (batch->error) {
      finished_ = true;
      bytes += format_->fail(from_status(batch->error->error, job_));
    }
    if (finished_) return write(std::move(bytes)).then([this]() { out_ = nullptr; });
    return write(std::move(bytes)).then([this]() { return pump(); });
  }

  // The client stopped reading: its job is cancelled (unless it asked to resume it), and the
  // stream ends with an error event, or cut off when even that cannot be delivered, so that no
  // client takes a truncated output for a whole one.
  kj::Promise<void> fell_behind(size_t bytes) {
    const std::string why = "the client fell " + std::to_string(bytes) + " bytes of output behind";
    gone(why);
    http_error e = from_status(make_status(errc::unavailable, "job " + std::to_string(job_) + ": " +
                                                                  why + "; stream ended"),
                               job_);
    return write(format_->fail(e)).then([this]() { out_ = nullptr; });
  }

  // Not streaming: wait for the terminal event.
  kj::Promise<void> collect() {
    auto signal = make_cross_thread_signal();
    auto batch = backlog_->take_or_arm(signal.fire);
    if (!batch) return signal.promise.then([this]() { return collect(); });
    finished_ = true;
    if (batch->result)
      return ex_.send(200, format_->content_type(false), format_->whole(*batch->result), job_);
    if (batch->error) return ex_.send_error(from_status(batch->error->error, job_));
    // Only a closed backlog ends otherwise (the server is stopping).
    return ex_.send_error(from_status(
        make_status(errc::unavailable, "job " + std::to_string(job_) + ": the node is stopping"),
        job_));
  }

  // One write to the stream, which must be taken within the stall timeout; a client that does
  // not is cut off (its socket shut down), its job cancelled.
  kj::Promise<void> write(std::string bytes) {
    if (bytes.empty() || !out_) return kj::READY_NOW;
    auto held = kj::heap<std::string>(std::move(bytes));
    auto promise = out_->write(held->data(), held->size()).attach(kj::mv(held));
    const auto limit = ex_.ctx().api.streams.stall_timeout;
    return promise.exclusiveJoin(ex_.ctx()
                                     .api.timer.afterDelay(limit.count() * kj::MILLISECONDS)
                                     .then([this, limit]() -> kj::Promise<void> {
                                       gone("it did not take its output within " +
                                            std::to_string(limit.count()) + " ms");
                                       watch_.abort();
                                       return disconnected();
                                     }));
  }

  // The client is gone before its job ended: cancel the job, unless it asked to resume it (an
  // Idempotency-Key) or the node is shutting down (the job resumes after the restart).
  void gone(const std::string& why) {
    if (finished_) return;
    finished_ = true;
    if (!ex_.idempotency_key().empty()) {
      spdlog::info("http: {} left job {} ({}); it runs on: Idempotency-Key re-attaches to it",
                   ex_.peer(), job_, why);
    } else if (!ex_.ctx().api.accepting.load()) {
      spdlog::info("http: {} left job {} ({}) while the node shuts down; it stays", ex_.peer(),
                   job_, why);
    } else {
      spdlog::info("http: {} left job {} ({}); cancelling it", ex_.peer(), job_, why);
      bridge_.cancel(job_, [](status) {});
    }
  }

  // Ends the request without an answer: the HTTP server closes the connection.
  static kj::Promise<void> disconnected() {
    return KJ_EXCEPTION(DISCONNECTED, "the client went away");
  }

  exchange& ex_;
  generation_request request_;
  std::unique_ptr<response_format> format_;
  const cluster_bridge& bridge_;
  disconnect_watch watch_;
  std::shared_ptr<api_stream::stream_backlog> backlog_;
  job_sink_actor sink_;
  job_id job_ = 0;
  bool finished_ = false;
  kj::Own<kj::AsyncOutputStream> out_;
};

}  // namespace

kj::Promise<void> run_generation(exchange& ex, generation_request request,
                                 std::unique_ptr<response_format> format) {
  auto run = kj::heap<generation_run>(ex, std::move(request), std::move(format));
  auto promise = run->run();
  return promise.attach(kj::mv(run));
}

}  // namespace troupe::http
