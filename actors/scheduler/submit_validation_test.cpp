#include "actors/scheduler/submit_validation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace troupe {
namespace {

job_spec good() {
  job_spec s;
  s.model = "m";
  s.prompt = "hello";
  s.max_tokens = 10;
  return s;
}

errc check(std::function<void(job_spec&)> edit, submit_limits limits = {}) {
  auto s = good();
  edit(s);
  return validate_submit(s, 7, limits).code;
}

TEST(SubmitValidation, AcceptsAGoodSpec) {
  EXPECT_EQ(check([](job_spec&) {}), errc::ok);
}

TEST(SubmitValidation, RejectsBadValuesWithTheJobNamed) {
  auto s = good();
  s.max_tokens = 0;
  auto st = validate_submit(s, 7, {});
  EXPECT_EQ(st.code, errc::invalid_argument);
  EXPECT_NE(st.message.find("job 7"), std::string::npos);
  EXPECT_NE(st.message.find("max_tokens"), std::string::npos);

  EXPECT_EQ(check([](job_spec& x) { x.prompt.clear(); }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.prompt = "bad \xC3\x28 utf8"; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.max_tokens = -5; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.max_tokens = 1 << 30; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.temperature = -1; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.temperature = NAN; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.top_p = 0; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.top_p = 1.5f; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.top_k = -1; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.repetition_penalty = 0; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.min_p = -0.1f; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.min_p = 1.5f; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.presence_penalty = 2.5f; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.sampling.frequency_penalty = NAN; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) {
              x.sampling.min_p = 1;
              x.sampling.presence_penalty = -2;
              x.sampling.frequency_penalty = 2;
            }),
            errc::ok);
  EXPECT_EQ(check([](job_spec& x) { x.stop = {""}; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.stop = std::vector<std::string>(17, "x"); }),
            errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.stop = {std::string(300, 'x')}; }), errc::invalid_argument);
  EXPECT_EQ(check([](job_spec& x) { x.client_request_id = std::string(300, 'r'); }),
            errc::invalid_argument);
}

TEST(SubmitValidation, OversizedPromptIsPromptTooLong) {
  submit_limits l;
  l.max_prompt_bytes = 100;
  EXPECT_EQ(check([](job_spec& x) { x.prompt = std::string(101, 'a'); }, l), errc::prompt_too_long);
  EXPECT_EQ(check([](job_spec& x) { x.prompt = std::string(100, 'a'); }, l), errc::ok);
}

TEST(request_difference, NamesTheFirstFieldThatDiffers) {
  job_spec a;
  a.model = "m";
  a.prompt = "p";
  job_spec b = a;
  EXPECT_EQ(request_difference(a, b), "");
  b.sampling.seed = 1;
  EXPECT_EQ(request_difference(a, b), "sampling.seed");
  b.prompt = "q";
  EXPECT_EQ(request_difference(a, b), "prompt");
  b = a;
  b.stop = {"x"};
  EXPECT_EQ(request_difference(a, b), "stop");
  b = a;
  b.client_request_id = "other";  // the id itself is not part of the request
  EXPECT_EQ(request_difference(a, b), "");
}

}  // namespace
}  // namespace troupe
