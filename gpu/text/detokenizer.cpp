#include "gpu/text/detokenizer.hpp"

#include "gpu/text/utf8.hpp"

namespace troupe {

detokenizer::detokenizer(std::shared_ptr<const tokenizer> tok, token_id previous)
    : tok_(std::move(tok)), previous_(previous) {}

std::string detokenizer::push(token_id id) {
  pending_ += tok_->token_bytes(id, previous_);
  previous_ = id;
  std::string out;
  while (!pending_.empty()) {
    bool incomplete = false;
    size_t ok = utf8::valid_prefix(pending_, &incomplete);
    out.append(pending_, 0, ok);
    pending_.erase(0, ok);
    if (pending_.empty() || incomplete) break;
    // A byte that can never start a character: replace it and keep scanning what follows.
    out += utf8::repair(std::string_view(pending_).substr(0, 1));
    pending_.erase(0, 1);
  }
  return out;
}

std::string detokenizer::flush() {
  std::string out = utf8::repair(pending_);
  pending_.clear();
  return out;
}

}  // namespace troupe
