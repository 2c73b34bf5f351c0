#include "gpu/text/jinja/lexer.hpp"

#include <string_view>

#include "gpu/text/jinja/unicode.hpp"

namespace troupe::jinja {

const char* token_name(token_type t) {
  switch (t) {
    case token_type::text:
      return "text";
    case token_type::numeric:
      return "number";
    case token_type::string:
      return "string";
    case token_type::identifier:
      return "identifier";
    case token_type::equals:
      return "'='";
    case token_type::open_paren:
      return "'('";
    case token_type::close_paren:
      return "')'";
    case token_type::open_statement:
      return "'{%'";
    case token_type::close_statement:
      return "'%}'";
    case token_type::open_expression:
      return "'{{'";
    case token_type::close_expression:
      return "'}}'";
    case token_type::open_square:
      return "'['";
    case token_type::close_square:
      return "']'";
    case token_type::open_curly:
      return "'{'";
    case token_type::close_curly:
      return "'}'";
    case token_type::comma:
      return "','";
    case token_type::dot:
      return "'.'";
    case token_type::colon:
      return "':'";
    case token_type::pipe:
      return "'|'";
    case token_type::additive:
    case token_type::multiplicative:
    case token_type::exponentiation:
    case token_type::comparison:
      return "operator";
    case token_type::unary:
      return "sign";
    case token_type::comment:
      return "comment";
  }
  return "token";
}

namespace {

struct operator_entry {
  std::string_view text;
  token_type type;
};

// The reference's ORDERED_MAPPING_TABLE: the first entry that matches wins.
constexpr operator_entry operators[] = {
    {"{%", token_type::open_statement},
    {"%}", token_type::close_statement},
    {"{{", token_type::open_expression},
    {"}}", token_type::close_expression},
    {"(", token_type::open_paren},
    {")", token_type::close_paren},
    {"{", token_type::open_curly},
    {"}", token_type::close_curly},
    {"[", token_type::open_square},
    {"]", token_type::close_square},
    {",", token_type::comma},
    {".", token_type::dot},
    {":", token_type::colon},
    {"|", token_type::pipe},
    {"<=", token_type::comparison},
    {">=", token_type::comparison},
    {"==", token_type::comparison},
    {"!=", token_type::comparison},
    {"<", token_type::comparison},
    {">", token_type::comparison},
    {"+", token_type::additive},
    {"-", token_type::additive},
    {"~", token_type::additive},
    {"**", token_type::exponentiation},
    {"*", token_type::multiplicative},
    {"//", token_type::multiplicative},
    {"/", token_type::multiplicative},
    {"%", token_type::multiplicative},
    {"=", token_type::equals},
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_word(char c) {
  return unicode::is_word(static_cast<unsigned char>(c));
}

int hex_digit(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class lexer {
 public:
  explicit lexer(const preprocessed& p) : p_(p), s_(p.text) {}

  std::vector<token> run() {
    while (c_ < s_.size()) step();
    return std::move(tokens_);
  }

 private:
  char at(size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
  bool starts(std::string_view what) const { return s_.substr(c_, what.size()) == what; }
  uint32_t origin(size_t i) const { return p_.origin[std::min(i, s_.size())]; }

  [[noreturn]] void fail(const std::string& message, size_t i) const {
    throw syntax_error(message, origin(i));
  }

  void push(token_type t, std::string value, size_t start) {
    tokens_.push_back(token{t, std::move(value), origin(start)});
  }

  bool last_is(token_type t) const { return !tokens_.empty() && tokens_.back().type == t; }

  void strip_trailing_whitespace() {
    if (!last_is(token_type::text)) return;
    std::string& text = tokens_.back().value;
    text.resize(unicode::trim_end(text).size());
    if (text.empty()) tokens_.pop_back();
  }

  void skip_leading_whitespace() {
    while (size_t n = unicode::space_at(s_, c_)) c_ += n;
  }

  // consumeWhile(isWhitespace): like skip_leading_whitespace, but reaching the end is an error.
  void consume_whitespace() {
    while (size_t n = unicode::space_at(s_, c_)) {
      c_ += n;
      if (c_ >= s_.size()) fail("unexpected end of template", c_);
    }
  }

  template <typename Pred>
  std::string consume_ascii(Pred pred) {
    std::string out;
    while (c_ < s_.size() && pred(s_[c_])) {
      out += s_[c_++];
      if (c_ >= s_.size()) fail("unexpected end of template", c_);
    }
    return out;
  }

  void step() {
    const bool after_tag = tokens_.empty() || last_is(token_type::close_statement) ||
                           last_is(token_type::close_expression) || last_is(token_type::comment);
    if (after_tag) {
      const size_t start = c_;
      while (c_ < s_.size() &&
             !(s_[c_] == '{' && (at(c_ + 1) == '%' || at(c_ + 1) == '{' || at(c_ + 1) == '#')))
        ++c_;
      if (c_ > start) {
        push(token_type::text, std::string(s_.substr(start, c_ - start)), start);
        return;
      }
    }
    if (starts("{#")) return comment();
    if (starts("{%-")) {
      strip_trailing_whitespace();
      push(token_type::open_statement, "{%", c_);
      c_ += 3;
      return;
    }
    if (starts("{{-")) {
      strip_trailing_whitespace();
      push(token_type::open_expression, "{{", c_);
      curly_depth_ = 0;
      c_ += 3;
      return;
    }
    consume_whitespace();
    if (starts("-%}") || starts("-}}")) {
      const bool statement = starts("-%}");
      push(statement ? token_type::close_statement : token_type::close_expression,
           statement ? "%}" : "}}", c_);
      c_ += 3;
      skip_leading_whitespace();
      return;
    }
    const char ch = s_[c_];
    if (ch == '-' || ch == '+') {
      if (tokens_.empty() || last_is(token_type::text))
        fail(std::string("unexpected character '") + ch + "'", c_);
      const token_type last = tokens_.back().type;
      if (last != token_type::identifier && last != token_type::numeric &&
          last != token_type::string && last != token_type::close_paren &&
          last != token_type::close_square) {
        return signed_number();
      }
    }
    for (const auto& op : operators) {
      if (op.text == "}}" && curly_depth_ > 0) continue;
      if (!starts(op.text)) continue;
      push(op.type, std::string(op.text), c_);
      if (op.type == token_type::open_expression) curly_depth_ = 0;
      if (op.type == token_type::open_curly) ++curly_depth_;
      if (op.type == token_type::close_curly) --curly_depth_;
      c_ += op.text.size();
      return;
    }
    if (ch == '\'' || ch == '"') return string_literal(ch);
    if (is_digit(ch)) {
      const size_t start = c_;
      std::string num = consume_ascii(is_digit);
      if (!last_is(token_type::dot) && at(c_) == '.' && is_digit(at(c_ + 1))) {
        ++c_;
        num += "." + consume_ascii(is_digit);
      }
      push(token_type::numeric, std::move(num), start);
      return;
    }
    if (is_word(ch)) {
      const size_t start = c_;
      push(token_type::identifier, consume_ascii(is_word), start);
      return;
    }
    const unicode::decoded d = unicode::decode(s_, c_);
    fail("unexpected character '" + std::string(s_.substr(c_, d.len)) + "'", c_);
  }

  void comment() {
    const size_t start = c_;
    c_ += 2;
    const bool strip_before = at(c_) == '-';
    if (strip_before) ++c_;
    std::string text;
    while (at(c_) != '#' || at(c_ + 1) != '}') {
      if (c_ + 2 >= s_.size()) fail("missing end of comment tag '#}'", start);
      text += s_[c_++];
    }
    const bool strip_after = !text.empty() && text.back() == '-';
    if (strip_after) text.pop_back();
    if (strip_before) strip_trailing_whitespace();
    push(token_type::comment, std::move(text), start);
    c_ += 2;
    if (strip_after) skip_leading_whitespace();
  }

  void signed_number() {
    const size_t start = c_;
    const char sign = s_[c_++];
    std::string num = consume_ascii(is_digit);
    if (!num.empty() && at(c_) == '.' && is_digit(at(c_ + 1))) {
      ++c_;
      num += "." + consume_ascii(is_digit);
    }
    if (num.empty()) {
      push(token_type::unary, std::string(1, sign), start);
    } else {
      push(token_type::numeric, sign + num, start);
    }
  }

  // Appends a UTF-16 code unit from an escape, pairing surrogates.
  void append_unit(std::string& out, char32_t unit) {
    if (high_surrogate_ != 0) {
      const char32_t high = high_surrogate_;
      high_surrogate_ = 0;
      if (unit >= 0xDC00 && unit <= 0xDFFF) {
        unicode::append_utf8(out, 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00));
        return;
      }
      unicode::append_utf8(out, 0xFFFD);
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      high_surrogate_ = unit;
      return;
    }
    unicode::append_utf8(out, unit);  // a lone low surrogate becomes U+FFFD
  }

  void flush_surrogate(std::string& out) {
    if (high_surrogate_ != 0) unicode::append_utf8(out, 0xFFFD);
    high_surrogate_ = 0;
  }

  void string_literal(char quote) {
    const size_t start = c_;
    ++c_;
    std::string out;
    while (c_ < s_.size() && s_[c_] != quote) {
      if (s_[c_] == '\\') {
        ++c_;
        if (c_ >= s_.size()) fail("unexpected end of template", start);
        const char e = s_[c_++];
        if (e == 'x' || e == 'u') {
          const size_t len = e == 'x' ? 2 : 4;
          char32_t unit = 0;
          if (c_ + len > s_.size()) fail("invalid escape sequence in a string", c_ - 2);
          for (size_t k = 0; k < len; ++k) {
            const int h = hex_digit(s_[c_ + k]);
            if (h < 0) fail("invalid escape sequence in a string", c_ - 2);
            unit = unit * 16 + static_cast<char32_t>(h);
          }
          c_ += len;
          append_unit(out, unit);
          continue;
        }
        flush_surrogate(out);
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'v':
            out += '\v';
            break;
          case '\'':
          case '"':
          case '\\':
            out += e;
            break;
          default:
            fail(std::string("unexpected escaped character '") + e + "'", c_ - 2);
        }
        continue;
      }
      flush_surrogate(out);
      out += s_[c_++];
      if (c_ >= s_.size()) fail("unterminated string", start);
    }
    flush_surrogate(out);
    if (c_ >= s_.size()) fail("unterminated string", start);
    ++c_;
    push(token_type::string, std::move(out), start);
  }

  const preprocessed& p_;
  std::string_view s_;
  size_t c_ = 0;
  int curly_depth_ = 0;
  char32_t high_surrogate_ = 0;
  std::vector<token> tokens_;
};

}  // namespace

std::vector<token> tokenize(const preprocessed& source) {
  return lexer(source).run();
}

}  // namespace troupe::jinja
