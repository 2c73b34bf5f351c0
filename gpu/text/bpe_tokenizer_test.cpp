#include "gpu/text/bpe_tokenizer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "gpu/text/unicode_class.hpp"

namespace troupe {
namespace {

// Token b (0..255) is byte b's stand-in character; merges and specials follow.
class bpe_test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int b = 0; b < 256; ++b) {
      char32_t c = static_cast<char32_t>(b);
      if (!((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)) c = 256 + next_++;
      std::string s;
      unicode::append_utf8(s, c);
      v_.tokens.push_back(s);
    }
    merge("Ġ", "t");
    merge("h", "e");
    merge("Ġt", "he");
    merge("a", "a");
    merge("Ġ", "Ġ");
    special("<|begin_of_text|>", token_kind::control);
    special("<|eot_id|>", token_kind::control);
    special("<tag>", token_kind::user_defined);
    v_.bos = id("<|begin_of_text|>");
    v_.eos = id("<|eot_id|>");
    v_.pre = "llama-bpe";
  }

  void merge(const std::string& a, const std::string& b) {
    v_.merges.push_back(a + " " + b);
    if (id(a + b) < 0) v_.tokens.push_back(a + b);
  }
  void special(const std::string& text, token_kind kind) {
    v_.tokens.push_back(text);
    v_.kinds.resize(v_.tokens.size(), token_kind::normal);
    v_.kinds.back() = kind;
  }
  token_id id(const std::string& text) const {
    for (size_t i = 0; i < v_.tokens.size(); ++i) {
      if (v_.tokens[i] == text) return static_cast<token_id>(i);
    }
    return -1;
  }

  vocab_data v_;
  int next_ = 0;
};

const encode_options plain{};
const encode_options parsed{.parse_special = true};
const encode_options with_bos{.add_special = true, .parse_special = true};

TEST_F(bpe_test, merges_by_rank) {
  v_.add_bos = true;
  bpe_tokenizer t(v_);
  EXPECT_EQ(t.encode(" the", plain), (std::vector<token_id>{id("Ġthe")}));
  EXPECT_EQ(t.encode(" the", with_bos), (std::vector<token_id>{v_.bos, id("Ġthe")}));
  // Equal ranks: leftmost first, so "aaa" is "aa" + "a".
  EXPECT_EQ(t.encode("aaa", plain), (std::vector<token_id>{id("aa"), 'a'}));
  EXPECT_EQ(t.encode("x", plain), (std::vector<token_id>{'x'}));
}

TEST_F(bpe_test, add_bos_follows_the_model) {
  v_.add_bos = false;  // e.g. Qwen2: the caller's request is not enough
  bpe_tokenizer t(v_);
  EXPECT_EQ(t.encode("x", with_bos), (std::vector<token_id>{'x'}));
}

TEST_F(bpe_test, special_tokens_verbatim) {
  bpe_tokenizer t(v_);
  EXPECT_EQ(t.encode("<|begin_of_text|> the<|eot_id|><tag>", parsed),
            (std::vector<token_id>{v_.bos, id("Ġthe"), v_.eos, id("<tag>")}));
  // Not parsed, control token text is text; user-defined tokens are matched all the same.
  const auto ids = t.encode("<|eot_id|><tag>", plain);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), v_.eos), 0);
  EXPECT_EQ(ids.front(), '<');
  EXPECT_EQ(ids.back(), id("<tag>"));
  EXPECT_EQ(t.token_bytes(v_.eos, -1), "");
  EXPECT_EQ(t.token_bytes(id("<tag>"), -1), "<tag>");
  EXPECT_TRUE(t.is_end_of_generation(v_.eos));
  EXPECT_FALSE(t.is_end_of_generation(v_.bos));
}

TEST_F(bpe_test, add_special_adds_eos_when_the_model_says_so) {
  v_.add_bos = true;
  v_.add_eos = true;
  bpe_tokenizer t(v_);
  EXPECT_EQ(t.encode(" the", with_bos), (std::vector<token_id>{v_.bos, id("Ġthe"), v_.eos}));
  EXPECT_EQ(t.encode("", with_bos), (std::vector<token_id>{v_.bos, v_.eos}));
  EXPECT_EQ(t.encode(" the", parsed), (std::vector<token_id>{id("Ġthe")}));
}

TEST_F(bpe_test, ignore_merges_as_llama_cpp_decides_it) {
  // "Ġthe" is a token; with ignore_merges the word is taken whole even though no merge makes
  // "Ġt" + "he" here.
  v_.merges = {"Ġ t", "h e"};
  v_.pre = "llama-bpe";
  bpe_tokenizer llama3(v_);
  EXPECT_TRUE(llama3.ignore_merges());
  EXPECT_EQ(llama3.encode(" the", plain), (std::vector<token_id>{id("Ġthe")}));
  v_.pre = "dbrx";  // the same regex, merges as usual
  bpe_tokenizer dbrx(v_);
  EXPECT_FALSE(dbrx.ignore_merges());
  EXPECT_EQ(dbrx.encode(" the", plain), (std::vector<token_id>{id("Ġt"), id("he")}));
}

TEST_F(bpe_test, bytes_round_trip) {
  bpe_tokenizer t(v_);
  const std::string s = "the  \t\r\n日本 🙂 \xff\xfe invalid \xe2\x82 end";
  std::string back;
  for (token_id x : t.encode(s, plain)) back += t.token_bytes(x, -1);
  EXPECT_EQ(back, s);
  EXPECT_EQ(t.token_bytes(id("Ġthe"), -1), " the");
}

TEST_F(bpe_test, rejects_bad_configuration) {
  v_.pre = "no-such-pre";
  try {
    bpe_tokenizer t(v_);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'no-such-pre'"), std::string::npos) << what;
    EXPECT_NE(what.find("supported: default, gpt-2"), std::string::npos) << what;
    EXPECT_NE(what.find("qwen2"), std::string::npos) << what;
  }
  v_.pre = "default";
  v_.merges.push_back("nospace");
  EXPECT_THROW(bpe_tokenizer{v_}, std::invalid_argument);
}

}  // namespace
}  // namespace troupe
