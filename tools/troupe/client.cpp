#include "tools/troupe/client.hpp"

#include <capnp/ez-rpc.h>
#include <kj/async-io.h>
#include <kj/debug.h>
#include <kj/timer.h>

namespace troupe::cli {
namespace {

std::string to_std(capnp::Text::Reader t) {
  return std::string(t.cStr(), t.size());
}

call_status read(api::Status::Reader s) {
  return {s.getCode(), to_std(s.getMessage())};
}

job_timing read(api::Timings::Reader t) {
  return {t.getSubmittedUs(), t.getStartedUs(), t.getFirstTokenUs(), t.getFinishedUs()};
}

job_result_info read(api::JobResult::Reader r) {
  return {r.getJobId(),           r.getFinishReason(), r.getPromptTokens(),
          r.getGeneratedTokens(), to_std(r.getText()), read(r.getTimings())};
}

limits_info read_limits(call_status st, api::Limits::Reader l) {
  return {std::move(st), to_std(l.getModel()), l.getMaxActive(), l.getMaxQueued()};
}

// The receiving end of one job stream. The server releases it after the terminal call, or when it
// drops the stream; a sink destroyed before a terminal call rejects `finished`.
class sink_impl final : public api::TokenSink::Server {
 public:
  sink_impl(std::shared_ptr<stream_outcome> out, text_callback on_text,
            kj::Own<kj::PromiseFulfiller<void>> finished)
      : out_(std::move(out)), on_text_(std::move(on_text)), finished_(kj::mv(finished)) {}

 protected:
  kj::Promise<void> chunk(ChunkContext context) override {
    auto p = context.getParams();
    auto tokens = p.getTokens();
    if (p.getFirstIndex() != out_->tokens.size()) out_->contiguous = false;
    for (auto t : tokens) out_->tokens.push_back(t);
    auto text = to_std(p.getText());
    out_->text += text;
    if (on_text_ && !text.empty()) on_text_(text);
    return kj::READY_NOW;
  }

  kj::Promise<void> done(DoneContext context) override {
    out_->done = true;
    out_->result = read(context.getParams().getResult());
    finished_->fulfill();
    return kj::READY_NOW;
  }

  kj::Promise<void> failed(FailedContext context) override {
    out_->failed = true;
    out_->error = read(context.getParams().getStatus());
    finished_->fulfill();
    return kj::READY_NOW;
  }

 private:
  std::shared_ptr<stream_outcome> out_;
  text_callback on_text_;
  kj::Own<kj::PromiseFulfiller<void>> finished_;
};

}  // namespace

struct client::impl {
  std::chrono::milliseconds timeout;
  capnp::EzRpcClient rpc;
  api::Session::Client session = nullptr;
  uint32_t server_version = 0;

  impl(const std::string& address, std::chrono::milliseconds t)
      : timeout(t), rpc(address.c_str()) {}

  // Waits for a call's answer; a transport failure or no answer in time is a connection_error.
  template <class T>
  T wait(kj::Promise<T> promise, const char* what) {
    auto& timer = rpc.getIoProvider().getTimer();
    auto limit = timeout;
    auto bounded = promise.exclusiveJoin(
        timer.afterDelay(limit.count() * kj::MILLISECONDS).then([limit, what]() -> T {
          KJ_FAIL_REQUIRE("no answer", what, limit.count());
        }));
    try {
      return bounded.wait(rpc.getWaitScope());
    } catch (const kj::Exception& e) {
      throw connection_error(std::string(what) + ": " + e.getDescription().cStr());
    }
  }

  // Waits for a stream's terminal call (no time limit: jobs take as long as they take).
  void wait_stream(kj::Promise<void> finished, stream_outcome& out) {
    try {
      finished.wait(rpc.getWaitScope());
    } catch (const kj::Exception&) {
      // The sink went away before a terminal call: the server dropped the stream (the client fell
      // behind) or the connection was lost. The job itself goes on.
      if (!out.done && !out.failed) {
        out.lost = true;
        out.lost_reason = "the stream of job " + std::to_string(out.job) +
                          " ended before the job did (connection lost, or the client fell "
                          "behind); the job goes on: `troupe attach " +
                          std::to_string(out.job) + "` follows it again";
      }
    }
  }

  template <class Request>
  stream_outcome stream(Request req, kj::Promise<void> finished,
                        std::shared_ptr<stream_outcome> out, const char* what) {
    auto reply = wait(req.send(), what);
    out->status = read(reply.getStatus());
    if constexpr (requires { reply.getJobId(); }) {
      out->job = reply.getJobId();
      out->queue_position = reply.getQueuePosition();
    }
    if (out->status.ok()) wait_stream(kj::mv(finished), *out);
    return *out;
  }
};

client::client(const std::string& address, const std::string& api_key,
               std::chrono::milliseconds timeout) {
  try {
    impl_ = std::make_unique<impl>(address, timeout);
  } catch (const kj::Exception& e) {
    throw connection_error("cannot connect to " + address + ": " + e.getDescription().cStr());
  }
  auto req = impl_->rpc.getMain<api::Troupe>().connectRequest();
  req.setApiKey(api_key);
  req.setClientVersion(api::API_VERSION);
  std::string what = "cannot connect to " + address;
  auto reply = impl_->wait(req.send(), what.c_str());
  auto st = read(reply.getStatus());
  impl_->server_version = reply.getServerVersion();
  if (!st.ok()) throw session_refused(std::move(st));
  impl_->session = reply.getSession();
}

client::~client() = default;

uint32_t client::server_version() const {
  return impl_->server_version;
}

namespace {

void fill(api::JobSpec::Builder b, const job_request& r) {
  b.setModel(r.model);
  b.setPrompt(r.prompt);
  b.setMaxTokens(r.max_tokens);
  b.setTemperature(r.temperature);
  b.setTopP(r.top_p);
  b.setTopK(r.top_k);
  b.setRepetitionPenalty(r.repetition_penalty);
  b.setSeed(r.seed);
  auto stop = b.initStop(static_cast<unsigned>(r.stop.size()));
  for (unsigned i = 0; i < stop.size(); ++i) stop.set(i, r.stop[i]);
  b.setPriority(r.priority);
  b.setClientRequestId(r.request_id);
}

}  // namespace

submit_reply client::submit_detached(const job_request& request) {
  auto req = impl_->session.submitRequest();
  fill(req.initSpec(), request);
  auto reply = impl_->wait(req.send(), "submit");
  return {read(reply.getStatus()), reply.getJobId(), reply.getQueuePosition()};
}

stream_outcome client::submit(const job_request& request, const text_callback& on_text) {
  auto out = std::make_shared<stream_outcome>();
  auto paf = kj::newPromiseAndFulfiller<void>();
  auto req = impl_->session.submitRequest();
  fill(req.initSpec(), request);
  req.setSink(kj::heap<sink_impl>(out, on_text, kj::mv(paf.fulfiller)));
  return impl_->stream(kj::mv(req), kj::mv(paf.promise), out, "submit");
}

stream_outcome client::attach(uint64_t job, const text_callback& on_text) {
  auto out = std::make_shared<stream_outcome>();
  out->job = job;
  auto paf = kj::newPromiseAndFulfiller<void>();
  auto req = impl_->session.attachRequest();
  req.setJobId(job);
  req.setSink(kj::heap<sink_impl>(out, on_text, kj::mv(paf.fulfiller)));
  return impl_->stream(kj::mv(req), kj::mv(paf.promise), out, "attach");
}

std::pair<call_status, job_status_info> client::status(uint64_t job) {
  auto req = impl_->session.statusRequest();
  req.setJobId(job);
  auto reply = impl_->wait(req.send(), "status");
  job_status_info info;
  auto st = read(reply.getStatus());
  if (st.ok()) {
    auto i = reply.getInfo();
    info.job = i.getJobId();
    info.model = to_std(i.getModel());
    info.state = i.getState();
    info.priority = i.getPriority();
    info.queue_position = i.getQueuePosition();
    info.node = to_std(i.getNode());
    info.device = to_std(i.getDevice());
    info.prompt_tokens = i.getPromptTokens();
    info.generated_tokens = i.getGeneratedTokens();
    info.reason = i.getFinishReason();
    info.error = read(i.getError());
    info.timings = read(i.getTimings());
  }
  return {std::move(st), std::move(info)};
}

call_status client::cancel(uint64_t job) {
  auto req = impl_->session.cancelRequest();
  req.setJobId(job);
  return read(impl_->wait(req.send(), "cancel").getStatus());
}

std::pair<call_status, job_result_info> client::result(uint64_t job) {
  auto req = impl_->session.resultRequest();
  req.setJobId(job);
  auto reply = impl_->wait(req.send(), "result");
  auto st = read(reply.getStatus());
  job_result_info r;
  if (st.ok()) r = read(reply.getResult());
  return {std::move(st), std::move(r)};
}

std::pair<call_status, std::string> client::stats() {
  auto reply = impl_->wait(impl_->session.statsRequest().send(), "stats");
  return {read(reply.getStatus()), to_std(reply.getJson())};
}

std::pair<call_status, std::vector<model_row>> client::models() {
  auto reply = impl_->wait(impl_->session.modelsRequest().send(), "models");
  std::vector<model_row> rows;
  for (auto m : reply.getModels())
    rows.push_back({to_std(m.getName()), m.getMaxActive(), m.getMaxQueued(), m.getActive(),
                    m.getQueued(), m.getPeakActive(), m.getPeakQueued(), m.getRecommendedParallel(),
                    m.getDevices()});
  return {read(reply.getStatus()), std::move(rows)};
}

std::pair<call_status, std::vector<node_row>> client::nodes() {
  auto reply = impl_->wait(impl_->session.nodesRequest().send(), "nodes");
  std::vector<node_row> rows;
  for (auto n : reply.getNodes()) {
    node_row r;
    r.name = to_std(n.getName());
    r.state = n.getState() == api::NodeState::UP         ? "up"
              : n.getState() == api::NodeState::DRAINING ? "draining"
                                                         : "down";
    r.last_seen_us = n.getLastSeenUs();
    for (auto d : n.getDevices())
      r.devices.push_back({d.getBatcher(), to_std(d.getModel()), to_std(d.getName()),
                           to_std(d.getType()), d.getMemoryTotal(), d.getMemoryAvailable(),
                           d.getSlots(), d.getKvBlocks(), d.getSequences(), d.getSpeed(),
                           d.getTokensPerS(), d.getDraining(), d.getGeneratedTokens()});
    rows.push_back(std::move(r));
  }
  return {read(reply.getStatus()), std::move(rows)};
}

health_info client::health() {
  auto reply = impl_->wait(impl_->session.healthRequest().send(), "health");
  health_info h;
  h.status = read(reply.getStatus());
  h.serving = reply.getServing();
  h.devices_up = reply.getDevicesUp();
  for (auto d : reply.getDevices())
    h.devices.push_back({to_std(d.getNode()), to_std(d.getModel()), to_std(d.getName()),
                         d.getSlotsTotal(), d.getSlotsUsed(), d.getKvBlocksTotal(),
                         d.getKvBlocksUsed()});
  return h;
}

limits_info client::get_limits(const std::string& model) {
  auto req = impl_->session.getLimitsRequest();
  req.setModel(model);
  auto reply = impl_->wait(req.send(), "getLimits");
  return read_limits(read(reply.getStatus()), reply.getLimits());
}

limits_info client::set_limits(const std::string& model, int32_t max_active, int32_t max_queued) {
  auto req = impl_->session.setLimitsRequest();
  req.setModel(model);
  req.setMaxActive(max_active);
  req.setMaxQueued(max_queued);
  auto reply = impl_->wait(req.send(), "setLimits");
  return read_limits(read(reply.getStatus()), reply.getLimits());
}

std::string_view to_string(api::ErrorCode code) {
  switch (code) {
    case api::ErrorCode::OK:
      return "ok";
    case api::ErrorCode::QUEUE_FULL:
      return "queue_full";
    case api::ErrorCode::INVALID_ARGUMENT:
      return "invalid_argument";
    case api::ErrorCode::UNKNOWN_MODEL:
      return "unknown_model";
    case api::ErrorCode::PROMPT_TOO_LONG:
      return "prompt_too_long";
    case api::ErrorCode::UNAUTHORIZED:
      return "unauthorized";
    case api::ErrorCode::NOT_FOUND:
      return "not_found";
    case api::ErrorCode::UNAVAILABLE:
      return "unavailable";
    case api::ErrorCode::INTERNAL:
      return "internal";
    case api::ErrorCode::CANCELLED:
      return "cancelled";
  }
  return "internal";
}

std::string_view to_string(api::JobState state) {
  switch (state) {
    case api::JobState::QUEUED:
      return "queued";
    case api::JobState::RUNNING:
      return "running";
    case api::JobState::DONE:
      return "done";
    case api::JobState::FAILED:
      return "failed";
    case api::JobState::CANCELLED:
      return "cancelled";
  }
  return "unknown";
}

std::string_view to_string(api::FinishReason reason) {
  switch (reason) {
    case api::FinishReason::NONE:
      return "none";
    case api::FinishReason::EOS:
      return "eos";
    case api::FinishReason::MAX_TOKENS:
      return "max_tokens";
    case api::FinishReason::STOP:
      return "stop";
    case api::FinishReason::LENGTH:
      return "length";
  }
  return "none";
}

std::string_view to_string(api::Priority priority) {
  switch (priority) {
    case api::Priority::HIGH:
      return "high";
    case api::Priority::NORMAL:
      return "normal";
    case api::Priority::LOW:
      return "low";
  }
  return "normal";
}

}  // namespace troupe::cli
