#include "node/http/ollama_protocol.hpp"

#include <gtest/gtest.h>

#include "node/http/json_fields.hpp"

namespace troupe::http {
namespace {

using nlohmann::json;

model_catalog catalog() {
  catalog_model chat;
  chat.name = "chat";
  chat.max_seq_len = 512;
  chat.card.architecture = "llama";
  chat.card.parameters = 7'200'000'000;
  chat.card.quantization = "Q4_K_M";
  chat.card.file_bytes = 4'000'000'000;
  chat.chat = std::make_shared<chat_template>(
      "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}"
      "{% if add_generation_prompt %}[assistant]{% endif %}",
      "", "", false);
  catalog_model plain;
  plain.name = "plain";
  plain.max_seq_len = 256;
  return model_catalog({std::move(chat), std::move(plain)});
}

generation_request parse(ollama_endpoint e, const std::string& body) {
  return parse_ollama_request(e, parse_body(body), catalog(), 5);
}

TEST(OllamaRequest, GenerateDefaultsOptionsAndTemplate) {
  auto r = parse(ollama_endpoint::generate, R"({"model":"plain","prompt":"Once"})");
  EXPECT_TRUE(r.stream);             // Ollama streams unless told not to
  EXPECT_EQ(r.spec.prompt, "Once");  // no template: the prompt as it is
  EXPECT_FLOAT_EQ(r.spec.sampling.temperature, 0.8f);
  EXPECT_EQ(r.spec.sampling.top_k, 40);
  EXPECT_FLOAT_EQ(r.spec.sampling.top_p, 0.9f);
  EXPECT_FLOAT_EQ(r.spec.sampling.repetition_penalty, 1.1f);
  EXPECT_EQ(r.spec.sampling.seed, 5u);
  EXPECT_EQ(r.spec.max_tokens, 256);  // num_predict -1: until the context is full

  r = parse(ollama_endpoint::generate,
            R"({"model":"plain","prompt":"x","stream":false,"options":{"temperature":0,
                "top_p":1,"top_k":0,"seed":9,"num_predict":12,"stop":["\n"],"repeat_penalty":1}})");
  EXPECT_FALSE(r.stream);
  EXPECT_FLOAT_EQ(r.spec.sampling.temperature, 0);
  EXPECT_EQ(r.spec.sampling.seed, 9u);
  EXPECT_EQ(r.spec.max_tokens, 12);
  EXPECT_EQ(r.spec.stop, std::vector<std::string>{"\n"});

  r = parse(ollama_endpoint::generate, R"({"model":"chat","prompt":"Hi","system":"S"})");
  EXPECT_EQ(r.spec.prompt, "[system]S[user]Hi[assistant]");
  r = parse(ollama_endpoint::generate, R"({"model":"chat","prompt":"Hi","raw":true})");
  EXPECT_EQ(r.spec.prompt, "Hi");
  r = parse(ollama_endpoint::chat,
            R"({"model":"chat","messages":[{"role":"user","content":"Hey"}]})");
  EXPECT_EQ(r.spec.prompt, "[user]Hey[assistant]");
}

TEST(OllamaRequest, Errors) {
  auto status_of = [](ollama_endpoint e, const std::string& body) {
    try {
      parse(e, body);
    } catch (const http_error& err) {
      return err.status;
    }
    return 0;
  };
  EXPECT_EQ(status_of(ollama_endpoint::generate, R"({"model":"x","prompt":"a"})"), 404);
  EXPECT_EQ(status_of(ollama_endpoint::generate, R"({"model":"plain"})"), 400);
  EXPECT_EQ(status_of(ollama_endpoint::generate,
                      R"({"model":"plain","prompt":"a","options":{"num_predict":0}})"),
            400);
  EXPECT_EQ(status_of(ollama_endpoint::generate,
                      R"({"model":"plain","prompt":"a","options":{"temperature":"x"}})"),
            400);
  EXPECT_EQ(status_of(ollama_endpoint::chat,
                      R"({"model":"plain","messages":[{"role":"user","content":"a"}]})"),
            400);
}

TEST(OllamaResponse, Shapes) {
  job_result r;
  r.job = 3;
  r.reason = finish_reason::max_tokens;
  r.prompt_tokens = 4;
  r.generated_tokens = 2;
  r.text = "ab";
  r.timings = {1'000'000, 1'000'100, 1'000'300, 1'001'000};
  auto f = ollama_format(ollama_endpoint::generate, "plain");
  auto line = f->text("a");
  ASSERT_EQ(line.back(), '\n');
  auto j = json::parse(line);
  EXPECT_EQ(j["response"], "a");
  EXPECT_EQ(j["done"], false);
  EXPECT_EQ(j["model"], "plain");
  EXPECT_EQ(j["created_at"].get<std::string>().back(), 'Z');
  auto last = json::parse(f->finish(r));
  EXPECT_EQ(last["done"], true);
  EXPECT_EQ(last["done_reason"], "length");
  EXPECT_EQ(last["prompt_eval_count"], 4);
  EXPECT_EQ(last["eval_count"], 2);
  EXPECT_EQ(last["total_duration"], 1'000'000);  // ns
  EXPECT_EQ(last["eval_duration"], 700'000);
  auto whole = json::parse(ollama_format(ollama_endpoint::chat, "chat")->whole(r));
  EXPECT_EQ(whole["message"]["role"], "assistant");
  EXPECT_EQ(whole["message"]["content"], "ab");
  EXPECT_EQ(json::parse(ollama_error_body(bad_request("nope")))["error"], "nope");

  const auto cat = catalog();
  auto entry = ollama_model_entry(*cat.find("chat"));
  EXPECT_EQ(entry["name"], "chat");
  EXPECT_EQ(entry["details"]["parameter_size"], "7.2B");
  EXPECT_EQ(entry["details"]["quantization_level"], "Q4_K_M");
  EXPECT_EQ(entry["digest"].get<std::string>().size(), 64u);
  auto show = ollama_show(*cat.find("chat"));
  EXPECT_NE(show["template"].get<std::string>().find("messages"), std::string::npos);
}

}  // namespace
}  // namespace troupe::http
