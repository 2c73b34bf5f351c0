#include "gpu/text/byte_tokenizer.hpp"

namespace troupe {

std::vector<token_id> byte_tokenizer::encode(std::string_view text,
                                             const encode_options& options) const {
  std::vector<token_id> out;
  out.reserve(text.size() + 1);
  if (options.add_special) out.push_back(bos_id);
  for (unsigned char c : text) out.push_back(static_cast<token_id>(c) + offset);
  return out;
}

std::string byte_tokenizer::token_bytes(token_id id, token_id) const {
  if (id < offset || id >= vocab_size()) return {};
  return std::string(1, static_cast<char>(id - offset));
}

}  // namespace troupe
