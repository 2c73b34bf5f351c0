// What every tokenizer built from a GGUF vocabulary keeps, whatever its algorithm: the validated
// vocabulary, an index from token text to id, the special-token splitter, each token's output
// bytes and which tokens end a generation. spm_tokenizer and bpe_tokenizer add their encoding and
// fill `pieces_`.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpu/text/tokenizer.hpp"
#include "gpu/text/vocab.hpp"

namespace troupe {

class vocab_tokenizer : public tokenizer {
 public:
  vocab_tokenizer(const vocab_tokenizer&) = delete;  // holds views into its own vocabulary
  vocab_tokenizer& operator=(const vocab_tokenizer&) = delete;

  std::string token_bytes(token_id id, token_id previous) const override;
  // The token's piece (empty for ids outside the vocabulary).
  int32_t vocab_size() const override { return static_cast<int32_t>(v_.tokens.size()); }
  token_id bos() const override { return v_.bos; }
  token_id eos() const override { return v_.eos; }
  bool is_end_of_generation(token_id id) const override;

  const vocab_data& vocab() const { return v_; }

 protected:
  explicit vocab_tokenizer(vocab_data vocab);
  // Throws std::invalid_argument for an inconsistent vocabulary. `pieces_` starts with one empty
  // string per token.

  token_id find(std::string_view text) const;  // -1 when absent

  vocab_data v_;
  std::unordered_map<std::string_view, token_id> ids_;  // views into v_.tokens
  special_token_splitter special_;
  std::vector<std::string> pieces_;  // each token's output bytes

 private:
  std::vector<bool> eog_;
};

}  // namespace troupe
