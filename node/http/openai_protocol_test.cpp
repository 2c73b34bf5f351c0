#include "node/http/openai_protocol.hpp"

#include <gtest/gtest.h>

#include "node/http/json_fields.hpp"

namespace troupe::http {
namespace {

using nlohmann::json;

const char* test_template =
    "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";

model_catalog catalog() {
  catalog_model chat;
  chat.name = "chat";
  chat.max_seq_len = 512;
  chat.chat = std::make_shared<chat_template>(test_template, "<s>", "</s>", true);
  catalog_model plain;
  plain.name = "plain";
  plain.max_seq_len = 256;
  plain.chat_problem = "model 'plain' has no chat template";
  std::vector<catalog_model> models{std::move(chat), std::move(plain)};
  // Templates that fail in each of the three ways a render can fail.
  const std::pair<const char*, const char*> failing[] = {
      {"strict",
       "{% if messages|length is even %}{{ raise_exception('one message only') }}{% endif %}ok"},
      {"broken", "{{ messages[0].content.nonsense() }}"},
      {"expensive", "{% for i in range(messages|length * 100000000) %}x{% endfor %}"}};
  for (const auto& [name, source] : failing) {
    catalog_model m;
    m.name = name;
    m.max_seq_len = 256;
    m.chat = std::make_shared<chat_template>(source, "<s>", "</s>", true);
    models.push_back(std::move(m));
  }
  return model_catalog(std::move(models));
}

generation_request parse(openai_endpoint e, const std::string& body) {
  return parse_openai_request(e, parse_body(body), catalog(), 77);
}

http_error error_of(openai_endpoint e, const std::string& body) {
  try {
    parse(e, body);
  } catch (const http_error& err) {
    return err;
  }
  ADD_FAILURE() << "no error for " << body;
  return {};
}

TEST(OpenaiRequest, CompletionFieldsAndDefaults) {
  auto r = parse(openai_endpoint::completions, R"({"model":"plain","prompt":"Once"})");
  EXPECT_EQ(r.spec.model, "plain");
  EXPECT_EQ(r.spec.prompt, "Once");
  EXPECT_EQ(r.spec.max_tokens, 16);                 // OpenAI's default for completions
  EXPECT_FLOAT_EQ(r.spec.sampling.temperature, 1);  // and its default temperature
  EXPECT_EQ(r.spec.sampling.seed, 77u);             // no seed: the fresh one given
  EXPECT_FALSE(r.stream);

  r = parse(openai_endpoint::completions,
            R"({"model":"plain","prompt":["x"],"max_tokens":5,"temperature":0,"top_p":0.5,
                "top_k":3,"min_p":0.1,"seed":-1,"stop":"\n","presence_penalty":1,
                "frequency_penalty":-1,"n":1,"stream":true,"stream_options":{"include_usage":true},
                "priority":"high","user":"ignored","unknown_field":{"a":1}})");
  EXPECT_EQ(r.spec.prompt, "x");
  EXPECT_EQ(r.spec.max_tokens, 5);
  EXPECT_FLOAT_EQ(r.spec.sampling.temperature, 0);
  EXPECT_FLOAT_EQ(r.spec.sampling.top_p, 0.5f);
  EXPECT_EQ(r.spec.sampling.top_k, 3);
  EXPECT_FLOAT_EQ(r.spec.sampling.min_p, 0.1f);
  EXPECT_EQ(r.spec.sampling.seed, ~uint64_t{0});
  EXPECT_EQ(r.spec.stop, std::vector<std::string>{"\n"});
  EXPECT_FLOAT_EQ(r.spec.sampling.presence_penalty, 1);
  EXPECT_FLOAT_EQ(r.spec.sampling.frequency_penalty, -1);
  EXPECT_EQ(r.spec.prio, priority::high);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
}

TEST(OpenaiRequest, ChatRendersTheTemplate) {
  auto r = parse(openai_endpoint::chat,
                 R"({"model":"chat","messages":[{"role":"system","content":"Be brief."},
                    {"role":"user","content":[{"type":"text","text":"Hi"},
                                              {"type":"text","text":"there"}]}],
                    "max_completion_tokens":7})");
  // The tokenizer adds BOS itself, so the template's leading BOS is dropped.
  EXPECT_EQ(r.spec.prompt, "<|system|>Be brief.<|end|><|user|>Hi\nthere<|end|><|assistant|>");
  EXPECT_EQ(r.spec.max_tokens, 7);
  r = parse(openai_endpoint::chat,
            R"({"model":"chat","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.spec.max_tokens, 512);  // chat default: what the context leaves (cut to fit)
}

TEST(OpenaiRequest, TemplateFailuresAreTheClientsOrTheOperators) {
  const auto body = [](const char* model) {
    return std::string(R"({"model":")") + model +
           R"(","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]})";
  };
  auto e = error_of(openai_endpoint::chat, body("strict"));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.param, "messages");
  EXPECT_NE(e.message.find("refuses these messages: one message only"), std::string::npos)
      << e.message;
  e = error_of(openai_endpoint::chat, body("expensive"));
  EXPECT_EQ(e.status, 413);
  EXPECT_EQ(e.kind, "conversation_too_large");
  EXPECT_NE(e.message.find("model 'expensive'"), std::string::npos) << e.message;
  e = error_of(openai_endpoint::chat, body("broken"));
  EXPECT_EQ(e.status, 500);
  EXPECT_EQ(e.code, errc::internal);
  EXPECT_NE(e.message.find("the chat template of model 'broken' failed"), std::string::npos)
      << e.message;
}

TEST(OpenaiRequest, ErrorsNameTheField) {
  using E = openai_endpoint;
  auto e = error_of(E::completions, R"({"prompt":"x"})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.param, "model");
  e = error_of(E::completions, R"({"model":"nope","prompt":"x"})");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(openai_code(e), "model_not_found");
  e = error_of(E::completions, R"({"model":"plain","prompt":"x","max_tokens":"5"})");
  EXPECT_EQ(e.param, "max_tokens");
  EXPECT_NE(e.message.find("must be an integer"), std::string::npos) << e.message;
  e = error_of(E::completions, R"({"model":"plain","prompt":"x","max_tokens":2.5})");
  EXPECT_EQ(e.param, "max_tokens");
  e = error_of(E::completions, R"({"model":"plain","prompt":"x","temperature":"hot"})");
  EXPECT_EQ(e.param, "temperature");
  e = error_of(E::completions, R"({"model":"plain","prompt":"x","n":2})");
  EXPECT_EQ(e.param, "n");
  EXPECT_NE(e.message.find("must be 1"), std::string::npos);
  e = error_of(E::completions, R"({"model":"plain","prompt":"x","stop":[1]})");
  EXPECT_EQ(e.param, "stop");
  e = error_of(E::completions, R"({"model":"plain","prompt":"x","stream":"yes"})");
  EXPECT_EQ(e.param, "stream");
  e = error_of(E::completions, R"({"model":"plain","prompt":[1,2]})");
  EXPECT_EQ(e.param, "prompt");
  e = error_of(E::completions, R"({"model":"plain","prompt":"x","logprobs":true})");
  EXPECT_EQ(e.param, "logprobs");
  e = error_of(E::completions, R"({"model":"plain","prompt":"x","priority":"urgent"})");
  EXPECT_EQ(e.param, "priority");
  e = error_of(E::chat, R"({"model":"chat","messages":[]})");
  EXPECT_EQ(e.param, "messages");
  e = error_of(E::chat, R"({"model":"chat","messages":[{"role":"tool","content":"x"}]})");
  EXPECT_EQ(e.param, "messages[0].role");
  e = error_of(E::chat, R"({"model":"chat","messages":[{"role":"user","content":5}]})");
  EXPECT_EQ(e.param, "messages[0].content");
  e = error_of(E::chat, R"({"model":"chat","messages":[{"role":"user",
                 "content":[{"type":"image_url","image_url":{}}]}]})");
  EXPECT_EQ(e.param, "messages[0].content[0].type");
  e = error_of(E::chat, R"({"model":"chat","messages":[{"role":"user","content":"x"}],
                 "tools":[{"type":"function"}]})");
  EXPECT_EQ(e.param, "tools");
  // A model without a template: chat is a 400 that says so; completions still work.
  e = error_of(E::chat, R"({"model":"plain","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(e.status, 400);
  EXPECT_NE(e.message.find("no chat template"), std::string::npos) << e.message;
  EXPECT_THROW(parse_body("{not json"), http_error);
  EXPECT_THROW(parse_body("[1]"), http_error);
  EXPECT_THROW(parse_body("\"\xff\""), http_error);
}

job_result result(finish_reason reason) {
  job_result r;
  r.job = 42;
  r.reason = reason;
  r.prompt_tokens = 3;
  r.generated_tokens = 2;
  r.text = "Hi!";
  return r;
}

TEST(OpenaiResponse, ChatShapes) {
  auto f = openai_format(openai_endpoint::chat, "chat", false, 1700000000);
  auto body = json::parse(f->whole(result(finish_reason::eos)));
  EXPECT_EQ(body["id"], "chatcmpl-42");
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["created"], 1700000000);
  EXPECT_EQ(body["model"], "chat");
  EXPECT_EQ(body["choices"][0]["index"], 0);
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hi!");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["usage"]["total_tokens"], 5);

  f = openai_format(openai_endpoint::chat, "chat", true, 1);
  std::string stream =
      f->start(42) + f->text("Hi") + f->text("!") + f->finish(result(finish_reason::max_tokens));
  EXPECT_EQ(stream.substr(stream.size() - 14), "data: [DONE]\n\n");
  std::vector<json> events;
  for (size_t pos = 0; pos < stream.size();) {
    size_t end = stream.find("\n\n", pos);
    std::string e = stream.substr(pos + 6, end - pos - 6);
    if (e != "[DONE]") events.push_back(json::parse(e));
    pos = end + 2;
  }
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0]["object"], "chat.completion.chunk");
  EXPECT_EQ(events[0]["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(events[1]["choices"][0]["delta"]["content"], "Hi");
  EXPECT_TRUE(events[1]["usage"].is_null());
  EXPECT_TRUE(events[3]["choices"][0]["delta"].empty());
  EXPECT_EQ(events[3]["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(events[4]["choices"].empty());
  EXPECT_EQ(events[4]["usage"]["completion_tokens"], 2);
}

TEST(OpenaiResponse, CompletionShapesAndErrors) {
  auto f = openai_format(openai_endpoint::completions, "plain", false, 1);
  auto body = json::parse(f->whole(result(finish_reason::stop)));
  EXPECT_EQ(body["id"], "cmpl-42");
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["choices"][0]["text"], "Hi!");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(f->start(42), "");
  auto chunk = json::parse(f->text("Hi").substr(6));
  EXPECT_EQ(chunk["choices"][0]["text"], "Hi");
  EXPECT_TRUE(chunk["choices"][0]["finish_reason"].is_null());

  http_error e = from_status(make_status(errc::queue_full, "job 7: queue full"), 7);
  auto err = json::parse(openai_error_body(e));
  EXPECT_EQ(e.status, 503);
  EXPECT_EQ(err["error"]["message"], "job 7: queue full");
  EXPECT_EQ(err["error"]["type"], "server_error");
  EXPECT_EQ(err["error"]["code"], "queue_full");
  EXPECT_TRUE(err["error"]["param"].is_null());
  auto mid = f->fail(e);
  EXPECT_EQ(mid.substr(0, 15), "data: {\"error\":");
  EXPECT_EQ(from_status(make_status(errc::unauthorized, "x")).status, 401);
  EXPECT_STREQ(openai_type(from_status(make_status(errc::unauthorized, "x"))),
               "authentication_error");
}

}  // namespace
}  // namespace troupe::http
