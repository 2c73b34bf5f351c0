// What OpenAI's and Ollama's chat endpoints share: the model a request names, its messages, and
// the prompt the model's chat template makes of them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/http/http_error.hpp"
#include "node/model_catalog.hpp"

namespace troupe::http {

const catalog_model& require_model(const model_catalog& models, const std::string& name);
// Throws http_error 404 (unknown_model) naming the model.

const catalog_model& requested_model(const nlohmann::json& body, const model_catalog& models);
// The model a request body names in "model": 400 when it names none, 404 when it is unknown.

std::vector<chat_message> read_messages(const nlohmann::json& body, bool allow_text_parts);
// `messages`: a non-empty array of {role, content}. Roles: system, developer (as system), user,
// assistant. Content: a string, or (allow_text_parts, OpenAI) an array of {"type": "text",
// "text"} parts, joined with newlines; null is accepted for an assistant turn. Throws
// http_error (400) naming the message and field at fault.

std::string render_chat(const catalog_model& model, const std::vector<chat_message>& messages,
                        bool add_generation_prompt);
// The model's chat template applied. Throws http_error: 400 when the model has no template or
// its template refuses the conversation (raise_exception), 500 when the template is broken.

}  // namespace troupe::http
