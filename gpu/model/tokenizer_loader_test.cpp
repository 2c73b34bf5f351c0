#include "gpu/model/tokenizer_loader.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "gpu/model/gguf_writer.hpp"
#include "gpu/model/llama_model.hpp"
#include "gpu/model/synthetic_vocab.hpp"
#include "gpu/text/bpe_tokenizer.hpp"
#include "gpu/text/detokenizer.hpp"
#include "gpu/text/unicode_class.hpp"
#include "gpu/text/vocab_tokenizer.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using nlohmann::json;
using testing::find_test_model;
using testing::read_file;
using testing::temp_dir;
using testing::write_file;

class stories_tokenizer : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = find_test_model("stories260K.gguf");
    if (path_.empty()) GTEST_SKIP() << "stories260K.gguf not found (set TROUPE_MODEL_PATH)";
    tok_ = load_tokenizer(path_);
  }

  std::string decode(const std::vector<token_id>& ids, token_id previous) {
    detokenizer d(tok_, previous);
    std::string s;
    for (token_id id : ids) s += d.push(id);
    return s + d.flush();
  }

  std::string path_;
  std::shared_ptr<const tokenizer> tok_;
};

std::vector<token_id> read_ids(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<token_id> ids;
  for (token_id id; in >> id;) ids.push_back(id);
  return ids;
}

TEST_F(stories_tokenizer, vocabulary_basics) {
  EXPECT_EQ(tok_->vocab_size(), 512);
  EXPECT_EQ(tok_->bos(), 1);
  EXPECT_EQ(tok_->eos(), 2);
  EXPECT_TRUE(tok_->is_end_of_generation(2));
  EXPECT_FALSE(tok_->is_end_of_generation(1));
  EXPECT_FALSE(tok_->is_end_of_generation(403));
}

TEST_F(stories_tokenizer, once_upon_a_time_is_the_reference_prompt) {
  // The greedy reference output begins with exactly these four tokens, and its text with the
  // prompt: BOS + "Once upon a time" must encode to them.
  const auto ids = read_ids(find_test_model("stories260K.greedy-from-bos.ids.txt"));
  ASSERT_GE(ids.size(), 4u);
  const std::vector<token_id> expected{1, ids[0], ids[1], ids[2], ids[3]};
  EXPECT_EQ(tok_->encode("Once upon a time", {.add_special = true, .parse_special = true}),
            expected);
  EXPECT_EQ(expected, (std::vector<token_id>{1, 403, 407, 261, 378}));
}

TEST_F(stories_tokenizer, decodes_the_reference_output_byte_for_byte) {
  // llama2.c printed the 200 generated tokens after BOS, then a newline.
  const auto ids = read_ids(find_test_model("stories260K.greedy-from-bos.ids.txt"));
  ASSERT_EQ(ids.size(), 200u);
  const std::string expected = read_file(find_test_model("stories260K.greedy-from-bos.txt"));
  EXPECT_EQ(decode(ids, tok_->bos()) + "\n", expected);
}

TEST_F(stories_tokenizer, round_trips_text) {
  for (std::string s :
       {"Once upon a time, there was a little girl named Lily.",
        "She said, \"I'm sorry!\"\nThe end.", "  two  spaces", "émoji 🙂 and ünïcode", "x"}) {
    auto ids = tok_->encode(s, {.add_special = true, .parse_special = true});
    ASSERT_EQ(ids.front(), 1);
    ids.erase(ids.begin());
    EXPECT_EQ(decode(ids, tok_->bos()), s) << s;
    // Without BOS the dummy-prefix space shows.
    EXPECT_EQ(decode(tok_->encode(s, {}), -1), " " + s) << s;
  }
}

TEST_F(stories_tokenizer, bad_vocabularies_are_named) {
  auto file = open_gguf(path_);
  temp_dir dir;
  auto error_of = [&](gguf_writer& w) -> std::string {
    w.write(dir.file("t.gguf"));
    try {
      load_tokenizer(dir.file("t.gguf"));
      return "";
    } catch (const model_error& e) {
      return e.what();
    }
  };
  {
    gguf_writer w;
    w.copy_from(*file);
    w.set_string("tokenizer.ggml.model", "bert");
    EXPECT_NE(error_of(w).find("tokenizer.ggml.model 'bert' is not supported"), std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    w.set_f32s("tokenizer.ggml.scores", std::vector<float>(511, 0.0f));
    EXPECT_NE(error_of(w).find("tokenizer.ggml.scores has 511 entries for 512 tokens"),
              std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    std::vector<int32_t> types(512, 1);
    types[7] = 9;
    w.set_i32s("tokenizer.ggml.token_type", types);
    EXPECT_NE(error_of(w).find("token_type of token 7 is 9"), std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    w.set_u32("tokenizer.ggml.eos_token_id", 512);
    EXPECT_NE(error_of(w).find("tokenizer.ggml.eos_token_id is 512"), std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    w.remove("tokenizer.ggml.tokens");
    EXPECT_NE(error_of(w).find("missing metadata key 'tokenizer.ggml.tokens'"), std::string::npos);
  }
  {
    gguf_writer w;
    w.copy_from(*file);
    w.set_string("tokenizer.ggml.model", "gpt2");  // a BPE vocabulary needs merges
    EXPECT_NE(error_of(w).find("tokenizer.ggml.merges"), std::string::npos);
  }
}

// A small byte-level BPE vocabulary: the 256 byte characters, a few merges, added tokens.
vocab_data small_bpe() {
  vocab_data v;
  v.model = "gpt2";
  for (int b = 0; b < 256; ++b) {
    char32_t c = static_cast<char32_t>(b);
    if (!((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)) {
      static int next = 0;
      c = 256 + static_cast<char32_t>(next++ % 68);
    }
    std::string s;
    unicode::append_utf8(s, c);
    v.tokens.push_back(s);
  }
  v.tokens.push_back("<|begin_of_text|>");
  v.tokens.push_back("<|eot_id|>");
  v.tokens.push_back("<|eom_id|>");
  v.tokens.push_back("<|user|>");
  v.kinds.assign(v.tokens.size(), token_kind::normal);
  for (size_t i = 256; i < v.tokens.size(); ++i) v.kinds[i] = token_kind::control;
  v.merges = {"h i"};
  v.tokens.push_back("hi");
  v.kinds.push_back(token_kind::normal);
  v.bos = 256;
  v.pre = "llama-bpe";
  return v;
}

class gguf_vocab : public ::testing::Test {
 protected:
  // The vocabulary written as a GGUF, with `edit` applied to the writer.
  std::shared_ptr<const tokenizer> load(const vocab_data& v,
                                        const std::function<void(gguf_writer&)>& edit = {}) {
    gguf_writer w;
    write_vocab(w, v, v.model == "llama");
    if (edit) edit(w);
    w.write(dir_.file("v.gguf"));
    return load_tokenizer(dir_.file("v.gguf"));
  }
  std::string error_of(const vocab_data& v, const std::function<void(gguf_writer&)>& edit) {
    try {
      load(v, edit);
      return "";
    } catch (const model_error& e) {
      return e.what();
    }
  }
  temp_dir dir_;
};

TEST_F(gguf_vocab, add_bos_and_add_eos_flags) {
  const encode_options prompt{.add_special = true, .parse_special = true};
  vocab_data v = small_bpe();
  v.eos = 257;
  // llama-bpe adds BOS when the GGUF does not say (llama.cpp's default); qwen2 does not.
  EXPECT_EQ(load(v, [](gguf_writer& w) { w.remove("tokenizer.ggml.add_bos_token"); })
                ->encode("hi", prompt),
            (std::vector<token_id>{256, 260}));
  v.pre = "qwen2";
  EXPECT_EQ(load(v, [](gguf_writer& w) { w.remove("tokenizer.ggml.add_bos_token"); })
                ->encode("hi", prompt),
            (std::vector<token_id>{260}));
  v.add_bos = true;
  v.add_eos = true;
  EXPECT_EQ(load(v)->encode("hi", prompt), (std::vector<token_id>{256, 260, 257}));
  EXPECT_EQ(load(v)->encode("hi", {}), (std::vector<token_id>{260}));
}

TEST_F(gguf_vocab, eot_and_eom_by_id_or_by_text) {
  vocab_data v = small_bpe();
  v.kinds[257] = token_kind::user_defined;  // a mislabelled <|eot_id|> becomes a control token
  const auto tok = load(v);
  const auto& loaded = dynamic_cast<const vocab_tokenizer&>(*tok).vocab();
  EXPECT_EQ(loaded.eot, 257);
  EXPECT_EQ(loaded.eom, 258);
  EXPECT_EQ(loaded.kind(257), token_kind::control);
  EXPECT_TRUE(tok->is_end_of_generation(257));
  EXPECT_TRUE(tok->is_end_of_generation(258));
  EXPECT_FALSE(tok->is_end_of_generation(259));
  v.eot = 259;  // the GGUF's word wins
  const auto named = load(v);
  EXPECT_EQ(dynamic_cast<const vocab_tokenizer&>(*named).vocab().eot, 259);
  EXPECT_TRUE(named->is_end_of_generation(259));
}

TEST_F(gguf_vocab, phi3_added_tokens_strip_the_whitespace_after_them) {
  vocab_data v = small_bpe();
  const encode_options parse{.parse_special = true};
  EXPECT_EQ(load(v)->encode("<|user|>\nhi", parse), (std::vector<token_id>{259, 10, 260}));
  EXPECT_EQ(load(v, [](gguf_writer& w) { w.set_string("general.name", "Phi-3-mini-4k-instruct"); })
                ->encode("<|user|>\nhi", parse),
            (std::vector<token_id>{259, 260}));
}

TEST_F(gguf_vocab, unknown_pre_tokenizer_is_named_with_the_supported_ones) {
  const std::string e = error_of(
      small_bpe(), [](gguf_writer& w) { w.set_string("tokenizer.ggml.pre", "deepseek-coder"); });
  EXPECT_NE(e.find("tokenizer.ggml.pre 'deepseek-coder' is not a supported pre-tokenizer"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("llama-bpe"), std::string::npos) << e;
  EXPECT_NE(e.find("tekken"), std::string::npos) << e;
}

class tokenizer_json : public ::testing::Test {
 protected:
  vocab_data convert(const json& tokenizer, const json& config = json()) {
    write_file(dir_.file("tokenizer.json"), tokenizer.dump());
    if (!config.is_null()) write_file(dir_.file("tokenizer_config.json"), config.dump());
    return vocab_from_tokenizer_json(dir_.file("tokenizer.json"));
  }
  temp_dir dir_;
};

TEST_F(tokenizer_json, byte_level_bpe_as_the_converter_writes_it) {
  const json t = {
      {"model", {{"type", "BPE"}, {"vocab", {{"h", 0}, {"i", 1}, {"hi", 2}}}, {"merges", {"h i"}}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern",
            {{"Regex",
              "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
              "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}}},
           {"behavior", "Isolated"}},
          {{"type", "ByteLevel"}, {"use_regex", false}}}}}},
      {"added_tokens",
       {{{"id", 4}, {"content", "<|im_end|>"}, {"special", true}},
        {{"id", 5}, {"content", "<think>"}, {"special", false}},
        {{"id", 6}, {"content", "<|fim_pad|>"}, {"special", false}}}}};
  const vocab_data v =
      convert(t, {{"eos_token", "<|im_end|>"}, {"bos_token", nullptr}, {"add_bos_token", false}});
  EXPECT_EQ(v.model, "gpt2");
  EXPECT_EQ(v.pre, "qwen2");
  EXPECT_EQ(v.tokens, (std::vector<std::string>{"h", "i", "hi", "[PAD3]", "<|im_end|>", "<think>",
                                                "<|fim_pad|>"}));
  EXPECT_EQ(v.kinds[3], token_kind::unused);
  EXPECT_EQ(v.kinds[4], token_kind::control);
  EXPECT_EQ(v.kinds[5], token_kind::user_defined);
  EXPECT_EQ(v.kinds[6], token_kind::control);  // looks special
  EXPECT_EQ(v.merges, (std::vector<std::string>{"h i"}));
  EXPECT_EQ(v.bos, -1);
  EXPECT_EQ(v.eos, 4);
  EXPECT_FALSE(v.add_bos);
  EXPECT_FALSE(v.add_eos);
}

TEST_F(tokenizer_json, unrecognised_pre_tokenizers_are_an_error) {
  const json t = {{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", json::array()}}},
                  {"pre_tokenizer", {{"type", "Whitespace"}}}};
  try {
    convert(t);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("pre-tokenizer not recognised"), std::string::npos)
        << e.what();
  }
}

TEST_F(tokenizer_json, sentencepiece_bpe_becomes_a_llama_vocabulary) {
  // Gemma-like: byte fallback, spaces to U+2581, no dummy prefix, a whitespace added token.
  const json t = {
      {"normalizer", {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "▁"}}},
      {"model",
       {{"type", "BPE"},
        {"byte_fallback", true},
        {"unk_token", "<unk>"},
        {"vocab",
         {{"<pad>", 0},
          {"<eos>", 1},
          {"<bos>", 2},
          {"<unk>", 3},
          {"<0x41>", 4},
          {"▁", 5},
          {"a", 6},
          {"b", 7},
          {"ab", 8},
          {"▁ab", 9},
          {"▁▁", 10}}},
        {"merges", {"▁ ▁", "a b", "▁ ab"}}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {{{"SpecialToken", {{"id", "<bos>"}}}}, {{"Sequence", {{"id", "A"}}}}}}}},
      {"added_tokens",
       {{{"id", 0}, {"content", "<pad>"}, {"special", true}},
        {{"id", 1}, {"content", "<eos>"}, {"special", true}},
        {{"id", 2}, {"content", "<bos>"}, {"special", true}},
        {{"id", 3}, {"content", "<unk>"}, {"special", true}},
        {{"id", 10}, {"content", "▁▁"}, {"special", false}}}}};
  const vocab_data v =
      convert(t, {{"bos_token", "<bos>"}, {"eos_token", "<eos>"}, {"unk_token", "<unk>"}});
  EXPECT_EQ(v.model, "llama");
  EXPECT_TRUE(v.merges.empty());
  EXPECT_FALSE(v.add_space_prefix);
  EXPECT_TRUE(v.add_bos);  // from the template
  EXPECT_EQ(v.bos, 2);
  EXPECT_EQ(v.eos, 1);
  EXPECT_EQ(v.unk, 3);
  EXPECT_EQ(v.kinds[4], token_kind::byte);
  EXPECT_EQ(v.kinds[3], token_kind::control);  // an added special token, as the converter has it
  EXPECT_EQ(v.tokens[10], "  ");               // user-defined, U+2581 written as a space
  EXPECT_EQ(v.kinds[10], token_kind::user_defined);
  // Scores: minus the rank of a piece's first merge.
  EXPECT_EQ(v.scores[8], -1.0f);
  EXPECT_EQ(v.scores[9], -2.0f);
  EXPECT_LT(v.scores[6], v.scores[9]);
  // Round trip through a GGUF: "ab ab" is "ab", "▁ab" as llama.cpp tokenizes it.
  gguf_writer w;
  write_vocab(w, v, false);  // the vocabulary's own model wins
  w.write(dir_.file("v.gguf"));
  const auto tok = load_tokenizer(dir_.file("v.gguf"));
  EXPECT_EQ(tok->encode("ab ab", {.add_special = true}), (std::vector<token_id>{2, 8, 9}));
  EXPECT_EQ(tok->encode("ab  ab", {}), (std::vector<token_id>{8, 10, 8}));
  EXPECT_EQ(tok->encode("A", {}), (std::vector<token_id>{4}));
}

TEST_F(tokenizer_json, unigram_keeps_its_scores_and_dummy_prefix) {
  const json t = {
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", "▁"}},
          {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "▁"}}}}}},
      {"model",
       {{"type", "Unigram"},
        {"unk_id", 0},
        {"vocab", json::array({json::array({"<unk>", 0.0}), json::array({"▁", -2.0}),
                               json::array({"a", -3.0}), json::array({"▁a", -1.5})})}}}};
  const vocab_data v = convert(t);
  EXPECT_EQ(v.model, "llama");
  EXPECT_TRUE(v.add_space_prefix);
  EXPECT_EQ(v.scores, (std::vector<float>{0.0f, -2.0f, -3.0f, -1.5f}));
  EXPECT_EQ(v.kinds[0], token_kind::unknown);
  EXPECT_EQ(v.unk, 0);
}

}  // namespace
}  // namespace troupe
