#include "gpu/text/pre_tokenizer.hpp"

#include <gtest/gtest.h>

#include <optional>
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

TEST(pre_tokenizer, llama_cpp_default) {
  // Punctuation runs first, then gpt2, then digit runs, then groups of three digits.
  EXPECT_EQ(split(pre_tokenizer_kind::llama_default, "Hello, world! 12345678 $x+1 \"q\" ..."),
            (words{"Hello", ",", " world", "!", " ", "123", "456", "78", " ", "$", "x", "+", "1",
                   " ", "\"", "q", "\"", " ", "..."}));
}

TEST(pre_tokenizer, tekken_and_gpt4o_split_at_case_changes) {
  EXPECT_EQ(
      split(pre_tokenizer_kind::tekken, "ÉCOLE École iPhone XMLHttpRequest lowerUPPER 2024/05"),
      (words{"ÉCOLE", " École", " i", "Phone", " XMLHttp", "Request", " lower", "UPPER", " ", "2",
             "0", "2", "4", "/", "0", "5"}));
  EXPECT_EQ(split(pre_tokenizer_kind::gpt4o, "ÉCOLE École I'M don't HE'LL 12345 a/b//c\n"),
            (words{"ÉCOLE", " École", " I'M", " don't", " HE'LL", " ", "123", "45", " a", "/b",
                   "//", "c", "\n"}));
}

TEST(pre_tokenizer, qwen35_keeps_marks_with_their_letters) {
  EXPECT_EQ(split(pre_tokenizer_kind::qwen35, "नमस्ते दुनिया 123"),
            (words{"नमस्ते", " दुनिया", " ", "1", "2", "3"}));
  EXPECT_EQ(split(pre_tokenizer_kind::qwen2, "नमस्ते दुनिया"),
            (words{"नमस", "्त", "े", " द", "ुन", "िय", "ा"}));
}

TEST(pre_tokenizer, deepseek3) {
  EXPECT_EQ(
      split(pre_tokenizer_kind::deepseek3, "东京タワー333m, .NET 12345 ok!!\n\nx"),
      (words{"东京タワー", "333", "m", ",", " .", "NET", " ", "123", "45", " ok", "!!\n\n", "x"}));
}

TEST(pre_tokenizer, names) {
  auto kind = [](std::string_view name) {
    const auto s = pre_tokenizer_from_name(name);
    return s ? std::optional(s->kind) : std::nullopt;
  };
  EXPECT_EQ(kind("llama-bpe"), pre_tokenizer_kind::llama3);
  EXPECT_EQ(kind("dbrx"), pre_tokenizer_kind::llama3);  // Phi-4
  EXPECT_EQ(kind("qwen2"), pre_tokenizer_kind::qwen2);  // Qwen 2.5 and 3
  EXPECT_EQ(kind("deepseek-r1-qwen"), pre_tokenizer_kind::qwen2);
  EXPECT_EQ(kind("qwen35"), pre_tokenizer_kind::qwen35);
  EXPECT_EQ(kind("smollm"), pre_tokenizer_kind::smollm);
  EXPECT_EQ(kind("tekken"), pre_tokenizer_kind::tekken);  // Mistral Nemo, Small 3
  EXPECT_EQ(kind("gpt-4o"), pre_tokenizer_kind::gpt4o);   // Phi-4-mini
  EXPECT_EQ(kind("deepseek-v3"), pre_tokenizer_kind::deepseek3);
  EXPECT_EQ(kind("gpt-2"), pre_tokenizer_kind::gpt2);
  EXPECT_EQ(kind("default"), pre_tokenizer_kind::llama_default);
  EXPECT_EQ(kind(""), pre_tokenizer_kind::llama_default);  // llama.cpp: missing means default
  EXPECT_EQ(kind("deepseek-coder"), std::nullopt);
  // llama.cpp's ignore_merges and add_bos defaults.
  EXPECT_TRUE(pre_tokenizer_from_name("llama-bpe")->ignore_merges);
  EXPECT_TRUE(pre_tokenizer_from_name("llama-bpe")->add_bos);
  EXPECT_TRUE(pre_tokenizer_from_name("tekken")->ignore_merges);
  EXPECT_FALSE(pre_tokenizer_from_name("dbrx")->ignore_merges);
  EXPECT_FALSE(pre_tokenizer_from_name("qwen2")->add_bos);
  EXPECT_NE(supported_pre_tokenizers().find("llama3, llama-v3, llama-bpe"), std::string::npos);
}

}  // namespace
}  // namespace troupe
