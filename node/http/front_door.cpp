#include "node/http/front_door.hpp"

#include <kj/compat/http.h>
#include <kj/compat/url.h>
#include <kj/debug.h>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <cctype>

#include "node/api/accept_loop.hpp"
#include "node/api/peer_name.hpp"
#include "node/http/routes.hpp"
#include "node/http/throughput_sampler.hpp"

namespace troupe::http {
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

bool matches(const route& r, const std::string& path) {
  const std::string p = r.path;
  if (!r.prefix) return path == p;
  return path.size() > p.size() + 1 && path.compare(0, p.size() + 1, p + "/") == 0;
}

// `Authorization: Bearer KEY` (the scheme is case-insensitive, RFC 7235).
bool authorized(const front_door_context& ctx, const kj::HttpHeaders& headers) {
  const auto& key = ctx.api.api_key;
  if (key.empty()) return true;
  KJ_IF_MAYBE (value, headers.get(ctx.ids.authorization)) {
    std::string_view v(value->cStr(), value->size());
    constexpr std::string_view bearer = "bearer ";
    if (v.size() < bearer.size() || v.size() > ctx.api.limits.max_api_key_bytes + bearer.size())
      return false;
    for (size_t i = 0; i < bearer.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(v[i])) != bearer[i]) return false;
    return api_edge::keys_equal(v.substr(bearer.size()), key);
  }
  return false;
}

http_error error(int status, errc code, std::string kind, std::string message) {
  http_error e;
  e.status = status;
  e.code = code;
  e.kind = std::move(kind);
  e.message = std::move(message);
  return e;
}

http_error internal_error(const std::string& what) {
  return error(500, errc::internal, "", "the request failed inside the server: " + what);
}

// Runs a handler. An http_error it throws before it returns its promise (a malformed request) is
// answered as such; anything else that goes wrong before the response begins is a 500 in the
// path's error shape, never KJ's text page.
kj::Promise<void> handle(const route& r, exchange& ex) {
  kj::Promise<void> promise = nullptr;
  try {
    promise = r.handle(ex);
  } catch (const http_error& e) {
    return ex.send_error(e);
  } catch (const std::exception& e) {
    spdlog::error("http: {} {} failed: {}", ex.peer(), ex.path(), e.what());
    return ex.send_error(internal_error(e.what()));
  }
  return promise.catch_([&ex](kj::Exception&& e) -> kj::Promise<void> {
    if (ex.responded() || e.getType() == kj::Exception::Type::DISCONNECTED) return kj::mv(e);
    spdlog::error("http: {} {} failed: {}", ex.peer(), ex.path(), e.getDescription().cStr());
    return ex.send_error(internal_error(e.getDescription().cStr()));
  });
}

struct body_text {
  std::string bytes;
  bool too_large = false;  // more than the limit arrived; `bytes` is incomplete
};

// Reads a request body to its end, or until it passes the limit, through one buffer.
class body_reader {
 public:
  body_reader(kj::AsyncInputStream& in, uint64_t limit) : in_(in), limit_(limit) {}

  kj::Promise<body_text> read() {
    return in_.tryRead(buffer_.begin(), 1, buffer_.size())
        .then([this](size_t n) -> kj::Promise<body_text> {
          if (n == 0) return kj::mv(out_);
          if (out_.bytes.size() + n > limit_) {
            out_.too_large = true;
            return kj::mv(out_);
          }
          out_.bytes.append(reinterpret_cast<const char*>(buffer_.begin()), n);
          return read();
        });
  }

 private:
  kj::AsyncInputStream& in_;
  uint64_t limit_;
  kj::Array<kj::byte> buffer_ = kj::heapArray<kj::byte>(64 * 1024);
  body_text out_;
};

// The requests of one connection.
class front_door_service final : public kj::HttpService {
 public:
  front_door_service(const front_door_context& ctx, const std::vector<route>& routes, int fd,
                     std::string peer)
      : ctx_(ctx), routes_(routes), fd_(fd), peer_(std::move(peer)) {}

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url,
                            const kj::HttpHeaders& headers, kj::AsyncInputStream& body,
                            Response& response) override {
    auto parsed = kj::Url::tryParse(url, kj::Url::HTTP_REQUEST);
    std::string path = "/";
    std::map<std::string, std::string> query;
    KJ_IF_MAYBE (u, parsed) {
      path = joined_path(*u);
      query = query_of(*u);
    }
    auto ex = kj::heap<exchange>(ctx_, method, path, std::move(query), response, fd_, peer_);
    if (parsed == nullptr)
      return respond(kj::mv(ex), error(400, errc::invalid_argument, "invalid_url",
                                       "the request target is not a valid URL"));
    const route* found = nullptr;
    std::string allow;
    for (const auto& r : routes_) {
      if (!matches(r, path)) continue;
      if (r.method == method) found = &r;
      const std::string name = kj::str(r.method).cStr();
      if (allow.find(name) == std::string::npos) allow += (allow.empty() ? "" : ", ") + name;
    }
    if (!found) {
      if (allow.empty())
        return respond(kj::mv(ex), error(404, errc::not_found, "not_found",
                                         "no endpoint " + path + " (see docs/http.md)"));
      auto e = error(405, errc::invalid_argument, "method_not_allowed",
                     std::string(kj::str(method).cStr()) + " is not allowed on " + path);
      e.allow = allow;
      return respond(kj::mv(ex), e);
    }
    if (!found->open && !authorized(ctx_, headers)) {
      spdlog::warn("http: {} sent a missing or wrong API key ({})", peer_, path);
      return respond(kj::mv(ex),
                     error(401, errc::unauthorized, "",
                           "missing or wrong API key (send Authorization: Bearer KEY)"));
    }
    KJ_IF_MAYBE (key, headers.get(ctx_.ids.idempotency_key)) {
      std::string k(key->cStr(), key->size());
      if (k.empty() || k.size() > ctx_.api.limits.max_request_id_bytes ||
          !std::all_of(k.begin(), k.end(),
                       [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; }))
        return respond(kj::mv(ex),
                       bad_request("the Idempotency-Key header must be 1.." +
                                       std::to_string(ctx_.api.limits.max_request_id_bytes) +
                                       " bytes of printable text",
                                   "Idempotency-Key"));
      ex->set_idempotency_key(std::move(k));
    }
    // Headers and url are invalid from the first read of the body on.
    if (method != kj::HttpMethod::POST) return run(*found, kj::mv(ex));
    const uint64_t limit = ctx_.limits.max_body_bytes;
    KJ_IF_MAYBE (length, body.tryGetLength()) {
      if (*length > limit) return respond(kj::mv(ex), too_large(limit));
    }
    auto reader = kj::heap<body_reader>(body, limit);
    auto read = reader->read().then([](body_text t) -> kj::Maybe<body_text> { return kj::mv(t); });
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
          return exr.send_error(error(408, errc::invalid_argument, "request_timeout",
                                      "the request body did not arrive within " +
                                          std::to_string(ctx_.limits.body_timeout.count()) +
                                          " ms"));
        })
        .attach(kj::mv(reader), kj::mv(ex));
  }

 private:
  static http_error too_large(uint64_t limit) {
    return error(413, errc::invalid_argument, "body_too_large",
                 "the request body is larger than " + std::to_string(limit) + " bytes");
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

// KJ's answer to an exception that reaches it (handle() answers all others): DISCONNECTED, the
// client left or was cut off, closes the connection quietly.
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
  for (auto part :
       {openai_routes(), ollama_routes(), ops_routes(), metrics_routes(), status_routes()})
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

}  // namespace

struct front_door::impl {
  kj::HttpHeaderTable::Builder builder;
  header_ids ids;
  throughput_history throughput{300, 2000};  // the status page's last 10 minutes
  kj::Own<kj::HttpHeaderTable> table;
  front_door_context ctx;
  std::vector<route> routes = all_routes();
  error_handler errors;
  api_kj::log_task_errors task_errors{"http: a connection"};
  kj::HttpServer server;
  kj::TaskSet connections;
  kj::Promise<void> sampling = nullptr;

  impl(const api_kj::api_context& api, const model_catalog& models, front_door_limits limits,
       front_door_identity identity, kj::UnixEventPort& events, prometheus::Registry* metrics)
      : ids(builder),
        table(builder.build()),
        ctx{api, models, limits, *table, ids, events, metrics, std::move(identity), throughput},
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
                       front_door_limits limits, front_door_identity identity,
                       kj::UnixEventPort& events, prometheus::Registry* metrics)
    : impl_(std::make_unique<impl>(api, models, limits, std::move(identity), events, metrics)) {}

front_door::~front_door() = default;

kj::Promise<void> front_door::listen(kj::ConnectionReceiver& listener) {
  impl_->sampling =
      sample_throughput(impl_->ctx.api, impl_->throughput).eagerlyEvaluate([](kj::Exception&& e) {
        spdlog::error("http: the status page's throughput sampling stopped: {}",
                      e.getDescription().cStr());
      });
  return api_kj::accept_forever(
      listener, impl_->ctx.api.timer, "http", [this](kj::Own<kj::AsyncIoStream>&& stream) {
        auto& open = impl_->ctx.api.counters.http_connections;
        if (static_cast<size_t>(open.load()) >= impl_->ctx.limits.max_connections) {
          spdlog::warn("http: refusing a connection: {} open already", open.load());
          static constexpr kj::StringPtr busy =
              "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"_kj;
          auto write = stream->write(busy.begin(), busy.size());
          impl_->connections.add(write.attach(kj::mv(stream)));
          return;
        }
        if (impl_->ctx.limits.socket_send_buffer > 0)
          stream->setsockopt(SOL_SOCKET, SO_SNDBUF, &impl_->ctx.limits.socket_send_buffer,
                             sizeof(impl_->ctx.limits.socket_send_buffer));
        open.fetch_add(1);
        auto served = impl_->server.listenHttp(kj::mv(stream));
        impl_->connections.add(served.attach(kj::defer([&open]() { open.fetch_sub(1); })));
      });
}

}  // namespace troupe::http
