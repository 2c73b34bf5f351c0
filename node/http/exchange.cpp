#include "node/http/exchange.hpp"

#include <kj/debug.h>

#include "node/http/json_fields.hpp"
#include "node/http/ollama_protocol.hpp"
#include "node/http/openai_protocol.hpp"

namespace troupe::http {

header_ids::header_ids(kj::HttpHeaderTable::Builder& builder)
    : authorization(builder.add("Authorization")),
      idempotency_key(builder.add("Idempotency-Key")),
      job_id(builder.add("x-troupe-job-id")),
      retry_after(builder.add("Retry-After")),
      cache_control(builder.add("Cache-Control")),
      allow(builder.add("Allow")),
      content_security_policy(builder.add("Content-Security-Policy")) {}

exchange::exchange(const front_door_context& ctx, kj::HttpMethod method, std::string path,
                   std::map<std::string, std::string> query, kj::HttpService::Response& response,
                   int fd, std::string peer)
    : ctx_(ctx),
      method_(method),
      path_(std::move(path)),
      query_(std::move(query)),
      response_(response),
      fd_(fd),
      peer_(std::move(peer)),
      family_(path_.rfind("/api/", 0) == 0 ? api_family::ollama : api_family::openai) {}

std::optional<std::string> exchange::query(const std::string& name) const {
  auto it = query_.find(name);
  if (it == query_.end()) return std::nullopt;
  return it->second;
}

kj::Promise<void> exchange::send(int status, const char* content_type, std::string body, job_id job,
                                 int retry_after_s, const std::string& allow) {
  kj::HttpHeaders headers(ctx_.table);
  headers.set(kj::HttpHeaderId::CONTENT_TYPE, kj::str(content_type));
  if (job != 0) headers.set(ctx_.ids.job_id, kj::str(job));
  if (retry_after_s > 0) headers.set(ctx_.ids.retry_after, kj::str(retry_after_s));
  if (!allow.empty()) headers.set(ctx_.ids.allow, kj::str(allow));
  return send_whole(status, headers, std::move(body));
}

kj::Promise<void> exchange::send_whole(int status, const kj::HttpHeaders& headers,
                                       std::string body) {
  responded_ = true;
  auto out = response_.send(static_cast<uint>(status), status_text(status), headers,
                            static_cast<uint64_t>(body.size()));
  auto held = kj::heap<std::string>(std::move(body));
  auto write = out->write(held->data(), held->size()).attach(kj::mv(out), kj::mv(held));
  const auto limit = ctx_.api.streams.stall_timeout;
  return write.exclusiveJoin(
      ctx_.api.timer.afterDelay(limit.count() * kj::MILLISECONDS).then([]() -> kj::Promise<void> {
        return KJ_EXCEPTION(DISCONNECTED, "the client took too long");
      }));
}

kj::Promise<void> exchange::send_page(std::string html) {
  kj::HttpHeaders headers(ctx_.table);
  headers.set(kj::HttpHeaderId::CONTENT_TYPE, "text/html; charset=utf-8");
  headers.set(ctx_.ids.cache_control, "no-store");
  headers.set(ctx_.ids.content_security_policy,
              "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
              "connect-src 'self'; frame-ancestors 'none'");
  return send_whole(200, headers, std::move(html));
}

kj::Promise<void> exchange::send_json(int status, const nlohmann::json& body) {
  return send(status, "application/json", dump(body));
}

kj::Promise<void> exchange::send_error(const http_error& e) {
  std::string body = family_ == api_family::ollama ? ollama_error_body(e) : openai_error_body(e);
  const int retry = e.status == 503 ? 1 : 0;
  return send(e.status, "application/json", std::move(body), e.job, retry, e.allow);
}

kj::Own<kj::AsyncOutputStream> exchange::begin_stream(const char* content_type, job_id job) {
  responded_ = true;
  kj::HttpHeaders headers(ctx_.table);
  headers.set(kj::HttpHeaderId::CONTENT_TYPE, kj::str(content_type));
  headers.set(ctx_.ids.cache_control, kj::str("no-cache"));
  if (job != 0) headers.set(ctx_.ids.job_id, kj::str(job));
  return response_.send(200, "OK", headers);
}

const char* status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

}  // namespace troupe::http
