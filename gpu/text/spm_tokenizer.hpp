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
#include <vector>

#include "gpu/text/vocab_tokenizer.hpp"

namespace troupe {

class spm_tokenizer : public vocab_tokenizer {
 public:
  explicit spm_tokenizer(vocab_data vocab);
  // Throws std::invalid_argument for an inconsistent vocabulary.

  std::vector<token_id> encode(std::string_view text, bool add_bos) const override;
  std::string token_bytes(token_id id, token_id previous) const override;
  // The piece, without its leading space right after BOS.

 private:
  void encode_text(std::string_view text, std::vector<token_id>& out) const;

  std::array<token_id, 256> byte_tokens_{};
};

}  // namespace troupe
