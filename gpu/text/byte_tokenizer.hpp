// A tokenizer with one token per byte (id = byte + 3), BOS 1, EOS 2, unknown 0: what tests and
// benchmarks of the scheduling core run on, where no model file is involved.
#pragma once

#include "gpu/text/tokenizer.hpp"

namespace troupe {

class byte_tokenizer : public tokenizer {
 public:
  static constexpr token_id bos_id = 1;
  static constexpr token_id eos_id = 2;
  static constexpr token_id offset = 3;

  std::vector<token_id> encode(std::string_view text, const encode_options& options) const override;
  // One token per byte, BOS first with add_special; nothing is special in text.
  std::string token_bytes(token_id id, token_id previous) const override;
  int32_t vocab_size() const override { return 256 + offset; }
  token_id bos() const override { return bos_id; }
  token_id eos() const override { return eos_id; }
  bool is_end_of_generation(token_id id) const override { return id == eos_id; }
};

}  // namespace troupe
