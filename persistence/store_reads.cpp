// job_store's reads and the retention sweep: load, recover, remove_finished_before.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "persistence/job_store.hpp"
#include "persistence/job_store_impl.hpp"
#include "persistence/record_codec.hpp"
#include "persistence/store_keys.hpp"

namespace troupe {

namespace keys = store_keys;

namespace {

class snapshot_guard {  // a consistent view for reads that span several keys
 public:
  explicit snapshot_guard(rocksdb::DB& db) : db_(db), snapshot_(db.GetSnapshot()) {}
  ~snapshot_guard() { db_.ReleaseSnapshot(snapshot_); }
  snapshot_guard(const snapshot_guard&) = delete;
  snapshot_guard& operator=(const snapshot_guard&) = delete;

  rocksdb::ReadOptions options() const {
    rocksdb::ReadOptions o;
    o.snapshot = snapshot_;
    return o;
  }

 private:
  rocksdb::DB& db_;
  const rocksdb::Snapshot* snapshot_;
};

void check(const rocksdb::Status& st, const std::string& what) {
  if (!st.ok()) throw job_store_error("job store: " + what + " failed: " + st.ToString());
}

// Walks one prefix's keys forward to ids asked for in increasing order: one Next() when the ids
// are dense (the usual case), a Seek() when they are not.
class id_cursor {
 public:
  id_cursor(rocksdb::DB& db, rocksdb::ReadOptions options, std::string_view prefix)
      : prefix_(prefix), upper_(keys::prefix_end(prefix)) {
    upper_slice_ = rocksdb::Slice(upper_);
    options.iterate_upper_bound = &upper_slice_;
    it_.reset(db.NewIterator(options));
  }

  bool find(job_id id, rocksdb::Slice& value) {
    std::string target = keys::id_key(prefix_, id);
    if (!positioned_) {
      it_->Seek(target);
      positioned_ = true;
    } else if (it_->Valid() && it_->key().compare(target) < 0) {
      it_->Next();
      if (it_->Valid() && it_->key().compare(target) < 0) it_->Seek(target);
    }
    check(it_->status(), "reading " + std::string(prefix_) + " records");
    if (!it_->Valid() || it_->key() != rocksdb::Slice(target)) return false;
    value = it_->value();
    return true;
  }

 private:
  std::string prefix_;
  std::string upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  bool positioned_ = false;
};

status missing(job_id id, std::string_view record) {
  return make_status(errc::internal, "job " + std::to_string(id) + ": its " + std::string(record) +
                                         " record is missing");
}

// Assembles one job from its records into a default-constructed `out` (left partly filled on
// error); `progress` may be null (no checkpoint yet).
status assemble(job_id id, const rocksdb::Slice* spec, const rocksdb::Slice* lifecycle,
                const rocksdb::Slice* progress, stored_job& out) {
  if (spec == nullptr) return missing(id, "spec (j/)");
  if (lifecycle == nullptr) return missing(id, "status (s/)");
  if (auto st = store_codec::decode_spec(id, spec->ToStringView(), out); !st.ok()) return st;
  store_codec::job_lifecycle lc;
  if (auto st = store_codec::decode_status(id, lifecycle->ToStringView(), lc); !st.ok()) return st;
  store_codec::apply_lifecycle(lc, out);
  if (progress != nullptr)
    if (auto st = store_codec::decode_progress(id, progress->ToStringView(), out); !st.ok())
      return st;
  return {};
}

struct recovered_part {
  std::vector<stored_job> jobs;  // ascending ids
  std::vector<status> errors;
};

// Reads the unfinished jobs `ids` (ascending) names.
recovered_part recover_ids(rocksdb::DB& db, const rocksdb::ReadOptions& options,
                           std::span<const job_id> ids) {
  recovered_part part;
  part.jobs.reserve(ids.size());
  id_cursor specs(db, options, keys::job_prefix);
  id_cursor statuses(db, options, keys::status_prefix);
  id_cursor progress(db, options, keys::progress_prefix);
  for (job_id id : ids) {
    rocksdb::Slice spec, lifecycle, output;
    bool has_spec = specs.find(id, spec);
    bool has_status = statuses.find(id, lifecycle);
    bool has_progress = progress.find(id, output);
    stored_job& job = part.jobs.emplace_back();
    auto st = assemble(id, has_spec ? &spec : nullptr, has_status ? &lifecycle : nullptr,
                       has_progress ? &output : nullptr, job);
    if (st.ok() && is_terminal(job.state))
      st = make_status(errc::internal,
                       "job " + std::to_string(id) + ": finished but still in the live index");
    if (!st.ok()) {
      part.jobs.pop_back();
      part.errors.push_back(std::move(st));
    }
  }
  return part;
}

}  // namespace

load_result job_store::load(job_id id) const {
  rocksdb::DB& db = impl_->database();
  snapshot_guard snapshot(db);
  auto options = snapshot.options();
  std::string spec, lifecycle, progress;
  auto st = db.Get(options, keys::job_key(id), &spec);
  if (st.IsNotFound())
    return {make_status(errc::not_found, "no job " + std::to_string(id) + " in the store"), {}};
  check(st, "reading job " + std::to_string(id));
  st = db.Get(options, keys::status_key(id), &lifecycle);
  bool has_status = st.ok();
  if (!st.IsNotFound()) check(st, "reading job " + std::to_string(id));
  st = db.Get(options, keys::progress_key(id), &progress);
  bool has_progress = st.ok();
  if (!st.IsNotFound()) check(st, "reading job " + std::to_string(id));

  rocksdb::Slice spec_slice(spec), status_slice(lifecycle), progress_slice(progress);
  load_result result;
  result.st = assemble(id, &spec_slice, has_status ? &status_slice : nullptr,
                       has_progress ? &progress_slice : nullptr, result.job);
  if (!result.st.ok()) result.job = stored_job{};
  return result;
}

recovered_state job_store::recover() const {
  rocksdb::DB& db = impl_->database();
  snapshot_guard snapshot(db);
  rocksdb::ReadOptions options = snapshot.options();
  options.fill_cache = false;  // read once: do not evict what the running store needs
  options.readahead_size = 2 << 20;
  recovered_state out;

  // The live index names the unfinished jobs; their records are read and decoded in parallel,
  // each worker over its own contiguous range of ids.
  std::vector<job_id> ids;
  {
    std::string live_end = keys::prefix_end(keys::live_prefix);
    rocksdb::Slice live_upper(live_end);
    rocksdb::ReadOptions live_options = options;
    live_options.iterate_upper_bound = &live_upper;
    std::unique_ptr<rocksdb::Iterator> live(db.NewIterator(live_options));
    for (live->Seek(keys::live_prefix); live->Valid(); live->Next()) {
      if (auto id = keys::parse_id_key(live->key().ToStringView(), keys::live_prefix))
        ids.push_back(*id);
      else
        out.errors.push_back(make_status(errc::internal, "job store: malformed live index key"));
    }
    check(live->status(), "reading the live index");
  }
  size_t hardware = std::max(1u, std::thread::hardware_concurrency());
  size_t workers = std::clamp<size_t>(ids.size() / 4096, 1, std::min<size_t>(hardware, 8));
  std::vector<std::future<recovered_part>> parts;
  for (size_t w = 0; w < workers; ++w) {
    std::span<const job_id> range(ids.data() + ids.size() * w / workers,
                                  ids.data() + ids.size() * (w + 1) / workers);
    parts.push_back(std::async(std::launch::async,
                               [&db, &options, range] { return recover_ids(db, options, range); }));
  }
  std::vector<recovered_part> results;
  for (auto& part : parts) results.push_back(part.get());  // rethrows a worker's read failure

  // Parts hold ascending ids (submission order): collecting them priority by priority gives
  // priority, then submission order, moving each job once.
  out.unfinished.reserve(ids.size());
  for (priority prio : {priority::high, priority::normal, priority::low})
    for (auto& part : results)
      for (auto& job : part.jobs)
        if (job.spec.prio == prio) out.unfinished.push_back(std::move(job));
  for (auto& part : results)
    for (auto& error : part.errors) out.errors.push_back(std::move(error));

  std::string value;
  auto st = db.Get(options, keys::next_id_key, &value);
  if (st.ok()) out.next_id = std::max(out.next_id, keys::decode_u64(value).value_or(1));
  std::unique_ptr<rocksdb::Iterator> last(db.NewIterator(options));
  last->SeekForPrev(keys::prefix_end(keys::job_prefix));
  if (last->Valid())
    if (auto id = keys::parse_id_key(last->key().ToStringView(), keys::job_prefix))
      out.next_id = std::max(out.next_id, *id + 1);
  check(last->status(), "reading the job records");

  std::string finished_end = keys::prefix_end(keys::finished_prefix);
  rocksdb::Slice finished_upper(finished_end);
  rocksdb::ReadOptions finished_options = options;
  finished_options.iterate_upper_bound = &finished_upper;
  std::unique_ptr<rocksdb::Iterator> finished(db.NewIterator(finished_options));
  for (finished->Seek(keys::finished_prefix); finished->Valid(); finished->Next())
    ++out.finished_kept;
  check(finished->status(), "reading the retention index");
  return out;
}

size_t job_store::remove_finished_before(int64_t us) {
  rocksdb::DB& db = impl_->database();
  std::lock_guard lock(impl_->sweep_mu);
  std::string bound = keys::finished_key(us, 0);  // every f/ key below: finished before `us`
  rocksdb::Slice upper(bound);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(options));

  size_t removed = 0;
  rocksdb::WriteBatch batch;
  auto write = [&] {
    if (batch.Count() == 0) return;
    // Unsynced: a sweep lost to an OS crash is simply redone by the next one.
    check(db.Write(rocksdb::WriteOptions(), &batch), "the retention sweep");
    batch.Clear();
  };
  for (it->Seek(keys::finished_prefix); it->Valid(); it->Next()) {
    auto id = keys::parse_finished_key(it->key().ToStringView());
    batch.Delete(it->key());
    if (!id) continue;
    std::string spec, request_id, owner;
    auto st = db.Get(rocksdb::ReadOptions(), keys::job_key(*id), &spec);
    // Drop the idempotency key only while it still names this job; an unreadable spec leaves it.
    if (st.ok() && store_codec::decode_request_id(*id, spec, request_id).ok() &&
        !request_id.empty() &&
        db.Get(rocksdb::ReadOptions(), keys::request_key(request_id), &owner).ok() &&
        keys::decode_u64(owner) == *id)
      batch.Delete(keys::request_key(request_id));
    batch.Delete(keys::job_key(*id));
    batch.Delete(keys::status_key(*id));
    batch.Delete(keys::progress_key(*id));
    batch.Delete(keys::live_key(*id));
    ++removed;
    if (batch.Count() >= 4096) write();
  }
  check(it->status(), "reading the retention index");
  write();
  return removed;
}

}  // namespace troupe
