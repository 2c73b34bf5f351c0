// Byte-level BPE tokenization (GGUF tokenizer.ggml.model = "gpt2"): GPT-2, Llama 3, Qwen2, ...
//
// Encoding: added tokens are matched verbatim first (special_token_splitter); the text between
// them is split into words by the model's pre-tokenizer (pre_tokenizer.hpp); each word's bytes
// are mapped to GPT-2's printable stand-in characters and merged pairwise by merge rank (lowest
// rank first, leftmost on ties). With the pre-tokenizers llama.cpp marks so (llama-bpe, tekken) a
// word that is itself a token is taken whole (Hugging Face's ignore_merges).
//
// Decoding maps the stand-in characters back to bytes; control tokens decode to nothing,
// user-defined tokens to their text.
#pragma once

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "gpu/text/pre_tokenizer.hpp"
#include "gpu/text/vocab_tokenizer.hpp"

namespace troupe {

class bpe_tokenizer : public vocab_tokenizer {
 public:
  explicit bpe_tokenizer(vocab_data vocab);
  // Throws std::invalid_argument for an inconsistent vocabulary, a malformed merge or an unknown
  // pre-tokenizer.

  std::vector<token_id> encode(std::string_view text, const encode_options& options) const override;

  pre_tokenizer_kind pre() const { return pre_.kind; }
  bool ignore_merges() const { return pre_.ignore_merges; }

 private:
  void encode_word(std::string_view word, std::vector<token_id>& out) const;
  int32_t rank(std::string_view left, std::string_view right) const;  // -1 when no merge

  std::unordered_map<std::string_view, int32_t> ranks_;  // "left right" (views into v_.merges)
  pre_tokenizer_spec pre_;
  std::array<std::string, 256> byte_chars_;  // byte -> its stand-in character (UTF-8)
};

}  // namespace troupe
