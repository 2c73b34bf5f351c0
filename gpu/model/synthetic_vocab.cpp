#include "gpu/model/synthetic_vocab.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace troupe {

namespace {

const std::string space_mark = "\xE2\x96\x81";  // U+2581

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
  v.bos = 1;
  v.eos = 2;
  v.unk = 0;
  v.add_bos = true;
  return v;
}

vocab_data vocab_from_tokenizer_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
  auto fail = [&](const std::string& what) { throw std::runtime_error(path + ": " + what); };
  try {
    const auto& model = j.at("model");
    if (model.value("type", "") != "BPE") fail("only BPE tokenizers are supported");
    std::vector<std::pair<std::string, int64_t>> entries;
    for (const auto& [text, id] : model.at("vocab").items())
      entries.emplace_back(text, id.get<int64_t>());
    std::vector<std::pair<std::string, bool>> added;  // text, special
    std::vector<int64_t> added_ids;
    for (const auto& t : j.value("added_tokens", nlohmann::json::array())) {
      added.emplace_back(t.at("content").get<std::string>(), t.value("special", false));
      added_ids.push_back(t.at("id").get<int64_t>());
    }
    int64_t size = 0;
    for (const auto& e : entries) size = std::max(size, e.second + 1);
    for (int64_t id : added_ids) size = std::max(size, id + 1);
    if (size <= 0 || size > (int64_t{1} << 24)) fail("vocabulary size out of range");

    vocab_data v;
    v.tokens.assign(static_cast<size_t>(size), std::string());
    v.kinds.assign(static_cast<size_t>(size), token_kind::unused);
    for (const auto& [text, id] : entries) {
      if (id < 0) fail("negative token id");
      v.tokens[static_cast<size_t>(id)] = text;
      v.kinds[static_cast<size_t>(id)] = token_kind::normal;
    }
    for (size_t i = 0; i < added.size(); ++i) {
      const auto id = static_cast<size_t>(added_ids[i]);
      v.tokens[id] = added[i].first;
      v.kinds[id] = added[i].second ? token_kind::control : token_kind::user_defined;
    }
    for (size_t id = 0; id < v.tokens.size(); ++id) {
      if (v.kinds[id] == token_kind::unused) v.tokens[id] = "<unused_" + std::to_string(id) + ">";
    }
    for (const auto& m : model.at("merges")) {
      if (m.is_string()) {
        v.merges.push_back(m.get<std::string>());
      } else {
        v.merges.push_back(m.at(0).get<std::string>() + " " + m.at(1).get<std::string>());
      }
    }
    const std::string pre = j.value("pre_tokenizer", nlohmann::json::object()).dump();
    if (pre.find("\\\\p{N}{1,3}") != std::string::npos) {
      v.pre = "llama-bpe";
    } else if (pre.find("(?i:'s|'t|'re|'ve|'m|'ll|'d)") != std::string::npos ||
               pre.find("'[sS]") != std::string::npos) {
      v.pre = "qwen2";
    } else if (pre.find("\"individual_digits\":true") != std::string::npos) {
      v.pre = "smollm";
    } else {
      v.pre = "default";
    }
    auto id_of = [&](std::string_view text) -> token_id {
      for (size_t i = 0; i < added.size(); ++i) {
        if (added[i].first == text) return static_cast<token_id>(added_ids[i]);
      }
      return -1;
    };
    v.bos = id_of("<|begin_of_text|>");
    v.eos = id_of("<|end_of_text|>");
    if (v.eos < 0) v.eos = id_of("<|endoftext|>");
    v.eot = id_of("<|eot_id|>");
    if (v.eot < 0) v.eot = id_of("<|im_end|>");
    v.add_bos = v.bos >= 0;
    v.validate();
    return v;
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("unexpected structure: ") + e.what());
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  return {};
}

void write_vocab(gguf_writer& w, const vocab_data& v, bool spm) {
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
  w.set_bool("tokenizer.ggml.add_bos_token", v.add_bos);
}

}  // namespace troupe
