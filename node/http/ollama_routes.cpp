// Ollama's endpoints: POST /api/generate, POST /api/chat, GET /api/tags, GET /api/ps,
// GET /api/version, POST /api/show.
#include "node/api/cross_thread.hpp"
#include "node/http/chat_prompt.hpp"
#include "node/http/generation_run.hpp"
#include "node/http/json_fields.hpp"
#include "node/http/ollama_protocol.hpp"
#include "node/http/routes.hpp"

namespace troupe::http {
namespace {

using nlohmann::json;

kj::Promise<void> generate(exchange& ex, ollama_endpoint endpoint) {
  auto request = parse_ollama_request(endpoint, parse_body(ex.take_body()), ex.ctx().models,
                                      request_seed(ex.idempotency_key()));
  auto format = ollama_format(endpoint, request.spec.model);
  return run_generation(ex, std::move(request), std::move(format));
}

kj::Promise<void> api_generate(exchange& ex) {
  return generate(ex, ollama_endpoint::generate);
}

kj::Promise<void> api_chat(exchange& ex) {
  return generate(ex, ollama_endpoint::chat);
}

kj::Promise<void> api_tags(exchange& ex) {
  json models = json::array();
  for (const auto& m : ex.ctx().models.models()) models.push_back(ollama_model_entry(m));
  return ex.send_json(200, {{"models", models}});
}

// The models with at least one device up.
kj::Promise<void> api_ps(exchange& ex) {
  auto reply = api_kj::make_cross_thread<outcome<capacity_report>>();
  ex.ctx().api.bridge.usage(reply.deliver);
  return reply.promise.then([&ex](outcome<capacity_report> out) -> kj::Promise<void> {
    if (!out.st.ok()) return ex.send_error(from_status(out.st));
    json models = json::array();
    for (const auto& m : ex.ctx().models.models()) {
      uint32_t devices = 0;
      for (const auto& d : out.value.devices) devices += d.model == m.name ? 1 : 0;
      if (devices == 0) continue;
      json entry = ollama_model_entry(m);
      entry["size_vram"] = m.card.file_bytes * devices;
      entry["expires_at"] = "9999-12-31T23:59:59Z";  // troupe keeps models loaded
      entry["context_length"] = m.max_seq_len;
      models.push_back(std::move(entry));
    }
    return ex.send_json(200, {{"models", models}});
  });
}

kj::Promise<void> api_version(exchange& ex) {
  return ex.send_json(200, {{"version", TROUPE_VERSION}});
}

kj::Promise<void> api_show(exchange& ex) {
  auto body = parse_body(ex.take_body());
  json_fields f(body);
  auto name = f.string("model");
  if (!name) name = f.string("name");  // older clients
  if (!name) throw bad_request("'model' is required", "model");
  return ex.send_json(200, ollama_show(require_model(ex.ctx().models, *name)));
}

}  // namespace

std::vector<route> ollama_routes() {
  return {
      {kj::HttpMethod::POST, "/api/generate", false, false, api_generate},
      {kj::HttpMethod::POST, "/api/chat", false, false, api_chat},
      {kj::HttpMethod::GET, "/api/tags", false, false, api_tags},
      {kj::HttpMethod::GET, "/api/ps", false, false, api_ps},
      {kj::HttpMethod::GET, "/api/version", false, false, api_version},
      {kj::HttpMethod::POST, "/api/show", false, false, api_show},
  };
}

}  // namespace troupe::http
