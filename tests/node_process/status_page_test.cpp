// The status page at / on the head's HTTP port, in headless Chromium (Debian's `chromium`, driven
// by puppeteer-core from npm): the three nodes of cluster-configs/local-3node.toml, started as
// real processes on free loopback ports with an API key, show up; the page fetches nothing but
// its own origin; jobs run through the OpenAI endpoint move its counters and its chart.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "tests/node_process/node_fixture.hpp"
#include "tests/support/npm_reference.hpp"
#include "tools/http/http_client.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* api_key = "status-page-key";
constexpr int jobs = 6;

std::string chromium_path() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

// local-3node.toml as shipped, moved onto free ports and fresh data directories, with the test
// model's real path and an API key.
std::string local_3node(const temp_dir& dir, uint16_t& http_port, uint16_t& rpc_port) {
  std::string text = read_file(source_dir() + "/cluster-configs/local-3node.toml");
  auto replace_each = [&text](const std::regex& re, const std::function<std::string()>& with) {
    std::string out;
    auto it = std::sregex_iterator(text.begin(), text.end(), re);
    size_t at = 0;
    for (; it != std::sregex_iterator(); ++it) {
      out += text.substr(at, it->position() - at) + with();
      at = it->position() + it->length();
    }
    text = out + text.substr(at);
  };
  bool head_rpc = true;
  replace_each(std::regex(R"(rpc_port = \d+)"), [&] {
    const uint16_t p = free_port();
    if (head_rpc) rpc_port = p;
    head_rpc = false;
    return "rpc_port = " + std::to_string(p);
  });
  replace_each(std::regex(R"(actor_port = \d+)"),
               [] { return "actor_port = " + std::to_string(free_port()); });
  replace_each(std::regex(R"(http_port = \d+)"), [&] {
    http_port = free_port();
    return "http_port = " + std::to_string(http_port);
  });
  int data = 0;
  replace_each(std::regex(R"(data_dir = "[^"]*")"),
               [&] { return "data_dir = \"" + dir.file("data-" + std::to_string(data++)) + "\""; });
  replace_each(std::regex(R"(path = "stories260K.gguf")"),
               [] { return "path = \"" + find_test_model("stories260K.gguf") + "\""; });
  replace_each(std::regex(R"(name = "local-3node")"),
               [] { return "name = \"local-3node\"\napi_key = \"" + std::string(api_key) + "\""; });
  return text;
}

TEST(StatusPage, ChromiumShowsTheThreeNodesAndFollowsJobs) {
  if (find_test_model("stories260K.gguf").empty()) GTEST_SKIP() << "stories260K.gguf not found";
  const std::string chromium = chromium_path();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  const auto puppeteer = npm_package("puppeteer-core");
  if (puppeteer.dir.empty()) GTEST_SKIP() << "puppeteer-core is not available: " << puppeteer.skip;

  temp_dir dir;
  uint16_t http_port = 0, rpc_port = 0;
  const std::string config = dir.write("local-3node.toml", local_3node(dir, http_port, rpc_port));
  ASSERT_NE(http_port, 0);
  std::vector<std::unique_ptr<node_process>> nodes;
  int n = 0;
  for (const char* name : {"head", "worker-a", "worker-b"})
    nodes.push_back(
        std::make_unique<node_process>(config, name, dir.file("d" + std::to_string(n++))));
  for (auto& node : nodes) ASSERT_TRUE(node->wait_ready(120s)) << node->process().err();
  // Every node's device registered with the head before the browser looks.
  const std::string rpc = "127.0.0.1:" + std::to_string(rpc_port);
  bool three = false;
  for (int i = 0; i < 600 && !three; ++i) {
    try {
      cli::client c(rpc, api_key, 2s);
      auto [st, rows] = c.nodes();
      three = st.ok() && rows.size() == 3 &&
              std::all_of(rows.begin(), rows.end(), [](const cli::node_row& r) {
                return r.state == "up" && !r.devices.empty();
              });
    } catch (const std::exception&) {
    }
    if (!three) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(three) << "the head did not list three nodes up";

  // The page and its data, as any client sees them.
  const std::string base = "http://127.0.0.1:" + std::to_string(http_port);
  auto page = http_client::http_request(http_port, "GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<title>troupe status</title>"), std::string::npos);
  EXPECT_EQ(http_client::http_request(http_port, "GET", "/status").status,
            401);  // the data needs the key

  child_process browser({"/usr/bin/env", "node",
                         source_dir() + "/tests/node_process/clients/status_page.cjs",
                         npm_modules_dir(), base, api_key, chromium, std::to_string(jobs)});
  auto code = browser.wait(300s);
  ASSERT_EQ(code, 0) << "the browser script failed:\n" << browser.err() << browser.out();
  const json seen = json::parse(browser.out(), nullptr, false);
  ASSERT_FALSE(seen.is_discarded()) << browser.out();
  SCOPED_TRACE(seen.dump(2));

  EXPECT_EQ(seen["page_status"], 200);
  EXPECT_EQ(seen["content_type"], "text/html; charset=utf-8");
  EXPECT_NE(seen["csp"].get<std::string>().find("connect-src 'self'"), std::string::npos);
  EXPECT_TRUE(seen["login_shown"].get<bool>());
  EXPECT_TRUE(seen["login_hidden"].get<bool>());
  std::set<std::string> names;
  for (const auto& node : seen["nodes"]) {
    names.insert(node["name"].get<std::string>());
    EXPECT_EQ(node["state"], "up");
  }
  EXPECT_EQ(names, (std::set<std::string>{"head", "worker-a", "worker-b"}));
  EXPECT_EQ(seen["devices"].size(), 3u);
  EXPECT_EQ(seen["models"], json::array({"stories260K"}));
  EXPECT_NE(seen["cluster_meta"].get<std::string>().find("local-3node"), std::string::npos);
  // Everything the page loaded came from the head: no CDN, no font, no script from elsewhere.
  for (const auto& url : seen["requests"])
    EXPECT_EQ(url.get<std::string>().rfind(base + "/", 0), 0u) << url;
  EXPECT_TRUE(seen["page_errors"].empty());
  EXPECT_TRUE(seen["console_errors"].empty());

  // The jobs moved it: the generated total by at least their tokens, the chart above zero.
  const int64_t generated = seen["completion_tokens"];
  EXPECT_GE(generated, jobs);
  EXPECT_GE(seen["generated_after"].get<int64_t>() - seen["generated_before"].get<int64_t>(),
            generated);
  EXPECT_GT(seen["chart_max"].get<double>(), 0.0);
  EXPECT_GE(seen["chart_points"].get<int>(), 1);
  EXPECT_GT(seen["updates_after"].get<int>(), seen["updates_before"].get<int>());
  // And it shows what it was sent: no empty or undefined value, the devices' rows add up to the
  // total card, no error banner.
  EXPECT_TRUE(seen["broken_cells"].empty());
  EXPECT_EQ(seen["devices_generated"], seen["generated_shown"]);
  EXPECT_EQ(seen["banner"], "");

  for (auto& node : nodes) EXPECT_EQ(node->stop(), 0);
}

}  // namespace
}  // namespace troupe::testing
