#include "gpu/text/vocab.hpp"

#include <algorithm>
#include <cstddef>
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
  if (!strip.empty() && strip.size() != n) {
    throw std::invalid_argument("vocabulary has " + std::to_string(n) + " tokens but " +
                                std::to_string(strip.size()) + " strip flags");
  }
  for (auto [name, id] :
       {std::pair{"bos", bos}, {"eos", eos}, {"unk", unk}, {"eot", eot}, {"eom", eom}}) {
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
    : trie_(1), rank_(vocab.tokens.size(), -1), vocab_(&vocab) {
  std::vector<token_id> added;
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    const token_kind k = vocab.kind(static_cast<token_id>(id));
    if ((k == token_kind::control || k == token_kind::user_defined || k == token_kind::unknown) &&
        !vocab.tokens[id].empty()) {
      added.push_back(static_cast<token_id>(id));
    }
  }
  // llama.cpp tries added tokens longest first.
  std::stable_sort(added.begin(), added.end(), [&](token_id a, token_id b) {
    return vocab.tokens[static_cast<size_t>(a)].size() >
           vocab.tokens[static_cast<size_t>(b)].size();
  });
  for (size_t r = 0; r < added.size(); ++r) {
    const token_id id = added[r];
    rank_[static_cast<size_t>(id)] = static_cast<int32_t>(r);
    int32_t n = 0;
    for (char ch : vocab.tokens[static_cast<size_t>(id)]) {
      const auto c = static_cast<unsigned char>(ch);
      auto& next = trie_[static_cast<size_t>(n)].next;
      auto it = std::lower_bound(next.begin(), next.end(), c,
                                 [](const auto& e, unsigned char x) { return e.first < x; });
      if (it != next.end() && it->first == c) {
        n = it->second;
        continue;
      }
      const auto child = static_cast<int32_t>(trie_.size());
      next.insert(it, {c, child});  // before trie_ grows: `next` refers into it
      trie_.emplace_back();
      n = child;
    }
    if (trie_[static_cast<size_t>(n)].id < 0) trie_[static_cast<size_t>(n)].id = id;
  }
}

std::vector<special_token_splitter::fragment> special_token_splitter::split(
    std::string_view text, bool parse_special) const {
  struct match {
    size_t pos;
    size_t len;
    token_id id;
  };
  // Every occurrence of every token that may be matched.
  std::vector<match> matches;
  for (size_t i = 0; i < text.size(); ++i) {
    int32_t n = 0;
    for (size_t k = i; k < text.size(); ++k) {
      const auto c = static_cast<unsigned char>(text[k]);
      const auto& next = trie_[static_cast<size_t>(n)].next;
      auto it = std::lower_bound(next.begin(), next.end(), c,
                                 [](const auto& e, unsigned char x) { return e.first < x; });
      if (it == next.end() || it->first != c) break;
      n = it->second;
      const token_id id = trie_[static_cast<size_t>(n)].id;
      if (id < 0) continue;
      const token_kind kind = vocab_->kind(id);
      if (kind == token_kind::user_defined || parse_special) matches.push_back({i, k + 1 - i, id});
    }
  }
  if (matches.empty()) {
    if (text.empty()) return {};
    return {{text, -1}};
  }
  // llama.cpp's order: token by token, longest first; each takes its occurrences left to right
  // where no earlier token (or the whitespace one strips) is.
  std::sort(matches.begin(), matches.end(), [&](const match& a, const match& b) {
    const int32_t ra = rank_[static_cast<size_t>(a.id)];
    const int32_t rb = rank_[static_cast<size_t>(b.id)];
    return ra != rb ? ra < rb : a.pos < b.pos;
  });
  enum : uint8_t { raw = 0, token = 1, stripped = 2 };
  std::vector<uint8_t> state(text.size(), raw);
  std::vector<match> taken;
  auto is_space = [&](size_t k) {
    const char c = text[k];
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
  };
  for (const match& m : matches) {
    bool free = true;
    for (size_t k = m.pos; k < m.pos + m.len && free; ++k) free = state[k] == raw;
    if (!free) continue;
    std::fill_n(state.begin() + static_cast<ptrdiff_t>(m.pos), m.len, token);
    taken.push_back(m);
    const uint8_t strip = vocab_->strip_of(m.id);
    if (strip & strip_left) {
      for (size_t k = m.pos; k > 0 && state[k - 1] == raw && is_space(k - 1); --k) {
        state[k - 1] = stripped;
      }
    }
    if (strip & strip_right) {
      for (size_t k = m.pos + m.len; k < text.size() && state[k] == raw && is_space(k); ++k) {
        state[k] = stripped;
      }
    }
  }
  std::sort(taken.begin(), taken.end(),
            [](const match& a, const match& b) { return a.pos < b.pos; });
  std::vector<fragment> out;
  auto raw_text = [&](size_t from, size_t to) {
    for (size_t i = from; i < to;) {
      if (state[i] != raw) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < to && state[j] == raw) ++j;
      out.push_back({text.substr(i, j - i), -1});
      i = j;
    }
  };
  size_t cursor = 0;
  for (const match& m : taken) {
    raw_text(cursor, m.pos);
    out.push_back({text.substr(m.pos, m.len), m.id});
    cursor = m.pos + m.len;
  }
  raw_text(cursor, text.size());
  return out;
}

bool is_end_of_generation_marker(std::string_view t) {
  static constexpr std::string_view markers[] = {
      // llama.cpp's end-of-generation texts
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
      "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
      "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
      "<\xEF\xBD\x9C"
      "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
      "[e~[",
      // and the fill-in-the-middle pad, repository and file separators it finds by text
      "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]", "<|fim_repo|>", "<|repo_name|>",
      "<fim-repo>", "<REPO>", "<reponame>", "<|file_sep|>"};
  for (auto m : markers) {
    if (t == m) return true;
  }
  return false;
}

std::vector<bool> end_of_generation_flags(const vocab_data& vocab) {
  const size_t n = vocab.tokens.size();
  std::vector<bool> eog(n, false);
  for (token_id id : {vocab.eos, vocab.eot, vocab.eom}) {
    if (id >= 0) eog[static_cast<size_t>(id)] = true;
  }
  auto find = [&](std::string_view text) -> token_id {
    for (size_t id = 0; id < n; ++id) {
      if (eog[id] && vocab.tokens[id] == text) return static_cast<token_id>(id);
    }
    return -1;
  };
  for (size_t id = 0; id < n; ++id) {
    if (vocab.kind(static_cast<token_id>(id)) != token_kind::normal &&
        is_end_of_generation_marker(vocab.tokens[id])) {
      eog[id] = true;
    }
  }
  // gpt-oss (o200k_harmony) and Solar Open end turns with <|return|> / <|call|> or <|calls|> /
  // <|flush|>; their <|end|> does not end a generation. Gemma 4's </s> does not either.
  const token_id end = find("<|end|>");
  if (end >= 0 && ((find("<|return|>") >= 0 && find("<|call|>") >= 0) ||
                   (find("<|calls|>") >= 0 && find("<|flush|>") >= 0))) {
    eog[static_cast<size_t>(end)] = false;
  }
  const token_id s = find("</s>");
  if (s >= 0 && find("<|tool_response>") >= 0) eog[static_cast<size_t>(s)] = false;
  return eog;
}

}  // namespace troupe
