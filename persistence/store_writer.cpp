#include "persistence/store_writer.hpp"

#include <algorithm>
#include <utility>

#include "persistence/store_keys.hpp"

namespace troupe::store_detail {

namespace keys = troupe::store_keys;
using store_codec::job_lifecycle;

namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

job_id op_job(const write_op& op) {
  return std::visit(overloaded{[](const barrier_op&) -> job_id { return 0; },
                               [](const auto& o) -> job_id { return o.id; }},
                    op.body);
}

std::string job_name(job_id id) {
  return "job " + std::to_string(id);
}

status finished_error(job_id id, const job_lifecycle& lc, std::string_view what) {
  return make_status(errc::invalid_argument, job_name(id) + " already finished (" +
                                                 std::string(to_string(lc.state)) +
                                                 "): " + std::string(what) + " ignored");
}

void run_callback(const job_store::callback& done, status st) {
  if (!done) return;
  try {
    done(std::move(st));
  } catch (...) {
    // A throwing callback is the caller's bug; it must not take the writer thread down.
  }
}

}  // namespace

size_t op_bytes(const write_op& op) {
  return 64 + std::visit(overloaded{
                             [](const accept_op& o) { return o.spec_value.size(); },
                             [](const checkpoint_op& o) { return o.progress_value.size(); },
                             [](const finish_op& o) { return o.progress_value.size(); },
                             [](const auto&) { return size_t{0}; },
                         },
                         op.body);
}

store_writer::store_writer(rocksdb::DB& db, size_t max_batch_bytes, sync_observer on_sync)
    : db_(db), max_batch_bytes_(max_batch_bytes), on_sync_(std::move(on_sync)) {
  std::string value;
  if (db_.Get(rocksdb::ReadOptions(), keys::next_id_key, &value).ok())
    next_id_hint_ = keys::decode_u64(value).value_or(1);
  thread_ = std::thread([this] { run(); });
}

store_writer::~store_writer() {
  stop();
}

void store_writer::submit(write_op op) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(op));
      wake_.notify_one();
      return;
    }
  }
  ++ops_;
  ++failed_ops_;
  run_callback(op.done, make_status(errc::unavailable, "job store is closed"));
}

status store_writer::reserve_accept(job_id id, const std::string& request_id) {
  std::lock_guard lock(mu_);
  if (pending_ids_.count(id) != 0)
    return make_status(errc::invalid_argument, job_name(id) + " is already being accepted");
  if (!request_id.empty()) {
    auto it = pending_requests_.find(request_id);
    if (it != pending_requests_.end())
      return make_status(errc::invalid_argument, "client_request_id '" + request_id +
                                                     "' already names " + job_name(it->second));
    pending_requests_.emplace(request_id, id);
  }
  pending_ids_.insert(id);
  return {};
}

std::optional<job_id> store_writer::pending_request(const std::string& request_id) const {
  std::lock_guard lock(mu_);
  auto it = pending_requests_.find(request_id);
  if (it == pending_requests_.end()) return std::nullopt;
  return it->second;
}

void store_writer::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopping_ = true;
    stopped_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

store_stats store_writer::stats() const {
  return store_stats{ops_.load(), failed_ops_.load(), batches_.load(), synced_batches_.load()};
}

void store_writer::run() {
  std::vector<write_op> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is written
      size_t bytes = 0;
      while (!queue_.empty() && (group.empty() || bytes < max_batch_bytes_)) {
        bytes += op_bytes(queue_.front());
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit(group);
    group.clear();
  }
}

void store_writer::commit(std::vector<write_op>& group) {
  rocksdb::WriteBatch batch;
  overlay changes;
  std::vector<status> results(group.size());
  bool sync = false;
  job_id max_accepted = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    write_op& op = group[i];
    results[i] = op.rejected.ok() ? apply(op, batch, changes) : op.rejected;
    if (!results[i].ok()) continue;
    sync = sync || op.sync;
    if (auto* a = std::get_if<accept_op>(&op.body)) max_accepted = std::max(max_accepted, a->id);
  }
  if (max_accepted >= next_id_hint_) {
    next_id_hint_ = max_accepted + 1;
    batch.Put(keys::next_id_key, keys::encode_u64(next_id_hint_));
  }

  rocksdb::Status written;
  const auto t0 = std::chrono::steady_clock::now();
  if (batch.Count() > 0) {
    rocksdb::WriteOptions options;
    options.sync = sync;
    written = db_.Write(options, &batch);
    ++batches_;
    if (sync) ++synced_batches_;
  } else if (sync) {
    written = db_.SyncWAL();  // only barriers: make earlier unsynced writes durable
    ++synced_batches_;
  }
  if (sync && written.ok() && on_sync_)
    on_sync_(std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now() - t0),
             group.size());
  if (!written.ok()) {
    // Nothing of the batch is known to be durable; the next batch re-reads the hint from here on.
    for (auto& st : results)
      if (st.ok())
        st = make_status(errc::unavailable, "job store write failed: " + written.ToString());
    std::string value;
    if (db_.Get(rocksdb::ReadOptions(), keys::next_id_key, &value).ok())
      next_id_hint_ = keys::decode_u64(value).value_or(next_id_hint_);
  }

  {
    std::lock_guard lock(mu_);
    for (const auto& op : group) {
      auto* a = std::get_if<accept_op>(&op.body);
      if (a == nullptr || !a->reserved) continue;
      pending_ids_.erase(a->id);
      if (!a->request_id.empty()) pending_requests_.erase(a->request_id);
    }
  }
  ops_ += group.size();
  for (size_t i = 0; i < group.size(); ++i) {
    if (!results[i].ok()) ++failed_ops_;
    run_callback(group[i].done, std::move(results[i]));
  }
}

status store_writer::current(job_id id, overlay& changes, job_lifecycle*& out) {
  auto it = changes.find(id);
  if (it == changes.end()) {
    std::string value;
    auto st = db_.Get(rocksdb::ReadOptions(), keys::status_key(id), &value);
    if (st.IsNotFound())
      return make_status(errc::not_found, "no " + job_name(id) + " in the store");
    if (!st.ok())
      return make_status(errc::unavailable,
                         "job store read of " + job_name(id) + " failed: " + st.ToString());
    job_lifecycle lc;
    if (auto decoded = store_codec::decode_status(id, value, lc); !decoded.ok()) return decoded;
    it = changes.emplace(id, std::move(lc)).first;
  }
  out = &it->second;
  return {};
}

void store_writer::put_status(rocksdb::WriteBatch& batch, job_id id, const job_lifecycle& lc) {
  batch.Put(keys::status_key(id), store_codec::encode_status(id, lc));
}

status store_writer::apply(write_op& op, rocksdb::WriteBatch& batch, overlay& changes) {
  if (std::holds_alternative<barrier_op>(op.body)) return {};
  if (auto* a = std::get_if<accept_op>(&op.body)) {
    job_lifecycle lc;  // queued
    batch.Put(keys::job_key(a->id), a->spec_value);
    put_status(batch, a->id, lc);
    batch.Put(keys::live_key(a->id), rocksdb::Slice());
    if (!a->request_id.empty())
      batch.Put(keys::request_key(a->request_id), keys::encode_u64(a->id));
    changes[a->id] = std::move(lc);
    return {};
  }
  job_id id = op_job(op);
  job_lifecycle* lc = nullptr;
  if (auto st = current(id, changes, lc); !st.ok()) return st;
  if (is_terminal(lc->state)) {
    auto what = std::visit(overloaded{[](const running_op&) { return "mark_running"; },
                                      [](const queued_op&) { return "mark_queued"; },
                                      [](const checkpoint_op&) { return "checkpoint"; },
                                      [](const auto&) { return "finish"; }},
                           op.body);
    return finished_error(id, *lc, what);
  }
  std::visit(overloaded{
                 [&](running_op& o) {
                   lc->state = job_state::running;
                   lc->node = std::move(o.node);
                   lc->device = std::move(o.device);
                   lc->started_us = o.started_us;
                   put_status(batch, id, *lc);
                 },
                 [&](queued_op&) {
                   lc->state = job_state::queued;
                   put_status(batch, id, *lc);
                 },
                 [&](checkpoint_op& o) { batch.Put(keys::progress_key(id), o.progress_value); },
                 [&](finish_op& o) {
                   lc->state = o.state;
                   lc->reason = o.reason;
                   lc->error = std::move(o.error);
                   lc->finished_us = o.finished_us;
                   put_status(batch, id, *lc);
                   if (o.progress_value.empty())
                     batch.Delete(keys::progress_key(id));
                   else
                     batch.Put(keys::progress_key(id), o.progress_value);
                   batch.Delete(keys::live_key(id));
                   batch.Put(keys::finished_key(o.finished_us, id), rocksdb::Slice());
                 },
                 [](auto&) {},
             },
             op.body);
  return {};
}

}  // namespace troupe::store_detail
