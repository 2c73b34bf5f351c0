#include "persistence/job_store.hpp"

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>

#include <filesystem>
#include <future>
#include <utility>

#include "persistence/job_store_impl.hpp"
#include "persistence/record_codec.hpp"
#include "persistence/store_keys.hpp"

namespace troupe {

namespace keys = store_keys;
using store_detail::write_op;

namespace {

rocksdb::Options make_options() {
  rocksdb::Options o;
  o.create_if_missing = true;
  // A process killed in the middle of a WAL write leaves a torn last record: recovery stops there
  // (that write was never acknowledged) instead of refusing to open.
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  o.keep_log_file_num = 4;
  o.max_log_file_size = 8 << 20;
  rocksdb::BlockBasedTableOptions table;
  // Accepts, transitions and checkpoints look up keys that are usually absent or recent.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // The retention sweep deletes keys in runs: compact files dense with tombstones early, so scans
  // over the f/ index do not wade through them.
  o.table_properties_collector_factories.emplace_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(16384, 8192));
  return o;
}

std::string describe_open_failure(const std::string& dir, const rocksdb::Status& st) {
  std::string where = "job store at '" + dir + "'";
  if (st.IsCorruption()) return where + " is corrupt: " + st.ToString();
  if (st.IsIOError() && st.ToString().find("lock") != std::string::npos)
    return where + " is in use by another process: " + st.ToString();
  if (st.IsIOError()) return "cannot read " + where + ": " + st.ToString();
  return "cannot open " + where + ": " + st.ToString();
}

void check_schema(rocksdb::DB& db, const std::string& dir) {
  std::string value;
  auto st = db.Get(rocksdb::ReadOptions(), keys::schema_version_key, &value);
  if (st.ok()) {
    auto version = keys::decode_u32(value);
    if (!version)
      throw job_store_error("job store at '" + dir + "' has an unreadable schema version");
    if (*version > keys::kSchemaVersion)
      throw job_store_error("job store at '" + dir +
                            "' was written by a newer troupe (schema version " +
                            std::to_string(*version) + "; this build reads version " +
                            std::to_string(keys::kSchemaVersion) + ")");
    if (*version < keys::kSchemaVersion)
      throw job_store_error("job store at '" + dir + "' has schema version " +
                            std::to_string(*version) + ", which this build cannot migrate");
    return;
  }
  if (!st.IsNotFound())
    throw job_store_error("cannot read job store at '" + dir + "': " + st.ToString());
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  it->SeekToFirst();
  if (it->Valid())
    throw job_store_error("'" + dir +
                          "' holds a RocksDB database that is not a troupe job store (it has no " +
                          std::string(keys::schema_version_key) + ")");
  rocksdb::WriteOptions sync;
  sync.sync = true;
  st = db.Put(sync, keys::schema_version_key, keys::encode_u32(keys::kSchemaVersion));
  if (!st.ok())
    throw job_store_error("cannot initialize job store at '" + dir + "': " + st.ToString());
}

status validate_new_job(const stored_job& job) {
  if (job.id == 0) return make_status(errc::invalid_argument, "job id 0 is not a valid job id");
  if (job.state != job_state::queued)
    return make_status(errc::invalid_argument,
                       "job " + std::to_string(job.id) + ": a new job must be queued");
  if (!job.generated.empty())
    return make_status(errc::invalid_argument,
                       "job " + std::to_string(job.id) + ": a new job has no output yet");
  return {};
}

}  // namespace

rocksdb::DB& job_store::impl::database() const {
  if (closed.load() || !db) throw job_store_error("job store at '" + dir + "' is closed");
  return *db;
}

std::unique_ptr<job_store> job_store::open(const std::string& dir,
                                           const job_store_options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw job_store_error("job store path '" + dir + "' exists and is not a directory");
  fs::create_directories(dir, ec);
  if (ec) throw job_store_error("cannot create job store directory '" + dir + "': " + ec.message());

  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(make_options(), dir, &raw);
  if (!st.ok()) throw job_store_error(describe_open_failure(dir, st));
  auto state = std::make_unique<impl>();
  state->dir = dir;
  state->options = options;
  state->db.reset(raw);
  check_schema(*state->db, dir);
  state->writer = std::make_unique<store_detail::store_writer>(*state->db, options.max_batch_bytes,
                                                               options.on_sync);
  return std::unique_ptr<job_store>(new job_store(std::move(state)));
}

job_store::job_store(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

job_store::~job_store() {
  close();
}

void job_store::accept(stored_job job, callback done) {
  write_op op;
  op.sync = impl_->options.sync_accept;
  op.done = std::move(done);
  store_detail::accept_op a;
  a.id = job.id;
  a.request_id = job.spec.client_request_id;
  op.rejected = validate_new_job(job);
  if (op.rejected.ok() && !impl_->closed.load()) {
    op.rejected = impl_->writer->reserve_accept(a.id, a.request_id);
    a.reserved = op.rejected.ok();
  }
  if (op.rejected.ok() && !impl_->closed.load()) {
    // Not in flight (reserved above) and not stored: the id and request id are this job's.
    rocksdb::DB& db = *impl_->db;
    std::string value;
    auto st = db.Get(rocksdb::ReadOptions(), keys::status_key(a.id), &value);
    if (st.ok()) {
      op.rejected = make_status(errc::invalid_argument,
                                "job " + std::to_string(a.id) + " is already in the store");
    } else if (!st.IsNotFound()) {
      op.rejected = make_status(errc::unavailable, "job store read failed: " + st.ToString());
    } else if (!a.request_id.empty()) {
      st = db.Get(rocksdb::ReadOptions(), keys::request_key(a.request_id), &value);
      if (st.ok())
        op.rejected = make_status(errc::invalid_argument,
                                  "client_request_id '" + a.request_id + "' already names job " +
                                      std::to_string(keys::decode_u64(value).value_or(0)));
      else if (!st.IsNotFound())
        op.rejected = make_status(errc::unavailable, "job store read failed: " + st.ToString());
    }
  }
  if (op.rejected.ok()) a.spec_value = store_codec::encode_spec(job);
  op.body = std::move(a);
  impl_->writer->submit(std::move(op));
}

status job_store::accept_sync(stored_job job) {
  auto result = std::make_shared<std::promise<status>>();
  auto future = result->get_future();
  accept(std::move(job), [result](status st) { result->set_value(std::move(st)); });
  return future.get();
}

void job_store::mark_running(job_id id, std::string node, std::string device, int64_t started_us,
                             callback done) {
  write_op op;
  op.body = store_detail::running_op{id, std::move(node), std::move(device), started_us};
  op.sync = impl_->options.sync_transitions;
  op.done = std::move(done);
  impl_->writer->submit(std::move(op));
}

void job_store::mark_queued(job_id id, callback done) {
  write_op op;
  op.body = store_detail::queued_op{id};
  op.sync = impl_->options.sync_transitions;
  op.done = std::move(done);
  impl_->writer->submit(std::move(op));
}

void job_store::checkpoint(job_id id, std::vector<token_id> generated, std::string text,
                           int64_t first_token_us, callback done) {
  write_op op;
  op.body = store_detail::checkpoint_op{
      id, store_codec::encode_progress(id, generated, text, first_token_us)};
  op.sync = impl_->options.sync_checkpoints;
  op.done = std::move(done);
  impl_->writer->submit(std::move(op));
}

void job_store::finish(job_id id, job_outcome outcome, callback done) {
  write_op op;
  if (!is_terminal(outcome.state))
    op.rejected = make_status(errc::invalid_argument,
                              "job " + std::to_string(id) + ": finish needs a terminal state");
  store_detail::finish_op f;
  f.id = id;
  f.state = outcome.state;
  f.reason = outcome.reason;
  f.error = std::move(outcome.error);
  f.finished_us = outcome.finished_us;
  if (!outcome.generated.empty() || !outcome.text.empty() || outcome.first_token_us != 0)
    f.progress_value =
        store_codec::encode_progress(id, outcome.generated, outcome.text, outcome.first_token_us);
  op.body = std::move(f);
  op.sync = impl_->options.sync_transitions;
  op.done = std::move(done);
  impl_->writer->submit(std::move(op));
}

std::optional<job_id> job_store::lookup_request_id(const std::string& client_request_id) const {
  if (client_request_id.empty()) return std::nullopt;
  rocksdb::DB& db = impl_->database();
  if (auto pending = impl_->writer->pending_request(client_request_id)) return pending;
  std::string value;
  auto st = db.Get(rocksdb::ReadOptions(), keys::request_key(client_request_id), &value);
  if (st.IsNotFound()) return std::nullopt;
  if (!st.ok()) throw job_store_error("job store read failed: " + st.ToString());
  return keys::decode_u64(value);  // nullopt for a garbage value: no usable id
}

size_t job_store::remove_expired(int64_t now_us) {
  return remove_finished_before(now_us - impl_->options.retention.count());
}

void job_store::flush() {
  if (impl_->closed.load()) return;
  auto result = std::make_shared<std::promise<void>>();
  auto future = result->get_future();
  write_op op;
  op.body = store_detail::barrier_op{};
  op.sync = true;
  op.done = [result](status) { result->set_value(); };
  impl_->writer->submit(std::move(op));
  future.get();
}

void job_store::close() {
  if (!impl_ || impl_->closed.exchange(true)) return;
  impl_->writer->stop();
  if (impl_->options.flush_memtables_on_close) impl_->db->Flush(rocksdb::FlushOptions());
  impl_->db->SyncWAL();
  impl_->db->Close();
  impl_->db.reset();
}

store_stats job_store::stats() const {
  return impl_->writer->stats();
}

const std::string& job_store::dir() const {
  return impl_->dir;
}

}  // namespace troupe
