#include "actors/batcher/batch_planner.hpp"

#include <gtest/gtest.h>

#include <set>

#include "gpu/text/byte_tokenizer.hpp"

namespace troupe {
namespace {

constexpr token_id tok(char c) {
  return static_cast<token_id>(static_cast<unsigned char>(c)) + 3;
}

sequence_job job(job_id id, std::string prompt, int max_new, std::vector<std::string> stop = {}) {
  byte_tokenizer t;
  sequence_job j;
  j.job = id;
  j.prompt = t.encode(prompt, {.add_special = true, .parse_special = true});
  j.max_new_tokens = max_new;
  j.stop = std::move(stop);
  return j;
}

batcher_limits limits(uint32_t batch, uint32_t budget, uint32_t seq_len = 1024) {
  batcher_limits l;
  l.max_batch_size = batch;
  l.max_step_tokens = budget;
  l.max_seq_len = seq_len;
  l.max_step_retries = 2;
  return l;
}

// Answers every sampled row with `t`.
step_output answer(const step_input& in, token_id t) {
  step_output out;
  for (const auto& s : in.seqs) out.tokens.push_back(s.sample ? t : -1);
  return out;
}

batch_planner planner(batcher_limits l) {
  return batch_planner(l, std::make_shared<byte_tokenizer>());
}

TEST(BatchPlanner, PrefillThenDecodeWithPositions) {
  auto p = planner(limits(4, 64));
  ASSERT_TRUE(p.add(job(1, "abc", 2)).ok());  // 4 prompt tokens with BOS
  auto s1 = p.compose();
  ASSERT_EQ(s1.seqs.size(), 1u);
  EXPECT_EQ(s1.seqs[0].pos, 0);
  EXPECT_EQ(s1.seqs[0].tokens.size(), 4u);
  EXPECT_TRUE(s1.seqs[0].sample);
  EXPECT_EQ(s1.seqs[0].sample_index, 0u);
  auto r1 = p.apply(s1, answer(s1, tok('x')));
  ASSERT_EQ(r1.progress.size(), 1u);
  EXPECT_EQ(r1.progress[0].text, "x");
  auto s2 = p.compose();
  ASSERT_EQ(s2.seqs.size(), 1u);
  EXPECT_EQ(s2.seqs[0].pos, 4);
  EXPECT_EQ(s2.seqs[0].tokens, std::vector<token_id>{tok('x')});
  EXPECT_EQ(s2.seqs[0].sample_index, 1u);
  auto r2 = p.apply(s2, answer(s2, tok('y')));
  ASSERT_EQ(r2.finished.size(), 1u);
  EXPECT_EQ(r2.finished[0].reason, finish_reason::max_tokens);
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.take_released(), std::vector<uint64_t>{1});
}

TEST(BatchPlanner, LongPromptIsChunkedAcrossSteps) {
  auto p = planner(limits(4, 8));
  ASSERT_TRUE(p.add(job(1, std::string(20, 'a'), 1)).ok());  // 21 tokens
  std::vector<size_t> chunks;
  for (int i = 0; i < 3; ++i) {
    auto s = p.compose();
    ASSERT_EQ(s.seqs.size(), 1u);
    chunks.push_back(s.seqs[0].tokens.size());
    EXPECT_EQ(s.seqs[0].sample, i == 2);
    p.apply(s, answer(s, tok('z')));
  }
  EXPECT_EQ(chunks, (std::vector<size_t>{8, 8, 5}));
  EXPECT_TRUE(p.empty());
}

TEST(BatchPlanner, DecodesGoFirstAndPrefillUsesTheRestOfTheBudget) {
  auto p = planner(limits(4, 10));
  ASSERT_TRUE(p.add(job(1, "ab", 5)).ok());
  auto s = p.compose();
  p.apply(s, answer(s, tok('x')));  // job 1 now decoding
  ASSERT_TRUE(p.add(job(2, std::string(30, 'q'), 5)).ok());
  auto s2 = p.compose();
  ASSERT_EQ(s2.seqs.size(), 2u);
  EXPECT_EQ(s2.seqs[0].seq, 1u);
  EXPECT_EQ(s2.seqs[0].tokens.size(), 1u);
  EXPECT_EQ(s2.seqs[1].seq, 2u);
  EXPECT_EQ(s2.seqs[1].tokens.size(), 9u);
  EXPECT_FALSE(s2.seqs[1].sample);
}

TEST(BatchPlanner, EosEndsWithoutEmittingTheToken) {
  auto p = planner(limits(4, 64));
  ASSERT_TRUE(p.add(job(1, "a", 10)).ok());
  auto s = p.compose();
  p.apply(s, answer(s, tok('h')));
  s = p.compose();
  auto r = p.apply(s, answer(s, byte_tokenizer::eos_id));
  ASSERT_EQ(r.finished.size(), 1u);
  EXPECT_EQ(r.finished[0].reason, finish_reason::eos);
  EXPECT_TRUE(r.progress.empty());
}

TEST(BatchPlanner, StopStringTruncatesOutput) {
  auto p = planner(limits(4, 64));
  ASSERT_TRUE(p.add(job(1, "a", 10, {"cd"})).ok());
  std::string text;
  finish_reason reason = finish_reason::none;
  for (char c : std::string("abcdef")) {
    auto s = p.compose();
    if (s.seqs.empty()) break;
    auto r = p.apply(s, answer(s, tok(c)));
    for (auto& pr : r.progress) text += pr.text;
    if (!r.finished.empty()) reason = r.finished[0].reason;
  }
  EXPECT_EQ(text, "ab");
  EXPECT_EQ(reason, finish_reason::stop);
}

TEST(BatchPlanner, LengthLimitedJobsFinishWithLength) {
  auto p = planner(limits(4, 64, 8));
  auto j = job(1, "abc", 4);  // 4 prompt + 4 = 8 = max_seq_len
  j.length_limited = true;
  ASSERT_TRUE(p.add(j).ok());
  finish_reason reason = finish_reason::none;
  for (int i = 0; i < 10 && !p.empty(); ++i) {
    auto s = p.compose();
    auto r = p.apply(s, answer(s, tok('k')));
    if (!r.finished.empty()) reason = r.finished[0].reason;
  }
  EXPECT_EQ(reason, finish_reason::length);
  EXPECT_EQ(p.add(job(2, "abcd", 4)).code, errc::prompt_too_long);
}

TEST(BatchPlanner, RejectsOverCapacityAndDuplicates) {
  auto p = planner(limits(2, 64));
  ASSERT_TRUE(p.add(job(1, "a", 1)).ok());
  EXPECT_EQ(p.add(job(1, "a", 1)).code, errc::invalid_argument);
  ASSERT_TRUE(p.add(job(2, "a", 1)).ok());
  EXPECT_EQ(p.add(job(3, "a", 1)).code, errc::invalid_argument);
  EXPECT_EQ(p.add(job(4, "a", 0)).code, errc::invalid_argument);
}

TEST(BatchPlanner, CancelRemovesAtOnceAndIgnoresLateOutput) {
  auto p = planner(limits(4, 64));
  ASSERT_TRUE(p.add(job(1, "a", 5)).ok());
  ASSERT_TRUE(p.add(job(2, "b", 5)).ok());
  auto s = p.compose();
  auto f = p.cancel(1);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->error.code, errc::cancelled);
  EXPECT_FALSE(p.cancel(1).has_value());
  auto r = p.apply(s, answer(s, tok('x')));  // the step that was in flight
  ASSERT_EQ(r.progress.size(), 1u);
  EXPECT_EQ(r.progress[0].job, 2u);
  EXPECT_EQ(p.take_released(), std::vector<uint64_t>{1});
}

TEST(BatchPlanner, FailureIsBisectedAndThePoisonIsolated) {
  auto p = planner(limits(8, 64));
  for (job_id j = 1; j <= 8; ++j) ASSERT_TRUE(p.add(job(j, "p", 3)).ok());
  const job_id poison = 6;
  std::set<job_id> failed;
  int steps = 0;
  while (!p.empty() && steps < 100) {
    ++steps;
    auto s = p.compose();
    bool has_poison = false;
    for (auto& si : s.seqs) has_poison |= si.seq == poison;
    step_report r = has_poison ? p.fail(s, "boom") : p.apply(s, answer(s, tok('o')));
    for (auto& f : r.finished)
      if (!f.error.ok()) failed.insert(f.job);
  }
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(failed, std::set<job_id>{poison});
  // 1 failed full batch, 3 bisection levels, then 2 retries of the poison alone.
  EXPECT_LT(steps, 20);
}

TEST(BatchPlanner, TransientFailureRetriesWithoutLosingWork) {
  auto p = planner(limits(4, 64));
  ASSERT_TRUE(p.add(job(1, "a", 2)).ok());
  auto s = p.compose();
  auto r = p.fail(s, "transient");
  EXPECT_TRUE(r.finished.empty());
  auto again = p.compose();
  ASSERT_EQ(again.seqs.size(), 1u);
  EXPECT_EQ(again.seqs[0].pos, 0);  // nothing advanced
  EXPECT_EQ(again.seqs[0].tokens, s.seqs[0].tokens);
}

TEST(BatchPlanner, ResumedJobContinuesFromItsCheckpoint) {
  auto p = planner(limits(4, 64));
  auto j = job(1, "ab", 5);
  j.generated = {tok('x'), tok('y')};
  ASSERT_TRUE(p.add(j).ok());
  auto s = p.compose();
  ASSERT_EQ(s.seqs.size(), 1u);
  EXPECT_EQ(s.seqs[0].tokens.size(), 5u);  // BOS a b x y re-prefilled
  EXPECT_EQ(s.seqs[0].sample_index, 2u);
  auto r = p.apply(s, answer(s, tok('z')));
  ASSERT_EQ(r.progress.size(), 1u);
  EXPECT_EQ(r.progress[0].text, "z");  // earlier text is not repeated
}

}  // namespace
}  // namespace troupe
