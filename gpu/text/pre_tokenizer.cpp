#include "gpu/text/pre_tokenizer.hpp"

#include <utility>

#include "gpu/text/unicode_class.hpp"

namespace troupe {

namespace {

using unicode::category;

// Text decoded once into characters with their categories.
class char_text {
 public:
  explicit char_text(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      const unicode::decoded d = unicode::decode_utf8(s, i);
      offsets_.push_back(i);
      cps_.push_back(d.valid ? d.cp : 0xFFFD);
      cats_.push_back(d.valid ? unicode::general_category(d.cp) : category::Cn);
      i += d.len;
    }
    offsets_.push_back(s.size());
  }

  size_t size() const { return cps_.size(); }
  char32_t at(size_t i) const { return cps_[i]; }
  category cat(size_t i) const { return cats_[i]; }
  size_t offset(size_t i) const { return offsets_[i]; }

 private:
  std::vector<char32_t> cps_;
  std::vector<category> cats_;
  std::vector<size_t> offsets_;  // byte offset of each character, plus the end
};

// One piece [begin, end) of a text, as a regex sees it when it runs on that piece alone: every
// test is false at and after `end`.
class piece {
 public:
  piece(const char_text& t, size_t end) : t_(t), end_(end) {}

  size_t end() const { return end_; }
  char32_t at(size_t i) const { return i < end_ ? t_.at(i) : 0; }
  bool is(size_t i, char32_t c) const { return i < end_ && t_.at(i) == c; }
  bool letter(size_t i) const { return i < end_ && unicode::is_letter(t_.cat(i)); }
  bool number(size_t i) const { return i < end_ && unicode::is_number(t_.cat(i)); }
  bool mark(size_t i) const { return i < end_ && unicode::is_mark(t_.cat(i)); }
  bool punctuation(size_t i) const { return i < end_ && unicode::is_punctuation(t_.cat(i)); }
  bool punct_or_symbol(size_t i) const {
    return i < end_ && (unicode::is_punctuation(t_.cat(i)) || unicode::is_symbol(t_.cat(i)));
  }
  bool space(size_t i) const { return i < end_ && unicode::is_whitespace(t_.at(i)); }
  bool newline(size_t i) const { return i < end_ && (t_.at(i) == '\r' || t_.at(i) == '\n'); }
  bool within(size_t i, char32_t first, char32_t last) const {
    return i < end_ && t_.at(i) >= first && t_.at(i) <= last;
  }
  bool ascii_letter(size_t i) const {
    return i < end_ && t_.at(i) < 0x80 && unicode::is_letter(t_.cat(i));
  }
  // [^\s\p{L}\p{N}]
  bool other(size_t i) const { return i < end_ && !letter(i) && !number(i) && !space(i); }
  // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and [\p{Ll}\p{Lm}\p{Lo}\p{M}]
  bool upper_like(size_t i) const {
    if (i >= end_) return false;
    const category c = t_.cat(i);
    return c == category::Lu || c == category::Lt || c == category::Lm || c == category::Lo ||
           unicode::is_mark(c);
  }
  bool lower_like(size_t i) const {
    if (i >= end_) return false;
    const category c = t_.cat(i);
    return c == category::Ll || c == category::Lm || c == category::Lo || unicode::is_mark(c);
  }

  template <class Pred>
  size_t skip(size_t i, Pred p) const {
    while (i < end_ && (this->*p)(i)) ++i;
    return i;
  }

 private:
  const char_text& t_;
  size_t end_;
};

// A matcher returns where the regex's match starting at character i ends, or 0 when no match
// starts there. Matches are never empty.
using matcher = size_t (*)(const piece&, size_t);

char32_t ascii_lower(char32_t c) {
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

// 's 't 're 've 'm 'll 'd at i: the end of the match, or 0.
size_t contraction(const piece& p, size_t i, bool ignore_case) {
  if (!p.is(i, '\'') || i + 1 >= p.end()) return 0;
  auto ch = [&](size_t k) { return ignore_case ? ascii_lower(p.at(k)) : p.at(k); };
  const char32_t c1 = ch(i + 1);
  if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
  const char32_t c2 = ch(i + 2);
  if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
    return i + 3;
  }
  return 0;
}

// \s+(?!\S)|\s+ at i: the whitespace run, less its last character when a non-space follows it
// (that character then prefixes the next word).
size_t whitespace_run(const piece& p, size_t i) {
  if (!p.space(i)) return 0;
  const size_t j = p.skip(i, &piece::space);
  if (j < p.end() && j - i >= 2) return j - 1;
  return j;
}

// \s*[\r\n]+|\s+(?!\S)|\s+ at i.
size_t whitespace_tail(const piece& p, size_t i) {
  const size_t end = p.skip(i, &piece::space);
  for (size_t k = end; k > i; --k) {
    if (p.newline(k - 1)) return k;  // up to and including the run's last line break
  }
  return whitespace_run(p, i);
}

// X+ at i, or 0.
size_t run(const piece& p, size_t i, bool (piece::*pred)(size_t) const) {
  return (p.*pred)(i) ? p.skip(i, pred) : 0;
}

size_t match_gpt2(const piece& p, size_t i) {
  if (size_t e = contraction(p, i, false)) return e;
  const size_t s = p.is(i, ' ') ? i + 1 : i;  // ' ?' then \p{L}+, \p{N}+ or [^\s\p{L}\p{N}]+
  for (auto pred : {&piece::letter, &piece::number, &piece::other}) {
    if (s > i) {
      if (size_t e = run(p, s, pred)) return e;
    }
    if (size_t e = run(p, i, pred)) return e;
  }
  return whitespace_run(p, i);
}

template <size_t max_digits>
size_t match_llama3(const piece& p, size_t i) {
  if (size_t e = contraction(p, i, true)) return e;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (!p.newline(i) && !p.letter(i) && !p.number(i) && p.letter(i + 1)) {
    return p.skip(i + 1, &piece::letter);
  }
  if (size_t e = run(p, i, &piece::letter)) return e;
  // \p{N}{1,max}
  if (p.number(i)) {
    size_t j = i;
    while (p.number(j) && j - i < max_digits) ++j;
    return j;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  const size_t j = p.is(i, ' ') && p.other(i + 1) ? i + 1 : i;
  if (p.other(j)) return p.skip(p.skip(j, &piece::other), &piece::newline);
  return whitespace_tail(p, i);
}

bool letter_or_mark(const piece& p, size_t i) {
  return p.letter(i) || p.mark(i);
}

size_t match_qwen35(const piece& p, size_t i) {
  if (size_t e = contraction(p, i, true)) return e;
  auto lm_run = [&](size_t k) {
    while (letter_or_mark(p, k)) ++k;
    return k;
  };
  // [^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+
  if (!p.newline(i) && !p.letter(i) && !p.number(i) && letter_or_mark(p, i + 1)) {
    return lm_run(i + 1);
  }
  if (letter_or_mark(p, i)) return lm_run(i);
  if (p.number(i)) return i + 1;
  // ' ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*'
  auto other = [&](size_t k) { return p.other(k) && !p.mark(k); };
  size_t j = p.is(i, ' ') && other(i + 1) ? i + 1 : i;
  if (other(j)) {
    while (other(j)) ++j;
    return p.skip(j, &piece::newline);
  }
  return whitespace_tail(p, i);
}

// tekken and gpt4o: letters split at case changes.
template <bool gpt4o>
size_t match_cased(const piece& p, size_t i) {
  // [U]*[W]+ at s, U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], W = [\p{Ll}\p{Lm}\p{Lo}\p{M}]: the greedy
  // U run gives characters back until W+ can start.
  auto upper_then_lower = [&](size_t s) -> size_t {
    const size_t k = p.skip(s, &piece::upper_like);
    for (size_t q = k + 1; q-- > s;) {
      if (p.lower_like(q)) return p.skip(q, &piece::lower_like);
    }
    return 0;
  };
  // [U]+[W]* at s.
  auto upper_run = [&](size_t s) -> size_t {
    if (!p.upper_like(s)) return 0;
    return p.skip(p.skip(s, &piece::upper_like), &piece::lower_like);
  };
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)? after the letters (gpt4o only).
  auto suffix = [&](size_t e) {
    if (!gpt4o) return e;
    const size_t c = contraction(p, e, true);
    return c ? c : e;
  };
  // Both letter alternatives start with an optional [^\r\n\p{L}\p{N}], tried first.
  const bool prefix = !p.newline(i) && !p.letter(i) && !p.number(i);
  if (prefix) {
    if (size_t e = upper_then_lower(i + 1)) return suffix(e);
  }
  if (size_t e = upper_then_lower(i)) return suffix(e);
  if (prefix) {
    if (size_t e = upper_run(i + 1)) return suffix(e);
  }
  if (size_t e = upper_run(i)) return suffix(e);
  // \p{N} (tekken) or \p{N}{1,3} (gpt4o)
  if (p.number(i)) {
    size_t j = i;
    while (p.number(j) && j - i < (gpt4o ? 3u : 1u)) ++j;
    return j;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
  const size_t j = p.is(i, ' ') && p.other(i + 1) ? i + 1 : i;
  if (p.other(j)) {
    size_t k = p.skip(j, &piece::other);
    while (p.newline(k) || p.is(k, '/')) ++k;
    return k;
  }
  return whitespace_tail(p, i);
}

// \p{N} (smollm's first split).
size_t match_digit(const piece& p, size_t i) {
  return p.number(i) ? i + 1 : 0;
}

// \p{N}+
size_t match_digits(const piece& p, size_t i) {
  return run(p, i, &piece::number);
}

// \p{N}{1,3} (DeepSeek V3's first split).
size_t match_digits3(const piece& p, size_t i) {
  size_t j = i;
  while (p.number(j) && j - i < 3) ++j;
  return j > i ? j : 0;
}

// [0-9][0-9][0-9] (the last split of llama.cpp's default).
size_t match_ascii_digits3(const piece& p, size_t i) {
  for (size_t k = i; k < i + 3; ++k) {
    if (!p.within(k, '0', '9')) return 0;
  }
  return i + 3;
}

// [\p{P}\$\+<=>\^~\|]+ (the first split of llama.cpp's default).
size_t match_punctuation(const piece& p, size_t i) {
  auto punct = [&](size_t k) {
    if (p.punctuation(k)) return true;
    for (char32_t c : {U'$', U'+', U'<', U'=', U'>', U'^', U'~', U'|'}) {
      if (p.is(k, c)) return true;
    }
    return false;
  };
  size_t j = i;
  while (punct(j)) ++j;
  return j > i ? j : 0;
}

// [一-龥぀-ゟ゠-ヿ]+ (DeepSeek V3's second split).
size_t match_cjk(const piece& p, size_t i) {
  auto cjk = [&](size_t k) {
    return p.within(k, 0x4E00, 0x9FA5) || p.within(k, 0x3040, 0x309F) ||
           p.within(k, 0x30A0, 0x30FF);
  };
  size_t j = i;
  while (cjk(j)) ++j;
  return j > i ? j : 0;
}

// DeepSeek V3's last split:
// [!-/:-@\[-`{-~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
size_t match_deepseek3(const piece& p, size_t i) {
  const bool ascii_punct = p.within(i, '!', '/') || p.within(i, ':', '@') ||
                           p.within(i, '[', '`') || p.within(i, '{', '~');
  if (ascii_punct && p.ascii_letter(i + 1)) return p.skip(i + 1, &piece::ascii_letter);
  auto lm_run = [&](size_t k) {
    while (letter_or_mark(p, k)) ++k;
    return k;
  };
  if (!p.newline(i) && !p.letter(i) && !p.punct_or_symbol(i) && letter_or_mark(p, i + 1)) {
    return lm_run(i + 1);
  }
  if (letter_or_mark(p, i)) return lm_run(i);
  const size_t j = p.is(i, ' ') && p.punct_or_symbol(i + 1) ? i + 1 : i;
  if (p.punct_or_symbol(j)) {
    return p.skip(p.skip(j, &piece::punct_or_symbol), &piece::newline);
  }
  return p.space(i) ? whitespace_tail(p, i) : 0;
}

// The regexes of each kind, applied in turn; each splits every piece the previous ones left.
std::vector<matcher> stages(pre_tokenizer_kind kind) {
  switch (kind) {
    case pre_tokenizer_kind::gpt2:
      return {match_gpt2};
    case pre_tokenizer_kind::llama_default:
      return {match_punctuation, match_gpt2, match_digits, match_ascii_digits3};
    case pre_tokenizer_kind::llama3:
      return {match_llama3<3>};
    case pre_tokenizer_kind::qwen2:
      return {match_llama3<1>};
    case pre_tokenizer_kind::qwen35:
      return {match_qwen35};
    case pre_tokenizer_kind::smollm:
      return {match_digit, match_gpt2};
    case pre_tokenizer_kind::tekken:
      return {match_cased<false>};
    case pre_tokenizer_kind::gpt4o:
      return {match_cased<true>};
    case pre_tokenizer_kind::deepseek3:
      return {match_digits3, match_cjk, match_deepseek3};
  }
  return {match_gpt2};
}

// Splits each piece [begin, end) by `m` as a regex split with "isolated" matches does: matches
// and the stretches between them become pieces.
void split_pieces(const char_text& t, matcher m, std::vector<std::pair<size_t, size_t>>& pieces) {
  std::vector<std::pair<size_t, size_t>> out;
  out.reserve(pieces.size());
  for (const auto& [begin, end] : pieces) {
    const piece p(t, end);
    size_t gap = begin;
    for (size_t i = begin; i < end;) {
      const size_t j = m(p, i);
      if (j <= i) {
        ++i;
        continue;
      }
      if (i > gap) out.emplace_back(gap, i);
      out.emplace_back(i, j);
      i = gap = j;
    }
    if (gap < end) out.emplace_back(gap, end);
  }
  pieces.swap(out);
}

struct named_pre_tokenizer {
  std::string_view name;
  pre_tokenizer_spec spec;
};

// llama.cpp's names (llama-vocab.cpp) for the kinds implemented here.
constexpr pre_tokenizer_kind k_gpt2 = pre_tokenizer_kind::gpt2;
constexpr pre_tokenizer_kind k_llama3 = pre_tokenizer_kind::llama3;
constexpr pre_tokenizer_kind k_qwen2 = pre_tokenizer_kind::qwen2;
constexpr pre_tokenizer_kind k_smollm = pre_tokenizer_kind::smollm;
constexpr pre_tokenizer_kind k_gpt4o = pre_tokenizer_kind::gpt4o;
constexpr pre_tokenizer_kind k_deepseek3 = pre_tokenizer_kind::deepseek3;
constexpr named_pre_tokenizer names[] = {
    {"default", {pre_tokenizer_kind::llama_default}},
    {"gpt-2", {k_gpt2}},
    {"gpt2", {k_gpt2}},
    {"phi-2", {k_gpt2}},
    {"mpt", {k_gpt2}},
    {"olmo", {k_gpt2}},
    {"jais", {k_gpt2}},
    {"exaone4", {k_gpt2}},
    {"a.x-4.0", {k_gpt2}},
    {"mellum", {k_gpt2}},
    {"gigachat", {k_gpt2}},
    {"trillion", {k_gpt2}},
    {"granite-docling", {k_gpt2}},
    {"llama3", {k_llama3, true, true}},
    {"llama-v3", {k_llama3, true, true}},
    {"llama-bpe", {k_llama3, true, true}},
    {"falcon3", {k_llama3, true, true}},
    {"falcon-h1", {k_llama3, true, true}},
    {"pixtral", {k_llama3, true, true}},
    {"midm-2.0", {k_llama3, true, true}},
    {"lfm2", {k_llama3, true, true}},
    {"dbrx", {k_llama3}},
    {"smaug-bpe", {k_llama3}},
    {"qwen2", {k_qwen2}},
    {"deepseek-r1-qwen", {k_qwen2}},
    {"megrez", {k_qwen2}},
    {"stablelm2", {k_qwen2}},
    {"hunyuan", {k_qwen2}},
    {"kormo", {k_qwen2}},
    {"grok-2", {k_qwen2}},
    {"solar-open", {k_qwen2}},
    {"qwen35", {pre_tokenizer_kind::qwen35}},
    {"smollm", {k_smollm}},
    {"starcoder", {k_smollm}},
    {"refact", {k_smollm}},
    {"command-r", {k_smollm}},
    {"codeshell", {k_smollm}},
    {"exaone", {k_smollm}},
    {"minerva-7b", {k_smollm}},
    {"mellum2", {k_smollm}},
    {"tekken", {pre_tokenizer_kind::tekken, true, true}},
    {"gpt-4o", {k_gpt4o}},
    {"llama4", {k_gpt4o}},
    {"minimax-m2", {k_gpt4o}},
    {"deepseek-v3", {k_deepseek3}},
    {"hunyuan-dense", {k_deepseek3}},
};

}  // namespace

std::optional<pre_tokenizer_spec> pre_tokenizer_from_name(std::string_view name) {
  if (name.empty()) name = "default";  // llama.cpp: a missing pre-tokenizer means "default"
  for (const auto& n : names) {
    if (n.name == name) return n.spec;
  }
  return std::nullopt;
}

const std::string& supported_pre_tokenizers() {
  static const std::string list = [] {
    std::string s;
    for (const auto& n : names) {
      if (!s.empty()) s += ", ";
      s += n.name;
    }
    return s;
  }();
  return list;
}

std::vector<std::string_view> pre_tokenize(pre_tokenizer_kind kind, std::string_view text) {
  std::vector<std::string_view> out;
  if (text.empty()) return out;
  const char_text t(text);
  std::vector<std::pair<size_t, size_t>> pieces{{0, t.size()}};
  for (matcher m : stages(kind)) split_pieces(t, m, pieces);
  out.reserve(pieces.size());
  for (const auto& [begin, end] : pieces) {
    out.push_back(text.substr(t.offset(begin), t.offset(end) - t.offset(begin)));
  }
  return out;
}

}  // namespace troupe
