// OpenAI's API, as troupe speaks it: the request bodies of /v1/completions and
// /v1/chat/completions turned into troupe jobs, and troupe's results in OpenAI's exact shapes
// (responses, SSE chunks, usage, errors). Plain functions over JSON: no sockets, no actors.
//
// Fields: model, prompt (completions; a string), messages (chat; roles system, developer, user,
// assistant; content a string or an array of text parts), max_tokens / max_completion_tokens,
// temperature (default 1, as OpenAI), top_p, top_k, min_p, seed (default: a fresh random one,
// stored with the job so that a resumed job stays token-exact), stop, presence_penalty,
// frequency_penalty, repetition_penalty, n (only 1), stream, stream_options.include_usage, and
// priority ("high", "normal", "low"; a troupe extension). Unknown fields are ignored; features
// troupe does not have (logprobs, tools, echo, best_of > 1, suffix, response_format other than
// text) are refused with a 400 rather than silently ignored.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "node/http/generation.hpp"
#include "node/model_catalog.hpp"

namespace troupe::http {

enum class openai_endpoint { completions, chat };

generation_request parse_openai_request(openai_endpoint endpoint, const nlohmann::json& body,
                                        const model_catalog& models, uint64_t random_seed);
// Throws http_error: 400 naming the field, 404 for an unknown model, 400 for a chat request to
// a model without a chat template (or one its template refuses).

std::unique_ptr<response_format> openai_format(openai_endpoint endpoint, std::string model,
                                               bool include_usage, int64_t created_s);
// Ids are "cmpl-<job>" / "chatcmpl-<job>"; `created_s` is the Unix time of the request.

nlohmann::json openai_error_json(const http_error& error);
std::string openai_error_body(const http_error& error);
// {"error": {"message", "type", "param", "code"}}

nlohmann::json openai_model_object(const catalog_model& model);
// An entry of GET /v1/models: {"id", "object": "model", "created", "owned_by": "troupe"}.

}  // namespace troupe::http
