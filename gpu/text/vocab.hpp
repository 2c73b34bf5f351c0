// A tokenizer vocabulary as GGUF stores it, and the parts every tokenizer kind shares: matching
// added tokens verbatim in text and deciding which tokens end a generation.
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
  control = 3,       // BOS, EOS, <|eot_id|>, ...: decode to nothing, matched only when parsing
  user_defined = 4,  // added tokens that are plain text: always matched, decode to their text
  unused = 5,
  byte = 6,  // SentencePiece byte fallback <0xXX>
};
// GGUF's tokenizer.ggml.token_type values (llama.cpp's LLAMA_TOKEN_TYPE_*).

enum token_strip : uint8_t {
  strip_none = 0,
  strip_left = 1,   // whitespace before the token is dropped (llama.cpp's LSTRIP attribute)
  strip_right = 2,  // whitespace after it is dropped (RSTRIP)
};

struct vocab_data {
  std::string model;                // tokenizer.ggml.model: "llama" (SentencePiece) or "gpt2"
  std::vector<std::string> tokens;  // token text by id
  std::vector<float> scores;        // SentencePiece merge scores; empty means all 0
  std::vector<token_kind> kinds;    // empty means all normal
  std::vector<uint8_t> strip;       // token_strip flags of added tokens; empty means none
  std::vector<std::string> merges;  // byte-level BPE: "left right", highest priority first
  token_id bos = -1;
  token_id eos = -1;
  token_id unk = -1;
  token_id eot = -1;             // end of turn, e.g. <|eot_id|>
  token_id eom = -1;             // end of message, e.g. <|eom_id|>
  bool add_bos = true;           // encode with add_special prepends BOS only when this is set
  bool add_eos = false;          // ... and appends EOS only when this is set
  bool add_space_prefix = true;  // SentencePiece dummy prefix
  std::string pre;               // byte-level BPE pre-tokenizer (tokenizer.ggml.pre)

  token_kind kind(token_id id) const {
    return kinds.empty() ? token_kind::normal : kinds[static_cast<size_t>(id)];
  }
  uint8_t strip_of(token_id id) const {
    return strip.empty() ? uint8_t{strip_none} : strip[static_cast<size_t>(id)];
  }
  void validate() const;
  // Throws std::invalid_argument when sizes disagree or a special id is out of range.
};

vocab_data validated(vocab_data v);
// `v` after validate().

class special_token_splitter {
 public:
  explicit special_token_splitter(const vocab_data& vocab);
  // Control, user-defined and unknown tokens with non-empty text are matched verbatim.

  struct fragment {
    std::string_view text;  // raw text (id < 0) or the token's text
    token_id id = -1;       // the added token, or -1 for raw text
  };

  std::vector<fragment> split(std::string_view text, bool parse_special) const;
  // `text` as raw stretches and added tokens, as llama.cpp partitions it: longer tokens first
  // (ties by id), each taking its leftmost occurrences in the text no longer token has taken.
  // Control and unknown tokens only with `parse_special`; user-defined ones always. Whitespace
  // next to a token with strip flags is dropped.

 private:
  struct node {
    std::vector<std::pair<unsigned char, int32_t>> next;  // by byte, ascending
    token_id id = -1;                                     // the token ending here
  };
  std::vector<node> trie_;
  std::vector<int32_t> rank_;  // per token id: the order llama.cpp tries it in
  const vocab_data* vocab_;
};

bool is_end_of_generation_marker(std::string_view token_text);
// Token texts llama.cpp treats as ending a generation whatever the GGUF says: <|eot_id|>,
// <|eom_id|>, <|im_end|>, <|end|>, <end_of_turn>, <|endoftext|>, <|end_of_text|>, <eos>, </s>,
// <|fim_pad|>, <|repo_name|>, <|file_sep|>, DeepSeek's <｜end▁of▁sentence｜>, ...

std::vector<bool> end_of_generation_flags(const vocab_data& vocab);
// Per token: EOS, the EOT and EOM ids and the added (not normal) tokens
// is_end_of_generation_marker names, less llama.cpp's two exceptions (<|end|> when <|return|> and
// <|call|> exist; </s> when <|tool_response> does). llama.cpp also takes normal tokens by text:
// Qwen's vocabulary has "</s>" as an ordinary BPE token, which would then end generations and be
// matched in text as a control token, unlike the model's own tokenizer; troupe does not.

}  // namespace troupe
