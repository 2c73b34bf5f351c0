// What a GGUF file says about its model, for people and for APIs that describe models (OpenAI's
// /v1/models, Ollama's /api/tags and /api/show): architecture, size, quantization, context, the
// chat template and the text of the special tokens it refers to. Read from the metadata and the
// tensor table only; no tensor data is touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gpu/model/gguf_file.hpp"

namespace troupe {

struct model_card {
  std::string architecture;  // general.architecture, e.g. "llama"
  std::string name;          // general.name; empty when absent
  uint64_t file_bytes = 0;
  uint64_t parameters = 0;                   // elements of every tensor together
  std::string quantization;                  // "Q4_K_M", "F16", ...: general.file_type, else
                                             // the type holding most of the weights
  int64_t context_length = 0;                // <architecture>.context_length; 0 when absent
  std::optional<std::string> chat_template;  // tokenizer.chat_template
  std::string bos_token;                     // text of the BOS token; empty when there is none
  std::string eos_token;
  bool adds_bos = false;  // the tokenizer puts BOS before a prompt (tokenizer.ggml.add_bos_token)
};

model_card read_model_card(const gguf_file& file);
// Throws gguf_error or model_error for metadata of the wrong type.

std::string parameter_size_label(uint64_t parameters);
// Ollama's style: "260K", "137M", "7.2B".

std::string file_type_label(int64_t general_file_type);
// llama.cpp's names of general.file_type ("Q4_K_M" for 15); empty for unknown values.

}  // namespace troupe
