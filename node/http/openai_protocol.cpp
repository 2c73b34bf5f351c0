#include "node/http/openai_protocol.hpp"

#include "node/http/chat_prompt.hpp"
#include "node/http/json_fields.hpp"

namespace troupe::http {
namespace {

using nlohmann::json;

// A feature OpenAI has and troupe does not: refused, never silently ignored.
void refuse_if(bool present, const std::string& field, const std::string& what) {
  if (present) throw bad_request("'" + field + "': " + what + " is not supported", field);
}

int32_t to_tokens(int64_t v, const std::string& field) {
  if (v < 1 || v > (1 << 30))
    throw bad_request("'" + field + "' must be a positive integer (got " + std::to_string(v) + ")",
                      field);
  return static_cast<int32_t>(v);
}

void read_common(const json_fields& f, const catalog_model& model, openai_endpoint endpoint,
                 uint64_t random_seed, generation_request& out) {
  auto& spec = out.spec;
  auto& s = spec.sampling;
  if (auto n = f.integer("n"); n && *n != 1)
    throw bad_request("'n' must be 1: troupe generates one choice per request", "n");
  refuse_if(f.boolean("logprobs").value_or(false), "logprobs", "returning log probabilities");
  refuse_if(f.has("top_logprobs"), "top_logprobs", "returning log probabilities");
  refuse_if(f.has("logit_bias"), "logit_bias", "biasing logits");
  if (endpoint == openai_endpoint::completions) {
    refuse_if(f.boolean("echo").value_or(false), "echo", "echoing the prompt");
    refuse_if(f.has("suffix"), "suffix", "insertion with a suffix");
    if (auto best = f.integer("best_of"); best && *best != 1)
      throw bad_request("'best_of' must be 1", "best_of");
  } else {
    if (const auto* tools = f.array("tools"); tools && !tools->empty())
      throw bad_request("'tools': tool calling is not supported", "tools");
    if (const auto* rf = f.object("response_format")) {
      json_fields r(*rf, "response_format.");
      if (auto type = r.string("type"); type && *type != "text")
        throw bad_request("'response_format.type' '" + *type + "' is not supported (only text)",
                          "response_format.type");
    }
  }

  spec.model = model.name;
  const bool chat = endpoint == openai_endpoint::chat;
  // OpenAI's defaults: 16 tokens for completions; for chat, as many as the context leaves.
  spec.max_tokens = chat ? static_cast<int32_t>(model.max_seq_len) : 16;
  if (auto v = f.integer("max_tokens")) spec.max_tokens = to_tokens(*v, "max_tokens");
  if (chat) {
    if (auto v = f.integer("max_completion_tokens"))
      spec.max_tokens = to_tokens(*v, "max_completion_tokens");
  }
  s.temperature = f.real("temperature").value_or(1.0f);
  s.top_p = f.real("top_p").value_or(s.top_p);
  s.top_k = f.count("top_k").value_or(s.top_k);
  s.min_p = f.real("min_p").value_or(s.min_p);
  s.presence_penalty = f.real("presence_penalty").value_or(s.presence_penalty);
  s.frequency_penalty = f.real("frequency_penalty").value_or(s.frequency_penalty);
  s.repetition_penalty = f.real("repetition_penalty").value_or(s.repetition_penalty);
  s.seed = random_seed;
  if (auto v = f.integer("seed")) s.seed = static_cast<uint64_t>(*v);
  if (auto v = f.string_or_strings("stop")) spec.stop = std::move(*v);
  if (auto v = f.string("priority")) {
    if (!parse(*v, spec.prio))
      throw bad_request("'priority' must be \"high\", \"normal\" or \"low\"", "priority");
  }
  out.stream = f.boolean("stream").value_or(false);
  if (const auto* options = f.object("stream_options"))
    out.include_usage =
        json_fields(*options, "stream_options.").boolean("include_usage").value_or(false);
}

class openai_response final : public response_format {
 public:
  openai_response(openai_endpoint endpoint, std::string model, bool include_usage, int64_t created)
      : chat_(endpoint == openai_endpoint::chat),
        model_(std::move(model)),
        include_usage_(include_usage),
        created_(created) {}

  const char* content_type(bool stream) const override {
    return stream ? "text/event-stream" : "application/json";
  }

  std::string start(job_id job) override {
    id_ = (chat_ ? "chatcmpl-" : "cmpl-") + std::to_string(job);
    if (!chat_) return {};
    return event(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
  }

  std::string text(std::string_view text) override {
    if (text.empty()) return {};
    if (chat_) return event(chunk({{"content", text}}, nullptr));
    return event(chunk(text, nullptr));
  }

  std::string finish(const job_result& r) override {
    const char* reason = stop_or_length(r.reason);
    std::string out = chat_ ? event(chunk(json::object(), reason)) : event(chunk("", reason));
    if (include_usage_) {
      json last = envelope();
      last["choices"] = json::array();
      last["usage"] = usage(r);
      out += event(last);
    }
    return out + "data: [DONE]\n\n";
  }

  std::string fail(const http_error& e) override {
    return event(openai_error_json(e)) + "data: [DONE]\n\n";
  }

  std::string whole(const job_result& r) override {
    id_ = (chat_ ? "chatcmpl-" : "cmpl-") + std::to_string(r.job);
    json body = envelope(false);
    json choice = {{"index", 0}};
    if (chat_)
      choice["message"] = {{"role", "assistant"}, {"content", r.text}};
    else
      choice["text"] = r.text;
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = stop_or_length(r.reason);
    body["choices"] = json::array({choice});
    body["usage"] = usage(r);
    return dump(body);
  }

 private:
  json envelope(bool streaming = true) const {
    const char* object =
        chat_ ? (streaming ? "chat.completion.chunk" : "chat.completion") : "text_completion";
    return {{"id", id_},
            {"object", object},
            {"created", created_},
            {"model", model_},
            {"system_fingerprint", "troupe"}};
  }

  // A stream chunk: `payload` is the chat delta, or the completion's text.
  json chunk(json payload, const char* finish_reason) const {
    json body = envelope();
    json choice = {{"index", 0}};
    choice[chat_ ? "delta" : "text"] = std::move(payload);
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = finish_reason ? json(finish_reason) : json(nullptr);
    body["choices"] = json::array({choice});
    if (include_usage_) body["usage"] = nullptr;
    return body;
  }

  static json usage(const job_result& r) {
    return {{"prompt_tokens", r.prompt_tokens},
            {"completion_tokens", r.generated_tokens},
            {"total_tokens", r.prompt_tokens + r.generated_tokens}};
  }

  static std::string event(const json& j) { return "data: " + dump(j) + "\n\n"; }

  bool chat_;
  std::string model_;
  bool include_usage_;
  int64_t created_;
  std::string id_;
};

}  // namespace

generation_request parse_openai_request(openai_endpoint endpoint, const json& body,
                                        const model_catalog& models, uint64_t random_seed) {
  json_fields f(body);
  const auto& model = requested_model(body, models);
  generation_request out;
  read_common(f, model, endpoint, random_seed, out);
  if (endpoint == openai_endpoint::completions) {
    const auto* prompt = body.contains("prompt") ? &body["prompt"] : nullptr;
    if (!prompt || prompt->is_null()) throw bad_request("'prompt' is required", "prompt");
    if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string())
      out.spec.prompt = (*prompt)[0].get<std::string>();  // a batch of one
    else if (prompt->is_string())
      out.spec.prompt = prompt->get<std::string>();
    else
      throw bad_request("'prompt' must be a string (batches and token arrays are not supported)",
                        "prompt");
  } else {
    out.spec.prompt = render_chat(model, read_messages(body, true), true);
  }
  return out;
}

std::unique_ptr<response_format> openai_format(openai_endpoint endpoint, std::string model,
                                               bool include_usage, int64_t created_s) {
  return std::make_unique<openai_response>(endpoint, std::move(model), include_usage, created_s);
}

json openai_error_json(const http_error& e) {
  json err = {{"message", e.message},
              {"type", openai_type(e)},
              {"param", e.param.empty() ? json(nullptr) : json(e.param)},
              {"code", openai_code(e)}};
  return json{{"error", err}};
}

std::string openai_error_body(const http_error& e) {
  return dump(openai_error_json(e));
}

json openai_model_object(const catalog_model& model) {
  return {{"id", model.name},
          {"object", "model"},
          {"created", model.modified_s},
          {"owned_by", "troupe"}};
}

}  // namespace troupe::http
