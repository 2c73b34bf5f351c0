// The engine end to end on the real stories260K model: byte-for-byte greedy reference outputs
// alone and inside a batch of 16 sequences that join and leave mid-flight, prefix-cache reuse,
// and atomic failures.
#include "gpu/vulkan/vulkan_engine.hpp"
#include "gpu/vulkan/memory_plan.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "gpu/text/detokenizer.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

std::string model_path() {
  return testing::find_test_model("stories260K.gguf");
}

std::string read_text(const std::string& name) {
  const std::string path = model_path();
  return testing::read_file(path.substr(0, path.rfind('/') + 1) + name);
}

std::vector<token_id> read_ids(const std::string& name) {
  std::istringstream in(read_text(name));
  std::vector<token_id> ids;
  for (token_id t; in >> t;) ids.push_back(t);
  return ids;
}

std::string detok(const engine& e, const std::vector<token_id>& ids, token_id previous) {
  detokenizer d(e.tokens(), previous);
  std::string s;
  for (token_id t : ids) s += d.push(t);
  return s + d.flush();
}

// Greedy generation of one sequence alone: the prompt in one step, then one token per step.
std::vector<token_id> generate(engine& e, uint64_t seq, const std::vector<token_id>& prompt,
                               size_t n) {
  std::vector<token_id> out;
  step_input in;
  in.seqs.push_back({seq, prompt, 0, true, 0, {}});
  int32_t pos = static_cast<int32_t>(prompt.size());
  for (size_t i = 0; i < n; ++i) {
    auto r = e.step(in);
    out.push_back(r.tokens.at(0));
    in.seqs[0] = {seq, {out.back()}, pos++, true, static_cast<uint32_t>(out.size()), {}};
  }
  e.release(seq);
  return out;
}

class StoriesEngine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (model_path().empty()) return;
    vulkan_engine_options o;
    o.model_name = "stories260K";
    o.model_path = model_path();
    o.max_seq_len = 512;
    o.max_step_tokens = 256;
    engine_ = open_vulkan_engine(o);
  }
  static void TearDownTestSuite() { engine_.reset(); }
  void SetUp() override {
    if (model_path().empty()) GTEST_SKIP() << "stories260K.gguf not found";
  }
  static std::shared_ptr<engine> engine_;
};
std::shared_ptr<engine> StoriesEngine::engine_;

TEST_F(StoriesEngine, InfoIsFilledTruthfully) {
  const auto& i = engine_->info();
  EXPECT_EQ(i.model, "stories260K");
  EXPECT_EQ(i.architecture, "llama");
  EXPECT_EQ(i.vocab_size, 512);
  EXPECT_EQ(i.context_length, 512);
  EXPECT_GT(i.kv_blocks, 0u);
  EXPECT_EQ(i.kv_block_bytes, 2ull * 5 * 16 * 32 * 4);  // layers x (K,V) x tokens x kv_dim x f32
  EXPECT_GT(i.weight_bytes, 1000000u);
  EXPECT_FALSE(i.device.name.empty());
  EXPECT_GT(i.device.memory_total, 0u);
}

TEST_F(StoriesEngine, GreedyFromBosMatchesReferenceByteForByte) {
  const auto ids = read_ids("stories260K.greedy-from-bos.ids.txt");
  ASSERT_EQ(ids.size(), 200u);
  const auto got = generate(*engine_, 1, {engine_->tokens()->bos()}, ids.size());
  EXPECT_EQ(got, ids);
  EXPECT_EQ(detok(*engine_, got, engine_->tokens()->bos()) + "\n",
            read_text("stories260K.greedy-from-bos.txt"));
}

TEST_F(StoriesEngine, GreedyOnceUponATimeMatchesReferenceByteForByte) {
  const auto prompt =
      engine_->tokens()->encode("Once upon a time", {.add_special = true, .parse_special = true});
  const size_t n = 200 - (prompt.size() - 1);
  const auto got = generate(*engine_, 2, prompt, n);
  std::vector<token_id> all(prompt.begin() + 1, prompt.end());
  all.insert(all.end(), got.begin(), got.end());
  EXPECT_EQ(detok(*engine_, all, prompt[0]) + "\n",
            read_text("stories260K.greedy-once-upon-a-time.txt"));
}

// 16 sequences of mixed prompt lengths, prefilled in chunks of different sizes, joining at
// different steps and leaving after different numbers of tokens; two of them are the reference
// runs, which must come out exactly as when run alone.
TEST_F(StoriesEngine, ReferenceOutputsHoldInsideAMixedBatch) {
  const auto ref_ids = read_ids("stories260K.greedy-from-bos.ids.txt");
  const auto tok = engine_->tokens();
  const auto once = tok->encode("Once upon a time", {.add_special = true, .parse_special = true});
  const size_t once_n = 200 - (once.size() - 1);
  const auto once_alone = generate(*engine_, 900, once, once_n);

  struct job {
    uint64_t id;
    std::vector<token_id> prompt;
    size_t chunk, join, gen;
    size_t sent = 0;
    std::vector<token_id> out;
    bool done = false;
  };
  std::vector<job> jobs;
  jobs.push_back({100, {tok->bos()}, 1, 0, 200, 0, {}, false});
  jobs.push_back({101, once, 3, 4, once_n, 0, {}, false});
  const char* texts[] = {"The cat sat",
                         "A little dog ran to the park and",
                         "Tom",
                         "She had a red",
                         "One day, a boy named Tim went to the store with his mom.",
                         "Sue liked to",
                         "The sun",
                         "Birds can fly high in the sky",
                         "Lily",
                         "Max was a big dog",
                         "It was a cold day",
                         "Ben and Mia",
                         "Once",
                         "Mom"};
  for (size_t i = 0; i < 14; ++i) {
    jobs.push_back({200 + i,
                    tok->encode(texts[i], {.add_special = true, .parse_special = true}),
                    1 + i % 5,
                    (i * 7) % 40,
                    10 + (i * 13) % 60,
                    0,
                    {},
                    false});
  }
  size_t step = 0;
  for (bool active = true; active; ++step) {
    active = false;
    step_input in;
    std::vector<job*> who;
    for (auto& j : jobs) {
      if (j.done || step < j.join) {
        active |= !j.done;
        continue;
      }
      active = true;
      sequence_input s;
      s.seq = j.id;
      if (j.sent < j.prompt.size()) {
        const size_t n = std::min(j.chunk, j.prompt.size() - j.sent);
        s.tokens.assign(j.prompt.begin() + j.sent, j.prompt.begin() + j.sent + n);
        s.pos = static_cast<int32_t>(j.sent);
        j.sent += n;
        s.sample = j.sent == j.prompt.size();
      } else {
        s.tokens = {j.out.back()};
        s.pos = static_cast<int32_t>(j.prompt.size() + j.out.size() - 1);
        s.sample = true;
      }
      s.sample_index = static_cast<uint32_t>(j.out.size());
      in.seqs.push_back(s);
      who.push_back(&j);
    }
    if (in.seqs.empty()) continue;
    auto r = engine_->step(in);
    for (size_t k = 0; k < who.size(); ++k) {
      if (!in.seqs[k].sample) {
        EXPECT_EQ(r.tokens[k], -1);
        continue;
      }
      who[k]->out.push_back(r.tokens[k]);
      if (who[k]->out.size() == who[k]->gen) {
        who[k]->done = true;
        engine_->release(who[k]->id);
      }
    }
  }
  EXPECT_EQ(jobs[0].out, ref_ids);
  EXPECT_EQ(jobs[1].out, once_alone);
  for (size_t i = 2; i < jobs.size(); i += 5) {
    EXPECT_EQ(jobs[i].out, generate(*engine_, 999, jobs[i].prompt, jobs[i].gen)) << i;
  }
}

TEST_F(StoriesEngine, SharedPromptPrefixIsReusedAndGivesIdenticalTokens) {
  auto tok = engine_->tokens();
  auto prompt = tok->encode(
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
      "park with her friends. One day, she saw a big red ball under a tree and",
      {.add_special = true, .parse_special = true});
  ASSERT_GT(prompt.size(), 40u);
  const auto before = vulkan_engine_statistics(*engine_);
  const auto first = generate(*engine_, 50, prompt, 20);
  const auto mid = vulkan_engine_statistics(*engine_);
  const auto second = generate(*engine_, 51, prompt, 20);
  const auto after = vulkan_engine_statistics(*engine_);
  EXPECT_EQ(first, second);
  const uint64_t computed_first = mid.computed_tokens - before.computed_tokens;
  const uint64_t computed_second = after.computed_tokens - mid.computed_tokens;
  const uint64_t full_blocks = (prompt.size() - 1) / 16;
  EXPECT_EQ(after.reused_tokens - mid.reused_tokens, full_blocks * 16);
  // The second run computes only the prompt's tail and the 19 decode steps (the first run may
  // itself have reused blocks that earlier tests cached).
  EXPECT_EQ(computed_second, prompt.size() - full_blocks * 16 + 19);
  EXPECT_LT(computed_second, computed_first);
}

TEST_F(StoriesEngine, FailedStepChangesNothingAndCanBeRetried) {
  const auto bos = engine_->tokens()->bos();
  step_input good;
  good.seqs.push_back({70, {bos}, 0, true, 0, {}});
  auto r = engine_->step(good);
  step_input bad;
  bad.seqs.push_back({70, {r.tokens[0]}, 1, true, 1, {}});
  bad.seqs.push_back({71, {bos, 100000}, 0, true, 0, {}});
  EXPECT_THROW(engine_->step(bad), engine_error);
  step_input wrong_pos;
  wrong_pos.seqs.push_back({70, {r.tokens[0]}, 5, true, 1, {}});
  EXPECT_THROW(engine_->step(wrong_pos), engine_error);
  bad.seqs.pop_back();
  auto r2 = engine_->step(bad);  // the retry of the valid part
  const auto ref = read_ids("stories260K.greedy-from-bos.ids.txt");
  EXPECT_EQ(r.tokens[0], ref[0]);
  EXPECT_EQ(r2.tokens[0], ref[1]);
  engine_->release(70);
  engine_->release(71);
}

TEST(VulkanEngine, RefusesUnknownDeviceAndMissingModelClearly) {
  vulkan_engine_options o;
  o.model_name = "m";
  o.model_path = "/nonexistent/model.gguf";
  EXPECT_THROW(open_vulkan_engine(o), std::runtime_error);
  if (!model_path().empty()) {
    o.model_path = model_path();
    o.device = "no-such-gpu";
    try {
      open_vulkan_engine(o);
      FAIL();
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("no-such-gpu"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(list_vulkan_devices().empty());
}

TEST(VulkanEngine, AModelOverTheBudgetIsRefusedBeforeAnythingIsAllocated) {
  if (model_path().empty()) GTEST_SKIP() << "SKIPPED: stories260K.gguf not found";
  vulkan_engine_options o;
  o.model_name = "m";
  o.model_path = model_path();
  o.memory_budget_bytes = 64 << 10;  // the weights alone are 1 MiB
  try {
    open_vulkan_engine(o);
    FAIL() << "loaded within 64 KiB";
  } catch (const vk::memory_error& e) {  // the type survives the message's context
    const std::string what = e.what();
    EXPECT_NE(what.find("for model 'm'"), std::string::npos) << what;
    EXPECT_NE(what.find("of device memory (weights 1."), std::string::npos) << what;
    EXPECT_NE(what.find("65536 bytes (64.0 KiB) available: the budget"), std::string::npos) << what;
  }
  o.memory_budget_bytes = 64 << 20;
  auto e = open_vulkan_engine(o);
  const auto& i = e->info();
  // What the engine reports is what it allocated, rounding included, and within the budget.
  EXPECT_LE(i.weight_bytes + i.activation_bytes + uint64_t{i.kv_blocks} * i.kv_block_bytes,
            o.memory_budget_bytes);
  EXPECT_GT(i.activation_bytes, 0u);
}

}  // namespace
}  // namespace troupe
