// A tokenizer vocabulary as GGUF stores it, and the parts every tokenizer kind shares: matching
// special tokens verbatim in text and deciding which tokens end a generation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/text/tokenizer.hpp"

namespace troupe {

enum class token_kind : int32_t {
  undefined = 0,
  normal = 1,
  unknown = 2,
  control = 3,       // BOS, EOS, <|eot_id|>, ...: never produced by text, decode to nothing
  user_defined = 4,  // added tokens that are plain text
  unused = 5,
  byte = 6,  // SentencePiece byte fallback <0xXX>
};
// GGUF's tokenizer.ggml.token_type values (llama.cpp's LLAMA_TOKEN_TYPE_*).

struct vocab_data {
  std::vector<std::string> tokens;  // token text by id
  std::vector<float> scores;        // SentencePiece merge scores; empty means all 0
  std::vector<token_kind> kinds;    // empty means all normal
  std::vector<std::string> merges;  // byte-level BPE: "left right", highest priority first
  token_id bos = -1;
  token_id eos = -1;
  token_id unk = -1;
  token_id eot = -1;             // end of turn, e.g. <|eot_id|>
  bool add_bos = true;           // encode(text, true) prepends BOS only when this is set too
  bool add_space_prefix = true;  // SentencePiece dummy prefix
  std::string pre;               // byte-level BPE pre-tokenizer (tokenizer.ggml.pre)

  token_kind kind(token_id id) const {
    return kinds.empty() ? token_kind::normal : kinds[static_cast<size_t>(id)];
  }
  void validate() const;
  // Throws std::invalid_argument when sizes disagree or a special id is out of range.
};

vocab_data validated(vocab_data v);
// `v` after validate().

class special_token_splitter {
 public:
  explicit special_token_splitter(const vocab_data& vocab);
  // Control and user-defined tokens with non-empty text are matched verbatim.

  struct fragment {
    std::string_view text;  // raw text (id < 0) or the special token's text
    token_id id = -1;       // the special token, or -1 for raw text
  };

  std::vector<fragment> split(std::string_view text) const;
  // `text` as raw stretches and special tokens, leftmost match first, longest at a position.

 private:
  std::vector<std::vector<token_id>> by_first_byte_;  // candidates, longest text first
  const vocab_data* vocab_;
};

std::vector<bool> end_of_generation_flags(const vocab_data& vocab);
// Per token: EOS, the EOT id, and control tokens whose text is a known end-of-turn marker
// (<|eot_id|>, <|eom_id|>, <|im_end|>, <|end_of_text|>, <|endoftext|>, <end_of_turn>, <|end|>).

}  // namespace troupe
