#include "gpu/model/tokenizer_loader.hpp"

#include <cctype>
#include <optional>
#include <stdexcept>

#include "gpu/model/llama_model.hpp"
#include "gpu/text/bpe_tokenizer.hpp"
#include "gpu/text/pre_tokenizer.hpp"
#include "gpu/text/spm_tokenizer.hpp"

namespace troupe {

namespace {

[[noreturn]] void fail(const gguf_file& f, const std::string& what) {
  throw model_error(f.path() + ": " + what);
}

const gguf_value* array(const gguf_file& f, const char* key, gguf_type elem, bool required) {
  const gguf_value* v = f.find(key);
  if (v == nullptr) {
    if (required) fail(f, std::string("missing metadata key '") + key + "'");
    return nullptr;
  }
  const bool numeric_ok = elem != gguf_type::string && v->type() == gguf_type::array &&
                          v->element_type() != gguf_type::string &&
                          v->element_type() != gguf_type::array;
  if (v->type() != gguf_type::array || (elem == gguf_type::string && v->element_type() != elem) ||
      (elem != gguf_type::string && !numeric_ok)) {
    fail(f, std::string(key) + ": expected an array of " + to_string(elem));
  }
  return v;
}

token_id special_id(const gguf_file& f, const std::string& key, token_id def, size_t n) {
  const auto v = f.get_int(key);
  if (!v) return def;
  if (*v == 0xFFFFFFFF || *v == -1) return -1;
  if (*v < 0 || static_cast<uint64_t>(*v) >= n) {
    fail(f, key + " is " + std::to_string(*v) + ", outside the vocabulary of " + std::to_string(n));
  }
  return static_cast<token_id>(*v);
}

}  // namespace

vocab_data read_vocab(const gguf_file& f) {
  const std::string model = f.get_string("tokenizer.ggml.model").value_or("");
  if (model != "llama" && model != "gpt2") {
    fail(f, "tokenizer.ggml.model '" + model + "' is not supported (llama, gpt2)");
  }
  const bool spm = model == "llama";
  vocab_data v;
  v.model = model;
  const gguf_value* tokens = array(f, "tokenizer.ggml.tokens", gguf_type::string, true);
  const uint64_t n = tokens->size();
  if (n == 0 || n > static_cast<uint64_t>(INT32_MAX)) {
    fail(f, "tokenizer.ggml.tokens has " + std::to_string(n) + " tokens");
  }
  v.tokens.reserve(n);
  for (uint64_t i = 0; i < n; ++i) v.tokens.emplace_back(tokens->string_at(i));

  if (const gguf_value* s = array(f, "tokenizer.ggml.scores", gguf_type::float32, false)) {
    if (s->size() != n) {
      fail(f, "tokenizer.ggml.scores has " + std::to_string(s->size()) + " entries for " +
                  std::to_string(n) + " tokens");
    }
    v.scores.reserve(n);
    for (uint64_t i = 0; i < n; ++i) v.scores.push_back(static_cast<float>(s->float_at(i)));
  }
  if (const gguf_value* t = array(f, "tokenizer.ggml.token_type", gguf_type::int32, false)) {
    if (t->size() != n) {
      fail(f, "tokenizer.ggml.token_type has " + std::to_string(t->size()) + " entries for " +
                  std::to_string(n) + " tokens");
    }
    v.kinds.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      const int64_t k = t->int_at(i);
      if (k < 0 || k > static_cast<int64_t>(token_kind::byte)) {
        fail(f, "tokenizer.ggml.token_type of token " + std::to_string(i) + " is " +
                    std::to_string(k));
      }
      v.kinds.push_back(static_cast<token_kind>(k));
    }
  }
  std::optional<pre_tokenizer_spec> pre;
  if (!spm) {
    const gguf_value* m = array(f, "tokenizer.ggml.merges", gguf_type::string, true);
    v.merges.reserve(m->size());
    for (uint64_t i = 0; i < m->size(); ++i) v.merges.emplace_back(m->string_at(i));
    v.pre = f.get_string("tokenizer.ggml.pre").value_or("default");
    pre = pre_tokenizer_from_name(v.pre);
    if (!pre) {
      fail(f, "tokenizer.ggml.pre '" + v.pre +
                  "' is not a supported pre-tokenizer; supported: " + supported_pre_tokenizers());
    }
  }
  v.bos = special_id(f, "tokenizer.ggml.bos_token_id", spm && n > 1 ? 1 : -1, n);
  v.eos = special_id(f, "tokenizer.ggml.eos_token_id", spm && n > 2 ? 2 : -1, n);
  v.unk = special_id(f, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, n);
  v.eot = special_id(f, "tokenizer.ggml.eot_token_id", -1, n);
  v.eom = special_id(f, "tokenizer.ggml.eom_token_id", -1, n);
  // llama.cpp's defaults: SentencePiece adds BOS; byte-level BPE only with the pre-tokenizers
  // that say so (llama-bpe, tekken). The GGUF's flags override them.
  v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token").value_or(spm || (pre && pre->add_bos));
  v.add_eos = f.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
  v.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix").value_or(spm);
  apply_llama_cpp_token_rules(v, f.get_string("general.name").value_or(""));
  return v;
}

void apply_llama_cpp_token_rules(vocab_data& v, std::string_view model_name) {
  const size_t n = v.tokens.size();
  auto find = [&](std::string_view text) -> token_id {
    for (size_t i = 0; i < n; ++i) {
      if (v.tokens[i] == text) return static_cast<token_id>(i);
    }
    return -1;
  };
  // Added tokens (not normal ones: "</s>" is an ordinary token of Qwen's BPE vocabulary).
  auto find_added = [&](std::string_view text) -> token_id {
    const token_id id = find(text);
    return id >= 0 && v.kind(id) != token_kind::normal ? id : -1;
  };
  auto make_control = [&](token_id id) {
    if (id < 0) return;
    if (v.kinds.empty()) v.kinds.assign(n, token_kind::normal);
    v.kinds[static_cast<size_t>(id)] = token_kind::control;
  };
  // EOT and EOM by text when the GGUF does not name them, in llama.cpp's order of preference.
  if (v.eot < 0) {
    for (std::string_view t : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
                               "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
                               "<\xEF\xBD\x9C"
                               "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
                               "<end_of_utterance>"}) {
      if ((v.eot = find_added(t)) >= 0) break;
    }
  }
  if (v.eom < 0) v.eom = find_added("<|eom_id|>");
  // Added tokens that end a generation are control tokens, whatever their type says.
  for (token_id id : {v.eot, v.eom}) {
    if (id >= 0 && v.kind(id) != token_kind::control) make_control(id);
  }
  for (size_t i = 0; i < n; ++i) {
    const auto id = static_cast<token_id>(i);
    const token_kind k = v.kind(id);
    if (k != token_kind::normal && k != token_kind::control &&
        is_end_of_generation_marker(v.tokens[i])) {
      make_control(id);
    }
  }
  // Phi-3 (by general.name, as llama.cpp decides it): added tokens swallow the whitespace after
  // them, except <unk>, <s> and <|endoftext|>; </s> does too.
  std::string name(model_name);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
    v.strip.assign(n, strip_none);
    for (size_t i = 0; i < n; ++i) {
      const token_kind k = v.kind(static_cast<token_id>(i));
      if (k == token_kind::control || k == token_kind::user_defined || k == token_kind::unknown) {
        v.strip[i] = strip_right;
      }
    }
    if (token_id id = find("</s>"); id >= 0) v.strip[static_cast<size_t>(id)] = strip_right;
    for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) {
      if (token_id id = find(t); id >= 0) v.strip[static_cast<size_t>(id)] = strip_none;
    }
  }
}

std::shared_ptr<const tokenizer> load_tokenizer(const gguf_file& f) {
  vocab_data v = read_vocab(f);
  try {
    if (v.model == "llama") return std::make_shared<const spm_tokenizer>(std::move(v));
    return std::make_shared<const bpe_tokenizer>(std::move(v));
  } catch (const std::invalid_argument& e) {
    fail(f, std::string("tokenizer: ") + e.what());
  }
}

std::shared_ptr<const tokenizer> load_tokenizer(const std::string& gguf_path) {
  return load_tokenizer(gguf_file(gguf_path));
}

}  // namespace troupe
