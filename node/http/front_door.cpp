#include "node/http/front_door.hpp"

#include <kj/compat/http.h>
#include <kj/compat/url.h>
#include <kj/debug.h>
#include <spdlog/spdlog.h>

#include <random>

#include "node/api/peer_name.hpp"
#include "node/http/routes.hpp"

namespace troupe::http {

uint64_t fresh_seed() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

namespace {

std::string joined_path(const kj::Url& url) {
  std::string path;
  for (const auto& segment : url.path) path += "/" + std::string(segment.cStr(), segment.size());
  return path.empty() ? "/" : path;
}

std::map<std::string, std::string> query_of(const kj::Url& url) {
  std::map<std::string, std::string> q;
  for (const auto& p : url.query)
    q[std::string(p.name.cStr(), p.name.size())] = std::string(p.value.cStr(), p.value.size());
  return q;
}

bool authorized(const front_door_context& ctx, const kj::HttpHeaders& headers) {
  const auto& key = ctx.api.api_key;
  if (key.empty()) return true;
  KJ_IF_MAYBE (value, headers.get(ctx.ids.authorization)) {
    std::string_view v(value->cStr(), value->size());
    constexpr std::string_view bearer = "Bearer ";
    if (v.size() > ctx.api.limits.max_api_key_bytes + bearer.size() || v.substr(0, 7) != bearer)
      return false;
    return api_edge::keys_equal(v.substr(bearer.size()), key);
  }
  return false;
}

struct body_text {
  std::string bytes;
  bool too_large = false;  // more than the limit arrived; `bytes` is incomplete
};

// The whole request body, or as soon as it passes `limit`, the news that it is too large.
kj::Promise<body_text> read_body(kj::AsyncInputStream& in, uint64_t limit,
                                 kj::Own<body_text> so_far = kj::heap<body_text>()) {
  auto buffer = kj::heapArray<kj::byte>(64 * 1024);
  auto read = in.tryRead(buffer.begin(), 1, buffer.size());
  return read.then([&in, limit, so_far = kj::mv(so_far),
                    buffer = kj::mv(buffer)](size_t n) mutable -> kj::Promise<body_text> {
    if (n == 0) return kj::mv(*so_far);
    if (so_far->bytes.size() + n > limit) {
      so_far->too_large = true;
      return kj::mv(*so_far);
    }
    so_far->bytes.append(reinterpret_cast<const char*>(buffer.begin()), n);
    return read_body(in, limit, kj::mv(so_far));
  });
}

// Runs a handler, answering an http_error it throws before it returns its promise.
kj::Promise<void> handle(const route& r, exchange& ex) {
  try {
    return r.handle(ex);
  } catch (const http_error& e) {
    return ex.send_error(e);
  }
}

// The requests of one connection.
class front_door_service final : public kj::HttpService {
 public:
  front_door_service(const front_door_context& ctx, const std::vector<route>& routes, int fd,
                     std::string peer)
      : ctx_(ctx), routes_(routes), fd_(fd), peer_(std::move(peer)) {}

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url,
                            const kj::HttpHeaders& headers, kj::AsyncInputStream& body,
                            Response& response) override {
    std::string path = "/";
    std::map<std::string, std::string> query;
    KJ_IF_MAYBE (parsed, kj::Url::tryParse(url, kj::Url::HTTP_REQUEST)) {
      path = joined_path(*parsed);
      query = query_of(*parsed);
    }
    auto ex = kj::heap<exchange>(ctx_, method, path, std::move(query), response, fd_, peer_);
    const route* found = nullptr;
    bool path_known = false;
    for (const auto& r : routes_) {
      const std::string p = r.path;
      const bool match = r.prefix ? path.size() > p.size() + 1 && path.rfind(p + "/", 0) == 0 &&
                                        path.find('/', p.size() + 1) == std::string::npos
                                  : path == p;
      if (!match) continue;
      path_known = true;
      if (r.method == method) found = &r;
    }
    if (!found) {
      http_error e;
      e.status = path_known ? 405 : 404;
      e.code = path_known ? errc::invalid_argument : errc::not_found;
      e.kind = path_known ? "method_not_allowed" : "not_found";
      if (path_known)
        e.message = std::string(kj::str(method).cStr()) + " is not allowed on " + path;
      else
        e.message = "no endpoint " + path + " (see docs/http.md)";
      return respond(kj::mv(ex), e);
    }
    if (!found->open && !authorized(ctx_, headers)) {
      spdlog::warn("http: {} sent a missing or wrong API key ({})", peer_, path);
      http_error e;
      e.status = 401;
      e.code = errc::unauthorized;
      e.message = "missing or wrong API key (send Authorization: Bearer KEY)";
      return respond(kj::mv(ex), e);
    }
    KJ_IF_MAYBE (key, headers.get(ctx_.ids.idempotency_key)) {
      ex->set_idempotency_key(std::string(key->cStr(), key->size()));
    }
    // Headers and url are invalid from the first read of the body on.
    if (method != kj::HttpMethod::POST) return run(*found, kj::mv(ex));
    const uint64_t limit = ctx_.limits.max_body_bytes;
    KJ_IF_MAYBE (length, body.tryGetLength()) {
      if (*length > limit) return respond(kj::mv(ex), too_large(limit));
    }
    auto read =
        read_body(body, limit).then([](body_text t) -> kj::Maybe<body_text> { return kj::mv(t); });
    auto timeout = ctx_.api.timer.afterDelay(ctx_.limits.body_timeout.count() * kj::MILLISECONDS)
                       .then([]() -> kj::Maybe<body_text> { return nullptr; });
    auto& exr = *ex;
    return read.exclusiveJoin(kj::mv(timeout))
        .then([this, found, &exr](kj::Maybe<body_text> text) -> kj::Promise<void> {
          KJ_IF_MAYBE (t, text) {
            if (t->too_large) return exr.send_error(too_large(ctx_.limits.max_body_bytes));
            exr.set_body(kj::mv(t->bytes));
            return handle(*found, exr);
          }
          http_error e;
          e.status = 408;
          e.kind = "request_timeout";
          e.message = "the request body did not arrive within " +
                      std::to_string(ctx_.limits.body_timeout.count()) + " ms";
          return exr.send_error(e);
        })
        .attach(kj::mv(ex));
  }

 private:
  static http_error too_large(uint64_t limit) {
    http_error e;
    e.status = 413;
    e.kind = "body_too_large";
    e.message = "the request body is larger than " + std::to_string(limit) + " bytes";
    return e;
  }

  kj::Promise<void> run(const route& r, kj::Own<exchange> ex) {
    auto promise = handle(r, *ex);
    return promise.attach(kj::mv(ex));
  }

  kj::Promise<void> respond(kj::Own<exchange> ex, const http_error& e) {
    auto promise = ex->send_error(e);
    return promise.attach(kj::mv(ex));
  }

  const front_door_context& ctx_;
  const std::vector<route>& routes_;
  int fd_;
  std::string peer_;
};

class log_errors final : public kj::TaskSet::ErrorHandler {
 public:
  void taskFailed(kj::Exception&& e) override {
    spdlog::debug("http: a connection ended: {}", e.getDescription().cStr());
  }
};

// KJ's answer to an exception from a handler: DISCONNECTED (the client left) closes quietly.
class error_handler final : public kj::HttpServerErrorHandler {
 public:
  kj::Promise<void> handleApplicationError(
      kj::Exception exception, kj::Maybe<kj::HttpService::Response&> response) override {
    if (exception.getType() == kj::Exception::Type::DISCONNECTED) return kj::READY_NOW;
    spdlog::error("http: a request failed: {}", exception.getDescription().cStr());
    return kj::HttpServerErrorHandler::handleApplicationError(kj::mv(exception), response);
  }
};

std::vector<route> all_routes() {
  std::vector<route> out;
  for (auto part : {openai_routes(), ollama_routes(), ops_routes(), metrics_routes()})
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

}  // namespace

struct front_door::impl {
  kj::HttpHeaderTable::Builder builder;
  header_ids ids;
  kj::Own<kj::HttpHeaderTable> table;
  front_door_context ctx;
  std::vector<route> routes = all_routes();
  error_handler errors;
  log_errors task_errors;
  kj::HttpServer server;
  kj::TaskSet connections;

  impl(const api_kj::api_context& api, const model_catalog& models, front_door_limits limits,
       kj::UnixEventPort& events, prometheus::Registry* metrics)
      : ids(builder),
        table(builder.build()),
        ctx{api, models, limits, *table, ids, events, metrics},
        server(
            api.timer, *table,
            [this](kj::AsyncIoStream& stream) -> kj::Own<kj::HttpService> {
              int fd = -1;
              KJ_IF_MAYBE (f, stream.getFd()) {
                fd = *f;
              }
              return kj::heap<front_door_service>(ctx, routes, fd, api_kj::peer_name(stream));
            },
            settings(limits, errors)),
        connections(task_errors) {}

  static kj::HttpServerSettings settings(const front_door_limits& l, error_handler& errors) {
    kj::HttpServerSettings s;
    s.headerTimeout = l.header_timeout.count() * kj::MILLISECONDS;
    s.pipelineTimeout = l.idle_timeout.count() * kj::MILLISECONDS;
    s.errorHandler = errors;
    return s;
  }
};

front_door::front_door(const api_kj::api_context& api, const model_catalog& models,
                       front_door_limits limits, kj::UnixEventPort& events,
                       prometheus::Registry* metrics)
    : impl_(std::make_unique<impl>(api, models, limits, events, metrics)) {}

front_door::~front_door() = default;

size_t front_door::connections() const {
  return static_cast<size_t>(impl_->ctx.api.counters.http_connections.load());
}

kj::Promise<void> front_door::listen(kj::ConnectionReceiver& listener) {
  return listener.accept().then([this, &listener](kj::Own<kj::AsyncIoStream>&& stream) {
    auto& open = impl_->ctx.api.counters.http_connections;
    if (static_cast<size_t>(open.load()) >= impl_->ctx.limits.max_connections) {
      spdlog::warn("http: refusing a connection: {} open already", open.load());
      static constexpr kj::StringPtr busy =
          "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"_kj;
      auto write = stream->write(busy.begin(), busy.size());
      impl_->connections.add(write.attach(kj::mv(stream)));
    } else {
      open.fetch_add(1);
      auto served = impl_->server.listenHttp(kj::mv(stream));
      impl_->connections.add(served.attach(kj::defer([&open]() { open.fetch_sub(1); })));
    }
    return listen(listener);
  });
}

}  // namespace troupe::http
