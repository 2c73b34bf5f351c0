#include "tests/http/http_harness.hpp"

namespace troupe::testing {

const char* const test_chat_template =
    "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";

http_harness::http_harness(http_harness_options o) {
  catalog_model m;
  m.name = "test";
  m.path = "none.gguf";
  m.max_seq_len = 4096;
  m.card.architecture = "test";
  m.chat = std::make_shared<chat_template>(test_chat_template, "<s>", "</s>", false);
  api_server_options server;
  server.api_key = o.api_key;
  server.http_bind_address = "127.0.0.1:0";
  server.http = o.limits;
  server.stream_backlog_bytes = o.backlog_bytes;
  server.stall_timeout = o.stall_timeout;
  catalog_model listed;  // only in the catalog: a name with a slash, as Hugging Face names go
  listed.name = "org/listed-model";
  listed.max_seq_len = 128;
  server.models = std::make_shared<const model_catalog>(
      std::vector<catalog_model>{std::move(m), std::move(listed)});
  api_ = std::make_unique<api_harness>(o.config.empty() ? api_config() : o.config, o.engine,
                                       std::move(server));
}

http_response http_harness::post(const std::string& path, const nlohmann::json& body,
                                 const std::map<std::string, std::string>& headers) {
  return http_request(port(), "POST", path, body.dump(), headers);
}

http_response http_harness::get(const std::string& path,
                                const std::map<std::string, std::string>& headers) {
  return http_request(port(), "GET", path, "", headers);
}

job_id job_of(const http_response& r) {
  auto v = r.header("x-troupe-job-id");
  return v.empty() ? 0 : std::stoull(v);
}

}  // namespace troupe::testing
