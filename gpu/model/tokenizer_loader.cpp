#include "gpu/model/tokenizer_loader.hpp"

#include <stdexcept>

#include "gpu/model/llama_model.hpp"
#include "gpu/text/bpe_tokenizer.hpp"
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
  if (!spm) {
    const gguf_value* m = array(f, "tokenizer.ggml.merges", gguf_type::string, true);
    v.merges.reserve(m->size());
    for (uint64_t i = 0; i < m->size(); ++i) v.merges.emplace_back(m->string_at(i));
    v.pre = f.get_string("tokenizer.ggml.pre").value_or("default");
  }
  v.bos = special_id(f, "tokenizer.ggml.bos_token_id", spm && n > 1 ? 1 : -1, n);
  v.eos = special_id(f, "tokenizer.ggml.eos_token_id", spm && n > 2 ? 2 : -1, n);
  v.unk = special_id(f, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, n);
  v.eot = special_id(f, "tokenizer.ggml.eot_token_id", -1, n);
  v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token").value_or(spm);
  v.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
  return v;
}

std::shared_ptr<const tokenizer> load_tokenizer(const gguf_file& f) {
  vocab_data v = read_vocab(f);
  const bool spm = f.get_string("tokenizer.ggml.model") == "llama";
  try {
    if (spm) return std::make_shared<const spm_tokenizer>(std::move(v));
    return std::make_shared<const bpe_tokenizer>(std::move(v));
  } catch (const std::invalid_argument& e) {
    fail(f, std::string("tokenizer: ") + e.what());
  }
}

std::shared_ptr<const tokenizer> load_tokenizer(const std::string& gguf_path) {
  return load_tokenizer(gguf_file(gguf_path));
}

}  // namespace troupe
