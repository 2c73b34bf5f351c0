// The durable job store: every job the head node accepts, kept in RocksDB so that a restart
// (even after kill -9) resumes all work with nothing lost or duplicated.
//
// Contract with the scheduler:
//   - Accepted means durable. `accept` acknowledges a job only once its records are in the WAL
//     and the WAL is fsynced (with the default `sync_accept`). Only then may the job id go back to
//     the client. Concurrent accepts are group-committed: one writer thread writes everything
//     pending as one WriteBatch with one fsync, so durable accepts/s is far above one fsync per
//     job.
//   - Every write (accept, transitions, checkpoints, finish) goes through that one writer thread
//     in call order, so the writes for one job are applied in the order they were made (a
//     checkpoint never overtakes its accept). Callbacks run on the writer thread, in order: keep
//     them short (an actor posts itself a message) and never call back into the store from one
//     and wait (accept_sync, flush) — that deadlocks.
//   - A running job checkpoints its generated tokens; after a restart `recover` returns it with
//     the last checkpoint, and the scheduler resumes it (prefill prompt + generated, continue).
//     With deterministic sampling the resumed output equals the uninterrupted one.
//   - Checkpoints are not fsynced by default (`sync_checkpoints`): a write that reached the WAL
//     without fsync is in the OS page cache and survives the process being killed; only an OS
//     crash or power loss can lose it, and then the job resumes from an earlier checkpoint (more
//     recomputation, same output). The next synced write (any accept) makes it durable too.
//   - Finished jobs stay readable (`load`, `lookup_request_id`) until removed by the retention
//     sweep (`remove_expired` / `remove_finished_before`), which the caller runs periodically.
//
// Errors: problems with the store as a whole (unreadable directory, corrupt database, wrong
// schema version, I/O failure while reading) throw `job_store_error`; problems with one record
// (a garbage value) are reported as a `status` for that job, and `recover` skips such jobs and
// lists them, so one bad record never stops a restart.
//
// All member functions are thread-safe, except that `close` and the destructor must not race
// with other calls. The key layout is in persistence/store_keys.hpp, the records in
// schema/job_record.capnp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/types.hpp"

namespace troupe {

struct stored_job {  // one job as the store keeps it (the durable part of a job_record)
  job_id id = 0;
  job_spec spec;                 // model, prompt, max_tokens, sampling, stop, prio, request id
  std::vector<token_id> prompt;  // prompt token ids
  uint32_t kv_blocks = 0;
  int32_t max_new_tokens = 0;  // max_tokens, cut to fit max_seq_len
  bool length_limited = false;
  job_state state = job_state::queued;
  job_timings timings;
  std::string node;  // where it runs or last ran
  std::string device;
  finish_reason reason = finish_reason::none;
  status error;
  std::vector<token_id> generated;  // the last checkpoint
  std::string text;
};

struct job_outcome {                  // what `finish` records
  job_state state = job_state::done;  // done, failed or cancelled
  finish_reason reason = finish_reason::none;
  status error;  // for failed and cancelled
  int64_t first_token_us = 0;
  int64_t finished_us = 0;
  std::vector<token_id> generated;  // the final output: replaces the last checkpoint
  std::string text;
};

struct job_store_options {
  bool sync_accept = true;        // fsync the WAL before acknowledging an accept
  bool sync_transitions = true;   // also for mark_running, mark_queued and finish
  bool sync_checkpoints = false;  // see the header comment: WAL without fsync survives kill -9
  std::chrono::microseconds retention = std::chrono::hours(24);  // for remove_expired
  size_t max_batch_bytes = size_t{8} << 20;  // a group commit stops adding writes past this size
  bool flush_memtables_on_close = true;      // a clean close leaves no WAL to replay at open
  std::function<void(std::chrono::microseconds took, size_t writes)> on_sync;
  // Called on the writer thread after each fsynced group commit (metrics); must be quick.
};

struct load_result {
  status st;  // not_found when there is no such job, internal when its records are unreadable
  stored_job job;
};

struct recovered_state {
  std::vector<stored_job> unfinished;  // queued + running, by priority (high first), then id
  job_id next_id = 1;                  // above every id the store has ever accepted
  size_t finished_kept = 0;            // finished jobs still held (until the retention sweep)
  std::vector<status> errors;          // jobs skipped because their records are unreadable
};

struct store_stats {
  uint64_t ops = 0;             // writes handled by the writer thread (accepts, transitions, ...)
  uint64_t failed_ops = 0;      // of which rejected or failed
  uint64_t batches = 0;         // WriteBatches written
  uint64_t synced_batches = 0;  // of which fsynced (one WAL fsync each)
};

class job_store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class job_store {
 public:
  using callback = std::function<void(status)>;

  static std::unique_ptr<job_store> open(const std::string& dir,
                                         const job_store_options& options = {});
  // Opens the store in `dir`, creating the directory and an empty store when missing. Throws
  // job_store_error when the directory cannot be created or read, the database is corrupt or in
  // use by another process, or it was written with an unknown schema version.

  ~job_store();  // close()

  job_store(const job_store&) = delete;
  job_store& operator=(const job_store&) = delete;

  void accept(stored_job job, callback done);
  // Stores a new job, state queued, and calls `done` once it is durable (ok) or rejected. Only
  // the request part of `job` is stored (id, spec, prompt, kv_blocks, max_new_tokens,
  // length_limited, timings.submitted_us). Rejected with invalid_argument: id 0, a state other
  // than queued, an id the store already holds, a client_request_id that already names a job;
  // with unavailable when the write fails. The caller assigns ids (from recover().next_id on).

  status accept_sync(stored_job job);
  // accept, waiting for the result.

  void mark_running(job_id id, std::string node, std::string device, int64_t started_us,
                    callback done = {});
  // The job went to a device. Fails with not_found / invalid_argument for an unknown or finished
  // job. Also used when a recovered job resumes.

  void mark_queued(job_id id, callback done = {});
  // A running job went back to waiting (its node was lost); node, device and progress are kept.

  void checkpoint(job_id id, std::vector<token_id> generated, std::string text,
                  int64_t first_token_us, callback done = {});
  // Replaces the job's progress with all tokens generated so far and their text. Rejected for an
  // unknown or finished job. Unsynced unless `sync_checkpoints`.

  void finish(job_id id, job_outcome outcome, callback done = {});
  // Moves the job to a terminal state with its final output, and into the retention index.

  std::optional<job_id> lookup_request_id(const std::string& client_request_id) const;
  // The job submitted with this idempotency key, if any. Includes accepts still in flight (their
  // callback not yet run), so a duplicate submit can never make a second job: the caller must
  // then answer the duplicate only after the original accept succeeded.

  load_result load(job_id id) const;

  recovered_state recover() const;
  // Reads every unfinished job (running ones with their last checkpoint). Call after open,
  // before new writes. Unreadable jobs are skipped and listed in `errors`.

  size_t remove_finished_before(int64_t us);
  // Deletes every job that finished before `us` (all its records); returns how many.

  size_t remove_expired(int64_t now_us);
  // remove_finished_before(now_us - options.retention).

  void flush();
  // Waits until every write requested before the call is applied and fsynced.

  void close();
  // Writes what is pending, runs its callbacks, and closes the database. Later writes fail with
  // unavailable (their callbacks run at once, on the calling thread); later reads throw.

  store_stats stats() const;
  const std::string& dir() const;

 private:
  struct impl;
  explicit job_store(std::unique_ptr<impl> state);

  std::unique_ptr<impl> impl_;
};

}  // namespace troupe
