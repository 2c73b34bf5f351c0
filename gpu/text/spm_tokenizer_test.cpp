#include "gpu/text/spm_tokenizer.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace troupe {
namespace {

// <unk> <s> </s>, 256 byte tokens, then scored pieces.
class spm_test : public ::testing::Test {
 protected:
  void SetUp() override {
    add("<unk>", 0, token_kind::unknown);
    add("<s>", 0, token_kind::control);
    add("</s>", 0, token_kind::control);
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      add(name, 0, token_kind::byte);
    }
    for (const char* p : {"▁", "h", "e", "l", "o"}) add(p, -10);
    add("▁h", -3);
    add("el", -2);
    add("ll", -1);
    add("llo", -4);
    add("▁he", -5);
    add("▁hello", -6);
    add("ab", -1);
    add("bc", -1);
    add("[X]", 0, token_kind::user_defined);
    v_.bos = 1;
    v_.eos = 2;
    v_.unk = 0;
  }

  token_id add(const std::string& text, float score, token_kind kind = token_kind::normal) {
    v_.tokens.push_back(text);
    v_.scores.push_back(score);
    v_.kinds.push_back(kind);
    return id(text);
  }
  token_id id(const std::string& text) const {
    for (size_t i = 0; i < v_.tokens.size(); ++i) {
      if (v_.tokens[i] == text) return static_cast<token_id>(i);
    }
    return -1;
  }
  static token_id byte(int b) { return 3 + b; }

  vocab_data v_;
};

TEST_F(spm_test, merges_highest_score_first) {
  spm_tokenizer t(v_);
  // ll, then ▁h, llo, ▁he and finally ▁hello: one token.
  EXPECT_EQ(t.encode("hello", false), (std::vector<token_id>{id("▁hello")}));
  EXPECT_EQ(t.encode("hello", true), (std::vector<token_id>{1, id("▁hello")}));
  // 'i' is no piece: byte fallback.
  EXPECT_EQ(t.encode("hi", false), (std::vector<token_id>{id("▁h"), byte('i')}));
  // A character outside the vocabulary is spelled in UTF-8 bytes.
  EXPECT_EQ(t.encode("é", false), (std::vector<token_id>{id("▁"), byte(0xC3), byte(0xA9)}));
  EXPECT_TRUE(t.encode("", false).empty());
  EXPECT_EQ(t.encode("", true), (std::vector<token_id>{1}));
}

TEST_F(spm_test, equal_scores_merge_leftmost_first) {
  v_.add_space_prefix = false;
  spm_tokenizer t(v_);
  EXPECT_EQ(t.encode("abc", false), (std::vector<token_id>{id("ab"), byte('c')}));
}

TEST_F(spm_test, special_tokens_and_dummy_prefix) {
  spm_tokenizer t(v_);
  // Each stretch after a special token gets the dummy prefix again (llama.cpp).
  EXPECT_EQ(t.encode("hello</s>hello", false),
            (std::vector<token_id>{id("▁hello"), 2, id("▁hello")}));
  EXPECT_EQ(t.encode("[X]", false), (std::vector<token_id>{id("[X]")}));
  EXPECT_TRUE(t.is_end_of_generation(2));
  EXPECT_FALSE(t.is_end_of_generation(1));
  EXPECT_FALSE(t.is_end_of_generation(id("▁hello")));
  EXPECT_FALSE(t.is_end_of_generation(99999));
}

TEST_F(spm_test, decoding) {
  spm_tokenizer t(v_);
  EXPECT_EQ(t.token_bytes(id("▁hello"), 1), "hello");  // dummy prefix dropped after BOS
  EXPECT_EQ(t.token_bytes(id("▁hello"), -1), " hello");
  EXPECT_EQ(t.token_bytes(id("▁hello"), id("▁h")), " hello");
  EXPECT_EQ(t.token_bytes(byte(0xC3), 7), "\xC3");
  EXPECT_EQ(t.token_bytes(1, -1), "");
  EXPECT_EQ(t.token_bytes(2, 5), "");
  EXPECT_EQ(t.token_bytes(id("[X]"), -1), "[X]");
  EXPECT_EQ(t.token_bytes(-5, -1), "");
  EXPECT_EQ(t.token_bytes(100000, -1), "");
  // Round trip through bytes.
  std::string text;
  token_id prev = 1;
  for (token_id x : t.encode("hello hi é", false)) {
    text += t.token_bytes(x, prev);
    prev = x;
  }
  EXPECT_EQ(text, "hello hi é");  // BOS came first: no dummy-prefix space
}

TEST_F(spm_test, rejects_inconsistent_vocabularies) {
  v_.scores.pop_back();
  EXPECT_THROW(spm_tokenizer{v_}, std::invalid_argument);
  v_.scores.push_back(0);
  v_.eos = 100000;
  EXPECT_THROW(spm_tokenizer{v_}, std::invalid_argument);
}

}  // namespace
}  // namespace troupe
