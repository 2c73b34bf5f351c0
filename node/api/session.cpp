#include "node/api/session.hpp"

#include <spdlog/spdlog.h>

#include <optional>

#include "node/api/convert.hpp"
#include "node/api/cross_thread.hpp"
#include "node/api/peer_name.hpp"
#include "node/api/stream_pump.hpp"

namespace troupe::api_kj {
namespace {

using api_wire::fill;

std::string job_name(job_id job) {
  return "job " + std::to_string(job);
}

class session_impl final : public api::Session::Server {
 public:
  session_impl(const api_context& ctx, kj::Own<connection_scope> scope)
      : ctx_(ctx), scope_(kj::mv(scope)) {}

 protected:
  kj::Promise<void> submit(SubmitContext context) override {
    auto params = context.getParams();
    job_spec spec;
    auto st = api_wire::read_spec(params.getSpec(), spec);
    spec.client_address = address_of(scope_->peer());  // the socket's, never the client's word
    if (st.ok()) st = api_edge::check_submit(spec, ctx_.limits);
    if (st.ok() && !ctx_.accepting.load())
      st = make_status(errc::unavailable,
                       api_edge::request_name(spec) + ": the node is shutting down");
    if (st.ok() && params.hasSink())
      st = check_stream_room(ctx_, *scope_, api_edge::request_name(spec));
    if (!st.ok()) {
      fill(context.getResults().initStatus(), st);
      return kj::READY_NOW;
    }
    std::optional<api::TokenSink::Client> sink;
    std::optional<pending_stream> stream;
    job_sink_actor actor;
    if (params.hasSink()) {
      sink = params.getSink();
      stream.emplace(ctx_, *scope_);
      actor = stream->actor();
    }
    auto reply = make_cross_thread<submit_reply>();
    ctx_.bridge.submit(std::move(spec), actor, reply.deliver);
    return reply.promise.then(
        [this, context, sink = kj::mv(sink), stream = kj::mv(stream)](submit_reply r) mutable {
          auto results = context.getResults();
          fill(results.initStatus(), r.st);
          results.setJobId(r.job);
          results.setQueuePosition(r.queue_position);
          if (r.st.ok() && stream && sink && scope_->open()) stream->start(r.job, kj::mv(*sink));
        });
  }

  kj::Promise<void> attach(AttachContext context) override {
    auto params = context.getParams();
    auto job = params.getJobId();
    if (!params.hasSink()) {
      fill(context.getResults().initStatus(),
           make_status(errc::invalid_argument, "attach to " + job_name(job) + ": no sink given"));
      return kj::READY_NOW;
    }
    if (auto room = check_stream_room(ctx_, *scope_, "attach to " + job_name(job)); !room.ok()) {
      fill(context.getResults().initStatus(), room);
      return kj::READY_NOW;
    }
    auto sink = params.getSink();
    pending_stream stream(ctx_, *scope_);
    auto reply = make_cross_thread<troupe::status>();
    ctx_.bridge.attach(job, stream.actor(), reply.deliver);
    return reply.promise.then([this, context, job, sink = kj::mv(sink),
                               stream = kj::mv(stream)](troupe::status st) mutable {
      fill(context.getResults().initStatus(), st);
      if (st.ok() && scope_->open()) stream.start(job, kj::mv(sink));
    });
  }

  kj::Promise<void> status(StatusContext context) override {
    auto reply = make_cross_thread<outcome<job_info>>();
    ctx_.bridge.info(context.getParams().getJobId(), reply.deliver);
    return reply.promise.then([context](outcome<job_info> out) mutable {
      auto results = context.getResults();
      fill(results.initStatus(), out.st);
      if (out.st.ok()) fill(results.initInfo(), out.value);
    });
  }

  kj::Promise<void> cancel(CancelContext context) override {
    auto reply = make_cross_thread<troupe::status>();
    ctx_.bridge.cancel(context.getParams().getJobId(), reply.deliver);
    return reply.promise.then(
        [context](troupe::status st) mutable { fill(context.getResults().initStatus(), st); });
  }

  kj::Promise<void> result(ResultContext context) override {
    auto job = context.getParams().getJobId();
    auto info = make_cross_thread<outcome<job_info>>();
    ctx_.bridge.info(job, info.deliver);
    return info.promise.then(
        [this, context, job](outcome<job_info> out) mutable -> kj::Promise<void> {
          auto st = out.st;
          if (st.ok() && !is_terminal(out.value.state))
            st = make_status(errc::unavailable, job_name(job) + " is still " +
                                                    std::string(to_string(out.value.state)) +
                                                    "; its result is ready once it finishes");
          if (st.ok() && out.value.state != job_state::done) st = out.value.error;
          if (!st.ok()) {
            fill(context.getResults().initStatus(), st);
            return kj::READY_NOW;
          }
          auto reply = make_cross_thread<outcome<job_result>>();
          ctx_.bridge.result(job, reply.deliver);
          return reply.promise.then([context](outcome<job_result> r) mutable {
            auto results = context.getResults();
            fill(results.initStatus(), r.st);
            if (r.st.ok()) fill(results.initResult(), r.value);
          });
        });
  }

  kj::Promise<void> stats(StatsContext context) override {
    auto reply = make_cross_thread<outcome<std::string>>();
    ctx_.bridge.stats(reply.deliver);
    return reply.promise.then([context](outcome<std::string> out) mutable {
      auto results = context.getResults();
      fill(results.initStatus(), out.st);
      results.setJson(out.value);
    });
  }

  kj::Promise<void> models(ModelsContext context) override {
    auto reply = make_cross_thread<outcome<capacity_report>>();
    ctx_.bridge.usage(reply.deliver);
    return reply.promise.then([context](outcome<capacity_report> out) mutable {
      auto results = context.getResults();
      fill(results.initStatus(), out.st);
      const auto& r = out.value;
      auto list = results.initModels(static_cast<unsigned>(r.models.size()));
      for (unsigned i = 0; i < list.size(); ++i) {
        const auto& m = r.models[i];
        auto b = list[i];
        b.setName(m.model);
        b.setMaxActive(m.max_active);
        b.setMaxQueued(m.max_queued);
        b.setActive(m.active);
        b.setQueued(m.queued);
        b.setPeakActive(m.peak_active);
        b.setPeakQueued(m.peak_queued);
        b.setRecommendedParallel(m.recommended_parallel);
        uint32_t devices = 0;
        for (const auto& d : r.devices) devices += d.model == m.model ? 1 : 0;
        b.setDevices(devices);
      }
    });
  }

  kj::Promise<void> nodes(NodesContext context) override {
    auto reply = make_cross_thread<outcome<std::vector<node_status>>>();
    ctx_.bridge.nodes(reply.deliver);
    return reply.promise.then([context](outcome<std::vector<node_status>> out) mutable {
      auto results = context.getResults();
      fill(results.initStatus(), out.st);
      auto list = results.initNodes(static_cast<unsigned>(out.value.size()));
      for (unsigned i = 0; i < list.size(); ++i) {
        const auto& n = out.value[i];
        auto b = list[i];
        b.setName(n.name);
        b.setState(n.state == node_state::up         ? api::NodeState::UP
                   : n.state == node_state::draining ? api::NodeState::DRAINING
                                                     : api::NodeState::DOWN);
        b.setLastSeenUs(n.last_seen_us);
        auto devices = b.initDevices(static_cast<unsigned>(n.devices.size()));
        for (unsigned k = 0; k < devices.size(); ++k) {
          const auto& d = n.devices[k];
          auto db = devices[k];
          db.setBatcher(d.batcher);
          db.setModel(d.model);
          db.setName(d.device.name);
          db.setType(d.device.type);
          db.setMemoryTotal(d.device.memory_total);
          db.setMemoryAvailable(d.device.memory_available);
          db.setSlots(d.slots);
          db.setKvBlocks(d.kv_blocks);
          db.setSpeed(d.speed);
          db.setDraining(d.draining);
          db.setSequences(d.load.sequences);
          db.setGeneratedTokens(d.load.generated_tokens);
          db.setTokensPerS(d.load.tokens_per_s);
        }
      }
    });
  }

  kj::Promise<void> health(HealthContext context) override {
    auto reply = make_cross_thread<outcome<capacity_report>>();
    ctx_.bridge.usage(reply.deliver);
    return reply.promise.then([this, context](outcome<capacity_report> out) mutable {
      auto results = context.getResults();
      auto st = out.st;
      const auto& devices = out.value.devices;
      bool accepting = ctx_.accepting.load();
      if (st.ok() && !accepting)
        st = make_status(errc::unavailable, "the node is shutting down");
      else if (st.ok() && devices.empty())
        st = make_status(errc::unavailable, "no device is up");
      fill(results.initStatus(), st);
      results.setServing(st.ok());
      results.setDevicesUp(static_cast<uint32_t>(devices.size()));
      auto list = results.initDevices(static_cast<unsigned>(devices.size()));
      for (unsigned i = 0; i < list.size(); ++i) {
        const auto& d = devices[i];
        auto b = list[i];
        b.setNode(d.node);
        b.setModel(d.model);
        b.setName(d.device.name);
        b.setSlotsTotal(d.slots_total);
        b.setSlotsUsed(d.slots_used);
        b.setKvBlocksTotal(d.kv_blocks_total);
        b.setKvBlocksUsed(d.kv_blocks_used);
      }
    });
  }

  kj::Promise<void> getLimits(GetLimitsContext context) override {
    auto model = api_wire::to_std(context.getParams().getModel());
    auto st = api_edge::check_model_name(model, ctx_.limits, "getLimits");
    return limits(context, model_limits{model, -1, -1}, st);
  }

  kj::Promise<void> setLimits(SetLimitsContext context) override {
    auto params = context.getParams();
    auto model = api_wire::to_std(params.getModel());
    auto st = api_edge::check_limits_update(model, params.getMaxActive(), params.getMaxQueued(),
                                            ctx_.limits);
    return limits(context, model_limits{model, params.getMaxActive(), params.getMaxQueued()}, st);
  }

 private:
  template <class Context>
  kj::Promise<void> limits(Context context, model_limits update, troupe::status st) {
    if (!st.ok()) {
      fill(context.getResults().initStatus(), st);
      return kj::READY_NOW;
    }
    auto reply = make_cross_thread<outcome<model_limits>>();
    ctx_.bridge.limits(update, reply.deliver);
    return reply.promise.then([context, update](outcome<model_limits> out) mutable {
      auto results = context.getResults();
      auto result_st = out.st;
      if (result_st.ok() && out.value.max_active < 0)  // capacity's answer for an unknown model
        result_st = make_status(errc::unknown_model, "no model '" + update.model + "'");
      fill(results.initStatus(), result_st);
      if (result_st.ok()) fill(results.initLimits(), out.value);
    });
  }

  const api_context& ctx_;
  kj::Own<connection_scope> scope_;
};

class troupe_impl final : public api::Troupe::Server {
 public:
  troupe_impl(const api_context& ctx, kj::Own<connection_scope> scope)
      : ctx_(ctx), scope_(kj::mv(scope)) {}

 protected:
  kj::Promise<void> connect(ConnectContext context) override {
    auto params = context.getParams();
    auto results = context.getResults();
    results.setServerVersion(api::API_VERSION);
    auto key = params.getApiKey();
    bool key_ok = key.size() <= ctx_.limits.max_api_key_bytes &&
                  (ctx_.api_key.empty() ||
                   api_edge::keys_equal(std::string_view(key.cStr(), key.size()), ctx_.api_key));
    if (!key_ok) {
      spdlog::warn("api: {} connected with a missing or wrong API key", scope_->peer());
      fill(results.initStatus(),
           make_status(errc::unauthorized, "connect: missing or wrong API key"));
      return kj::READY_NOW;
    }
    auto version = params.getClientVersion();
    if (version == 0) {
      fill(results.initStatus(),
           make_status(errc::invalid_argument,
                       "connect: clientVersion 0 is not an API version (this server speaks " +
                           std::to_string(api::API_VERSION) + ")"));
      return kj::READY_NOW;
    }
    fill(results.initStatus(), troupe::status{});
    results.setSession(kj::heap<session_impl>(ctx_, kj::addRef(*scope_)));
    return kj::READY_NOW;
  }

 private:
  const api_context& ctx_;
  kj::Own<connection_scope> scope_;
};

}  // namespace

kj::Own<api::Troupe::Server> make_bootstrap(const api_context& ctx,
                                            kj::Own<connection_scope> scope) {
  return kj::heap<troupe_impl>(ctx, kj::mv(scope));
}

}  // namespace troupe::api_kj
