// Bad input at the HTTP front door: every request gets a clear error, nothing crashes, nothing
// accepted is lost, and slow or idle clients cannot hold the server.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <thread>

#include "tests/api/api_test_util.hpp"
#include "tests/http/http_harness.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json error_of(const http_response& r) {
  return json::parse(r.body)["error"];
}

bool serves(http_harness& h) {
  auto r = h.post("/v1/completions", {{"model", "test"},
                                      {"prompt", "still here"},
                                      {"max_tokens", 3},
                                      {"temperature", 0},
                                      {"seed", 0}});
  return r.status == 200 &&
         json::parse(r.body)["choices"][0]["text"] == expected_text("still here", 3, {});
}

TEST(HttpRobustness, MalformedRequestsGetClearErrors) {
  http_harness h;
  auto raw = [&](const std::string& path, const std::string& body) {
    return http_request(h.port(), "POST", path, body);
  };
  auto r = raw("/v1/completions", "{\"model\": \"test\", \"prompt\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["type"], "invalid_request_error");
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("not valid JSON"), std::string::npos);
  r = raw("/v1/completions", "");
  EXPECT_EQ(r.status, 400);
  r = raw("/v1/completions", "[1, 2]");
  EXPECT_EQ(r.status, 400);
  r = raw("/v1/completions", "{\"model\":\"test\",\"prompt\":\"\xC3\x28\"}");  // invalid UTF-8
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("UTF-8"), std::string::npos);
  r = h.post("/v1/completions", {{"model", "test"}, {"prompt", "x"}, {"max_tokens", "many"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["param"], "max_tokens");
  r = h.post("/v1/completions", {{"model", "test"}, {"prompt", ""}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("empty"), std::string::npos);
  r = h.post("/v1/chat/completions", {{"model", "test"}, {"messages", json::array()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["param"], "messages");
  r = h.post("/api/generate", {{"model", "test"}, {"prompt", 5}});
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(error_of(r).is_string());  // Ollama's error shape
  r = h.get("/v1/nowhere");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_of(r)["code"], "not_found");
  r = h.get("/v1/completions");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "POST");
  r = http_request(h.port(), "DELETE", "/health");
  EXPECT_EQ(r.status, 405);
  // Deeply nested JSON (an unknown field, 500,000 levels): refused or ignored, never a crash.
  r = raw("/v1/completions", "{\"model\":\"test\",\"prompt\":\"x\",\"max_tokens\":1,\"junk\":" +
                                 std::string(500000, '[') + std::string(500000, ']') + "}");
  EXPECT_TRUE(r.status == 200 || r.status == 400) << r.status;
  r = raw("/v1/chat/completions", "{\"model\":\"test\",\"messages\":" + std::string(500000, '[') +
                                      std::string(500000, ']') + "}");
  EXPECT_EQ(r.status, 400);
  // A request line that is not HTTP.
  http_connection garbage(h.port());
  garbage.send_raw("\x16\x03\x01 definitely not http\r\n\r\n");
  EXPECT_TRUE(garbage.closed_by_server(5s));
  EXPECT_TRUE(serves(h));
  // Nothing accepted was lost: every job that was accepted ended.
  auto requests = h.core().stats()["overall"]["requests"];
  EXPECT_EQ(requests["in_flight"], 0) << requests;
  EXPECT_EQ(requests["accepted"], requests["processed"]) << requests;
}

// Out of file descriptors, accept() fails; the server keeps accepting once some are free.
TEST(HttpRobustness, RunningOutOfFileDescriptorsDoesNotStopTheServer) {
  http_harness h;
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  int open_now = 0;
  for (int fd = 0; fd < 4096; ++fd) open_now += fcntl(fd, F_GETFD) != -1 ? 1 : 0;
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(open_now + 40);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<std::unique_ptr<http_connection>> hog;
  for (int i = 0; i < 100; ++i) {
    try {
      hog.push_back(std::make_unique<http_connection>(h.port()));
    } catch (const std::exception&) {
      break;  // this process is out of descriptors too
    }
  }
  std::this_thread::sleep_for(300ms);  // the server meets EMFILE on accept meanwhile
  hog.clear();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_TRUE(serves(h));
  EXPECT_EQ(http_request(h.port(), "GET", "/health").status, 200);
}

TEST(HttpRobustness, HundredMegabyteBodyIs413) {
  http_harness_options o;
  o.limits.max_body_bytes = 1 << 20;
  http_harness h(o);
  http_connection c(h.port());
  const size_t size = 100u << 20;
  c.send_raw(
      "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(size) + "\r\n\r\n");
  const std::string block(1 << 20, 'a');
  for (size_t sent = 0; sent < size; sent += block.size())
    if (!c.try_send_raw(block)) break;  // the server may hang up once it has answered
  auto r = c.read_response();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(error_of(r)["code"], "body_too_large");
  // The same without a Content-Length (chunked): the limit holds while reading.
  http_connection chunked(h.port());
  chunked.send_raw(
      "POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 4; ++i) {
    char size_line[32];
    std::snprintf(size_line, sizeof(size_line), "%zx\r\n", block.size());
    if (!chunked.try_send_raw(size_line + block + "\r\n")) break;
  }
  chunked.try_send_raw("0\r\n\r\n");
  EXPECT_EQ(chunked.read_response().status, 413);
  EXPECT_TRUE(serves(h));
}

TEST(HttpRobustness, SlowlorisIsCutAtTheHeaderTimeout) {
  http_harness_options o;
  o.limits.header_timeout = 300ms;
  o.limits.body_timeout = 300ms;
  http_harness h(o);
  http_connection slow(h.port());
  slow.send_raw("POST /v1/completions HTTP/1.1\r\nHost: x\r\n");
  // Others are served meanwhile.
  EXPECT_TRUE(serves(h));
  for (int i = 0; i < 3 && slow.try_send_raw("X-Slow: 1\r\n"); ++i)
    std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(slow.closed_by_server(5s));
  // A body that never arrives: 408.
  http_connection stalled(h.port());
  stalled.send_raw("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
  auto r = stalled.read_response();
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(serves(h));
}

TEST(HttpRobustness, AThousandIdleConnectionsAndTheConnectionCap) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < 4096 && lim.rlim_max >= 4096) {
    lim.rlim_cur = 4096;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  ASSERT_GE(lim.rlim_cur, 2200u) << "this test needs 2 file descriptors per connection";
  http_harness h;
  std::vector<std::unique_ptr<http_connection>> idle;
  for (int i = 0; i < 1000; ++i) idle.push_back(std::make_unique<http_connection>(h.port()));
  EXPECT_TRUE(serves(h));
  idle.clear();

  http_harness_options o;
  o.limits.max_connections = 8;
  http_harness capped(o);
  std::vector<std::unique_ptr<http_connection>> held;
  for (int i = 0; i < 8; ++i) held.push_back(std::make_unique<http_connection>(capped.port()));
  // Wait until the server has accepted all eight, then a ninth is turned away.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (capped.server().stats().http_connections < 8 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(capped.server().stats().http_connections, 8);
  http_connection ninth(capped.port());
  EXPECT_EQ(ninth.read_response().status, 503);
  held.clear();
  deadline = std::chrono::steady_clock::now() + 10s;
  while (capped.server().stats().http_connections > 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(serves(capped));
}

TEST(HttpRobustness, KeepAliveServesManyRequestsOnOneConnection) {
  http_harness h;
  http_connection c(h.port());
  for (int i = 0; i < 20; ++i) {
    c.send("POST", "/v1/completions",
           json{{"model", "test"}, {"prompt", "k" + std::to_string(i)}, {"max_tokens", 2}}.dump());
    EXPECT_EQ(c.read_response().status, 200);
    c.send("GET", "/health");
    EXPECT_EQ(c.read_response().status, 200);
  }
  EXPECT_EQ(h.server().stats().http_connections, 1);
}

}  // namespace
}  // namespace troupe::testing
