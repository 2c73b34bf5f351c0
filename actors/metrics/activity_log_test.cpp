#include "actors/metrics/activity_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

std::vector<nlohmann::json> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string l; std::getline(in, l);) out.push_back(nlohmann::json::parse(l));
  return out;
}

job_summary finished(job_id id, job_event e) {
  job_summary s;
  s.model = "stories";
  s.event = e;
  s.prompt_tokens = 5;
  s.generated_tokens = 7;
  s.timings = {1'000'000, 1'002'000, 1'010'500, 1'100'000};
  s.reason = finish_reason::eos;
  s.id = id;
  s.node = "worker-a";
  s.device = "llvmpipe";
  s.client_address = "127.0.0.1:40312";
  return s;
}

TEST(ActivityLog, OneLinePerFinishedJobWithEveryField) {
  testing::temp_dir dir;
  const std::string path = dir.file("activity.log");
  {
    activity_log log(path);
    log.record(finished(1, job_event::accepted));  // not finished: no line
    log.record(finished(2, job_event::done));
    auto failed = finished(3, job_event::failed);
    failed.error = errc::internal;
    failed.client_request_id = "req-9";
    failed.client_address.clear();      // submitted in process
    failed.timings.first_token_us = 0;  // never produced a token
    log.record(failed);
    log.record(finished(4, job_event::requeued));
  }
  const auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 2u);
  const auto& done = lines[0];
  EXPECT_EQ(done["id"], 2);
  EXPECT_EQ(done["model"], "stories");
  EXPECT_EQ(done["node"], "worker-a");
  EXPECT_EQ(done["device"], "llvmpipe");
  EXPECT_EQ(done["state"], "done");
  EXPECT_EQ(done["finish_reason"], "eos");
  EXPECT_TRUE(done["error"].is_null());
  EXPECT_EQ(done["prompt_tokens"], 5);
  EXPECT_EQ(done["generated_tokens"], 7);
  EXPECT_DOUBLE_EQ(done["queue_wait_ms"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(done["ttft_ms"].get<double>(), 10.5);
  EXPECT_DOUBLE_EQ(done["duration_ms"].get<double>(), 100.0);
  EXPECT_TRUE(done["client_request_id"].is_null());
  EXPECT_EQ(done["client"], "127.0.0.1:40312");
  EXPECT_EQ(done["time"].get<std::string>().back(), 'Z');
  const auto& failed = lines[1];
  EXPECT_EQ(failed["state"], "failed");
  EXPECT_TRUE(failed["finish_reason"].is_null());
  EXPECT_EQ(failed["error"], std::string(to_string(errc::internal)));
  EXPECT_TRUE(failed["ttft_ms"].is_null());
  EXPECT_EQ(failed["client_request_id"], "req-9");
  EXPECT_TRUE(failed["client"].is_null());
}

TEST(ActivityLog, RotatesBySize) {
  testing::temp_dir dir;
  const std::string path = dir.file("activity.log");
  {
    activity_log log(path, {2048, 2});
    for (job_id i = 1; i <= 100; ++i) log.record(finished(i, job_event::done));
  }
  const auto current = lines_of(path);
  const auto older = lines_of(dir.file("activity.1.log"));
  ASSERT_FALSE(current.empty());
  ASSERT_FALSE(older.empty());
  EXPECT_EQ(current.back()["id"], 100);  // the newest lines are in the current file
  EXPECT_LT(older.back()["id"].get<int>(), current.front()["id"].get<int>());
}

TEST(ActivityLog, ALineThatCannotBeWrittenIsDroppedAndCounted) {
  testing::temp_dir dir;
  const std::string path = dir.file("activity.log");
  std::filesystem::create_symlink("/dev/full", path);  // every write fails with ENOSPC
  activity_log log(path);
  log.record(finished(1, job_event::done));
  log.record(finished(2, job_event::done));
  EXPECT_EQ(log.dropped(), 2u);
}

TEST(ActivityLog, AnUnwritablePathIsAnErrorNamingIt) {
  testing::temp_dir dir;
  const std::string file = dir.write("plain", "x");
  try {
    activity_log log(file + "/activity.log");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace troupe
