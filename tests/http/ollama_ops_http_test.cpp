// The Ollama-compatible endpoints and the operations endpoints (seeds 003 and 004) through the
// real front door over loopback.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "tests/api/api_test_util.hpp"
#include "tests/http/http_harness.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::vector<json> ndjson(const std::string& body) {
  std::vector<json> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    if (end > pos) out.push_back(json::parse(body.substr(pos, end - pos)));
    pos = end + 1;
  }
  return out;
}

TEST(HttpOllama, GenerateStreamsNdjsonByDefault) {
  http_harness h;
  auto r = h.post("/api/generate",
                  {{"model", "test"},
                   {"prompt", "Once"},
                   {"options", {{"temperature", 0}, {"seed", 0}, {"num_predict", 10}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/x-ndjson");
  auto lines = ndjson(r.body);
  ASSERT_GE(lines.size(), 2u);
  std::string text;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["done"], false);
    text += lines[i]["response"].get<std::string>();
  }
  const auto& last = lines.back();
  EXPECT_EQ(last["done"], true);
  EXPECT_EQ(last["done_reason"], "length");
  EXPECT_EQ(last["eval_count"], 10);
  EXPECT_GT(last["prompt_eval_count"].get<int>(), 0);
  EXPECT_GE(last["total_duration"].get<int64_t>(), last["eval_duration"].get<int64_t>());
  // Like Ollama, /api/generate puts the prompt through the model's chat template...
  EXPECT_EQ(text, expected_text("<s><|user|>Once<|end|><|assistant|>", 10, {}));
  // ... unless it is raw.
  r = h.post("/api/generate",
             {{"model", "test"},
              {"prompt", "Once"},
              {"raw", true},
              {"stream", false},
              {"options", {{"temperature", 0}, {"seed", 0}, {"num_predict", 10}}}});
  EXPECT_EQ(json::parse(r.body)["response"], expected_text("Once", 10, {}));
}

TEST(HttpOllama, ChatWithoutStreamingAndModelListings) {
  http_harness h;
  auto r =
      h.post("/api/chat", {{"model", "test"},
                           {"messages", {{{"role", "user"}, {"content", "hey"}}}},
                           {"stream", false},
                           {"options", {{"temperature", 0}, {"seed", 0}, {"num_predict", 6}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["message"]["role"], "assistant");
  EXPECT_EQ(body["message"]["content"], expected_text("<s><|user|>hey<|end|><|assistant|>", 6, {}));
  EXPECT_EQ(body["done"], true);
  EXPECT_GT(job_of(r), 0u);

  auto tags = json::parse(h.get("/api/tags").body);
  ASSERT_EQ(tags["models"].size(), 2u);
  EXPECT_EQ(tags["models"][0]["name"], "test");
  auto ps = json::parse(h.get("/api/ps").body);
  ASSERT_EQ(ps["models"].size(), 1u);  // one device up
  EXPECT_TRUE(json::parse(h.get("/api/version").body)["version"].is_string());
  auto show = h.post("/api/show", {{"model", "test"}});
  ASSERT_EQ(show.status, 200);
  EXPECT_EQ(json::parse(show.body)["template"], test_chat_template);
  r = h.post("/api/show", {{"model", "nope"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(json::parse(r.body)["error"].is_string());
}

TEST(HttpOps, HealthQueueStatsMemoryAndLimits) {
  http_harness h;
  auto health = h.get("/health");
  ASSERT_EQ(health.status, 200) << health.body;
  auto hb = json::parse(health.body);
  EXPECT_EQ(hb["status"], "healthy");
  EXPECT_EQ(hb["concurrency"]["default_parallel"], 16);
  EXPECT_EQ(hb["concurrency"]["models"]["test"]["parallel_limit"], 4);
  EXPECT_TRUE(hb["concurrency"]["memory"].contains("total_gb"));
  EXPECT_EQ(hb["nodes"]["up"], 1);

  auto mem = json::parse(h.get("/queue/memory").body);
  for (auto k : {"total_gb", "available_gb", "used_gb", "percent", "recommended_parallel"})
    EXPECT_TRUE(mem.contains(k)) << k;
  ASSERT_EQ(mem["devices"].size(), 1u);

  auto up =
      h.post("/admin/queue/update", {{"model", "test"}, {"parallel_limit", 2}, {"queue_limit", 5}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(json::parse(up.body)["parallel_limit"], 2);
  auto stats = json::parse(h.get("/queue/stats?model=test").body);
  EXPECT_EQ(stats["models"]["test"]["parallel_limit"], 2);
  EXPECT_EQ(stats["models"]["test"]["queue_limit"], 5);
  EXPECT_EQ(h.get("/queue/stats?model=nope").status, 404);
  EXPECT_EQ(h.post("/admin/queue/update", {{"model", "nope"}, {"parallel_limit", 1}}).status, 404);
  EXPECT_EQ(h.post("/admin/queue/update", {{"model", "test"}, {"parallel_limit", 0}}).status, 400);
  EXPECT_EQ(h.post("/admin/queue/update", {{"model", "test"}}).status, 400);
}

// Seed 004: parallel 1 and queue 2, then 10 concurrent /api/generate. The overflow, and only the
// overflow, gets 503; the rest complete; /queue/stats counts both.
TEST(HttpOps, SeedFourQueueFullScenario) {
  http_harness_options o;
  o.engine = slow(3ms);
  http_harness h(o);
  ASSERT_EQ(
      h.post("/admin/queue/update", {{"model", "test"}, {"parallel_limit", 1}, {"queue_limit", 2}})
          .status,
      200);
  std::vector<std::future<http_response>> calls;
  for (int i = 0; i < 10; ++i)
    calls.push_back(std::async(std::launch::async, [&h, i] {
      return h.post("/api/generate",
                    {{"model", "test"},
                     {"prompt", "Test " + std::to_string(i)},
                     {"stream", false},
                     {"options", {{"temperature", 0}, {"seed", 0}, {"num_predict", 100}}}});
    }));
  int ok = 0, full = 0;
  for (auto& c : calls) {
    auto r = c.get();
    if (r.status == 200) {
      ++ok;
      EXPECT_EQ(json::parse(r.body)["done"], true);
    } else {
      ASSERT_EQ(r.status, 503) << r.body;
      EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("queue full"),
                std::string::npos);
      EXPECT_GT(job_of(r), 0u);
      ++full;
    }
  }
  EXPECT_EQ(ok + full, 10);
  EXPECT_GE(ok, 3);  // one running and two waiting always fit
  EXPECT_GE(full, 1);
  auto stats = json::parse(h.get("/queue/stats?model=test").body)["models"]["test"];
  EXPECT_EQ(stats["total_processed"], ok);
  EXPECT_EQ(stats["total_rejected"], full);
  auto cap = h.core().stats()["capacity"]["models"]["test"];
  EXPECT_EQ(cap["peak_active"].get<int>(), 1);
  EXPECT_EQ(cap["peak_queued"].get<int>(), 2);
}

}  // namespace
}  // namespace troupe::testing
