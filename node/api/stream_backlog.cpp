#include "node/api/stream_backlog.hpp"

#include <algorithm>
#include <utility>

namespace troupe::api_stream {
namespace {

size_t size_of(const token_chunk& c) {
  return c.tokens.size() * sizeof(token_id) + c.text.size();
}

}  // namespace

stream_backlog::stream_backlog(size_t max_bytes, std::atomic<int64_t>* total_bytes,
                               size_t max_total_bytes, bool keep_chunks)
    : max_bytes_(max_bytes),
      total_bytes_(total_bytes),
      max_total_bytes_(max_total_bytes),
      keep_chunks_(keep_chunks) {}

stream_backlog::~stream_backlog() {
  account(-static_cast<int64_t>(bytes_));
}

void stream_backlog::account(int64_t delta) {
  if (total_bytes_ && delta != 0) total_bytes_->fetch_add(delta, std::memory_order_relaxed);
}

bool stream_backlog::accept(std::unique_lock<std::mutex>&) {
  return !closed_ && !overflowed_ && !result_ && !error_;
}

void stream_backlog::wake(std::unique_lock<std::mutex>& lock) {
  auto waker = std::exchange(waker_, nullptr);
  auto overflow = overflowed_ ? std::exchange(overflow_waker_, nullptr) : nullptr;
  lock.unlock();
  if (waker) waker();
  if (overflow) overflow();
}

void stream_backlog::watch_overflow(std::function<void()> waker) {
  std::unique_lock lock(mutex_);
  if (!overflowed_) {
    overflow_waker_ = std::move(waker);
    return;
  }
  lock.unlock();
  if (waker) waker();
}

bool stream_backlog::push(token_chunk chunk) {
  std::unique_lock lock(mutex_);
  if (!accept(lock)) return false;
  if (!keep_chunks_) return true;
  auto added = size_of(chunk);
  bool over_total =
      total_bytes_ &&
      static_cast<size_t>(std::max<int64_t>(total_bytes_->load(), 0)) + added > max_total_bytes_;
  if (bytes_ > 0 && (bytes_ + added > max_bytes_ || over_total)) {  // one chunk alone always fits
    overflowed_ = true;
    overflow_bytes_ = bytes_ + added;
    account(-static_cast<int64_t>(bytes_));
    bytes_ = 0;
    chunk_.reset();
    wake(lock);
    return false;
  }
  bytes_ += added;
  account(static_cast<int64_t>(added));
  if (chunk_ && chunk_->first_index + chunk_->tokens.size() == chunk.first_index) {
    chunk_->tokens.insert(chunk_->tokens.end(), chunk.tokens.begin(), chunk.tokens.end());
    chunk_->text += chunk.text;
  } else if (!chunk_) {
    chunk_ = std::move(chunk);
  } else {
    // Not contiguous: the scheduler never does this (chunks of one sink follow each other).
    // Refuse rather than deliver a gap the client would take for lost tokens.
    overflowed_ = true;
    overflow_bytes_ = bytes_;
    account(-static_cast<int64_t>(bytes_));
    bytes_ = 0;
    chunk_.reset();
    wake(lock);
    return false;
  }
  wake(lock);
  return true;
}

bool stream_backlog::push(job_result result) {
  std::unique_lock lock(mutex_);
  if (!accept(lock)) return false;
  result_ = std::move(result);
  wake(lock);
  return false;
}

bool stream_backlog::push(job_error error) {
  std::unique_lock lock(mutex_);
  if (!accept(lock)) return false;
  error_ = std::move(error);
  wake(lock);
  return false;
}

std::optional<backlog_batch> stream_backlog::take_or_arm(std::function<void()> waker) {
  std::unique_lock lock(mutex_);
  if (closed_) return std::nullopt;
  backlog_batch batch;
  if (overflowed_) {
    if (overflow_reported_) return std::nullopt;
    overflow_reported_ = true;
    batch.overflowed = true;
    batch.overflow_bytes = overflow_bytes_;
    return batch;
  }
  if (!chunk_ && !result_ && !error_) {
    waker_ = std::move(waker);
    return std::nullopt;
  }
  batch.chunk = std::exchange(chunk_, std::nullopt);
  batch.result = std::exchange(result_, std::nullopt);
  batch.error = std::exchange(error_, std::nullopt);
  if (batch.terminal()) closed_ = true;  // nothing can follow a terminal event
  account(-static_cast<int64_t>(bytes_));
  bytes_ = 0;
  return batch;
}

void stream_backlog::close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  chunk_.reset();
  account(-static_cast<int64_t>(bytes_));
  bytes_ = 0;
  auto waker = std::exchange(waker_, nullptr);
  auto overflow = std::exchange(overflow_waker_, nullptr);
  lock.unlock();
  // The wakers are dropped, not called: their owner is the consumer that is closing.
}

size_t stream_backlog::pending_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace troupe::api_stream
