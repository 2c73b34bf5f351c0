// SentencePiece-style tokenization (GGUF tokenizer.ggml.model = "llama"), as llama.cpp does it.
//
// Encoding: special tokens are matched verbatim first; each stretch of text between them gets a
// dummy-prefix space (at the start and after a special token), spaces become U+2581, and the
// characters are merged pairwise, always taking the adjacent pair whose merged text is the
// highest-scoring token (leftmost on ties). Characters that end up in no token are spelled with
// byte-fallback tokens <0xXX>.
//
// Decoding: U+2581 becomes a space, byte tokens their byte, control tokens nothing, and the first
// piece after BOS loses its leading space (the dummy prefix), as llama2.c prints it.
#pragma once

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "gpu/text/tokenizer.hpp"
#include "gpu/text/vocab.hpp"

namespace troupe {

class spm_tokenizer : public tokenizer {
 public:
  explicit spm_tokenizer(vocab_data vocab);
  // Throws std::invalid_argument for an inconsistent vocabulary.
  spm_tokenizer(const spm_tokenizer&) = delete;  // holds views into its own vocabulary
  spm_tokenizer& operator=(const spm_tokenizer&) = delete;

  std::vector<token_id> encode(std::string_view text, bool add_bos) const override;
  std::string token_bytes(token_id id, token_id previous) const override;
  int32_t vocab_size() const override { return static_cast<int32_t>(v_.tokens.size()); }
  token_id bos() const override { return v_.bos; }
  token_id eos() const override { return v_.eos; }
  bool is_end_of_generation(token_id id) const override;

  const vocab_data& vocab() const { return v_; }

 private:
  void encode_text(std::string_view text, std::vector<token_id>& out) const;
  token_id find(std::string_view text) const;  // -1 when absent

  vocab_data v_;
  std::unordered_map<std::string_view, token_id> ids_;  // views into v_.tokens
  special_token_splitter special_;
  std::array<token_id, 256> byte_tokens_{};
  std::vector<std::string> pieces_;  // each token's output bytes
  std::vector<bool> eog_;
};

}  // namespace troupe
