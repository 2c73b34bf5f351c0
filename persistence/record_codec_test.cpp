#include "persistence/record_codec.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <limits>

#include "persistence/sample_jobs.hpp"
#include "persistence/store_keys.hpp"
#include "schema/job_record.capnp.h"

namespace troupe {
namespace {

using store_codec::job_lifecycle;

stored_job roundtrip_spec(const stored_job& job) {
  stored_job out;
  auto st = store_codec::decode_spec(job.id, store_codec::encode_spec(job), out);
  EXPECT_TRUE(st.ok()) << st.message;
  return out;
}

TEST(record_codec, spec_round_trips_every_field) {
  for (job_id id = 1; id <= 50; ++id) {
    stored_job job = samples::sample_job(id, 7);
    EXPECT_EQ(samples::diff_jobs(job, roundtrip_spec(job)), "") << "job " << id;
  }
}

TEST(record_codec, spec_round_trips_edge_values) {
  stored_job job;
  job.id = std::numeric_limits<job_id>::max();
  job.spec.model = "";
  job.spec.prompt = std::string("nul\0inside", 10) + "\xF0\x9F\x98\x80";  // bytes kept as given
  job.spec.max_tokens = std::numeric_limits<int32_t>::max();
  job.spec.sampling = {2.5f, 0.01f, -1,  0.5f, std::numeric_limits<uint64_t>::max(),
                       1.0f, -2.0f, 2.0f};
  job.spec.stop = {"", "a", std::string(1000, 'x')};
  job.spec.prio = priority::high;
  job.spec.client_request_id = "r/with/slashes";
  job.prompt = {0, -1, std::numeric_limits<token_id>::max(), std::numeric_limits<token_id>::min()};
  job.kv_blocks = std::numeric_limits<uint32_t>::max();
  job.max_new_tokens = -5;
  job.length_limited = true;
  job.timings.submitted_us = -1;
  EXPECT_EQ(samples::diff_jobs(job, roundtrip_spec(job)), "");
}

TEST(record_codec, decode_spec_keeps_the_lifecycle_of_its_target) {
  stored_job job = samples::sample_job(3, 1);
  stored_job out;
  out.state = job_state::running;
  out.generated = {1, 2};
  ASSERT_TRUE(store_codec::decode_spec(3, store_codec::encode_spec(job), out).ok());
  EXPECT_EQ(out.state, job_state::running);
  EXPECT_EQ(out.generated, (std::vector<token_id>{1, 2}));
  EXPECT_EQ(out.spec.prompt, job.spec.prompt);
}

TEST(record_codec, status_round_trips_every_state_reason_and_code) {
  for (int s = 0; s <= 4; ++s)
    for (int r = 0; r <= 4; ++r)
      for (int c = 0; c <= 9; ++c) {
        job_lifecycle lc;
        lc.state = static_cast<job_state>(s);
        lc.reason = static_cast<finish_reason>(r);
        lc.error = status{static_cast<errc>(c), "why " + std::to_string(c)};
        lc.started_us = 100 + s;
        lc.finished_us = 200 + r;
        lc.node = "node-" + std::to_string(s);
        lc.device = "gpu" + std::to_string(r);
        job_lifecycle out;
        ASSERT_TRUE(store_codec::decode_status(9, store_codec::encode_status(9, lc), out).ok());
        EXPECT_EQ(out.state, lc.state);
        EXPECT_EQ(out.reason, lc.reason);
        EXPECT_EQ(out.error.code, lc.error.code);
        EXPECT_EQ(out.error.message, lc.error.message);
        EXPECT_EQ(out.started_us, lc.started_us);
        EXPECT_EQ(out.finished_us, lc.finished_us);
        EXPECT_EQ(out.node, lc.node);
        EXPECT_EQ(out.device, lc.device);
      }
}

TEST(record_codec, progress_round_trips) {
  auto tokens = samples::sample_output(4, 2, 3000);
  std::string text = samples::sample_text(tokens);
  stored_job out;
  ASSERT_TRUE(
      store_codec::decode_progress(4, store_codec::encode_progress(4, tokens, text, 77), out).ok());
  EXPECT_EQ(out.generated, tokens);
  EXPECT_EQ(out.text, text);
  EXPECT_EQ(out.timings.first_token_us, 77);
}

TEST(record_codec, garbage_gives_an_error_naming_the_job) {
  std::string valid = store_codec::encode_spec(samples::sample_job(5, 1));
  std::vector<std::string> garbage = {
      "",
      "not a capnp message",              // size not a multiple of 8
      std::string(64, '\xff'),            // a segment table promising more than there is
      std::string(64, '\0'),              // parses: a null root, i.e. id 0, not job 5
      valid.substr(0, valid.size() / 2),  // truncated
      valid + std::string(8, '\0'),       // trailing bytes
  };
  for (size_t i = 0; i < garbage.size(); ++i) {
    stored_job out;
    auto st = store_codec::decode_spec(5, garbage[i], out);
    EXPECT_EQ(st.code, errc::internal) << "garbage " << i;
    EXPECT_NE(st.message.find("job 5"), std::string::npos) << st.message;
    EXPECT_NE(st.message.find("j/"), std::string::npos) << st.message;
  }
}

TEST(record_codec, a_record_under_another_jobs_key_is_rejected) {
  stored_job out;
  auto st = store_codec::decode_spec(6, store_codec::encode_spec(samples::sample_job(5, 1)), out);
  EXPECT_EQ(st.code, errc::internal);
  EXPECT_NE(st.message.find("holds job 5"), std::string::npos) << st.message;
}

TEST(record_codec, unknown_enumerants_are_rejected_not_guessed) {
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<store::JobStatus>();
  r.setId(8);
  r.setState(static_cast<store::JobState>(42));
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  job_lifecycle out;
  auto st = store_codec::decode_status(
      8, std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()), out);
  EXPECT_EQ(st.code, errc::internal);
  EXPECT_NE(st.message.find("state has an unknown value 42"), std::string::npos) << st.message;
}

TEST(record_codec, misaligned_values_decode) {
  std::string value = store_codec::encode_spec(samples::sample_job(11, 3));
  std::string shifted = "x" + value;
  stored_job out;
  ASSERT_TRUE(store_codec::decode_spec(11, std::string_view(shifted).substr(1), out).ok());
  EXPECT_EQ(samples::diff_jobs(out, samples::sample_job(11, 3)), "");
}

TEST(store_keys, ids_sort_numerically_and_parse_back) {
  EXPECT_LT(store_keys::job_key(255), store_keys::job_key(256));
  EXPECT_LT(store_keys::job_key(1), store_keys::job_key(uint64_t{1} << 40));
  EXPECT_EQ(store_keys::parse_id_key(store_keys::job_key(123456789), store_keys::job_prefix),
            123456789u);
  EXPECT_FALSE(store_keys::parse_id_key(store_keys::job_key(1), store_keys::status_prefix));
  EXPECT_FALSE(store_keys::parse_id_key("j/short", store_keys::job_prefix));
  EXPECT_LT(store_keys::job_key(~uint64_t{0}), store_keys::prefix_end(store_keys::job_prefix));
  EXPECT_EQ(store_keys::prefix_end("j/"), "j0");
}

TEST(store_keys, finished_keys_sort_by_time_then_id) {
  EXPECT_LT(store_keys::finished_key(-5, 9), store_keys::finished_key(0, 1));
  EXPECT_LT(store_keys::finished_key(0, 9), store_keys::finished_key(1, 1));
  EXPECT_LT(store_keys::finished_key(1000, 1), store_keys::finished_key(1000, 2));
  EXPECT_LT(store_keys::finished_key(1000, ~uint64_t{0}), store_keys::finished_key(1001, 0));
  EXPECT_EQ(store_keys::parse_finished_key(store_keys::finished_key(-3, 77)), 77u);
}

}  // namespace
}  // namespace troupe
