// Builds the tokenizer a GGUF file describes (tokenizer.ggml.* metadata).
//
// tokenizer.ggml.model "llama" gives a SentencePiece-style spm_tokenizer, "gpt2" a byte-level
// bpe_tokenizer with the pre-tokenizer named by tokenizer.ggml.pre (an unknown name is an error
// listing the supported ones). Special token ids that are absent or set to 0xFFFFFFFF mean
// "none". The flags default as in llama.cpp: add_bos_token is true for SentencePiece and for the
// llama-bpe and tekken pre-tokenizers, add_eos_token false, add_space_prefix true for
// SentencePiece.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "gpu/model/gguf_file.hpp"
#include "gpu/text/tokenizer.hpp"
#include "gpu/text/vocab.hpp"

namespace troupe {

vocab_data read_vocab(const gguf_file& file);
// The vocabulary as stored, after apply_llama_cpp_token_rules. Throws model_error
// (llama_model.hpp) naming the key at fault.

void apply_llama_cpp_token_rules(vocab_data& v, std::string_view model_name);
// What llama.cpp decides at load time beyond the GGUF's keys: the EOT (<|eot_id|>, <|im_end|>,
// <end_of_turn>, ...) and EOM (<|eom_id|>) ids by text when absent; added tokens that end a
// generation (is_end_of_generation_marker) become control tokens; for Phi-3 models (general.name
// containing "phi-3" or "phi3") added tokens strip the whitespace after them. Unlike llama.cpp,
// normal tokens are never taken by text (Qwen's ordinary "</s>" stays ordinary).

std::shared_ptr<const tokenizer> load_tokenizer(const gguf_file& file);
std::shared_ptr<const tokenizer> load_tokenizer(const std::string& gguf_path);
// Throws gguf_error or model_error.

}  // namespace troupe
