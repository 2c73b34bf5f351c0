// POST /v1/completions, POST /v1/chat/completions, GET /v1/models, GET /v1/models/{id}.
#include <chrono>

#include "node/http/chat_prompt.hpp"
#include "node/http/generation_run.hpp"
#include "node/http/json_fields.hpp"
#include "node/http/openai_protocol.hpp"
#include "node/http/routes.hpp"

namespace troupe::http {
namespace {

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

kj::Promise<void> generate(exchange& ex, openai_endpoint endpoint) {
  auto request = parse_openai_request(endpoint, parse_body(ex.take_body()), ex.ctx().models,
                                      request_seed(ex.idempotency_key()));
  auto format = openai_format(endpoint, request.spec.model, request.include_usage, now_s());
  return run_generation(ex, std::move(request), std::move(format));
}

kj::Promise<void> completions(exchange& ex) {
  return generate(ex, openai_endpoint::completions);
}

kj::Promise<void> chat_completions(exchange& ex) {
  return generate(ex, openai_endpoint::chat);
}

kj::Promise<void> list_models(exchange& ex) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& m : ex.ctx().models.models()) data.push_back(openai_model_object(m));
  return ex.send_json(200, {{"object", "list"}, {"data", data}});
}

kj::Promise<void> get_model(exchange& ex) {
  const std::string prefix = "/v1/models/";
  const auto& model = require_model(ex.ctx().models, ex.path().substr(prefix.size()));
  return ex.send_json(200, openai_model_object(model));
}

}  // namespace

std::vector<route> openai_routes() {
  return {
      {kj::HttpMethod::POST, "/v1/completions", false, false, completions},
      {kj::HttpMethod::POST, "/v1/chat/completions", false, false, chat_completions},
      {kj::HttpMethod::GET, "/v1/models", false, false, list_models},
      {kj::HttpMethod::GET, "/v1/models", true, false, get_model},
  };
}

}  // namespace troupe::http
