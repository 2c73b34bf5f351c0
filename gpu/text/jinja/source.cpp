#include "gpu/text/jinja/source.hpp"

#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja {

namespace {

// Copies a text and its origins while bytes are dropped.
struct builder {
  explicit builder(size_t n) {
    out.text.reserve(n);
    out.origin.reserve(n + 1);
  }
  void copy(const preprocessed& in, size_t i) {
    out.text += in.text[i];
    out.origin.push_back(in.origin[i]);
  }
  preprocessed finish(const preprocessed& in) {
    out.origin.push_back(in.origin.back());
    return std::move(out);
  }
  preprocessed out;
};

bool starts_with_at(std::string_view s, size_t i, std::string_view what) {
  return s.substr(i, what.size()) == what;
}

// lstrip_blocks: /^[ \t]*({[#%-])/gm → "$1".
preprocessed strip_block_indentation(const preprocessed& in) {
  const std::string_view s = in.text;
  builder b(s.size());
  bool line_start = true;
  for (size_t i = 0; i < s.size();) {
    if (line_start) {
      size_t j = i;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
      if (j + 1 < s.size() && s[j] == '{' &&
          (s[j + 1] == '#' || s[j + 1] == '%' || s[j + 1] == '-'))
        i = j;
      line_start = false;
      if (i >= s.size()) break;
    }
    const unicode::decoded d = unicode::decode(s, i);
    for (size_t k = 0; k < d.len; ++k) b.copy(in, i + k);
    line_start = unicode::is_line_terminator(d.cp);
    i += d.len;
  }
  return b.finish(in);
}

// trim_blocks: /([#%-]})\n/g → "$1".
preprocessed trim_block_newlines(const preprocessed& in) {
  const std::string_view s = in.text;
  builder b(s.size());
  for (size_t i = 0; i < s.size();) {
    if (i + 2 < s.size() && (s[i] == '#' || s[i] == '%' || s[i] == '-') && s[i + 1] == '}' &&
        s[i + 2] == '\n') {
      b.copy(in, i);
      b.copy(in, i + 1);
      i += 3;
      continue;
    }
    b.copy(in, i++);
  }
  return b.finish(in);
}

size_t skip_spaces(std::string_view s, size_t i) {
  while (size_t n = unicode::space_at(s, i)) i += n;
  return i;
}

// Matches {%(-?)\s*(?:end)?generation\s*(-?)%} at `i`; returns its end, or 0.
size_t match_generation_tag(std::string_view s, size_t i, bool& lstrip, bool& rstrip) {
  if (!starts_with_at(s, i, "{%")) return 0;
  size_t j = i + 2;
  lstrip = j < s.size() && s[j] == '-';
  if (lstrip) ++j;
  j = skip_spaces(s, j);
  if (starts_with_at(s, j, "endgeneration")) {
    j += 13;
  } else if (starts_with_at(s, j, "generation")) {
    j += 10;
  } else {
    return 0;
  }
  j = skip_spaces(s, j);
  rstrip = j < s.size() && s[j] == '-';
  if (rstrip) ++j;
  if (!starts_with_at(s, j, "%}")) return 0;
  return j + 2;
}

// /(\s*){%(-?)\s*(?:end)?generation\s*(-?)%}(\s*)/gs → (lstrip ? "" : before) + (rstrip ? ""
// : after).
preprocessed remove_generation_tags(const preprocessed& in) {
  const std::string_view s = in.text;
  builder b(s.size());
  size_t run = std::string::npos;  // where the current whitespace run starts in the output
  for (size_t i = 0; i < s.size();) {
    bool lstrip = false, rstrip = false;
    if (const size_t end = match_generation_tag(s, i, lstrip, rstrip)) {
      if (lstrip && run != std::string::npos) {
        b.out.text.resize(run);
        b.out.origin.resize(run);
      }
      const size_t after = skip_spaces(s, end);
      if (!rstrip)
        for (size_t k = end; k < after; ++k) b.copy(in, k);
      i = after;
      run = std::string::npos;  // the next match starts after this one
      continue;
    }
    const size_t n = unicode::space_at(s, i);
    if (n > 0) {
      if (run == std::string::npos) run = b.out.text.size();
    } else {
      run = std::string::npos;
    }
    const size_t len = n > 0 ? n : unicode::decode(s, i).len;
    for (size_t k = 0; k < len; ++k) b.copy(in, i + k);
    i += len;
  }
  return b.finish(in);
}

}  // namespace

preprocessed preprocess(std::string_view source) {
  preprocessed p;
  p.text.assign(source);
  p.origin.resize(source.size() + 1);
  for (size_t i = 0; i <= source.size(); ++i) p.origin[i] = static_cast<uint32_t>(i);
  if (!p.text.empty() && p.text.back() == '\n') {
    p.text.pop_back();
    p.origin.erase(p.origin.end() - 2);  // keep the end marker
  }
  p = strip_block_indentation(p);
  p = trim_block_newlines(p);
  return remove_generation_tags(p);
}

location locate(std::string_view source, size_t offset) {
  location loc;
  if (offset > source.size()) offset = source.size();
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n') {
      ++loc.line;
      line_start = i + 1;
    }
  }
  for (size_t i = line_start; i < offset;) {
    i += unicode::decode(source, i).len;
    ++loc.column;
  }
  return loc;
}

}  // namespace troupe::jinja
