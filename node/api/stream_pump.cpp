#include "node/api/stream_pump.hpp"

#include <kj/debug.h>
#include <spdlog/spdlog.h>

#include "node/api/convert.hpp"
#include "node/api/cross_thread.hpp"

namespace troupe::api_kj {
namespace {

class stream_pump {
 public:
  stream_pump(const api_context& ctx, job_id job, api::TokenSink::Client sink,
              std::shared_ptr<api_stream::stream_backlog> backlog, job_sink_actor actor,
              kj::Own<connection_scope> scope)
      : ctx_(ctx),
        job_(job),
        sink_(kj::mv(sink)),
        backlog_(std::move(backlog)),
        actor_(std::move(actor)),
        scope_(kj::mv(scope)),
        peer_(scope_->peer()) {
    ctx_.counters.subscriptions.fetch_add(1);
  }

  ~stream_pump() {
    backlog_->close();
    ctx_.bridge.release_sink(actor_);
    scope_->stream_closed();
    ctx_.counters.subscriptions.fetch_sub(1);
    if (finished_) return;
    // The job had ended and the terminal call went out; only its answer was lost (the client
    // closed the connection right after it, as clients do).
    if (terminal_sent_ && !stalled_) {
      spdlog::debug("api: the terminal call of job {} to {} got no answer: {}", job_, peer_, why_);
      return;
    }
    ctx_.counters.dropped_subscriptions.fetch_add(1);
    spdlog::warn("api: dropped the stream of job {} to {}: {}; {}", job_, peer_,
                 why_.empty() ? std::string("the connection closed") : why_,
                 terminal_sent_ ? "the job has ended, attaching replays it"
                                : "the job continues and can be attached again");
  }

  stream_pump(const stream_pump&) = delete;
  stream_pump& operator=(const stream_pump&) = delete;

  kj::Promise<void> run() {
    return next().catch_([this](kj::Exception&& e) {
      if (why_.empty())
        why_ = std::string("a call on its sink failed: ") + e.getDescription().cStr();
    });
  }

 private:
  kj::Promise<void> next() {
    auto signal = make_cross_thread_signal();
    auto batch = backlog_->take_or_arm(signal.fire);
    if (!batch) return signal.promise.then([this]() { return next(); });
    return deliver(std::move(*batch));
  }

  kj::Promise<void> deliver(api_stream::backlog_batch batch) {
    if (batch.overflowed) {
      why_ = "the client fell behind by more than " + std::to_string(ctx_.streams.backlog_bytes) +
             " bytes of output";
      return kj::READY_NOW;
    }
    kj::Promise<void> sent = kj::READY_NOW;
    if (batch.chunk) {
      auto req = sink_.chunkRequest();
      req.setJobId(job_);
      req.setFirstIndex(batch.chunk->first_index);
      auto tokens = req.initTokens(static_cast<unsigned>(batch.chunk->tokens.size()));
      for (unsigned i = 0; i < tokens.size(); ++i) tokens.set(i, batch.chunk->tokens[i]);
      req.setText(batch.chunk->text);
      sent = bounded(req.send(), "chunk").exclusiveJoin(overflowed());
    }
    if (!batch.terminal()) return sent.then([this]() { return next(); });
    return sent.then([this, result = kj::mv(batch.result), error = kj::mv(batch.error)]() mutable {
      terminal_sent_ = true;
      kj::Promise<void> call = nullptr;
      if (result) {
        auto req = sink_.doneRequest();
        api_wire::fill(req.initResult(), *result);
        call = req.send().ignoreResult();
      } else {
        auto req = sink_.failedRequest();
        req.setJobId(job_);
        api_wire::fill(req.initStatus(), error->error);
        call = req.send().ignoreResult();
      }
      return bounded(kj::mv(call), "the terminal call").then([this]() { finished_ = true; });
    });
  }

  // Resolves (by failing) if the backlog overflows while a call is in flight, so a client stuck on
  // one chunk loses its stream as soon as it is too far behind, not only at the stall timeout.
  kj::Promise<void> overflowed() {
    auto signal = make_cross_thread_signal();
    backlog_->watch_overflow(signal.fire);
    return signal.promise.then(
        [this]() -> kj::Promise<void> {
          why_ = "the client fell behind by more than " +
                 std::to_string(ctx_.streams.backlog_bytes) + " bytes of output";
          return KJ_EXCEPTION(OVERLOADED, "stream overflowed");
        },
        [](kj::Exception&&) -> kj::Promise<void> { return kj::NEVER_DONE; });
  }

  // A sink call that has not returned after the stall timeout ends the stream.
  kj::Promise<void> bounded(kj::Promise<void> call, const char* what) {
    auto limit = ctx_.streams.stall_timeout;
    return call.exclusiveJoin(
        ctx_.timer.afterDelay(limit.count() * kj::MILLISECONDS).then([this, limit, what]() {
          stalled_ = true;
          why_ = std::string("the client did not take ") + what + " within " +
                 std::to_string(limit.count()) + " ms";
          kj::throwFatalException(KJ_EXCEPTION(OVERLOADED, "stream stalled"));
        }));
  }

  const api_context& ctx_;
  job_id job_;
  api::TokenSink::Client sink_;
  std::shared_ptr<api_stream::stream_backlog> backlog_;
  job_sink_actor actor_;
  kj::Own<connection_scope> scope_;
  std::string peer_;
  std::string why_;
  bool terminal_sent_ = false;
  bool stalled_ = false;
  bool finished_ = false;
};

}  // namespace

pending_stream::pending_stream(const api_context& ctx, connection_scope& scope)
    : ctx_(&ctx),
      scope_(kj::addRef(scope)),
      backlog_(std::make_shared<api_stream::stream_backlog>(
          ctx.streams.backlog_bytes, &ctx.counters.backlog_bytes, ctx.streams.backlog_total_bytes)),
      actor_(ctx.bridge.spawn_sink(backlog_)) {
  scope_->stream_opened();
}

pending_stream::~pending_stream() {
  if (!backlog_) return;
  backlog_->close();
  ctx_->bridge.release_sink(actor_);
  scope_->stream_closed();
}

void pending_stream::start(job_id job, api::TokenSink::Client sink) {
  auto& canceler = scope_->canceler();
  auto pump = kj::heap<stream_pump>(*ctx_, job, kj::mv(sink), std::move(backlog_),
                                    std::move(actor_), kj::mv(scope_));
  backlog_.reset();
  auto run = pump->run();
  ctx_->pumps.add(canceler.wrap(kj::mv(run).attach(kj::mv(pump))));
}

troupe::status check_stream_room(const api_context& ctx, const connection_scope& scope,
                                 const std::string& what) {
  if (scope.streams() < ctx.streams.max_per_connection) return {};
  return make_status(errc::unavailable, what + ": this connection has " +
                                            std::to_string(scope.streams()) +
                                            " streams open already (at most " +
                                            std::to_string(ctx.streams.max_per_connection) + ")");
}

}  // namespace troupe::api_kj
