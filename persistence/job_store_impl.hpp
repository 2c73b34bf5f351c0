// The state behind a job_store, shared by its implementation files (internal to persistence/):
// job_store.cpp opens, writes and closes; store_reads.cpp loads, recovers and sweeps.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "persistence/job_store.hpp"
#include "persistence/store_writer.hpp"

namespace troupe {

struct job_store::impl {
  std::string dir;
  job_store_options options;
  std::unique_ptr<rocksdb::DB> db;
  std::unique_ptr<store_detail::store_writer> writer;  // stopped, not destroyed, by close()
  std::mutex sweep_mu;                                 // one retention sweep at a time
  std::atomic<bool> closed{false};

  rocksdb::DB& database() const;
  // The open database; throws job_store_error once closed.
};

}  // namespace troupe
