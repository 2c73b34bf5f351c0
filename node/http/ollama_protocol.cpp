#include "node/http/ollama_protocol.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "node/http/chat_prompt.hpp"
#include "node/http/json_fields.hpp"

namespace troupe::http {
namespace {

using nlohmann::json;

void read_options(const json& body, const catalog_model& model, uint64_t random_seed,
                  generation_request& out) {
  auto& spec = out.spec;
  auto& s = spec.sampling;
  // Ollama's defaults.
  s.temperature = 0.8f;
  s.top_k = 40;
  s.top_p = 0.9f;
  s.repetition_penalty = 1.1f;
  s.seed = random_seed;
  spec.max_tokens = static_cast<int32_t>(model.max_seq_len);
  json_fields top(body);
  const auto* options = top.object("options");
  if (!options) return;
  json_fields f(*options, "options.");
  s.temperature = f.real("temperature").value_or(s.temperature);
  s.top_p = f.real("top_p").value_or(s.top_p);
  s.top_k = f.count("top_k").value_or(s.top_k);
  s.min_p = f.real("min_p").value_or(s.min_p);
  s.repetition_penalty = f.real("repeat_penalty").value_or(s.repetition_penalty);
  s.presence_penalty = f.real("presence_penalty").value_or(s.presence_penalty);
  s.frequency_penalty = f.real("frequency_penalty").value_or(s.frequency_penalty);
  if (auto v = f.integer("seed")) s.seed = static_cast<uint64_t>(*v);
  if (auto v = f.integer("num_predict")) {
    // -1: generate until the context is full; -2: fill the context. Both end with `length`.
    if (*v == 0 || *v < -2 || *v > (1 << 30))
      throw bad_request(
          "'options.num_predict' must be positive, -1 or -2 (got " + std::to_string(*v) + ")",
          "options.num_predict");
    if (*v > 0) spec.max_tokens = static_cast<int32_t>(*v);
  }
  if (auto v = f.string_or_strings("stop")) spec.stop = std::move(*v);
}

int64_t ns(int64_t from_us, int64_t to_us) {
  return from_us > 0 && to_us >= from_us ? (to_us - from_us) * 1000 : 0;
}

class ollama_response final : public response_format {
 public:
  ollama_response(ollama_endpoint endpoint, std::string model)
      : chat_(endpoint == ollama_endpoint::chat), model_(std::move(model)) {}

  const char* content_type(bool stream) const override {
    return stream ? "application/x-ndjson" : "application/json";
  }

  std::string start(job_id) override { return {}; }

  std::string text(std::string_view text) override {
    if (text.empty()) return {};
    json line = head();
    put_text(line, text);
    line["done"] = false;
    return dump(line) + "\n";
  }

  std::string finish(const job_result& r) override { return dump(final_object(r, "")) + "\n"; }

  std::string fail(const http_error& e) override { return ollama_error_body(e) + "\n"; }

  std::string whole(const job_result& r) override { return dump(final_object(r, r.text)); }

 private:
  json head() const { return {{"model", model_}, {"created_at", rfc3339_now()}}; }

  void put_text(json& j, std::string_view text) const {
    if (chat_)
      j["message"] = {{"role", "assistant"}, {"content", text}};
    else
      j["response"] = text;
  }

  json final_object(const job_result& r, std::string_view text) const {
    json j = head();
    put_text(j, text);
    const auto& t = r.timings;
    j["done"] = true;
    j["done_reason"] = r.reason == finish_reason::max_tokens || r.reason == finish_reason::length
                           ? "length"
                           : "stop";
    j["total_duration"] = ns(t.submitted_us, t.finished_us);
    j["load_duration"] = 0;
    j["prompt_eval_count"] = r.prompt_tokens;
    j["prompt_eval_duration"] = ns(t.started_us, t.first_token_us);
    j["eval_count"] = r.generated_tokens;
    j["eval_duration"] = ns(t.first_token_us, t.finished_us);
    return j;
  }

  bool chat_;
  std::string model_;
};

std::string rfc3339(int64_t seconds, int64_t nanos) {
  std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(nanos));
  return buf;
}

// A stable identity for a model file (Ollama's digest is the blob's sha256; hashing a
// multi-gigabyte file at start is not worth it): FNV-1a of path, size and time, as 64 hex digits.
std::string digest_of(const catalog_model& m) {
  std::string key =
      m.path + "|" + std::to_string(m.card.file_bytes) + "|" + std::to_string(m.modified_s);
  std::string out;
  for (uint64_t round = 0; round < 4; ++round) {
    uint64_t h = 0xcbf29ce484222325ull ^ round;
    for (unsigned char c : key) h = (h ^ c) * 0x100000001b3ull;
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
    out += buf;
  }
  return out;
}

json details_of(const catalog_model& m) {
  return {{"parent_model", ""},
          {"format", "gguf"},
          {"family", m.card.architecture},
          {"families", json::array({m.card.architecture})},
          {"parameter_size", parameter_size_label(m.card.parameters)},
          {"quantization_level", m.card.quantization}};
}

}  // namespace

generation_request parse_ollama_request(ollama_endpoint endpoint, const json& body,
                                        const model_catalog& models, uint64_t random_seed) {
  json_fields f(body);
  const auto& model = requested_model(body, models);
  generation_request out;
  out.spec.model = model.name;
  read_options(body, model, random_seed, out);
  out.stream = f.boolean("stream").value_or(true);
  if (auto fmt = f.string("format"); fmt && !fmt->empty())
    throw bad_request("'format': structured output is not supported", "format");
  if (const auto* images = f.array("images"); images && !images->empty())
    throw bad_request("'images': images are not supported", "images");
  if (endpoint == ollama_endpoint::chat) {
    if (const auto* tools = f.array("tools"); tools && !tools->empty())
      throw bad_request("'tools': tool calling is not supported", "tools");
    out.spec.prompt = render_chat(model, read_messages(body, false), true);
    return out;
  }
  auto prompt = f.string("prompt");
  if (!prompt) throw bad_request("'prompt' is required", "prompt");
  auto system = f.string("system");
  const bool raw = f.boolean("raw").value_or(false);
  if (raw || !model.chat) {
    out.spec.prompt = *prompt;
    return out;
  }
  std::vector<chat_message> messages;
  if (system) messages.push_back({"system", *system});
  messages.push_back({"user", *prompt});
  out.spec.prompt = render_chat(model, messages, true);
  return out;
}

std::unique_ptr<response_format> ollama_format(ollama_endpoint endpoint, std::string model) {
  return std::make_unique<ollama_response>(endpoint, std::move(model));
}

std::string ollama_error_body(const http_error& e) {
  return dump(json{{"error", e.message}});
}

std::string rfc3339_now() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(now);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs);
  return rfc3339(secs.count(), nanos.count());
}

json ollama_model_entry(const catalog_model& m) {
  return {{"name", m.name},
          {"model", m.name},
          {"modified_at", rfc3339(m.modified_s, 0)},
          {"size", m.card.file_bytes},
          {"digest", digest_of(m)},
          {"details", details_of(m)}};
}

json ollama_show(const catalog_model& m) {
  json info = {{"general.architecture", m.card.architecture},
               {"general.parameter_count", m.card.parameters}};
  if (!m.card.name.empty()) info["general.name"] = m.card.name;
  if (m.card.context_length > 0)
    info[m.card.architecture + ".context_length"] = m.card.context_length;
  return {
      {"modelfile", "FROM " + m.path + "\n"},
      {"parameters", "num_ctx " + std::to_string(m.max_seq_len)},
      {"template", m.chat ? m.chat->source() : std::string()},
      {"details", details_of(m)},
      {"model_info", info},
      {"capabilities", m.chat ? json::array({"completion", "chat"}) : json::array({"completion"})},
      {"modified_at", rfc3339(m.modified_s, 0)}};
}

}  // namespace troupe::http
