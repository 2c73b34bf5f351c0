// The job store facing bad input on disk: unusable directories, foreign or newer databases,
// corruption, garbage records, use after close.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <fstream>

#include "persistence/job_store.hpp"
#include "persistence/sample_jobs.hpp"
#include "persistence/scratch_dir.hpp"
#include "persistence/store_keys.hpp"

namespace troupe {
namespace {

using samples::sample_job;

std::string open_error(const std::string& path) {
  try {
    job_store::open(path);
  } catch (const job_store_error& e) {
    return e.what();
  }
  return "";
}

void raw_put(const std::string& path, const std::string& key, const std::string& value) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

TEST(job_store_errors, open_creates_missing_directories) {
  scratch_dir dir("store-open");
  auto store = job_store::open(dir.sub("a/b/c"));
  EXPECT_EQ(store->dir(), dir.sub("a/b/c"));
  EXPECT_TRUE(store->recover().unfinished.empty());
  EXPECT_EQ(store->recover().next_id, 1u);
}

TEST(job_store_errors, open_refuses_a_path_that_is_a_file) {
  scratch_dir dir("store-file");
  std::ofstream(dir.sub("file")) << "x";
  auto error = open_error(dir.sub("file"));
  EXPECT_NE(error.find("is not a directory"), std::string::npos) << error;
  error = open_error(dir.sub("file/below"));
  EXPECT_NE(error.find("cannot create job store directory"), std::string::npos) << error;
}

TEST(job_store_errors, open_refuses_a_store_in_use) {
  scratch_dir dir("store-locked");
  auto store = job_store::open(dir.path());
  auto error = open_error(dir.path());
  EXPECT_NE(error.find("in use by another process"), std::string::npos) << error;
}

TEST(job_store_errors, open_refuses_a_newer_schema_version) {
  scratch_dir dir("store-newer");
  raw_put(dir.path(), std::string(store_keys::schema_version_key), store_keys::encode_u32(99));
  auto error = open_error(dir.path());
  EXPECT_NE(error.find("newer troupe (schema version 99; this build reads version 1)"),
            std::string::npos)
      << error;
}

TEST(job_store_errors, open_refuses_a_foreign_database) {
  scratch_dir dir("store-foreign");
  raw_put(dir.path(), "hello", "world");
  auto error = open_error(dir.path());
  EXPECT_NE(error.find("not a troupe job store"), std::string::npos) << error;
}

TEST(job_store_errors, open_reports_a_corrupt_database) {
  scratch_dir dir("store-corrupt");
  { job_store::open(dir.path())->accept_sync(sample_job(1, 1)); }
  std::ofstream(dir.sub("CURRENT"), std::ios::trunc) << "garbage";
  auto error = open_error(dir.path());
  EXPECT_NE(error.find(dir.path()), std::string::npos) << error;
  EXPECT_NE(error.find("corrupt"), std::string::npos) << error;
}

TEST(job_store_errors, a_garbage_record_is_reported_and_skipped_not_fatal) {
  scratch_dir dir("store-garbage");
  {
    auto store = job_store::open(dir.path());
    for (job_id id = 1; id <= 4; ++id) ASSERT_TRUE(store->accept_sync(sample_job(id, 8)).ok());
    store->checkpoint(3, {1, 2}, "ab", 5);
  }
  raw_put(dir.path(), store_keys::job_key(2), "definitely not a job record");
  raw_put(dir.path(), store_keys::progress_key(3), std::string(24, '\x7f'));
  auto store = job_store::open(dir.path());

  auto bad = store->load(2);
  EXPECT_EQ(bad.st.code, errc::internal);
  EXPECT_NE(bad.st.message.find("job 2: unreadable spec (j/) record"), std::string::npos)
      << bad.st.message;
  EXPECT_EQ(store->load(3).st.code, errc::internal);
  EXPECT_EQ(samples::diff_jobs(store->load(1).job, sample_job(1, 8)), "");

  auto state = store->recover();
  ASSERT_EQ(state.errors.size(), 2u);
  EXPECT_NE(state.errors[0].message.find("job 2"), std::string::npos) << state.errors[0].message;
  EXPECT_NE(state.errors[1].message.find("job 3: unreadable progress (p/)"), std::string::npos)
      << state.errors[1].message;
  ASSERT_EQ(state.unfinished.size(), 2u);
  EXPECT_EQ(state.next_id, 5u);

  // The store keeps working around the bad records.
  EXPECT_TRUE(store->accept_sync(sample_job(5, 8)).ok());
  EXPECT_EQ(store->recover().unfinished.size(), 3u);
}

TEST(job_store_errors, a_closed_store_refuses_work_clearly) {
  scratch_dir dir("store-closed");
  auto store = job_store::open(dir.path());
  ASSERT_TRUE(store->accept_sync(sample_job(1, 9)).ok());
  store->close();
  auto st = store->accept_sync(sample_job(2, 9));
  EXPECT_EQ(st.code, errc::unavailable);
  EXPECT_NE(st.message.find("closed"), std::string::npos);
  EXPECT_THROW(store->load(1), job_store_error);
  EXPECT_THROW(store->recover(), job_store_error);
  store->flush();  // no-op
  store->close();  // idempotent
}

}  // namespace
}  // namespace troupe
