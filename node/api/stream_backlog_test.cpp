#include "node/api/stream_backlog.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace troupe::api_stream {
namespace {

token_chunk chunk(uint32_t first, std::vector<token_id> tokens, std::string text) {
  return token_chunk{7, first, std::move(tokens), std::move(text)};
}

TEST(StreamBacklog, CoalescesConsecutiveChunksWhileTheConsumerIsBehind) {
  std::atomic<int64_t> total{0};
  stream_backlog b(1024, &total);
  EXPECT_TRUE(b.push(chunk(0, {1, 2}, "ab")));
  EXPECT_TRUE(b.push(chunk(2, {3}, "c")));
  EXPECT_EQ(total.load(), 3 * 4 + 3);
  auto batch = b.take_or_arm(nullptr);
  ASSERT_TRUE(batch && batch->chunk);
  EXPECT_EQ(batch->chunk->first_index, 0u);
  EXPECT_EQ(batch->chunk->tokens, (std::vector<token_id>{1, 2, 3}));
  EXPECT_EQ(batch->chunk->text, "abc");
  EXPECT_FALSE(batch->terminal());
  EXPECT_EQ(total.load(), 0);
}

TEST(StreamBacklog, WithoutChunksOnlyTheTerminalEventWakesAndArrives) {
  std::atomic<int64_t> total{0};
  stream_backlog b(4, &total, SIZE_MAX, false);
  int woken = 0;
  EXPECT_FALSE(b.take_or_arm([&] { ++woken; }).has_value());
  for (uint32_t i = 0; i < 100; ++i) EXPECT_TRUE(b.push(chunk(i, {1, 2, 3}, "abcdefgh")));
  EXPECT_EQ(woken, 0);  // no overflow either, however much output passes
  EXPECT_EQ(total.load(), 0);
  job_result r;
  r.text = "all of it";
  EXPECT_FALSE(b.push(r));
  EXPECT_EQ(woken, 1);
  auto batch = b.take_or_arm(nullptr);
  ASSERT_TRUE(batch && batch->result);
  EXPECT_FALSE(batch->chunk.has_value());
  EXPECT_EQ(batch->result->text, "all of it");
}

TEST(StreamBacklog, ArmedWakerRunsOnTheNextPushOnly) {
  stream_backlog b(1024);
  int woken = 0;
  EXPECT_FALSE(b.take_or_arm([&] { ++woken; }).has_value());
  EXPECT_TRUE(b.push(chunk(0, {1}, "a")));
  EXPECT_TRUE(b.push(chunk(1, {2}, "b")));
  EXPECT_EQ(woken, 1);
}

TEST(StreamBacklog, TerminalEventEndsTheStreamAfterItsChunks) {
  stream_backlog b(1024);
  EXPECT_TRUE(b.push(chunk(0, {1}, "a")));
  EXPECT_FALSE(b.push(job_result{7, finish_reason::max_tokens, 1, 1, "a", {}}));
  EXPECT_FALSE(b.push(chunk(1, {2}, "b")));  // nothing after a terminal event
  auto batch = b.take_or_arm(nullptr);
  ASSERT_TRUE(batch);
  ASSERT_TRUE(batch->chunk);
  ASSERT_TRUE(batch->result);
  EXPECT_EQ(batch->chunk->text, "a");
  EXPECT_FALSE(b.take_or_arm(nullptr).has_value());
}

TEST(StreamBacklog, OverflowDropsThePendingChunksAndRefusesTheRest) {
  std::atomic<int64_t> total{0};
  stream_backlog b(64, &total);
  EXPECT_TRUE(b.push(chunk(0, {}, std::string(40, 'x'))));
  EXPECT_FALSE(b.push(chunk(0, {}, std::string(40, 'y'))));
  EXPECT_EQ(total.load(), 0);
  EXPECT_FALSE(b.push(job_error{7, make_status(errc::cancelled, "x")}));
  auto batch = b.take_or_arm(nullptr);
  ASSERT_TRUE(batch);
  EXPECT_TRUE(batch->overflowed);
  EXPECT_EQ(batch->overflow_bytes, 80u);
  EXPECT_FALSE(batch->chunk.has_value());
  EXPECT_FALSE(b.take_or_arm(nullptr).has_value());
}

TEST(StreamBacklog, OverflowWatcherRunsWhileTheConsumerIsBusy) {
  stream_backlog b(64);
  int overflows = 0;
  b.watch_overflow([&] { ++overflows; });
  EXPECT_TRUE(b.push(chunk(0, {}, std::string(40, 'x'))));
  EXPECT_EQ(overflows, 0);
  EXPECT_FALSE(b.push(chunk(0, {}, std::string(40, 'y'))));
  EXPECT_EQ(overflows, 1);
  b.watch_overflow([&] { ++overflows; });  // already overflowed: runs at once
  EXPECT_EQ(overflows, 2);
}

TEST(StreamBacklog, ASingleLargeChunkFitsWhenTheBacklogIsEmpty) {
  stream_backlog b(16);
  EXPECT_TRUE(b.push(chunk(0, {}, std::string(100, 'r'))));  // an attach's replay
  EXPECT_FALSE(b.push(chunk(0, {}, "more")));
}

TEST(StreamBacklog, TheServerWideBudgetIsSharedByAllBacklogs) {
  std::atomic<int64_t> total{0};
  stream_backlog a(1024, &total, 100), b(1024, &total, 100);
  EXPECT_TRUE(a.push(chunk(0, {}, std::string(60, 'a'))));
  EXPECT_TRUE(b.push(chunk(0, {}, std::string(30, 'b'))));
  EXPECT_FALSE(b.push(chunk(0, {}, std::string(30, 'c'))));  // 120 > 100: b is the one to go
  EXPECT_EQ(total.load(), 60);
  EXPECT_TRUE(b.take_or_arm(nullptr)->overflowed);
}

TEST(StreamBacklog, CloseDropsEverythingAndRefusesPushes) {
  std::atomic<int64_t> total{0};
  stream_backlog b(1024, &total);
  int woken = 0;
  EXPECT_FALSE(b.take_or_arm([&] { ++woken; }).has_value());
  b.close();
  EXPECT_FALSE(b.push(chunk(0, {1}, "a")));
  EXPECT_EQ(woken, 0);
  EXPECT_EQ(total.load(), 0);
}

TEST(StreamBacklog, ProducerAndConsumerOnDifferentThreadsLoseNothing) {
  stream_backlog b(1 << 20);
  constexpr int n = 5000;
  std::thread producer([&] {
    for (int i = 0; i < n; ++i) b.push(chunk(static_cast<uint32_t>(i), {i}, "x"));
    b.push(job_result{7, finish_reason::max_tokens, 0, n, "", {}});
  });
  std::vector<token_id> seen;
  bool finished = false;
  while (!finished) {
    auto batch = b.take_or_arm(nullptr);
    if (!batch) {
      std::this_thread::yield();
      continue;
    }
    ASSERT_FALSE(batch->overflowed);
    if (batch->chunk) {
      EXPECT_EQ(batch->chunk->first_index, seen.size());
      seen.insert(seen.end(), batch->chunk->tokens.begin(), batch->chunk->tokens.end());
    }
    finished = batch->terminal();
  }
  producer.join();
  ASSERT_EQ(seen.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) EXPECT_EQ(seen[i], i);
}

}  // namespace
}  // namespace troupe::api_stream
