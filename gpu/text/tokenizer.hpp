// The tokenizer contract: text to token ids and token ids back to bytes.
//
// Implementations come from a model file (SentencePiece-style and byte-level BPE vocabularies in
// GGUF metadata). Decoding is byte-oriented: a token may carry part of a UTF-8 sequence, so callers
// that stream text go through `detokenizer` (gpu/text/detokenizer.hpp), which never splits a
// character.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

using token_id = int32_t;

struct encode_options {
  bool add_special = false;
  // Add the tokens the model adds around a sequence: BOS first and/or EOS last, as its
  // tokenizer.ggml.add_bos_token / add_eos_token flags say (llama.cpp's add_special).
  bool parse_special = false;
  // Text spelling a control token (<|eot_id|>, <start_of_turn>, ...) becomes that token; without
  // it such text is tokenized as ordinary text (llama.cpp's parse_special). User-defined added
  // tokens (<think>, <tool_call>, ...) are matched either way, as llama.cpp and Hugging Face do.
};
// Prompts from chat templates need both (what llama.cpp's server and vLLM do); text that must
// not be able to inject control tokens (user content tokenized on its own) leaves parse_special
// off.

class tokenizer {
 public:
  virtual ~tokenizer() = default;

  virtual std::vector<token_id> encode(std::string_view text,
                                       const encode_options& options) const = 0;
  // Token ids for `text`.

  virtual std::string token_bytes(token_id id, token_id previous) const = 0;
  // The bytes `id` contributes to the output text when it follows `previous` (-1 at the start of
  // the generation). `previous` lets SentencePiece drop the dummy-prefix space after BOS. Control
  // tokens (BOS, EOS, ...) contribute nothing. May be an incomplete UTF-8 sequence.

  virtual int32_t vocab_size() const = 0;
  virtual token_id bos() const = 0;  // -1 when the model has none
  virtual token_id eos() const = 0;

  virtual bool is_end_of_generation(token_id id) const = 0;
  // True for tokens that end a generation: EOS and model-specific ones such as <|eot_id|>.
};

}  // namespace troupe
