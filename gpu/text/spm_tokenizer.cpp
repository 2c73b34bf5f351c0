#include "gpu/text/spm_tokenizer.hpp"

#include "gpu/text/pair_merge.hpp"

#include <cstdio>
#include <queue>

#include "gpu/text/unicode_class.hpp"

namespace troupe {

namespace {

constexpr std::string_view space_mark = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, from.size(), from) == 0) {
      out.append(to);
      i += from.size();
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

// "<0x41>" -> 0x41; -1 when `t` is not a byte token's text.
int parse_byte_token(std::string_view t) {
  if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
  int v = 0;
  for (char c : t.substr(3, 2)) {
    v *= 16;
    if (c >= '0' && c <= '9') {
      v += c - '0';
    } else if (c >= 'A' && c <= 'F') {
      v += c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      v += c - 'a' + 10;
    } else {
      return -1;
    }
  }
  return v;
}

}  // namespace

spm_tokenizer::spm_tokenizer(vocab_data vocab) : vocab_tokenizer(std::move(vocab)) {
  byte_tokens_.fill(v_.unk);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    if (token_id id = find(name); id >= 0) byte_tokens_[static_cast<size_t>(b)] = id;
  }
  for (size_t i = 0; i < v_.tokens.size(); ++i) {
    const std::string& t = v_.tokens[i];
    switch (v_.kind(static_cast<token_id>(i))) {
      case token_kind::normal:
      case token_kind::undefined:
        pieces_[i] = replace_all(t, space_mark, " ");
        break;
      case token_kind::byte: {
        const int b = parse_byte_token(t);
        pieces_[i] = b >= 0 ? std::string(1, static_cast<char>(b)) : t;
        break;
      }
      case token_kind::user_defined:
        pieces_[i] = t;
        break;
      case token_kind::unknown:
        pieces_[i] = "\xE2\x96\x85";  // U+2585, as llama.cpp prints unknown tokens
        break;
      case token_kind::control:
      case token_kind::unused:
        break;
    }
  }
}

std::vector<token_id> spm_tokenizer::encode(std::string_view text,
                                            const encode_options& options) const {
  std::vector<token_id> out;
  if (options.add_special && v_.add_bos && v_.bos >= 0) out.push_back(v_.bos);
  bool after_special = true;  // the start of the text counts as following a special token
  for (const auto& f : special_.split(text, options.parse_special)) {
    if (f.id >= 0) {
      out.push_back(f.id);
      after_special = true;
      continue;
    }
    std::string s;
    if (v_.add_space_prefix && after_special) s.push_back(' ');
    s.append(f.text);
    encode_text(replace_all(s, " ", space_mark), out);
    after_special = false;
  }
  if (options.add_special && v_.add_eos && v_.eos >= 0) out.push_back(v_.eos);
  return out;
}

void spm_tokenizer::encode_text(std::string_view text, std::vector<token_id>& out) const {
  // Merge the pair whose merged piece is a token with the highest score.
  auto cost = [this](std::string_view left, std::string_view right) -> std::optional<double> {
    const token_id id = find(std::string_view(left.data(), left.size() + right.size()));
    if (id < 0) return std::nullopt;
    return v_.scores.empty() ? 0.0 : -double(v_.scores[static_cast<size_t>(id)]);
  };
  for (std::string_view piece : merge_pairs(text, cost)) {
    if (token_id id = find(piece); id >= 0) {
      out.push_back(id);
      continue;
    }
    // Merged symbols are always tokens; a single character that is not gets spelled in bytes.
    for (char c : piece) {
      const token_id id = byte_tokens_[static_cast<unsigned char>(c)];
      if (id >= 0) out.push_back(id);
    }
  }
}

std::string spm_tokenizer::token_bytes(token_id id, token_id previous) const {
  std::string p = vocab_tokenizer::token_bytes(id, previous);
  if (v_.add_space_prefix && previous == v_.bos && v_.bos >= 0 && !p.empty() && p[0] == ' ') {
    p.erase(0, 1);
  }
  return p;
}

}  // namespace troupe
