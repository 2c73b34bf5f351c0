// Ollama's API, as troupe speaks it: /api/generate and /api/chat bodies turned into troupe jobs,
// and their answers as Ollama shapes them (NDJSON lines while streaming, which is the default;
// one object with "stream": false; a final object with done, done_reason, token counts and
// durations in nanoseconds), plus the model descriptions of /api/tags, /api/ps and /api/show.
//
// options: temperature, top_p, top_k, min_p, seed, num_predict, stop, repeat_penalty,
// presence_penalty, frequency_penalty; the defaults are Ollama's (temperature 0.8, top_k 40,
// top_p 0.9, repeat_penalty 1.1, num_predict -1: until the context is full). Without a seed a
// fresh random one is used (and stored with the job, so a resumed job stays token-exact).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "node/http/generation.hpp"
#include "node/model_catalog.hpp"

namespace troupe::http {

enum class ollama_endpoint { generate, chat };

generation_request parse_ollama_request(ollama_endpoint endpoint, const nlohmann::json& body,
                                        const model_catalog& models, uint64_t random_seed);
// /api/generate applies the model's chat template to `system` and `prompt` (as Ollama does)
// unless `raw` is true or the model has no template, in which case the prompt goes as it is.
// Throws http_error.

std::unique_ptr<response_format> ollama_format(ollama_endpoint endpoint, std::string model);

std::string ollama_error_body(const http_error& error);  // {"error": "..."}

std::string rfc3339_now();  // "2026-12-01T21:55:18.123456789Z"

nlohmann::json ollama_model_entry(const catalog_model& model);
// An entry of /api/tags: name, model, modified_at, size, digest, details.

nlohmann::json ollama_show(const catalog_model& model);
// The answer of /api/show.

}  // namespace troupe::http
