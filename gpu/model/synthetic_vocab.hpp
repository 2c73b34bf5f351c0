// Vocabularies for synthetic models: a generated SentencePiece-style one, or a real byte-level BPE
// vocabulary taken from a Hugging Face tokenizer.json; and writing either into GGUF metadata.
#pragma once

#include <cstdint>
#include <string>

#include "gpu/model/gguf_writer.hpp"
#include "gpu/text/vocab.hpp"

namespace troupe {

vocab_data synthetic_spm_vocab(int32_t n);
// <unk> <s> </s>, the 256 byte-fallback tokens, then `n - 259` pieces (U+2581, printable ASCII,
// word-initial letters, letter pairs, ...) with scores favouring longer pieces; "<unused_N>"
// fills any remainder. Throws std::invalid_argument when n < 260.

vocab_data vocab_from_tokenizer_json(const std::string& path);
// A byte-level BPE ("model": {"type": "BPE"}) tokenizer.json: its vocab, merges and added tokens
// (special -> control, others -> user-defined); ids not used by any token become "<unused_N>".
// The pre-tokenizer is recognised from the Split regex (llama-bpe, qwen2) or the Digits
// pre-tokenizer (smollm), else "default"; BOS/EOS/EOT from well-known token names
// (<|begin_of_text|>, <|end_of_text|>, <|endoftext|>, <|eot_id|>, <|im_end|>). Throws
// std::runtime_error naming the file for anything else.

void write_vocab(gguf_writer& w, const vocab_data& v, bool spm);
// tokenizer.ggml.* keys: model ("llama" or "gpt2"), tokens, scores, token_type, merges, pre,
// special ids and add_bos_token.

}  // namespace troupe
