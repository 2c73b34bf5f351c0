#include "gpu/model/reference/reference_engine.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "gpu/text/detokenizer.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using testing::find_test_model;
using testing::read_file;

std::vector<token_id> read_ids(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<token_id> ids;
  for (token_id id; in >> id;) ids.push_back(id);
  return ids;
}

// A job driven through step() the way a batcher would: prefill in chunks, then one token a step.
struct job {
  uint64_t id = 0;
  std::vector<token_id> prompt;
  int start_step = 0;  // the step it joins in
  size_t chunk = 1 << 20;
  int max_new = 0;
  sampling_params params;
  std::vector<token_id> tokens;  // prompt + generated
  size_t prefilled = 0;
  int generated = 0;
  bool done = false;
};

void run(engine& e, std::vector<job>& jobs) {
  for (auto& j : jobs) j.tokens = j.prompt;
  for (int step = 0;; ++step) {
    step_input in;
    std::vector<job*> who;
    bool pending = false;
    for (auto& j : jobs) {
      if (j.done) continue;
      pending = true;
      if (j.start_step > step) continue;
      sequence_input s;
      s.seq = j.id;
      s.params = j.params;
      s.sample_index = static_cast<uint32_t>(j.generated);
      if (j.prefilled < j.prompt.size()) {
        const size_t n = std::min(j.chunk, j.prompt.size() - j.prefilled);
        s.tokens.assign(j.prompt.begin() + static_cast<std::ptrdiff_t>(j.prefilled),
                        j.prompt.begin() + static_cast<std::ptrdiff_t>(j.prefilled + n));
        s.pos = static_cast<int32_t>(j.prefilled);
        j.prefilled += n;
        s.sample = j.prefilled == j.prompt.size();
      } else {
        s.tokens = {j.tokens.back()};
        s.pos = static_cast<int32_t>(j.tokens.size()) - 1;
        s.sample = true;
      }
      in.seqs.push_back(std::move(s));
      who.push_back(&j);
    }
    if (!pending) return;
    if (in.seqs.empty()) continue;
    const step_output out = e.step(in);
    ASSERT_EQ(out.tokens.size(), in.seqs.size());
    for (size_t i = 0; i < who.size(); ++i) {
      job& j = *who[i];
      if (!in.seqs[i].sample) {
        EXPECT_EQ(out.tokens[i], -1);
        continue;
      }
      j.tokens.push_back(out.tokens[i]);
      if (++j.generated == j.max_new) {
        j.done = true;
        e.release(j.id);
      }
    }
  }
}

class stories_engine : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = find_test_model("stories260K.gguf");
    if (path_.empty()) GTEST_SKIP() << "stories260K.gguf not found (set TROUPE_MODEL_PATH)";
    engine_ = reference_engine::open(path_);
    expected_ids_ = read_ids(find_test_model("stories260K.greedy-from-bos.ids.txt"));
    ASSERT_EQ(expected_ids_.size(), 200u);
  }

  // llama2.c's output: every token after BOS, then a newline.
  std::string text_after_bos(const std::vector<token_id>& seq) {
    detokenizer d(engine_->tokens(), seq.front());
    std::string s;
    for (size_t i = 1; i < seq.size(); ++i) s += d.push(seq[i]);
    return s + d.flush() + "\n";
  }

  std::string path_;
  std::unique_ptr<reference_engine> engine_;
  std::vector<token_id> expected_ids_;
};

TEST_F(stories_engine, info) {
  const engine_info& i = engine_->info();
  EXPECT_EQ(i.model, "llama");  // general.name
  EXPECT_EQ(i.architecture, "llama");
  EXPECT_EQ(i.vocab_size, 512);
  EXPECT_EQ(i.context_length, 2048);
  EXPECT_EQ(i.kv_block_tokens, 16u);
  EXPECT_EQ(i.kv_block_bytes, 16u * 5 * 2 * 32 * 4);
  EXPECT_EQ(i.kv_blocks, 64u * 128);
  EXPECT_GT(i.weight_bytes, 1000000u);
  EXPECT_EQ(i.device.type, "cpu");
  EXPECT_EQ(engine_->tokens()->bos(), 1);
}

TEST_F(stories_engine, greedy_from_bos_matches_llama2c) {
  std::vector<job> jobs(1);
  jobs[0].id = 7;
  jobs[0].prompt = {1};
  jobs[0].max_new = 200;
  run(*engine_, jobs);
  const std::vector<token_id> generated(jobs[0].tokens.begin() + 1, jobs[0].tokens.end());
  EXPECT_EQ(generated, expected_ids_);
  EXPECT_EQ(text_after_bos(jobs[0].tokens),
            read_file(find_test_model("stories260K.greedy-from-bos.txt")));
  EXPECT_EQ(engine_->live_sequences(), 0u);
}

TEST_F(stories_engine, greedy_once_upon_a_time_matches_llama2c) {
  std::vector<job> jobs(1);
  jobs[0].id = 1;
  jobs[0].prompt =
      engine_->tokens()->encode("Once upon a time", {.add_special = true, .parse_special = true});
  ASSERT_EQ(jobs[0].prompt, (std::vector<token_id>{1, 403, 407, 261, 378}));
  // 200 positions after BOS in total, the prompt's included.
  jobs[0].max_new = 200 - (static_cast<int>(jobs[0].prompt.size()) - 1);
  run(*engine_, jobs);
  ASSERT_EQ(jobs[0].tokens.size(), 201u);
  EXPECT_EQ(text_after_bos(jobs[0].tokens),
            read_file(find_test_model("stories260K.greedy-once-upon-a-time.txt")));
}

TEST_F(stories_engine, batch_of_16_joining_and_leaving_matches_solo_runs) {
  const auto once =
      engine_->tokens()->encode("Once upon a time", {.add_special = true, .parse_special = true});
  const auto lily = engine_->tokens()->encode("Lily and Ben went to the park with their dog",
                                              {.add_special = true, .parse_special = true});
  const auto sad = engine_->tokens()->encode("The little bird was sad",
                                             {.add_special = true, .parse_special = true});
  std::vector<job> jobs;
  for (int i = 0; i < 16; ++i) {
    job j;
    j.id = 1000 + static_cast<uint64_t>(i) * 7;
    j.start_step = (i * 13) % 40;
    j.prompt = i % 4 == 0 ? std::vector<token_id>{1} : i % 4 == 1 ? once : i % 4 == 2 ? lily : sad;
    j.chunk = 1 + static_cast<size_t>(i % 5);  // 1 to 5 prompt tokens per step
    j.max_new = 20 + (i * 37) % 150;
    if (i % 3 == 2) {  // some sample: their tokens depend on seed and sample_index only
      j.params.temperature = 0.9f;
      j.params.top_k = 40;
      j.params.top_p = 0.95f;
      j.params.repetition_penalty = 1.1f;
      j.params.seed = 77 + static_cast<uint64_t>(i);
    }
    jobs.push_back(j);
  }
  run(*engine_, jobs);
  EXPECT_EQ(engine_->live_sequences(), 0u);
  EXPECT_EQ(engine_->blocks_in_use(), 0u);
  for (const job& j : jobs) {
    SCOPED_TRACE("job " + std::to_string(j.id));
    ASSERT_EQ(j.tokens.size(), j.prompt.size() + static_cast<size_t>(j.max_new));
    // Alone, in a fresh engine, with the whole prompt in one step.
    std::vector<job> solo{j};
    solo[0].start_step = 0;
    solo[0].chunk = 1 << 20;
    solo[0].prefilled = 0;
    solo[0].generated = 0;
    solo[0].done = false;
    auto fresh = reference_engine::open(path_);
    run(*fresh, solo);
    EXPECT_EQ(j.tokens, solo[0].tokens);
    if (j.params.temperature == 0.0f && (j.prompt == once || j.prompt.size() == 1)) {
      // Greedy from BOS or the reference prompt: the llama2.c output itself.
      const size_t skip = j.prompt.size() - 1;
      const std::vector<token_id> want(
          expected_ids_.begin() + static_cast<std::ptrdiff_t>(skip),
          expected_ids_.begin() + static_cast<std::ptrdiff_t>(skip) + j.max_new);
      EXPECT_EQ(
          std::vector<token_id>(j.tokens.begin() + static_cast<std::ptrdiff_t>(j.prompt.size()),
                                j.tokens.end()),
          want);
    }
  }
}

TEST_F(stories_engine, invalid_steps_change_nothing) {
  step_input first;
  first.seqs.push_back({1, {1, 403, 407}, 0, true, 0, {}});
  const token_id next = engine_->step(first).tokens[0];
  EXPECT_EQ(next, 261);  // " a"
  const uint32_t blocks = engine_->blocks_in_use();

  auto expect_error = [&](step_input in, const char* what) {
    try {
      engine_->step(in);
      ADD_FAILURE() << "no error for: " << what;
    } catch (const engine_error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
    EXPECT_EQ(engine_->live_sequences(), 1u);
    EXPECT_EQ(engine_->blocks_in_use(), blocks);
  };
  step_input in;
  in.seqs.push_back({2, {1}, 0, true, 0, {}});  // valid, but the step fails as a whole
  in.seqs.push_back({1, {261}, 4, true, 0, {}});
  expect_error(in, "position 4 but 3 positions are cached");
  in.seqs[1] = {1, {}, 3, true, 0, {}};
  expect_error(in, "no tokens");
  in.seqs[1] = {1, {261, 512}, 3, true, 0, {}};
  expect_error(in, "token 512 outside the vocabulary");
  in.seqs[1] = {2, {1}, 0, true, 0, {}};
  expect_error(in, "appears twice");
  in.seqs[1] = {3, {1}, 1, true, 0, {}};
  expect_error(in, "sequence 3: position 1 but 0 positions are cached");
  in.seqs[1] = {1, std::vector<token_id>(2046, 5), 3, false, 0, {}};
  expect_error(in, "exceed the context of 2048");

  // The same step, valid now, continues where the first left off.
  in.seqs.resize(1);
  in.seqs[0] = {1, {261}, 3, true, 0, {}};
  EXPECT_EQ(engine_->step(in).tokens[0], 378);  // " time"
}

TEST_F(stories_engine, rewinding_recomputes_the_same_tokens) {
  step_input in;
  in.seqs.push_back({5, {1, 403, 407, 261, 378}, 0, true, 0, {}});
  const token_id a = engine_->step(in).tokens[0];
  // Re-prefill from position 2, as after restoring a checkpoint: same result.
  in.seqs[0] = {5, {407, 261, 378}, 2, true, 0, {}};
  EXPECT_EQ(engine_->step(in).tokens[0], a);
  // A sampled token depends on sample_index and seed, not on how often it was computed.
  sampling_params p;
  p.temperature = 1.0f;
  p.seed = 3;
  in.seqs[0] = {5, {378}, 4, true, 9, p};
  const token_id s1 = engine_->step(in).tokens[0];
  EXPECT_EQ(engine_->step(in).tokens[0], s1);
  engine_->release(5);
  engine_->release(5);  // unknown ids are ignored
  engine_->release(99);
  EXPECT_EQ(engine_->live_sequences(), 0u);
  in.seqs[0] = {5, {1, 403, 407, 261, 378}, 0, true, 0, {}};
  EXPECT_EQ(engine_->step(in).tokens[0], a);
}

TEST_F(stories_engine, kv_capacity_is_enforced) {
  reference_engine_options o;
  o.kv_blocks = 3;  // 48 positions
  auto e = reference_engine::open(path_, o);
  step_input in;
  in.seqs.push_back({1, std::vector<token_id>(40, 5), 0, false, 0, {}});
  e->step(in);
  in.seqs[0] = {2, std::vector<token_id>(10, 5), 0, false, 0, {}};
  EXPECT_THROW(e->step(in), engine_error);
  e->release(1);
  EXPECT_NO_THROW(e->step(in));
}

}  // namespace
}  // namespace troupe
