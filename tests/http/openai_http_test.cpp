// The OpenAI-compatible endpoints through the real front door over loopback, on the
// deterministic test engine: exact texts, SSE bytes, headers, errors, and what a client leaving
// does to its job.
#include <gtest/gtest.h>

#include <thread>

#include "gpu/text/byte_tokenizer.hpp"
#include "tests/api/api_test_util.hpp"
#include "tests/http/http_harness.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

sampling_params greedy() {
  return {};
}

nlohmann::json completion(const std::string& prompt, int max_tokens, bool stream = false) {
  return {{"model", "test"},  {"prompt", prompt}, {"max_tokens", max_tokens},
          {"temperature", 0}, {"seed", 0},        {"stream", stream}};
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 30s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(HttpOpenai, CompletionIsATroupeJob) {
  http_harness h;
  auto r = h.post("/v1/completions", completion("hello world", 24));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto body = json::parse(r.body);
  EXPECT_EQ(body["choices"][0]["text"], expected_text("hello world", 24, greedy()));
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["usage"]["completion_tokens"], 24);
  const job_id job = job_of(r);
  ASSERT_GT(job, 0u);
  EXPECT_EQ(body["id"], "cmpl-" + std::to_string(job));
  auto info = h.core().info(job);  // visible to `troupe status` like any job
  EXPECT_EQ(info.state, job_state::done);
  EXPECT_EQ(info.generated_tokens, 24u);
}

TEST(HttpOpenai, StreamedChatIsExactSse) {
  http_harness h;
  json req = {{"model", "test"},
              {"messages", {{{"role", "user"}, {"content", "hi"}}}},
              {"max_tokens", 12},
              {"temperature", 0},
              {"seed", 0},
              {"stream", true},
              {"stream_options", {{"include_usage", true}}}};
  auto r = h.post("/v1/chat/completions", req);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/event-stream");
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  ASSERT_GT(job_of(r), 0u);
  // Every event is "data: {json}\n\n", and the stream ends with the [DONE] sentinel.
  ASSERT_GE(r.body.size(), 14u);
  EXPECT_EQ(r.body.substr(r.body.size() - 14), "data: [DONE]\n\n");
  auto events = sse_data(r.body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  int finishes = 0;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    auto e = json::parse(events[i]);
    EXPECT_EQ(e["id"], "chatcmpl-" + std::to_string(job_of(r)));
    if (i == events.size() - 2) {  // the usage chunk
      EXPECT_TRUE(e["choices"].empty());
      EXPECT_EQ(e["usage"]["completion_tokens"], 12);
      continue;
    }
    EXPECT_EQ(e["object"], "chat.completion.chunk");
    EXPECT_TRUE(e["usage"].is_null());
    const auto& c = e["choices"][0];
    if (c["delta"].contains("content")) text += c["delta"]["content"].get<std::string>();
    if (!c["finish_reason"].is_null()) ++finishes;
  }
  EXPECT_EQ(finishes, 1);
  EXPECT_EQ(json::parse(events[0])["choices"][0]["delta"]["role"], "assistant");
  // The prompt the model saw is the rendered template.
  EXPECT_EQ(text, expected_text("<s><|user|>hi<|end|><|assistant|>", 12, greedy()));
}

TEST(HttpOpenai, ModelsAndUnknownModels) {
  http_harness h;
  auto r = h.get("/v1/models");
  ASSERT_EQ(r.status, 200);
  auto body = json::parse(r.body);
  EXPECT_EQ(body["object"], "list");
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["data"][0]["id"], "test");
  EXPECT_EQ(json::parse(h.get("/v1/models/test").body)["id"], "test");
  EXPECT_EQ(json::parse(h.get("/v1/models/org/listed-model").body)["id"], "org/listed-model");
  r = h.get("/v1/models/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "model_not_found");
  r = h.post("/v1/completions", {{"model", "nope"}, {"prompt", "x"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"]["type"], "invalid_request_error");
}

TEST(HttpOpenai, ApiKeyGuardsEverythingButHealth) {
  http_harness_options o;
  o.api_key = "s3cret";
  http_harness h(o);
  auto r = h.post("/v1/completions", completion("x", 2));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"]["type"], "authentication_error");
  EXPECT_EQ(
      h.post("/v1/completions", completion("x", 2), {{"Authorization", "Bearer wrong"}}).status,
      401);
  EXPECT_EQ(h.get("/v1/models", {{"Authorization", "s3cret"}}).status, 401);  // not Bearer
  EXPECT_EQ(h.get("/metrics").status, 401);
  EXPECT_EQ(h.get("/api/tags").status, 401);
  EXPECT_EQ(json::parse(h.get("/api/tags").body)["error"].is_string(), true);  // Ollama's shape
  EXPECT_EQ(h.get("/health").status, 200);
  EXPECT_EQ(
      h.post("/v1/completions", completion("x", 2), {{"Authorization", "Bearer s3cret"}}).status,
      200);
}

TEST(HttpOpenai, QueueFullIs503WithRetryAfterAndTheJobId) {
  http_harness_options o;
  o.config = api_config(1, 0, 1);  // one running, none waiting
  o.engine = slow(5ms);
  http_harness h(o);
  http_connection first(h.port());
  first.send("POST", "/v1/completions", completion("long", 400, true).dump());
  ASSERT_TRUE(first.read_head());  // accepted: it holds the only slot
  auto r = h.post("/v1/completions", completion("x", 2));
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.header("retry-after"), "1");
  const job_id job = job_of(r);
  ASSERT_GT(job, 0u);
  auto err = json::parse(r.body)["error"];
  EXPECT_EQ(err["code"], "queue_full");
  EXPECT_NE(err["message"].get<std::string>().find("job " + std::to_string(job)), std::string::npos)
      << err;
}

TEST(HttpOpenai, AStreamingClientThatLeavesCancelsItsJob) {
  http_harness_options o;
  o.engine = slow(2ms);
  http_harness h(o);
  http_connection c(h.port());
  c.send("POST", "/v1/completions", completion("left behind", 3000, true).dump());
  auto head = c.read_head();
  ASSERT_TRUE(head);
  ASSERT_TRUE(c.read_chunk());  // tokens are flowing
  const auto at = head->find("x-troupe-job-id: ");
  ASSERT_NE(at, std::string::npos) << *head;
  const job_id job = std::stoull(head->substr(at + 17));
  c.close();
  ASSERT_TRUE(eventually([&] { return h.core().info(job).state == job_state::cancelled; }))
      << to_string(h.core().info(job).state);
  EXPECT_LT(h.core().info(job).generated_tokens, 3000u);
  // Its device is free again.
  EXPECT_TRUE(eventually([&] { return h.core().usage().devices.at(0).slots_used == 0; }));
}

// A client that sent more bytes (a pipelined request) and then hung up is still seen to go.
TEST(HttpOpenai, AClientThatLeavesAfterPipelinedBytesCancelsItsJob) {
  http_harness_options o;
  o.engine = slow(2ms);
  http_harness h(o);
  job_id job = 0;
  {
    http_connection c(h.port());
    c.send("POST", "/v1/completions", completion("pipelined", 3000, true).dump());
    auto head = c.read_head();
    ASSERT_TRUE(head);
    job = std::stoull(head->substr(head->find("x-troupe-job-id: ") + 17));
    c.send("GET", "/health");  // waits in the socket: the server is busy answering the first
  }
  ASSERT_TRUE(eventually([&] { return h.core().info(job).state == job_state::cancelled; }))
      << to_string(h.core().info(job).state);
}

// A stream whose client stops reading ends when the client falls too far behind: its job is
// cancelled and the response is never a clean, complete-looking stream.
TEST(HttpOpenai, AClientThatStopsReadingIsCutOff) {
  http_harness_options o;
  o.backlog_bytes = 512;
  o.stall_timeout = 300ms;
  o.limits.socket_send_buffer = 4096;
  http_harness h(o);
  http_connection c(h.port(), 60s, 2048);
  c.send("POST", "/v1/completions", completion("flood", 4000, true).dump());
  auto head = c.read_head();
  ASSERT_TRUE(head);
  const job_id job = std::stoull(head->substr(head->find("x-troupe-job-id: ") + 17));
  ASSERT_TRUE(eventually([&] { return h.core().info(job).state == job_state::cancelled; }))
      << to_string(h.core().info(job).state);
  EXPECT_LT(h.core().info(job).generated_tokens, 4000u);
  // What the client reads now ends with an error event, or is cut off: never [DONE] alone.
  std::string body;
  bool complete = false;
  while (auto chunk = c.read_chunk()) body += *chunk;
  complete = body.size() >= 14 && body.compare(body.size() - 14, 14, "data: [DONE]\n\n") == 0;
  if (complete) {
    EXPECT_NE(body.find("data: {\"error\""), std::string::npos);
  }
  EXPECT_TRUE(eventually([&] { return h.core().usage().devices.at(0).slots_used == 0; }));
}

TEST(HttpOpenai, ANonStreamingClientThatLeavesCancelsItsJob) {
  http_harness_options o;
  o.engine = slow(2ms);
  http_harness h(o);
  {
    http_connection c(h.port());
    c.send("POST", "/v1/completions", completion("patience", 3000).dump());
    ASSERT_TRUE(eventually([&] { return h.core().usage().devices.at(0).slots_used == 1; }));
  }
  EXPECT_TRUE(eventually([&] { return h.core().usage().devices.at(0).slots_used == 0; }));
  EXPECT_EQ(h.core().stats()["overall"]["requests"]["cancelled"], 1);
}

TEST(HttpOpenai, IdempotencyKeyKeepsTheJobAndReattachReplaysEverything) {
  http_harness_options o;
  o.engine = slow(1ms);
  http_harness h(o);
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "req-42"}};
  const json req = completion("resumable", 200, true);
  job_id job = 0;
  {
    http_connection c(h.port());
    c.send("POST", "/v1/completions", req.dump(), key);
    auto head = c.read_head();
    ASSERT_TRUE(head);
    ASSERT_TRUE(c.read_chunk());
    job = std::stoull(head->substr(head->find("x-troupe-job-id: ") + 17));
  }  // the client leaves mid-stream
  // The same request with the same key is the same job, replayed from its first token.
  auto r = h.post("/v1/completions", req, key);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(job_of(r), job);
  std::string text;
  for (const auto& e : sse_data(r.body)) {
    if (e == "[DONE]") break;
    text += json::parse(e)["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(text, expected_text("resumable", 200, greedy()));
  EXPECT_EQ(h.core().info(job).state, job_state::done);
  EXPECT_EQ(h.core().stats()["overall"]["requests"]["accepted"], 1);
}

TEST(HttpOpenai, AFailureAfterTheStreamBeganIsAnSseErrorEvent) {
  http_harness_options o;
  o.engine.poison = static_cast<token_id>('#') + byte_tokenizer::offset;  // its steps fail
  http_harness h(o);
  auto r = h.post("/v1/completions", completion("poisoned # prompt", 8, true));
  ASSERT_EQ(r.status, 200);  // the stream began when the job was accepted
  auto events = sse_data(r.body);
  ASSERT_GE(events.size(), 2u) << r.body;
  EXPECT_EQ(events.back(), "[DONE]");
  auto last = json::parse(events[events.size() - 2]);
  ASSERT_TRUE(last.contains("error")) << last;
  EXPECT_EQ(last["error"]["type"], "server_error");
  EXPECT_EQ(last["error"]["code"], "internal");
  EXPECT_EQ(h.core().info(job_of(r)).state, job_state::failed);
  // Without streaming, the same failure is the HTTP status.
  r = h.post("/v1/completions", completion("poisoned # again", 8));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "internal");
  EXPECT_GT(job_of(r), 0u);
}

TEST(HttpOpenai, AnIdempotencyKeyBelongsToOneRequest) {
  http_harness h;
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "only-once"}};
  auto first = h.post("/v1/completions", completion("the first request", 4), key);
  ASSERT_EQ(first.status, 200);
  // Without a seed, the seed comes from the key: the very same request is the same job...
  json unseeded = completion("the first request", 4);
  unseeded.erase("seed");
  auto a = h.post("/v1/completions", unseeded, {{"Idempotency-Key", "unseeded"}});
  auto b = h.post("/v1/completions", unseeded, {{"Idempotency-Key", "unseeded"}});
  EXPECT_EQ(job_of(a), job_of(b));
  EXPECT_EQ(json::parse(a.body)["choices"], json::parse(b.body)["choices"]);
  // ... and another request under a used key is refused, not answered with the first output.
  auto other = h.post("/v1/completions", completion("another request", 4), key);
  EXPECT_EQ(other.status, 400);
  EXPECT_NE(json::parse(other.body)["error"]["message"].get<std::string>().find("prompt differs"),
            std::string::npos)
      << other.body;
  EXPECT_EQ(json::parse(h.post("/v1/completions", completion("x", 4),
                               {{"Idempotency-Key", std::string(300, 'k')}})
                            .body)["error"]["param"],
            "Idempotency-Key");
}

TEST(HttpOpenai, StopStringsAndSamplingReachTheJob) {
  http_harness h;
  const auto full = expected_text("stops", 30, greedy());
  const std::string stop = full.substr(10, 2);
  auto r = h.post("/v1/completions", {{"model", "test"},
                                      {"prompt", "stops"},
                                      {"max_tokens", 30},
                                      {"temperature", 0},
                                      {"seed", 0},
                                      {"stop", {stop}}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["choices"][0]["text"], full.substr(0, full.find(stop)));
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  sampling_params p;
  p.temperature = 0.7f;
  p.seed = 99;
  r = h.post("/v1/completions", {{"model", "test"},
                                 {"prompt", "seeded"},
                                 {"max_tokens", 16},
                                 {"temperature", 0.7},
                                 {"top_p", 1},
                                 {"seed", 99}});
  EXPECT_EQ(json::parse(r.body)["choices"][0]["text"], expected_text("seeded", 16, p));
}

}  // namespace
}  // namespace troupe::testing
