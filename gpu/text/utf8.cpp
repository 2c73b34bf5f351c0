#include "gpu/text/utf8.hpp"

namespace troupe::utf8 {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Checks the sequence starting at s[0] of length n (all n bytes present). Rejects overlong
// encodings, surrogates and code points above U+10FFFF.
bool sequence_ok(const unsigned char* s, size_t n) {
  for (size_t i = 1; i < n; ++i)
    if (!is_continuation(s[i])) return false;
  switch (n) {
    case 1:
      return true;
    case 2:
      return s[0] >= 0xC2;
    case 3:
      if (s[0] == 0xE0 && s[1] < 0xA0) return false;   // overlong
      if (s[0] == 0xED && s[1] >= 0xA0) return false;  // surrogates
      return true;
    case 4:
      if (s[0] == 0xF0 && s[1] < 0x90) return false;   // overlong
      if (s[0] == 0xF4 && s[1] >= 0x90) return false;  // > U+10FFFF
      return true;
    default:
      return false;
  }
}

// True when the available bytes (fewer than the sequence needs) could still become valid.
bool could_complete(const unsigned char* s, size_t avail, size_t n) {
  if (n == 2) return s[0] >= 0xC2;
  for (size_t i = 1; i < avail; ++i)
    if (!is_continuation(s[i])) return false;
  if (avail >= 2) {
    if (s[0] == 0xE0 && s[1] < 0xA0) return false;
    if (s[0] == 0xED && s[1] >= 0xA0) return false;
    if (s[0] == 0xF0 && s[1] < 0x90) return false;
    if (s[0] == 0xF4 && s[1] >= 0x90) return false;
  }
  return true;
}

}  // namespace

size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xC2) return 0;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF5) return 4;
  return 0;
}

size_t valid_prefix(std::string_view bytes, bool* incomplete_tail) {
  auto s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 0;
  if (incomplete_tail) *incomplete_tail = false;
  while (i < bytes.size()) {
    size_t n = sequence_length(s[i]);
    if (n == 0) return i;
    if (i + n > bytes.size()) {
      if (incomplete_tail) *incomplete_tail = could_complete(s + i, bytes.size() - i, n);
      return i;
    }
    if (!sequence_ok(s + i, n)) return i;
    i += n;
  }
  return i;
}

bool is_valid(std::string_view bytes) {
  return valid_prefix(bytes, nullptr) == bytes.size();
}

std::string repair(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    size_t ok = valid_prefix(bytes, nullptr);
    out.append(bytes.substr(0, ok));
    bytes.remove_prefix(ok);
    if (bytes.empty()) break;
    out.append(replacement);  // one replacement per byte that cannot be decoded
    bytes.remove_prefix(1);
  }
  return out;
}

}  // namespace troupe::utf8
