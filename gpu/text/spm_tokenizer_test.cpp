#include "gpu/text/spm_tokenizer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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

const encode_options plain{};
const encode_options parsed{.parse_special = true};
const encode_options with_bos{.add_special = true, .parse_special = true};

TEST_F(spm_test, merges_highest_score_first) {
  spm_tokenizer t(v_);
  // ll, then ▁h, llo, ▁he and finally ▁hello: one token.
  EXPECT_EQ(t.encode("hello", plain), (std::vector<token_id>{id("▁hello")}));
  EXPECT_EQ(t.encode("hello", with_bos), (std::vector<token_id>{1, id("▁hello")}));
  // 'i' is no piece: byte fallback.
  EXPECT_EQ(t.encode("hi", plain), (std::vector<token_id>{id("▁h"), byte('i')}));
  // A character outside the vocabulary is spelled in UTF-8 bytes.
  EXPECT_EQ(t.encode("é", plain), (std::vector<token_id>{id("▁"), byte(0xC3), byte(0xA9)}));
  EXPECT_TRUE(t.encode("", plain).empty());
  EXPECT_EQ(t.encode("", with_bos), (std::vector<token_id>{1}));
}

TEST_F(spm_test, equal_scores_merge_leftmost_first) {
  v_.add_space_prefix = false;
  spm_tokenizer t(v_);
  EXPECT_EQ(t.encode("abc", plain), (std::vector<token_id>{id("ab"), byte('c')}));
}

TEST_F(spm_test, special_tokens_and_dummy_prefix) {
  spm_tokenizer t(v_);
  // Each stretch after a special token gets the dummy prefix again (llama.cpp).
  EXPECT_EQ(t.encode("hello</s>hello", parsed),
            (std::vector<token_id>{id("▁hello"), 2, id("▁hello")}));
  EXPECT_EQ(t.encode("[X]", plain), (std::vector<token_id>{id("[X]")}));
  EXPECT_EQ(t.encode("<unk>", parsed), (std::vector<token_id>{0}));
  EXPECT_TRUE(t.is_end_of_generation(2));
  EXPECT_FALSE(t.is_end_of_generation(1));
  EXPECT_FALSE(t.is_end_of_generation(id("▁hello")));
  EXPECT_FALSE(t.is_end_of_generation(99999));
}

TEST_F(spm_test, control_token_text_is_text_unless_parsed) {
  spm_tokenizer t(v_);
  // Not parsed, "</s>" is spelled: "▁" and bytes; user-defined [X] is matched all the same.
  const auto ids = t.encode("hello</s>[X]", plain);
  EXPECT_EQ(ids.front(), id("▁hello"));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 2), 0);
  EXPECT_EQ(ids.back(), id("[X]"));
  EXPECT_EQ(ids[1], byte('<'));
  const auto unk = t.encode("<unk>", plain);
  EXPECT_EQ(unk.front(), id("▁"));
  EXPECT_EQ(std::count(unk.begin(), unk.end(), 0), 0);
}

TEST_F(spm_test, add_special_follows_the_model_flags) {
  v_.add_eos = true;
  spm_tokenizer t(v_);
  EXPECT_EQ(t.encode("hello", with_bos), (std::vector<token_id>{1, id("▁hello"), 2}));
  EXPECT_EQ(t.encode("", with_bos), (std::vector<token_id>{1, 2}));
  EXPECT_EQ(t.encode("hello", parsed), (std::vector<token_id>{id("▁hello")}));
  v_.add_bos = false;
  spm_tokenizer no_bos(v_);
  EXPECT_EQ(no_bos.encode("hello", with_bos), (std::vector<token_id>{id("▁hello"), 2}));
}

TEST_F(spm_test, without_dummy_prefix) {
  // Gemma: no space before the text, none dropped after BOS when decoding.
  v_.add_space_prefix = false;
  add("he", -1.5f);
  add("hello", -7);
  spm_tokenizer t(v_);
  EXPECT_EQ(t.encode("hello", with_bos), (std::vector<token_id>{1, id("hello")}));
  EXPECT_EQ(t.encode(" hello", plain), (std::vector<token_id>{id("▁hello")}));
  EXPECT_EQ(t.encode("[X]hello", plain), (std::vector<token_id>{id("[X]"), id("hello")}));
  EXPECT_EQ(t.token_bytes(id("▁hello"), 1), " hello");
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
  for (token_id x : t.encode("hello hi é", plain)) {
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
