// SentencePiece-style tokenization (GGUF tokenizer.ggml.model = "llama"), as llama.cpp does it.
//
// Encoding: added tokens are matched verbatim first (special_token_splitter); with
// add_space_prefix each stretch of text between them gets a dummy-prefix space (at the start and
// after an added token), spaces become U+2581, and the characters are merged pairwise, always
// taking the adjacent pair whose merged text is a token with the highest score (leftmost on ties).
// Characters that end up in no token are spelled with byte-fallback tokens <0xXX>. This is how
// llama.cpp runs every "llama" vocabulary: Llama 2, Mistral, Phi-3 and Gemma (no dummy prefix,
// whitespace runs as user-defined tokens).
//
// Decoding: U+2581 becomes a space, byte tokens their byte, control tokens nothing, user-defined
// tokens their text; with add_space_prefix the first piece after BOS loses its leading space (the
// dummy prefix), as llama2.c prints it.
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

  std::vector<token_id> encode(std::string_view text, const encode_options& options) const override;
  std::string token_bytes(token_id id, token_id previous) const override;
  // The piece, without its leading space right after BOS when the model adds a dummy prefix.

 private:
  void encode_text(std::string_view text, std::vector<token_id>& out) const;

  std::array<token_id, 256> byte_tokens_{};
};

}  // namespace troupe
