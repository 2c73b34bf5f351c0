// Vocabularies for synthetic models: a generated SentencePiece-style one, or a real one taken from
// a Hugging Face tokenizer.json; and writing either into GGUF metadata.
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
// The GGUF vocabulary llama.cpp's converter (convert_hf_to_gguf.py) writes for the model whose
// tokenizer.json this is, read with the tokenizer_config.json beside it when there is one:
// - byte-level BPE (GPT-2, Llama 3, Qwen, DeepSeek V3, ...): model "gpt2", the vocab and merges,
//   tokenizer.ggml.pre recognised from the pre-tokenizer's regexes (llama-bpe, qwen2, qwen35,
//   tekken, gpt-4o, deepseek-v3, smollm, gpt-2; anything else is an error showing it);
// - SentencePiece-style, a BPE model with byte fallback (Llama 2, Mistral, Gemma 3) or a Unigram
//   model: model "llama" with scores, byte tokens, no merges, add_space_prefix when the
//   normalizer or Metaspace adds the dummy prefix. A BPE piece scores minus the rank of its first
//   merge, so that SentencePiece's merge order (highest score first) is tokenizer.json's.
// Added tokens are control tokens when special or when they look special (<|...|>, <unused...>,
// <mask>, ...), else user-defined, with U+2581 written as a space; ids with no token are
// "[PAD<id>]" (unused). BOS/EOS/UNK come from tokenizer_config.json's bos_token/eos_token/
// unk_token (well-known names when there is no config), add_bos/add_eos from its
// add_bos_token/add_eos_token, else from the post-processor's template, else llama.cpp's
// defaults. Throws std::runtime_error naming the file for anything else.

void write_vocab(gguf_writer& w, const vocab_data& v, bool spm);
// tokenizer.ggml.* keys: model ("llama" or "gpt2": v.model, or `spm` when v.model is empty),
// tokens, scores, token_type, merges, pre, special ids, add_bos_token, add_eos_token and (for
// "llama") add_space_prefix.

}  // namespace troupe
