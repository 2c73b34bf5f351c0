#include "gpu/text/vocab_tokenizer.hpp"

namespace troupe {

vocab_tokenizer::vocab_tokenizer(vocab_data vocab)
    : v_(validated(std::move(vocab))),
      special_(v_),
      pieces_(v_.tokens.size()),
      eog_(end_of_generation_flags(v_)) {
  ids_.reserve(v_.tokens.size());
  for (size_t i = 0; i < v_.tokens.size(); ++i) ids_[v_.tokens[i]] = static_cast<token_id>(i);
}

token_id vocab_tokenizer::find(std::string_view text) const {
  auto it = ids_.find(text);
  return it == ids_.end() ? -1 : it->second;
}

std::string vocab_tokenizer::token_bytes(token_id id, token_id /*previous*/) const {
  if (id < 0 || id >= vocab_size()) return {};
  return pieces_[static_cast<size_t>(id)];
}

bool vocab_tokenizer::is_end_of_generation(token_id id) const {
  return id >= 0 && id < vocab_size() && eog_[static_cast<size_t>(id)];
}

}  // namespace troupe
