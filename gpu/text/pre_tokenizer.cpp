#include "gpu/text/pre_tokenizer.hpp"

#include <string>

#include "gpu/text/unicode_class.hpp"

namespace troupe {

namespace {

// Text decoded once into characters with their classes; matchers work on character indices.
class char_text {
 public:
  explicit char_text(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      const unicode::decoded d = unicode::decode_utf8(s, i);
      offsets_.push_back(i);
      cps_.push_back(d.valid ? d.cp : 0xFFFD);
      i += d.len;
    }
    offsets_.push_back(s.size());
  }

  size_t size() const { return cps_.size(); }
  char32_t at(size_t i) const { return cps_[i]; }
  size_t offset(size_t i) const { return offsets_[i]; }

  bool letter(size_t i) const { return i < size() && unicode::is_letter(cps_[i]); }
  bool number(size_t i) const { return i < size() && unicode::is_number(cps_[i]); }
  bool space(size_t i) const { return i < size() && unicode::is_whitespace(cps_[i]); }
  bool newline(size_t i) const { return i < size() && (cps_[i] == '\r' || cps_[i] == '\n'); }
  bool other(size_t i) const { return i < size() && !letter(i) && !number(i) && !space(i); }
  bool is(size_t i, char32_t c) const { return i < size() && cps_[i] == c; }

  size_t skip_letters(size_t i) const {
    while (letter(i)) ++i;
    return i;
  }
  size_t skip_numbers(size_t i) const {
    while (number(i)) ++i;
    return i;
  }
  size_t skip_other(size_t i) const {
    while (other(i)) ++i;
    return i;
  }

 private:
  std::vector<char32_t> cps_;
  std::vector<size_t> offsets_;  // byte offset of each character, plus the end
};

char32_t ascii_lower(char32_t c) {
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

// 's 't 're 've 'm 'll 'd at i: the end of the match, or 0.
size_t contraction(const char_text& t, size_t i, bool ignore_case) {
  if (!t.is(i, '\'') || i + 1 >= t.size()) return 0;
  auto ch = [&](size_t k) { return ignore_case ? ascii_lower(t.at(k)) : t.at(k); };
  const char32_t c1 = ch(i + 1);
  if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
  if (i + 2 >= t.size()) return 0;
  const char32_t c2 = ch(i + 2);
  if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
    return i + 3;
  }
  return 0;
}

// \s+(?!\S)|\s+ at a whitespace character i: the run, less its last character when a
// non-space follows it (that character then prefixes the next word).
size_t whitespace_run(const char_text& t, size_t i) {
  size_t j = i;
  while (t.space(j)) ++j;
  if (j < t.size() && j - i >= 2) return j - 1;
  return j;
}

size_t match_gpt2(const char_text& t, size_t i) {
  if (size_t e = contraction(t, i, false)) return e;
  const bool sp = t.is(i, ' ');
  if (sp && t.letter(i + 1)) return t.skip_letters(i + 1);
  if (t.letter(i)) return t.skip_letters(i);
  if (sp && t.number(i + 1)) return t.skip_numbers(i + 1);
  if (t.number(i)) return t.skip_numbers(i);
  if (sp && t.other(i + 1)) return t.skip_other(i + 1);
  if (t.other(i)) return t.skip_other(i);
  return whitespace_run(t, i);
}

size_t match_llama3(const char_text& t, size_t i, size_t max_digits) {
  if (size_t e = contraction(t, i, true)) return e;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (!t.newline(i) && !t.letter(i) && !t.number(i) && t.letter(i + 1)) {
    return t.skip_letters(i + 1);
  }
  if (t.letter(i)) return t.skip_letters(i);
  // \p{N}{1,max}
  if (t.number(i)) {
    size_t j = i;
    while (t.number(j) && j - i < max_digits) ++j;
    return j;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  size_t j = t.is(i, ' ') && t.other(i + 1) ? i + 1 : i;
  if (t.other(j)) {
    j = t.skip_other(j);
    while (t.newline(j)) ++j;
    return j;
  }
  // \s*[\r\n]+ : up to and including the last line break of the whitespace run.
  size_t end = i;
  while (t.space(end)) ++end;
  for (size_t k = end; k > i; --k) {
    if (t.newline(k - 1)) return k;
  }
  return whitespace_run(t, i);
}

void split(const char_text& t, size_t from, size_t to, pre_tokenizer_kind kind, std::string_view s,
           std::vector<std::string_view>& out) {
  for (size_t i = from; i < to;) {
    size_t j = 0;
    switch (kind) {
      case pre_tokenizer_kind::llama3:
        j = match_llama3(t, i, 3);
        break;
      case pre_tokenizer_kind::qwen2:
        j = match_llama3(t, i, 1);
        break;
      default:
        j = match_gpt2(t, i);
    }
    if (j <= i) j = i + 1;  // cannot happen: every character starts some alternative
    if (j > to) j = to;
    out.push_back(s.substr(t.offset(i), t.offset(j) - t.offset(i)));
    i = j;
  }
}

}  // namespace

std::optional<pre_tokenizer_kind> pre_tokenizer_from_name(std::string_view name) {
  if (name.empty() || name == "default" || name == "gpt-2" || name == "gpt2") {
    return pre_tokenizer_kind::gpt2;
  }
  if (name == "llama-bpe" || name == "llama3" || name == "llama-v3") {
    return pre_tokenizer_kind::llama3;
  }
  if (name == "qwen2") return pre_tokenizer_kind::qwen2;
  if (name == "smollm") return pre_tokenizer_kind::smollm;
  return std::nullopt;
}

std::vector<std::string_view> pre_tokenize(pre_tokenizer_kind kind, std::string_view text) {
  std::vector<std::string_view> out;
  if (text.empty()) return out;
  if (kind != pre_tokenizer_kind::smollm) {
    // Words never straddle the end of the text, so the matchers can see the whole text.
    const char_text t(text);
    split(t, 0, t.size(), kind, text, out);
    return out;
  }
  // smollm: digits are isolated first; gpt2's regex then sees each stretch between digits as a
  // text of its own (its lookahead stops at the stretch's end).
  const char_text whole(text);
  size_t i = 0;
  while (i < whole.size()) {
    if (whole.number(i)) {
      out.push_back(text.substr(whole.offset(i), whole.offset(i + 1) - whole.offset(i)));
      ++i;
      continue;
    }
    size_t j = i;
    while (j < whole.size() && !whole.number(j)) ++j;
    const std::string_view stretch =
        text.substr(whole.offset(i), whole.offset(j) - whole.offset(i));
    const char_text t(stretch);
    split(t, 0, t.size(), pre_tokenizer_kind::gpt2, stretch, out);
    i = j;
  }
  return out;
}

}  // namespace troupe
