#include "gpu/model/synthetic_vocab.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpu/text/pre_tokenizer.hpp"

namespace troupe {

namespace {

const std::string space_mark = "\xE2\x96\x81";  // U+2581

using json = nlohmann::json;

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) {
    s.replace(i, from.size(), to);
  }
  return s;
}

// llama.cpp's converter (does_token_look_special): added tokens that are control tokens even
// when tokenizer.json does not mark them special.
bool looks_special(std::string_view t) {
  auto wrapped = [&](std::string_view open, std::string_view close) {
    return t.size() >= open.size() + close.size() && t.substr(0, open.size()) == open &&
           t.substr(t.size() - close.size()) == close;
  };
  return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" || wrapped("<|", "|>") ||
         wrapped("<\xEF\xBD\x9C", "\xEF\xBD\x9C>") || wrapped("<unused", ">");
}

bool is_byte_token(std::string_view t) {
  auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
  };
  return t.size() == 6 && t.substr(0, 3) == "<0x" && hex(t[3]) && hex(t[4]) && t[5] == '>';
}

struct added_token {
  int64_t id;
  std::string content;
  bool special;
};

// The stages of a tokenizer.json pre_tokenizer, one string each ("split:REGEX", "digits:1",
// "bytelevel:0", ...), for recognising the pre-tokenizer.
std::vector<std::string> pre_tokenizer_signature(const json& pre) {
  std::vector<std::string> sig;
  if (pre.is_null()) return sig;
  const json& list =
      pre.value("type", "") == "Sequence" ? pre.at("pretokenizers") : json::array({pre});
  for (const auto& p : list) {
    const std::string type = p.value("type", "");
    if (type == "Split") {
      const json& pat = p.at("pattern");
      sig.push_back("split:" + (pat.contains("Regex") ? pat.at("Regex").get<std::string>()
                                                      : pat.value("String", "")));
    } else if (type == "Digits") {
      sig.push_back(std::string("digits:") + (p.value("individual_digits", false) ? "1" : "0"));
    } else if (type == "ByteLevel") {
      sig.push_back(std::string("bytelevel:") + (p.value("use_regex", true) ? "1" : "0"));
    } else {
      sig.push_back(type);
    }
  }
  return sig;
}

// tokenizer.ggml.pre for a byte-level BPE tokenizer.json, as llama.cpp's converter names it;
// empty when the pre-tokenizer is none of those implemented here.
std::string recognise_pre_tokenizer(const json& pre) {
  const std::string llama3 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  const std::string qwen2 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  const std::string qwen35 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  const std::string cased_upper = R"([\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}])";
  const std::string cased_lower = R"([\p{Ll}\p{Lm}\p{Lo}\p{M}])";
  const std::string contraction = R"((?i:'s|'t|'re|'ve|'m|'ll|'d)?)";
  const std::string lead = R"([^\r\n\p{L}\p{N}]?)";
  const std::string tail = R"( ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  const std::string tekken = lead + cased_upper + "*" + cased_lower + "+|" + lead + cased_upper +
                             "+" + cased_lower + R"(*|\p{N}|)" + tail;
  const std::string gpt4o = lead + cased_upper + "*" + cased_lower + "+" + contraction + "|" +
                            lead + cased_upper + "+" + cased_lower + "*" + contraction +
                            R"(|\p{N}{1,3}|)" + tail;
  const std::string deepseek3 =
      "[!\"#$%&'()*+,\\-./"
      ":;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
      "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
  using sig = std::vector<std::string>;
  const std::vector<std::pair<std::string, sig>> known = {
      {"llama-bpe", {"split:" + llama3, "bytelevel:0"}},
      {"qwen2", {"split:" + qwen2, "bytelevel:0"}},
      {"qwen35", {"split:" + qwen35, "bytelevel:0"}},
      {"tekken", {"split:" + tekken, "bytelevel:0"}},
      {"gpt-4o", {"split:" + gpt4o, "bytelevel:0"}},
      {"deepseek-v3",
       {R"(split:\p{N}{1,3})",
        "split:[\xE4\xB8\x80-\xE9\xBE\xA5\xE3\x81\x80-\xE3\x82\x9F\xE3\x82\xA0-\xE3\x83\xBF]+",
        "split:" + deepseek3, "bytelevel:0"}},
      {"smollm", {"digits:1", "bytelevel:1"}},
      {"gpt-2", {"bytelevel:1"}},
  };
  const sig s = pre_tokenizer_signature(pre);
  for (const auto& [name, k] : known) {
    if (s == k) return name;
  }
  return {};
}

}  // namespace

vocab_data synthetic_spm_vocab(int32_t n) {
  if (n < 260) throw std::invalid_argument("a synthetic vocabulary needs at least 260 tokens");
  vocab_data v;
  auto add = [&](std::string text, float score, token_kind kind) {
    if (static_cast<int32_t>(v.tokens.size()) >= n) return;
    v.tokens.push_back(std::move(text));
    v.scores.push_back(score);
    v.kinds.push_back(kind);
  };
  add("<unk>", 0, token_kind::unknown);
  add("<s>", 0, token_kind::control);
  add("</s>", 0, token_kind::control);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    add(name, 0, token_kind::byte);
  }
  // Pieces of growing length; within a length, earlier ones score higher. Longer pieces score
  // higher than shorter ones so merging prefers them, as in trained vocabularies.
  add(space_mark, -1000, token_kind::normal);
  for (char c = '!'; c <= '~'; ++c) add(std::string(1, c), -1000, token_kind::normal);
  const std::string letters = "etaoinshrdlucmfwypvbgkjqxz";
  float score = -900;
  for (char c : letters) add(space_mark + c, score -= 0.01f, token_kind::normal);
  score = -800;
  for (char a : letters) {
    for (char b : letters) add(std::string{a, b}, score -= 0.001f, token_kind::normal);
  }
  score = -700;
  for (char a : letters) {
    for (char b : letters) add(space_mark + a + b, score -= 0.001f, token_kind::normal);
  }
  score = -600;
  for (char a : letters) {
    for (char b : letters) {
      for (char c : letters) add(std::string{a, b, c}, score -= 0.0001f, token_kind::normal);
    }
  }
  for (int32_t i = static_cast<int32_t>(v.tokens.size()); i < n; ++i) {
    add("<unused_" + std::to_string(i) + ">", -10000, token_kind::unused);
  }
  v.model = "llama";
  v.bos = 1;
  v.eos = 2;
  v.unk = 0;
  v.add_bos = true;
  return v;
}

vocab_data vocab_from_tokenizer_json(const std::string& path) {
  auto fail = [&](const std::string& what) { throw std::runtime_error(path + ": " + what); };
  auto parse = [&](const std::string& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file + ": cannot open");
    try {
      return json::parse(in);
    } catch (const json::exception& e) {
      throw std::runtime_error(file + ": not valid JSON: " + e.what());
    }
  };
  const json j = parse(path);
  // tokenizer_config.json beside it, as the converter reads it (special tokens, add_*_token).
  const std::string config_path =
      (std::filesystem::path(path).parent_path() / "tokenizer_config.json").string();
  const json config = std::filesystem::exists(config_path) ? parse(config_path) : json();
  try {
    const json& model = j.at("model");
    const std::string type = model.value("type", "");
    const bool byte_fallback = model.value("byte_fallback", false);
    std::vector<added_token> added;
    for (const auto& t : j.value("added_tokens", json::array())) {
      added.push_back({t.at("id").get<int64_t>(), t.at("content").get<std::string>(),
                       t.value("special", false)});
    }

    vocab_data v;
    std::vector<std::pair<std::string, float>> entries;  // by id; scores for Unigram
    std::vector<bool> present;
    auto put = [&](int64_t id, std::string text, float score) {
      if (id < 0 || id >= (int64_t{1} << 24))
        fail("token id " + std::to_string(id) + " out of range");
      const auto i = static_cast<size_t>(id);
      if (entries.size() <= i) {
        entries.resize(i + 1);
        present.resize(i + 1, false);
      }
      entries[i] = {std::move(text), score};
      present[i] = true;
    };
    if (type == "BPE") {
      for (const auto& [text, id] : model.at("vocab").items()) put(id.get<int64_t>(), text, 0);
    } else if (type == "Unigram") {
      int64_t id = 0;
      for (const auto& e : model.at("vocab"))
        put(id++, e.at(0).get<std::string>(), e.at(1).get<float>());
    } else {
      fail("model type '" + type + "' is not supported (BPE, Unigram)");
    }
    for (const auto& t : added) put(t.id, t.content, 0);
    const size_t n = entries.size();
    if (n == 0) fail("no tokens");

    // SentencePiece-style (Llama 2, Mistral, Gemma: byte fallback, U+2581 for spaces, or a
    // Unigram model) or byte-level BPE (GPT-2, Llama 3, Qwen, DeepSeek V3).
    const bool spm = type == "Unigram" || byte_fallback;
    const std::string normalizer = j.value("normalizer", json()).dump();
    const std::string pre_json = j.value("pre_tokenizer", json()).dump();
    if (spm && normalizer.find(space_mark) == std::string::npos &&
        pre_json.find("Metaspace") == std::string::npos) {
      fail("a SentencePiece-style tokenizer must turn spaces into U+2581 (Replace or Metaspace)");
    }
    v.model = spm ? "llama" : "gpt2";
    v.tokens.resize(n);
    v.kinds.assign(n, token_kind::unused);
    if (spm) v.scores.assign(n, -10000.0f);  // the converter's score for ids with no piece

    std::unordered_map<std::string_view, int64_t> first_merge;  // merged piece -> first rank
    if (type == "BPE") {
      const json& merges = model.at("merges");
      v.merges.reserve(merges.size());
      for (const auto& m : merges) {
        v.merges.push_back(m.is_string()
                               ? m.get<std::string>()
                               : m.at(0).get<std::string>() + " " + m.at(1).get<std::string>());
      }
    }
    std::vector<std::string> merged;  // storage for first_merge's keys
    if (spm && type == "BPE") {
      // SentencePiece BPE merges the pair whose merged piece scores highest; Hugging Face's
      // tokenizer.json lists every split of every piece, grouped by piece, best first. A piece's
      // score is minus the rank of its first merge, which makes the two agree.
      merged.reserve(v.merges.size());
      for (const std::string& m : v.merges) {
        const size_t sp = m.find(' ', 1);
        if (sp == std::string::npos) fail("malformed merge '" + m + "'");
        merged.push_back(m.substr(0, sp) + m.substr(sp + 1));
      }
      for (size_t r = 0; r < merged.size(); ++r)
        first_merge.emplace(merged[r], static_cast<int64_t>(r));
    }
    const std::string unk_text =
        type == "BPE" && model.contains("unk_token") && model.at("unk_token").is_string()
            ? model.at("unk_token").get<std::string>()
            : std::string();
    const int64_t unk_id =
        type == "Unigram" && model.contains("unk_id") && model.at("unk_id").is_number()
            ? model.at("unk_id").get<int64_t>()
            : -1;
    for (size_t id = 0; id < n; ++id) {
      if (!present[id]) {
        v.tokens[id] = "[PAD" + std::to_string(id) + "]";  // the converter's filler
        continue;
      }
      v.tokens[id] = entries[id].first;
      const std::string& t = v.tokens[id];
      token_kind k = token_kind::normal;
      if (spm && byte_fallback && is_byte_token(t)) {
        k = token_kind::byte;
      } else if ((!unk_text.empty() && t == unk_text) || static_cast<int64_t>(id) == unk_id) {
        k = token_kind::unknown;
      }
      v.kinds[id] = k;
      if (!spm) continue;
      if (type == "Unigram") {
        v.scores[id] = entries[id].second;
      } else if (auto it = first_merge.find(t); it != first_merge.end()) {
        v.scores[id] = -static_cast<float>(it->second);
      } else {
        // Single characters and byte tokens: never the result of a merge, below every piece
        // that is.
        v.scores[id] = k == token_kind::normal ? -static_cast<float>(v.merges.size() + id) : 0.0f;
      }
    }
    if (spm) v.merges.clear();  // a "llama" vocabulary has none
    // Added tokens: control tokens when special or when they look special, else user-defined with
    // U+2581 spelled as a space (the converter pre-normalizes them so).
    for (const auto& a : added) {
      const auto id = static_cast<size_t>(a.id);
      const bool control = a.special || looks_special(a.content);
      v.kinds[id] = control ? token_kind::control : token_kind::user_defined;
      v.tokens[id] = control ? a.content : replace_all(a.content, space_mark, " ");
      if (spm) v.scores[id] = -1000.0f;
    }

    if (spm) {
      // The dummy prefix: a normalizer that prepends U+2581, or a Metaspace that adds it.
      v.add_space_prefix = normalizer.find("\"Prepend\"") != std::string::npos ||
                           (pre_json.find("Metaspace") != std::string::npos &&
                            (pre_json.find("\"add_prefix_space\":true") != std::string::npos ||
                             pre_json.find("\"prepend_scheme\":\"always\"") != std::string::npos ||
                             pre_json.find("\"prepend_scheme\":\"first\"") != std::string::npos));
    } else {
      v.pre = recognise_pre_tokenizer(j.value("pre_tokenizer", json()));
      if (v.pre.empty()) fail("pre-tokenizer not recognised: " + pre_json);
    }

    // Special tokens as the converter's SpecialVocab finds them: the post-processor's template
    // says whether BOS/EOS are added, tokenizer_config.json names them and may override that.
    auto id_of = [&](std::string_view text) -> token_id {
      for (const auto& a : added) {
        if (a.content == text) return static_cast<token_id>(a.id);
      }
      return -1;
    };
    auto content = [](const json& e) -> std::string {
      if (e.is_string()) return e.get<std::string>();
      if (e.is_object() && e.contains("content") && e.at("content").is_string()) {
        return e.at("content").get<std::string>();
      }
      return {};
    };
    std::string bos_text = config.is_object() ? content(config.value("bos_token", json())) : "";
    std::string eos_text = config.is_object() ? content(config.value("eos_token", json())) : "";
    const std::string unk_config =
        config.is_object() ? content(config.value("unk_token", json())) : "";
    std::optional<bool> add_bos;
    std::optional<bool> add_eos;
    const json post = j.value("post_processor", json());
    const json processors = post.is_object() && post.contains("processors") ? post.at("processors")
                                                                            : json::array({post});
    for (const auto& p : processors) {
      if (!p.is_object() || p.value("type", "") != "TemplateProcessing") continue;
      const json single = p.value("single", json::array());
      if (single.size() < 2) continue;
      const std::string first =
          single.front().value("SpecialToken", json::object()).value("id", "");
      const std::string last = single.back().value("SpecialToken", json::object()).value("id", "");
      if (!first.empty()) {
        if (!config.is_object()) bos_text = first;
        add_bos = first == bos_text;
      }
      if (!last.empty()) {
        if (!config.is_object()) eos_text = last;
        add_eos = last == eos_text;
      }
    }
    if (config.is_object()) {
      if (config.contains("add_bos_token") && config.at("add_bos_token").is_boolean()) {
        add_bos = config.at("add_bos_token").get<bool>();
      }
      if (config.contains("add_eos_token") && config.at("add_eos_token").is_boolean()) {
        add_eos = config.at("add_eos_token").get<bool>();
      }
    }
    v.bos = id_of(bos_text);
    v.eos = id_of(eos_text);
    if (!config.is_object()) {
      // No tokenizer_config.json: well-known names.
      for (const char* t : {"<|begin_of_text|>", "<s>", "<bos>"}) {
        if (v.bos < 0) v.bos = id_of(t);
      }
      for (const char* t : {"<|end_of_text|>", "<|endoftext|>", "</s>", "<eos>"}) {
        if (v.eos < 0) v.eos = id_of(t);
      }
    }
    v.unk = unk_config.empty() ? -1 : id_of(unk_config);
    if (v.unk < 0) {
      for (size_t id = 0; id < n; ++id) {
        if (v.kinds[id] == token_kind::unknown) v.unk = static_cast<token_id>(id);
      }
    }
    // Unset flags take llama.cpp's defaults, written out explicitly.
    const auto spec = spm ? std::nullopt : pre_tokenizer_from_name(v.pre);
    v.add_bos = add_bos.value_or(spm || (spec && spec->add_bos));
    v.add_eos = add_eos.value_or(false);
    v.validate();
    return v;
  } catch (const json::exception& e) {
    fail(std::string("unexpected structure: ") + e.what());
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  return {};
}

void write_vocab(gguf_writer& w, const vocab_data& v, bool spm) {
  if (!v.model.empty()) spm = v.model == "llama";
  w.set_string("tokenizer.ggml.model", spm ? "llama" : "gpt2");
  if (!spm) w.set_string("tokenizer.ggml.pre", v.pre.empty() ? "default" : v.pre);
  w.set_strings("tokenizer.ggml.tokens", v.tokens);
  if (!v.scores.empty()) w.set_f32s("tokenizer.ggml.scores", v.scores);
  std::vector<int32_t> types;
  types.reserve(v.tokens.size());
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    types.push_back(static_cast<int32_t>(v.kind(static_cast<token_id>(i))));
  }
  w.set_i32s("tokenizer.ggml.token_type", types);
  if (!spm) w.set_strings("tokenizer.ggml.merges", v.merges);
  auto id = [&](const char* key, token_id t) {
    if (t >= 0) w.set_u32(key, static_cast<uint32_t>(t));
  };
  id("tokenizer.ggml.bos_token_id", v.bos);
  id("tokenizer.ggml.eos_token_id", v.eos);
  id("tokenizer.ggml.unknown_token_id", v.unk);
  id("tokenizer.ggml.eot_token_id", v.eot);
  id("tokenizer.ggml.eom_token_id", v.eom);
  w.set_bool("tokenizer.ggml.add_bos_token", v.add_bos);
  w.set_bool("tokenizer.ggml.add_eos_token", v.add_eos);
  if (spm) w.set_bool("tokenizer.ggml.add_space_prefix", v.add_space_prefix);
}

}  // namespace troupe
