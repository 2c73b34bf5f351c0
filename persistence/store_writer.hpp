// The job store's writer thread: every write goes through it, in call order, and it commits them
// in groups (internal to persistence/).
//
// Group commit: callers queue write_ops and return. The thread takes everything queued (up to
// max_batch_bytes), turns it into ONE rocksdb::WriteBatch, writes it (with sync=true when any op
// asks for durability, so one fsync covers the whole group), then runs every op's callback with
// its result. While one fsync is in progress the next group accumulates, so the more callers wait,
// the more each fsync carries; no timer or artificial delay is involved.
//
// Transitions and checkpoints read the job's current status record (s/<id>) and rewrite it; the
// thread is the only writer of s/ records, and an overlay holds the changes of the group being
// built, so a transition sees an accept or transition queued just before it in the same group.
//
// Accepts reserve their id and client_request_id while in flight (`reserve_accept`), so two
// concurrent accepts cannot both take them and `pending_request` answers for jobs not yet written.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "persistence/job_store.hpp"
#include "persistence/record_codec.hpp"

namespace troupe::store_detail {

struct accept_op {
  job_id id = 0;
  std::string spec_value;  // the encoded JobSpec
  std::string request_id;  // client_request_id; empty when none
  bool reserved = false;   // reserve_accept succeeded: the writer releases the reservation
};
struct running_op {
  job_id id = 0;
  std::string node;
  std::string device;
  int64_t started_us = 0;
};
struct queued_op {
  job_id id = 0;
};
struct checkpoint_op {
  job_id id = 0;
  std::string progress_value;  // the encoded JobProgress
};
struct finish_op {
  job_id id = 0;
  job_state state = job_state::done;
  finish_reason reason = finish_reason::none;
  status error;
  int64_t finished_us = 0;
  std::string progress_value;  // empty: the job has no output, its progress record is removed
};
struct barrier_op {};  // makes everything before it durable

struct write_op {
  std::variant<accept_op, running_op, queued_op, checkpoint_op, finish_op, barrier_op> body;
  bool sync = false;
  status rejected;  // not ok: the op was refused before queueing; the writer only reports it
  job_store::callback done;
};

class store_writer {
 public:
  using sync_observer = std::function<void(std::chrono::microseconds, size_t)>;
  store_writer(rocksdb::DB& db, size_t max_batch_bytes, sync_observer on_sync = {});
  ~store_writer();  // stop()

  void submit(write_op op);
  // Queues `op`. After stop(), runs its callback at once with errc::unavailable.

  status reserve_accept(job_id id, const std::string& request_id);
  // Fails when an accept of the same id or request id is in flight.

  std::optional<job_id> pending_request(const std::string& request_id) const;

  void stop();
  // Writes everything queued, runs the callbacks and joins the thread.

  store_stats stats() const;

 private:
  using overlay = std::unordered_map<job_id, store_codec::job_lifecycle>;

  void run();
  void commit(std::vector<write_op>& group);
  status apply(write_op& op, rocksdb::WriteBatch& batch, overlay& changes);
  status current(job_id id, overlay& changes, store_codec::job_lifecycle*& out);
  void put_status(rocksdb::WriteBatch& batch, job_id id, const store_codec::job_lifecycle& lc);

  rocksdb::DB& db_;
  const size_t max_batch_bytes_;
  const sync_observer on_sync_;
  uint64_t next_id_hint_ = 1;  // writer thread only

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<write_op> queue_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::unordered_set<job_id> pending_ids_;
  std::unordered_map<std::string, job_id> pending_requests_;

  std::atomic<uint64_t> ops_{0};
  std::atomic<uint64_t> failed_ops_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> synced_batches_{0};

  std::thread thread_;  // last: starts after everything above is initialized
};

size_t op_bytes(const write_op& op);
// Roughly what `op` adds to a WriteBatch.

}  // namespace troupe::store_detail
