// The hand-over between one job subscription's CAF sink actor (producer, any CAF thread) and the
// KJ thread that calls the client's TokenSink (consumer): a bounded, coalescing backlog.
//
// While the client keeps up, each chunk is taken as it arrives. While it is behind, consecutive
// chunks are merged into one (tokens and text appended), so the backlog is one chunk however many
// steps pass; its size in bytes is bounded by `max_bytes` (or by one chunk, when a single chunk is
// larger: an attach's replay of a long output). Past that the backlog overflows: it
// drops what it holds, refuses everything after, and the consumer drops the subscription (the job
// itself goes on and can be attached again).
//
// The consumer never blocks: `take_or_arm` either returns what is pending or stores a waker,
// which the next push calls (on the producer's thread, outside the lock). Plain C++, thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "actors/types.hpp"

namespace troupe::api_stream {

struct backlog_batch {
  std::optional<token_chunk> chunk;  // everything new since the last take, coalesced
  std::optional<job_result> result;  // terminal: done (after `chunk`)
  std::optional<job_error> error;    // terminal: failed or cancelled (after `chunk`)
  bool overflowed = false;           // the client fell too far behind; nothing else is set
  size_t overflow_bytes = 0;         // what the backlog would have held

  bool terminal() const { return result.has_value() || error.has_value(); }
};

class stream_backlog {
 public:
  explicit stream_backlog(size_t max_bytes, std::atomic<int64_t>* total_bytes = nullptr,
                          size_t max_total_bytes = SIZE_MAX, bool keep_chunks = true);
  // `total_bytes`, when given, is kept up to date with the bytes held (a server-wide gauge shared
  // by every backlog, which must outlive them while they are open); a push that would take it
  // past `max_total_bytes` overflows this backlog. Without `keep_chunks` (a consumer that only
  // wants the terminal event, whose result carries the whole text) chunks are accepted and
  // dropped: they neither take memory nor wake the consumer.
  ~stream_backlog();

  stream_backlog(const stream_backlog&) = delete;
  stream_backlog& operator=(const stream_backlog&) = delete;

  bool push(token_chunk chunk);
  bool push(job_result result);
  bool push(job_error error);
  // Producer side. False once the backlog is closed or overflowed, or after a terminal event:
  // nothing more will be delivered and the producer may stop.

  std::optional<backlog_batch> take_or_arm(std::function<void()> waker);
  // Consumer side: what is pending, or nullopt after storing `waker` for the next push.

  void watch_overflow(std::function<void()> waker);
  // Consumer side, while it is busy with a call: `waker` runs if the backlog overflows meanwhile
  // (at once when it already has). Replaces the previous watcher.

  void close();
  // The consumer is gone: drops what is pending and the waker; later pushes return false.

  size_t pending_bytes() const;

 private:
  bool accept(std::unique_lock<std::mutex>& lock);
  void account(int64_t delta);
  void wake(std::unique_lock<std::mutex>& lock);

  const size_t max_bytes_;
  std::atomic<int64_t>* total_bytes_;
  const size_t max_total_bytes_;
  const bool keep_chunks_;
  mutable std::mutex mutex_;
  std::optional<token_chunk> chunk_;
  std::optional<job_result> result_;
  std::optional<job_error> error_;
  size_t bytes_ = 0;
  bool closed_ = false;
  bool overflowed_ = false;
  bool overflow_reported_ = false;
  size_t overflow_bytes_ = 0;
  std::function<void()> waker_;
  std::function<void()> overflow_waker_;
};

}  // namespace troupe::api_stream
