// Builds the tokenizer a GGUF file describes (tokenizer.ggml.* metadata).
//
// tokenizer.ggml.model "llama" gives a SentencePiece-style spm_tokenizer, "gpt2" a byte-level
// bpe_tokenizer with the pre-tokenizer named by tokenizer.ggml.pre. Special token ids that are
// absent or set to 0xFFFFFFFF mean "none".
#pragma once

#include <memory>
#include <string>

#include "gpu/model/gguf_file.hpp"
#include "gpu/text/tokenizer.hpp"
#include "gpu/text/vocab.hpp"

namespace troupe {

vocab_data read_vocab(const gguf_file& file);
// The vocabulary as stored. Throws model_error (llama_model.hpp) naming the key at fault.

std::shared_ptr<const tokenizer> load_tokenizer(const gguf_file& file);
std::shared_ptr<const tokenizer> load_tokenizer(const std::string& gguf_path);
// Throws gguf_error or model_error.

}  // namespace troupe
