#include "gpu/text/bpe_tokenizer.hpp"

#include "gpu/text/pair_merge.hpp"

#include <queue>
#include <stdexcept>

#include "gpu/text/unicode_class.hpp"

namespace troupe {

namespace {

// GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the others
// (controls, space, DEL, NBSP, soft hyphen) for U+0100 onwards, in byte order.
std::array<char32_t, 256> make_byte_table() {
  std::array<char32_t, 256> t{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
    t[static_cast<size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
  }
  return t;
}

const std::array<char32_t, 256>& byte_table() {
  static const std::array<char32_t, 256> t = make_byte_table();
  return t;
}

// The inverse: -1 for characters that stand for no byte.
int char_to_byte(char32_t c) {
  static const std::array<int, 324> inverse = [] {
    std::array<int, 324> inv{};
    inv.fill(-1);
    for (int b = 0; b < 256; ++b) inv[byte_table()[static_cast<size_t>(b)]] = b;
    return inv;
  }();
  return c < inverse.size() ? inverse[c] : -1;
}

}  // namespace

bpe_tokenizer::bpe_tokenizer(vocab_data vocab) : vocab_tokenizer(std::move(vocab)) {
  const auto pre = pre_tokenizer_from_name(v_.pre);
  if (!pre) {
    throw std::invalid_argument("unknown BPE pre-tokenizer '" + v_.pre +
                                "' (tokenizer.ggml.pre); supported: " + supported_pre_tokenizers());
  }
  pre_ = *pre;
  ranks_.reserve(v_.merges.size());
  for (size_t i = 0; i < v_.merges.size(); ++i) {
    const std::string& m = v_.merges[i];
    const size_t sp = m.find(' ', 1);
    if (sp == std::string::npos || sp + 1 >= m.size()) {
      throw std::invalid_argument("malformed BPE merge #" + std::to_string(i) + ": '" + m + "'");
    }
    ranks_.emplace(m, static_cast<int32_t>(i));  // the first of duplicate merges wins
  }
  for (int b = 0; b < 256; ++b) {
    unicode::append_utf8(byte_chars_[static_cast<size_t>(b)], byte_table()[static_cast<size_t>(b)]);
  }
  for (size_t i = 0; i < v_.tokens.size(); ++i) {
    const std::string& t = v_.tokens[i];
    switch (v_.kind(static_cast<token_id>(i))) {
      case token_kind::normal:
      case token_kind::undefined:
      case token_kind::byte:
        for (size_t k = 0; k < t.size();) {
          const unicode::decoded d = unicode::decode_utf8(t, k);
          const int b = d.valid ? char_to_byte(d.cp) : -1;
          if (b >= 0) {
            pieces_[i].push_back(static_cast<char>(b));
          } else {
            pieces_[i].append(t, k, d.len);  // not a stand-in: keep the text as it is
          }
          k += d.len;
        }
        break;
      case token_kind::user_defined:
        pieces_[i] = t;
        break;
      case token_kind::unknown:
      case token_kind::control:
      case token_kind::unused:
        break;
    }
  }
}

int32_t bpe_tokenizer::rank(std::string_view left, std::string_view right) const {
  std::string key;
  key.reserve(left.size() + 1 + right.size());
  key.append(left).push_back(' ');
  key.append(right);
  auto it = ranks_.find(key);
  return it == ranks_.end() ? -1 : it->second;
}

std::vector<token_id> bpe_tokenizer::encode(std::string_view text,
                                            const encode_options& options) const {
  std::vector<token_id> out;
  if (options.add_special && v_.add_bos && v_.bos >= 0) out.push_back(v_.bos);
  for (const auto& f : special_.split(text, options.parse_special)) {
    if (f.id >= 0) {
      out.push_back(f.id);
      continue;
    }
    for (std::string_view word : pre_tokenize(pre_.kind, f.text)) encode_word(word, out);
  }
  if (options.add_special && v_.add_eos && v_.eos >= 0) out.push_back(v_.eos);
  return out;
}

void bpe_tokenizer::encode_word(std::string_view word, std::vector<token_id>& out) const {
  std::string m;  // the word in stand-in characters
  for (char c : word) m.append(byte_chars_[static_cast<unsigned char>(c)]);
  if (pre_.ignore_merges) {
    if (token_id id = find(m); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  // Merge the pair with the lowest merge rank.
  auto cost = [this](std::string_view left, std::string_view right) -> std::optional<double> {
    const int32_t r = rank(left, right);
    if (r < 0) return std::nullopt;
    return double(r);
  };
  for (std::string_view piece : merge_pairs(m, cost)) {
    if (token_id id = find(piece); id >= 0) {
      out.push_back(id);
      continue;
    }
    // Not a token (a vocabulary without all byte characters): each character alone, else UNK.
    for (size_t k = 0; k < piece.size();) {
      const size_t len = unicode::decode_utf8(piece, k).len;
      const token_id id = find(piece.substr(k, len));
      if (id >= 0) {
        out.push_back(id);
      } else if (v_.unk >= 0) {
        out.push_back(v_.unk);
      }
      k += len;
    }
  }
}

}  // namespace troupe
