#include "node/api/request_checks.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace troupe::api_edge {
namespace {

job_spec good() {
  job_spec s;
  s.model = "test";
  s.prompt = "hello";
  s.max_tokens = 8;
  return s;
}

errc code_of(const job_spec& s, const edge_limits& l = {}) {
  return check_submit(s, l).code;
}

TEST(RequestChecks, AcceptsAGoodSpec) {
  EXPECT_TRUE(check_submit(good(), {}).ok());
}

TEST(RequestChecks, RejectsEachBadFieldWithAMessageNamingTheRequest) {
  auto s = good();
  s.client_request_id = "r-1";
  s.prompt = "";
  auto st = check_submit(s, {});
  EXPECT_EQ(st.code, errc::invalid_argument);
  EXPECT_NE(st.message.find("submit (request 'r-1')"), std::string::npos) << st.message;
  EXPECT_NE(st.message.find("prompt is empty"), std::string::npos) << st.message;

  s = good();
  s.model = "";
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s.model = "a\nb";
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s = good();
  s.prompt = "\xff\xfe";
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s = good();
  s.max_tokens = 0;
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s.max_tokens = -5;
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s.max_tokens = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s = good();
  s.sampling.temperature = -1;
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s.sampling.temperature = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s = good();
  s.sampling.top_p = 0;
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s.sampling.top_p = 1.5f;
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s = good();
  s.sampling.top_k = -1;
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s = good();
  s.sampling.repetition_penalty = 0;
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s = good();
  s.stop = {"ok", "\xc3"};
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s.stop = {""};
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s.stop = std::vector<std::string>(17, "x");
  EXPECT_EQ(code_of(s), errc::invalid_argument);
  s = good();
  s.client_request_id = std::string(300, 'r');
  EXPECT_EQ(code_of(s), errc::invalid_argument);
}

TEST(RequestChecks, OversizedPromptIsPromptTooLong) {
  edge_limits l;
  l.max_prompt_bytes = 10;
  auto s = good();
  s.prompt = std::string(11, 'p');
  auto st = check_submit(s, l);
  EXPECT_EQ(st.code, errc::prompt_too_long);
  EXPECT_NE(st.message.find("11 bytes"), std::string::npos) << st.message;
}

TEST(RequestChecks, LimitsUpdateRanges) {
  edge_limits l;
  EXPECT_TRUE(check_limits_update("m", -1, -1, l).ok());
  EXPECT_TRUE(check_limits_update("m", 1, 0, l).ok());
  EXPECT_EQ(check_limits_update("m", 0, 1, l).code, errc::invalid_argument);
  EXPECT_EQ(check_limits_update("m", -2, 1, l).code, errc::invalid_argument);
  EXPECT_EQ(check_limits_update("m", 1, -3, l).code, errc::invalid_argument);
  EXPECT_EQ(check_limits_update("m", 2000000, 1, l).code, errc::invalid_argument);
  EXPECT_EQ(check_limits_update("", 1, 1, l).code, errc::invalid_argument);
}

TEST(RequestChecks, KeysEqual) {
  EXPECT_TRUE(keys_equal("secret", "secret"));
  EXPECT_FALSE(keys_equal("secreT", "secret"));
  EXPECT_FALSE(keys_equal("secret-and-more", "secret"));
  EXPECT_FALSE(keys_equal("sec", "secret"));
  EXPECT_FALSE(keys_equal("", "secret"));
  EXPECT_TRUE(keys_equal("", ""));
}

}  // namespace
}  // namespace troupe::api_edge
