#include "node/http/chat_prompt.hpp"

#include "node/http/json_fields.hpp"

namespace troupe::http {

const catalog_model& require_model(const model_catalog& models, const std::string& name) {
  if (const auto* m = models.find(name)) return *m;
  throw unknown_model(name);
}

const catalog_model& requested_model(const nlohmann::json& body, const model_catalog& models) {
  auto name = json_fields(body).string("model");
  if (!name) throw bad_request("'model' is required", "model");
  return require_model(models, *name);
}

namespace {

std::string text_of_parts(const nlohmann::json& parts, const std::string& field) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& part = parts[i];
    const std::string at = field + "[" + std::to_string(i) + "]";
    if (!part.is_object()) throw bad_request("'" + at + "' must be an object", at);
    json_fields f(part, at + ".");
    auto type = f.string("type");
    if (!type) throw bad_request("'" + at + ".type' is required", at + ".type");
    if (*type != "text")
      throw bad_request("'" + at + ".type' is '" + *type + "': only text content is supported",
                        at + ".type");
    auto text = f.string("text");
    if (!text) throw bad_request("'" + at + ".text' is required", at + ".text");
    if (i > 0) out += "\n";
    out += *text;
  }
  return out;
}

}  // namespace

std::vector<chat_message> read_messages(const nlohmann::json& body, bool allow_text_parts) {
  json_fields fields(body);
  const auto* list = fields.array("messages");
  if (!list) throw bad_request("'messages' is required", "messages");
  if (list->empty()) throw bad_request("'messages' must not be empty", "messages");
  std::vector<chat_message> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string at = "messages[" + std::to_string(i) + "]";
    const auto& m = (*list)[i];
    if (!m.is_object()) throw bad_request("'" + at + "' must be an object", at);
    json_fields f(m, at + ".");
    chat_message msg;
    auto role = f.string("role");
    if (!role) throw bad_request("'" + at + ".role' is required", at + ".role");
    if (*role == "developer") *role = "system";
    if (*role != "system" && *role != "user" && *role != "assistant")
      throw bad_request("'" + at + ".role' is '" + *role +
                            "': troupe takes the roles system, developer, user and assistant",
                        at + ".role");
    msg.role = *role;
    const auto* content = m.contains("content") ? &m["content"] : nullptr;
    if (content && content->is_string()) {
      msg.content = content->get<std::string>();
    } else if (content && content->is_array() && allow_text_parts) {
      msg.content = text_of_parts(*content, at + ".content");
    } else if ((!content || content->is_null()) && msg.role == "assistant") {
      msg.content.clear();
    } else {
      throw bad_request("'" + at + ".content' must be a string" +
                            std::string(allow_text_parts ? " or an array of text parts" : ""),
                        at + ".content");
    }
    out.push_back(std::move(msg));
  }
  return out;
}

std::string render_chat(const catalog_model& model, const std::vector<chat_message>& messages,
                        bool add_generation_prompt) {
  if (!model.chat) throw bad_request(model.chat_problem, "messages");
  try {
    return model.chat->render(messages, add_generation_prompt);
  } catch (const chat_template_error& e) {
    if (e.why() == chat_template_error::kind::refused) {
      throw bad_request(
          "the chat template of model '" + model.name + "' refuses these messages: " + e.what(),
          "messages");
    }
    http_error err;
    if (e.why() == chat_template_error::kind::too_large) {
      err.status = 413;
      err.kind = "conversation_too_large";
      err.param = "messages";
      err.message = "the conversation is too large for the chat template of model '" + model.name +
                    "': " + e.what();
      throw err;
    }
    err.status = 500;
    err.code = errc::internal;
    err.message = "the chat template of model '" + model.name + "' failed: " + e.what();
    throw err;
  }
}

}  // namespace troupe::http
