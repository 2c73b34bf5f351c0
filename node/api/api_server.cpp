#include "node/api/api_server.hpp"

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "node/api/accept_loop.hpp"
#include "node/api/api_context.hpp"
#include "node/api/cross_thread.hpp"
#include "node/api/peer_name.hpp"
#include "node/api/session.hpp"
#include "node/http/front_door.hpp"
#include "node/model_catalog.hpp"

namespace troupe {
namespace {

using api_kj::api_context;
using api_kj::connection_scope;
using api_kj::peer_name;

// One client connection: its socket, its RPC system and its scope (which ends its streams).
class connection {
 public:
  connection(const api_context& ctx, kj::Own<kj::AsyncIoStream> stream, std::string peer,
             capnp::ReaderOptions options, size_t flow_limit_words)
      : stream_(kj::mv(stream)),
        network_(*stream_, capnp::rpc::twoparty::Side::SERVER, options),
        scope_(kj::refcounted<connection_scope>(std::move(peer))),
        rpc_(capnp::makeRpcServer(network_, api_kj::make_bootstrap(ctx, kj::addRef(*scope_)))) {
    rpc_.setFlowLimit(flow_limit_words);
  }

  ~connection() { scope_->close("the client connection closed"); }

  kj::Promise<void> done() { return network_.onDisconnect(); }
  const std::string& peer() const { return scope_->peer(); }

 private:
  kj::Own<kj::AsyncIoStream> stream_;
  capnp::TwoPartyVatNetwork network_;
  kj::Own<connection_scope> scope_;
  capnp::RpcSystem<capnp::rpc::twoparty::VatId> rpc_;
};

}  // namespace

struct api_server::impl {
  api_server_options options;
  cluster_bridge bridge;
  api_kj::api_counters counters;
  std::atomic<bool> accepting{true};
  std::thread thread;
  uint16_t port = 0;
  uint16_t http_port = 0;
  std::mutex mutex;
  std::function<void()> stop_signal;  // set by the loop thread while it runs
  bool stopped = false;

  impl(caf::actor_system& sys, api_targets targets, api_server_options opts)
      : options(std::move(opts)), bridge(sys, std::move(targets), options.request_timeout) {}

  void run(std::promise<uint16_t>& started);
  kj::Promise<void> accept_loop(kj::ConnectionReceiver& listener, const api_context& ctx,
                                kj::TaskSet& connections);
};

void api_server::impl::run(std::promise<uint16_t>& started) {
  bool listening = false;
  try {
    auto io = kj::setupAsyncIo();
    auto stop = api_kj::make_cross_thread_signal();
    api_kj::log_task_errors pump_errors("api: a stream"), connection_errors("api: a connection");
    kj::TaskSet pumps(pump_errors);
    api_context ctx{bridge,
                    io.provider->getTimer(),
                    {},
                    {options.stream_backlog_bytes, options.stream_backlog_total_bytes,
                     options.max_streams_per_connection, options.stall_timeout},
                    options.api_key,
                    counters,
                    accepting,
                    pumps};
    ctx.limits.max_prompt_bytes = options.max_prompt_bytes;
    kj::TaskSet connections(connection_errors);

    auto& network = io.provider->getNetwork();
    auto address = network.parseAddress(options.bind_address.c_str()).wait(io.waitScope);
    auto listener = address->listen();
    port = static_cast<uint16_t>(listener->getPort());
    // The HTTP front door shares this loop (and everything in ctx) with the Cap'n Proto API.
    kj::Own<kj::ConnectionReceiver> http_listener;
    std::unique_ptr<http::front_door> door;
    kj::Promise<void> http_serving = kj::NEVER_DONE;
    if (!options.http_bind_address.empty()) {
      if (!options.models) throw std::runtime_error("the HTTP front door needs the model catalog");
      auto http_address =
          network.parseAddress(options.http_bind_address.c_str()).wait(io.waitScope);
      http_listener = http_address->listen();
      http_port = static_cast<uint16_t>(http_listener->getPort());
      door = std::make_unique<http::front_door>(ctx, *options.models, options.http,
                                                options.http_identity, io.unixEventPort,
                                                options.metrics.get());
      http_serving = door->listen(*http_listener);
    }
    {
      std::lock_guard lock(mutex);
      stop_signal = stop.fire;
    }
    listening = true;
    started.set_value(port);
    spdlog::info("api: listening on {} (port {})", options.bind_address, port);
    if (door) spdlog::info("http: listening on {} (port {})", options.http_bind_address, http_port);

    auto serving = accept_loop(*listener, ctx, connections).exclusiveJoin(kj::mv(http_serving));
    stop.promise.exclusiveJoin(kj::mv(serving)).wait(io.waitScope);
    spdlog::info("api: stopping; closing {} connection(s)", counters.connections.load());
    // Leaving this scope destroys the connections (ending their streams), then the loop.
  } catch (const kj::Exception& e) {
    if (!listening)
      started.set_exception(std::make_exception_ptr(std::runtime_error(
          "cannot listen on " + options.bind_address + ": " + e.getDescription().cStr())));
    else
      spdlog::error("api: server loop failed: {}", e.getDescription().cStr());
  } catch (const std::exception& e) {
    if (!listening)
      started.set_exception(std::current_exception());
    else
      spdlog::error("api: server loop failed: {}", e.what());
  }
  std::lock_guard lock(mutex);
  stop_signal = nullptr;
}

kj::Promise<void> api_server::impl::accept_loop(kj::ConnectionReceiver& listener,
                                                const api_context& ctx, kj::TaskSet& connections) {
  return api_kj::accept_forever(
      listener, ctx.timer, "api", [this, &ctx, &connections](kj::Own<kj::AsyncIoStream>&& stream) {
        if (static_cast<size_t>(counters.connections.load()) >= options.max_connections) {
          spdlog::warn("api: refusing a connection: {} open already", options.max_connections);
          return;
        }
        capnp::ReaderOptions reader;
        reader.traversalLimitInWords = options.traversal_limit_words;
        reader.nestingLimit = options.nesting_limit;
        if (options.socket_send_buffer > 0)
          stream->setsockopt(SOL_SOCKET, SO_SNDBUF, &options.socket_send_buffer,
                             sizeof(options.socket_send_buffer));
        auto peer = peer_name(*stream);
        auto conn =
            kj::heap<connection>(ctx, kj::mv(stream), peer, reader, options.call_flow_limit_words);
        counters.connections.fetch_add(1);
        spdlog::debug("api: {} connected", peer);
        auto done = conn->done();
        connections.add(done.attach(kj::mv(conn), kj::defer([this, peer]() {
                                      counters.connections.fetch_sub(1);
                                      spdlog::debug("api: {} disconnected", peer);
                                    })));
      });
}

api_server::api_server(caf::actor_system& sys, api_targets targets, api_server_options options)
    : impl_(std::make_unique<impl>(sys, std::move(targets), std::move(options))) {
  std::promise<uint16_t> started;
  auto port = started.get_future();
  impl_->thread = std::thread([this, &started]() { impl_->run(started); });
  try {
    port.get();
  } catch (...) {
    impl_->thread.join();
    throw;
  }
}

api_server::api_server(caf::actor_system& sys, api_targets targets, std::string bind_address,
                       std::string api_key)
    : api_server(sys, std::move(targets), [&] {
        api_server_options o;
        o.bind_address = std::move(bind_address);
        o.api_key = std::move(api_key);
        return o;
      }()) {}

api_server::~api_server() {
  stop();
}

uint16_t api_server::port() const {
  return impl_->port;
}

uint16_t api_server::http_port() const {
  return impl_->http_port;
}

api_server_stats api_server::stats() const {
  api_server_stats s;
  s.connections = impl_->counters.connections.load();
  s.http_connections = impl_->counters.http_connections.load();
  s.subscriptions = impl_->counters.subscriptions.load();
  s.dropped_subscriptions = impl_->counters.dropped_subscriptions.load();
  s.backlog_bytes = impl_->counters.backlog_bytes.load();
  return s;
}

void api_server::begin_shutdown() {
  if (impl_->accepting.exchange(false)) spdlog::info("api: no longer accepting jobs");
}

void api_server::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
    if (impl_->stop_signal) impl_->stop_signal();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace troupe
