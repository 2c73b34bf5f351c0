// Bad input over the wire: every malformed request gets a clear Status (or, for malformed Cap'n
// Proto, its connection is closed), and the node keeps serving others afterwards.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <limits>

#include "tests/api/api_harness.hpp"
#include "tests/api/api_test_util.hpp"
#include "tests/api/raw_client.hpp"

namespace troupe::testing {
namespace {

using namespace std::chrono_literals;

void expect_still_serving(api_harness& h) {
  cli::client c(h.address());
  auto out = c.submit(request("still serving", 12));
  ASSERT_TRUE(out.done) << out.status.message << out.lost_reason;
  EXPECT_EQ(out.text, expected_text("still serving", 12, {}));
}

api::ErrorCode submit_code(cli::client& c, const cli::job_request& r,
                           std::string* message = nullptr) {
  auto reply = c.submit_detached(r);
  if (message) *message = reply.status.message;
  return reply.status.code;
}

TEST(ApiRobustness, BadRequestsGetAClearStatus) {
  api_server_options options;
  options.max_prompt_bytes = 4096;
  api_harness h(api_config(), {}, options);
  cli::client c(h.address());
  std::string message;

  auto r = request("", 8);
  EXPECT_EQ(submit_code(c, r, &message), api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(message.find("prompt is empty"), std::string::npos) << message;

  r = request(std::string(5000, 'p'), 8);
  EXPECT_EQ(submit_code(c, r, &message), api::ErrorCode::PROMPT_TOO_LONG);
  EXPECT_NE(message.find("5000 bytes"), std::string::npos) << message;

  r = request("hello", 8);
  r.model = "no-such-model";
  EXPECT_EQ(submit_code(c, r, &message), api::ErrorCode::UNKNOWN_MODEL);
  EXPECT_NE(message.find("job "), std::string::npos) << message;  // the scheduler names the job

  for (int bad : {0, -1, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(),
                  5000 /* over the model's max_seq_len */}) {
    r = request("hello", bad);
    EXPECT_EQ(submit_code(c, r, &message), api::ErrorCode::INVALID_ARGUMENT) << bad;
  }

  r = request("bad \xff\xfe utf-8", 8);
  EXPECT_EQ(submit_code(c, r, &message), api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(message.find("UTF-8"), std::string::npos) << message;
  r = request("fine", 8);
  r.stop = {"ok", "\xc3("};
  EXPECT_EQ(submit_code(c, r), api::ErrorCode::INVALID_ARGUMENT);
  r.stop = {""};
  EXPECT_EQ(submit_code(c, r), api::ErrorCode::INVALID_ARGUMENT);

  for (float t : {-0.5f, 1000.0f, std::nanf(""), std::numeric_limits<float>::infinity()}) {
    r = request("fine", 8);
    r.temperature = t;
    EXPECT_EQ(submit_code(c, r), api::ErrorCode::INVALID_ARGUMENT) << t;
  }
  for (float p : {0.0f, -1.0f, 1.5f, std::nanf("")}) {
    r = request("fine", 8);
    r.top_p = p;
    EXPECT_EQ(submit_code(c, r), api::ErrorCode::INVALID_ARGUMENT) << p;
  }
  r = request("fine", 8);
  r.top_k = -3;
  EXPECT_EQ(submit_code(c, r), api::ErrorCode::INVALID_ARGUMENT);
  r = request("fine", 8);
  r.repetition_penalty = 0;
  EXPECT_EQ(submit_code(c, r), api::ErrorCode::INVALID_ARGUMENT);
  r = request("fine", 8);
  r.request_id = "with request id";
  r.prompt = "";
  EXPECT_EQ(submit_code(c, r, &message), api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(message.find("request 'with request id'"), std::string::npos) << message;

  expect_still_serving(h);
}

TEST(ApiRobustness, ValuesNoClientLibrarySends) {
  api_harness h(api_config());
  raw_session raw(h.address());
  auto submit = [&](auto edit) {
    auto req = raw.session().submitRequest();
    auto spec = req.initSpec();
    spec.setModel("test");
    spec.setPrompt("fine");
    spec.setMaxTokens(4);
    edit(spec);
    auto reply = raw.wait(req.send());
    return std::make_pair(reply.getStatus().getCode(),
                          std::string(reply.getStatus().getMessage().cStr()));
  };
  auto [code, message] =
      submit([](api::JobSpec::Builder s) { s.setPriority(static_cast<api::Priority>(9)); });
  EXPECT_EQ(code, api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(message.find("priority"), std::string::npos) << message;
  EXPECT_EQ(submit([](api::JobSpec::Builder s) { s.initStop(5000); }).first,
            api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(submit([](api::JobSpec::Builder s) { s.setModel(std::string(1000, 'm')); }).first,
            api::ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(submit([](api::JobSpec::Builder s) { s.setModel("te\nst"); }).first,
            api::ErrorCode::INVALID_ARGUMENT);
  // attach without a sink, unknown jobs
  auto attach = raw.session().attachRequest();
  attach.setJobId(1);
  EXPECT_EQ(raw.wait(attach.send()).getStatus().getCode(), api::ErrorCode::INVALID_ARGUMENT);
  expect_still_serving(h);
}

TEST(ApiRobustness, StreamsPerConnectionAreBounded) {
  api_server_options options;
  options.max_streams_per_connection = 2;
  api_harness h(api_config(), slow(2ms), options);
  cli::client c(h.address());
  auto job = c.submit_detached(request("watched a lot", 3000)).job;
  raw_session raw(h.address());
  std::vector<std::shared_ptr<sink_record>> records;
  auto attach = [&] {
    api::TokenSink::Client sink = nullptr;
    records.push_back(raw.make_sink(false, sink).record);
    auto req = raw.session().attachRequest();
    req.setJobId(job);
    req.setSink(sink);
    auto reply = raw.wait(req.send());
    return std::make_pair(reply.getStatus().getCode(),
                          std::string(reply.getStatus().getMessage().cStr()));
  };
  EXPECT_EQ(attach().first, api::ErrorCode::OK);
  EXPECT_EQ(attach().first, api::ErrorCode::OK);
  auto [code, message] = attach();
  EXPECT_EQ(code, api::ErrorCode::UNAVAILABLE);
  EXPECT_NE(message.find("2 streams open already"), std::string::npos) << message;
  // Other connections have their own allowance.
  raw_session other(h.address());
  api::TokenSink::Client sink = nullptr;
  other.make_sink(false, sink);
  auto req = other.session().attachRequest();
  req.setJobId(job);
  req.setSink(sink);
  EXPECT_EQ(other.wait(req.send()).getStatus().getCode(), api::ErrorCode::OK);
  c.cancel(job);
  expect_still_serving(h);
}

int connect_raw(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Writes `bytes`, then reads until the server closes the connection; false on timeout.
bool server_closes_after(uint16_t port, const std::vector<uint8_t>& bytes) {
  int fd = connect_raw(port);
  if (fd < 0) return false;
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    closed = n <= 0;
  }
  ::close(fd);
  return closed;
}

std::vector<uint8_t> words(std::initializer_list<uint32_t> values) {
  std::vector<uint8_t> out;
  for (auto v : values)
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}

TEST(ApiRobustness, GarbageOnTheSocketClosesOnlyThatConnection) {
  api_harness h(api_config());
  cli::client bystander(h.address());
  auto port = h.server().port();
  std::vector<uint8_t> noise(4096);
  uint32_t x = 12345;
  for (auto& b : noise) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 16);
  EXPECT_TRUE(server_closes_after(port, noise));
  // A frame claiming a segment far beyond any limit.
  EXPECT_TRUE(server_closes_after(port, words({0, 0x7fffffff})));
  // A well-framed message whose content is not an RPC message.
  auto framed = words({0, 8});
  for (int i = 0; i < 64; ++i) framed.push_back(static_cast<uint8_t>(0xa5 ^ i));
  EXPECT_TRUE(server_closes_after(port, framed));
  // A client that connects and leaves at once.
  int fd = connect_raw(port);
  ASSERT_GE(fd, 0);
  ::close(fd);

  auto out = bystander.submit(request("unbothered", 10));
  ASSERT_TRUE(out.done);
  EXPECT_EQ(out.text, expected_text("unbothered", 10, {}));
  expect_still_serving(h);
}

TEST(ApiRobustness, MessageOverTheTraversalLimitClosesItsConnection) {
  api_server_options options;
  options.traversal_limit_words = 16 << 10;  // 128 KiB per message
  api_harness h(api_config(), {}, options);
  {
    cli::client c(h.address());
    auto big = request(std::string(512 << 10, 'x'), 4);  // 512 KiB: allowed size, too big a message
    EXPECT_THROW(c.submit_detached(big), cli::connection_error);
  }
  expect_still_serving(h);
}

}  // namespace
}  // namespace troupe::testing
