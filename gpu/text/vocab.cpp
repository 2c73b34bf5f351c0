#include "gpu/text/vocab.hpp"

#include <algorithm>
#include <stdexcept>

namespace troupe {

void vocab_data::validate() const {
  const size_t n = tokens.size();
  if (n == 0) throw std::invalid_argument("vocabulary has no tokens");
  if (n > static_cast<size_t>(INT32_MAX)) throw std::invalid_argument("vocabulary too large");
  if (!scores.empty() && scores.size() != n) {
    throw std::invalid_argument("vocabulary has " + std::to_string(n) + " tokens but " +
                                std::to_string(scores.size()) + " scores");
  }
  if (!kinds.empty() && kinds.size() != n) {
    throw std::invalid_argument("vocabulary has " + std::to_string(n) + " tokens but " +
                                std::to_string(kinds.size()) + " token types");
  }
  for (auto [name, id] : {std::pair{"bos", bos}, {"eos", eos}, {"unk", unk}, {"eot", eot}}) {
    if (id < -1 || id >= static_cast<token_id>(n)) {
      throw std::invalid_argument(std::string(name) + " token id " + std::to_string(id) +
                                  " is outside the vocabulary of " + std::to_string(n));
    }
  }
}

vocab_data validated(vocab_data v) {
  v.validate();
  return v;
}

special_token_splitter::special_token_splitter(const vocab_data& vocab)
    : by_first_byte_(256), vocab_(&vocab) {
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    const token_kind k = vocab.kind(static_cast<token_id>(id));
    const std::string& t = vocab.tokens[id];
    if ((k == token_kind::control || k == token_kind::user_defined) && !t.empty()) {
      by_first_byte_[static_cast<unsigned char>(t[0])].push_back(static_cast<token_id>(id));
    }
  }
  for (auto& ids : by_first_byte_) {
    std::stable_sort(ids.begin(), ids.end(), [&](token_id a, token_id b) {
      return vocab.tokens[static_cast<size_t>(a)].size() >
             vocab.tokens[static_cast<size_t>(b)].size();
    });
  }
}

std::vector<special_token_splitter::fragment> special_token_splitter::split(
    std::string_view text) const {
  std::vector<fragment> out;
  size_t raw_start = 0;
  for (size_t i = 0; i < text.size();) {
    token_id match = -1;
    for (token_id id : by_first_byte_[static_cast<unsigned char>(text[i])]) {
      const std::string& t = vocab_->tokens[static_cast<size_t>(id)];
      if (text.compare(i, t.size(), t) == 0) {
        match = id;
        break;
      }
    }
    if (match < 0) {
      ++i;
      continue;
    }
    if (i > raw_start) out.push_back({text.substr(raw_start, i - raw_start), -1});
    const std::string& t = vocab_->tokens[static_cast<size_t>(match)];
    out.push_back({text.substr(i, t.size()), match});
    i += t.size();
    raw_start = i;
  }
  if (raw_start < text.size()) out.push_back({text.substr(raw_start), -1});
  return out;
}

std::vector<bool> end_of_generation_flags(const vocab_data& vocab) {
  static constexpr std::string_view markers[] = {
      "<|eot_id|>",    "<|eom_id|>",    "<|im_end|>", "<|end_of_text|>",
      "<|endoftext|>", "<end_of_turn>", "<|end|>"};
  std::vector<bool> eog(vocab.tokens.size(), false);
  if (vocab.eos >= 0) eog[static_cast<size_t>(vocab.eos)] = true;
  if (vocab.eot >= 0) eog[static_cast<size_t>(vocab.eot)] = true;
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    const token_kind k = vocab.kind(static_cast<token_id>(id));
    if (k != token_kind::control && k != token_kind::user_defined) continue;
    for (auto m : markers) {
      if (vocab.tokens[id] == m) eog[id] = true;
    }
  }
  return eog;
}

}  // namespace troupe
