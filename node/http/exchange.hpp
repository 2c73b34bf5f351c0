// One HTTP request being answered: what the client sent (method, path, query, the headers troupe
// reads, the body) and the ways to answer it (a whole body, or a stream), with troupe's headers.
// Lives on the API server's KJ thread, for the duration of one HttpService::request call.
#pragma once

#include <kj/async-unix.h>
#include <kj/compat/http.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "node/api/api_context.hpp"
#include "node/http/front_door_limits.hpp"
#include "node/http/http_error.hpp"
#include "node/model_catalog.hpp"

namespace prometheus {
class Registry;
}

namespace troupe::http {

class throughput_history;

struct header_ids {
  kj::HttpHeaderId authorization, idempotency_key, job_id, retry_after, cache_control, allow,
      content_security_policy;
  explicit header_ids(kj::HttpHeaderTable::Builder& builder);
};

struct front_door_context {        // shared by every connection of the front door
  const api_kj::api_context& api;  // bridge to the actors, timer, API key, edge limits
  const model_catalog& models;
  front_door_limits limits;
  const kj::HttpHeaderTable& table;
  const header_ids& ids;
  kj::UnixEventPort& events;
  prometheus::Registry* metrics;  // what /metrics serves; null: only the live gauges
  front_door_identity identity;
  const throughput_history& throughput;  // the status page's chart
};

enum class api_family { openai, ollama };
// Which error shape a path answers with: OpenAI's {"error": {...}} (also for the operations
// endpoints) or Ollama's {"error": "..."}.

class exchange {
 public:
  exchange(const front_door_context& ctx, kj::HttpMethod method, std::string path,
           std::map<std::string, std::string> query, kj::HttpService::Response& response, int fd,
           std::string peer);

  const front_door_context& ctx() const { return ctx_; }
  kj::HttpMethod method() const { return method_; }
  const std::string& path() const { return path_; }
  std::optional<std::string> query(const std::string& name) const;
  std::string take_body() { return std::move(body_); }  // once: parsing is all it is for
  const std::string& idempotency_key() const { return idempotency_key_; }
  const std::string& peer() const { return peer_; }
  int fd() const { return fd_; }

  kj::Promise<void> send(int status, const char* content_type, std::string body, job_id job = 0,
                         int retry_after_s = 0, const std::string& allow = {});
  // The whole response, with Content-Length. A client that does not take it within the stall
  // timeout is cut off.
  kj::Promise<void> send_json(int status, const nlohmann::json& body);
  kj::Promise<void> send_page(std::string html);
  // 200 text/html under a Content-Security-Policy that lets the page run its own inline script
  // and style and fetch from this origin only (nothing from elsewhere, no framing).
  kj::Promise<void> send_error(const http_error& error);
  // The error in the shape of this path's API family; x-troupe-job-id and Retry-After (503
  // queue_full) when they apply.
  kj::Own<kj::AsyncOutputStream> begin_stream(const char* content_type, job_id job);
  // 200 with chunked transfer encoding; the stream ends when the returned object is dropped.

  bool responded() const { return responded_; }  // a response (or a stream) has begun

  void set_body(std::string body) { body_ = std::move(body); }
  void set_idempotency_key(std::string key) { idempotency_key_ = std::move(key); }
  // Filled in by the front door before the handler runs.

 private:
  kj::Promise<void> send_whole(int status, const kj::HttpHeaders& headers, std::string body);

  const front_door_context& ctx_;
  kj::HttpMethod method_;
  std::string path_;
  std::map<std::string, std::string> query_;
  kj::HttpService::Response& response_;
  int fd_;
  std::string peer_;
  api_family family_;
  std::string body_;
  std::string idempotency_key_;
  bool responded_ = false;
};

const char* status_text(int status);  // "OK", "Not Found", ...

}  // namespace troupe::http
