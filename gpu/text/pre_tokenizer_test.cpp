#include "gpu/text/pre_tokenizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace troupe {
namespace {

using words = std::vector<std::string>;

words split(pre_tokenizer_kind kind, std::string_view text) {
  words out;
  std::string joined;
  for (auto w : pre_tokenize(kind, text)) {
    out.emplace_back(w);
    joined += w;
  }
  EXPECT_EQ(joined, text);  // nothing lost, nothing added
  return out;
}

// Expectations produced by the same regexes in JavaScript (V8, /gu).
TEST(pre_tokenizer, llama3) {
  const auto k = pre_tokenizer_kind::llama3;
  EXPECT_EQ(split(k, "Hello, world! It's 12345678 o'clock."),
            (words{"Hello", ",", " world", "!", " It", "'s", " ", "123", "456", "78", " o",
                   "'clock", "."}));
  EXPECT_EQ(split(k, "  leading\tand   trailing  "),
            (words{" ", " leading", "\tand", "  ", " trailing", "  "}));
  EXPECT_EQ(split(k, "line1\r\n\r\n  line2\n"),
            (words{"line", "1", "\r\n\r\n", " ", " line", "2", "\n"}));
  EXPECT_EQ(split(k, "I'M HE'LL 'sup 'x"),
            (words{"I", "'M", " HE", "'LL", " '", "sup", " '", "x"}));
  EXPECT_EQ(split(k, "naïve café 日本語テキスト 🙂🙂 x²"),
            (words{"naïve", " café", " 日本語テキスト", " 🙂🙂", " x", "²"}));
  EXPECT_EQ(split(k, "a  \n  b"), (words{"a", "  \n", " ", " b"}));
  EXPECT_EQ(split(k, "   "), (words{"   "}));
  EXPECT_EQ(split(k, "x\n\n"), (words{"x", "\n\n"}));
  EXPECT_EQ(split(k, "!!!\n\nok"), (words{"!!!\n\n", "ok"}));
  EXPECT_EQ(split(k, "$12.50 (approx)"), (words{"$", "12", ".", "50", " (", "approx", ")"}));
  EXPECT_TRUE(split(k, "").empty());
}

TEST(pre_tokenizer, qwen2_splits_every_digit) {
  const auto k = pre_tokenizer_kind::qwen2;
  EXPECT_EQ(split(k, "$12.50 (approx)"),
            (words{"$", "1", "2", ".", "5", "0", " (", "approx", ")"}));
  EXPECT_EQ(split(k, "I'M HE'LL"), (words{"I", "'M", " HE", "'LL"}));
}

TEST(pre_tokenizer, gpt2) {
  const auto k = pre_tokenizer_kind::gpt2;
  EXPECT_EQ(
      split(k, "Hello, world! It's 12345678 o'clock."),
      (words{"Hello", ",", " world", "!", " It", "'s", " 12345678", " o", "'", "clock", "."}));
  EXPECT_EQ(split(k, "  leading\tand   trailing  "),
            (words{" ", " leading", "\t", "and", "  ", " trailing", "  "}));
  EXPECT_EQ(split(k, "line1\r\n\r\n  line2\n"),
            (words{"line", "1", "\r\n\r\n ", " line", "2", "\n"}));
  EXPECT_EQ(split(k, "I'M HE'LL 'sup 'x"),
            (words{"I", "'", "M", " HE", "'", "LL", " '", "sup", " '", "x"}));
  EXPECT_EQ(split(k, "a  \n  b"), (words{"a", "  \n ", " b"}));
  EXPECT_EQ(split(k, "!!!\n\nok"), (words{"!!!", "\n", "\n", "ok"}));
}

TEST(pre_tokenizer, smollm_isolates_digits_first) {
  // Digits alone; the text between them is pre-tokenized on its own, so " " before a digit
  // cannot join it.
  EXPECT_EQ(split(pre_tokenizer_kind::smollm, "a 12 b"), (words{"a", " ", "1", "2", " b"}));
}

TEST(pre_tokenizer, invalid_utf8_is_kept_byte_for_byte) {
  const std::string s = "ab\xff\xfe cd\xe2\x82";
  const auto w = split(pre_tokenizer_kind::llama3, s);
  EXPECT_EQ(w.front(), "ab");
}

TEST(pre_tokenizer, names) {
  EXPECT_EQ(pre_tokenizer_from_name("llama-bpe"), pre_tokenizer_kind::llama3);
  EXPECT_EQ(pre_tokenizer_from_name("qwen2"), pre_tokenizer_kind::qwen2);
  EXPECT_EQ(pre_tokenizer_from_name("smollm"), pre_tokenizer_kind::smollm);
  EXPECT_EQ(pre_tokenizer_from_name("default"), pre_tokenizer_kind::gpt2);
  EXPECT_EQ(pre_tokenizer_from_name(""), pre_tokenizer_kind::gpt2);
  EXPECT_EQ(pre_tokenizer_from_name("deepseek-coder"), std::nullopt);
}

}  // namespace
}  // namespace troupe
