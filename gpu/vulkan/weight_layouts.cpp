#include "gpu/vulkan/weight_layouts.hpp"

#include <array>
#include <cstring>
#include <stdexcept>

namespace troupe::vk::layouts {
namespace {

// 32 values of 0..15 into one texel in ggml's Q4_0 order: byte b holds value b (low nibble) and
// value b + 16 (high nibble).
void put_nibbles(const uint8_t (&v)[32], uint8_t* dst) {
  for (int b = 0; b < 16; ++b) dst[b] = static_cast<uint8_t>((v[b] & 15) | (v[b + 16] << 4));
}

// 32 values of 0..3 into 8 bytes: value l at bits 2 (l % 16) of little-endian word l / 16.
void put_two_bits(const uint8_t (&v)[32], uint8_t* dst) {
  uint32_t words[2] = {0, 0};
  for (int l = 0; l < 32; ++l) words[l / 16] |= uint32_t(v[l] & 3) << (2 * (l % 16));
  std::memcpy(dst, words, 8);
}

void put_word(uint32_t word, uint8_t* dst) {
  std::memcpy(dst, &word, 4);
}

// One block or super-block of `f`'s source type: `g` is the group's index in its row.
void repack_group(weight_format f, const uint8_t* b, uint64_t g, uint8_t* main, uint8_t* side) {
  switch (f) {
    case weight_format::q8_0:  // d | qs[32]
      std::memcpy(main, b + 2, 32);
      std::memcpy(side + (g / 8) * 16 + (g % 8) * 2, b, 2);
      return;
    case weight_format::q4_0:  // d | qs[16]
      std::memcpy(main, b + 2, 16);
      std::memcpy(side + (g / 8) * 16 + (g % 8) * 2, b, 2);
      return;
    case weight_format::q4_1:  // d | m | qs[16]
      std::memcpy(main, b + 4, 16);
      std::memcpy(side + (g / 4) * 16 + (g % 4) * 4, b, 4);
      return;
    case weight_format::q5_0: {  // d | qh[4] | qs[16]
      std::memcpy(main, b + 6, 16);
      uint8_t* t = side + (g / 2) * 16;
      std::memcpy(t + (g % 2) * 4, b + 2, 4);
      std::memcpy(t + 8 + (g % 2) * 2, b, 2);
      return;
    }
    case weight_format::q5_1: {  // d | m | qh[4] | qs[16]
      std::memcpy(main, b + 8, 16);
      uint8_t* t = side + (g / 2) * 16;
      std::memcpy(t + (g % 2) * 4, b + 4, 4);
      std::memcpy(t + 8 + (g % 2) * 4, b, 4);
      return;
    }
    case weight_format::q4_k:    // d | dmin | scales[12] | qs[128]
    case weight_format::q5_k: {  // d | dmin | scales[12] | qh[32] | qs[128]
      const bool five = f == weight_format::q5_k;
      const uint8_t* qs = b + (five ? 48 : 16);
      const uint8_t* qh = b + 16;
      std::memcpy(main, b, 16);
      for (int j = 0; j < 8; ++j) {  // sub-block j: nibbles of qs[32 (j / 2) + l], low or high
        uint8_t v[32];
        uint32_t fifth = 0;
        for (int l = 0; l < 32; ++l) {
          v[l] = static_cast<uint8_t>((qs[32 * (j / 2) + l] >> (4 * (j % 2))) & 15);
          if (five) fifth |= uint32_t((qh[l] >> j) & 1) << l;
        }
        put_nibbles(v, main + 16 + 16 * j);
        if (five) put_word(fifth, main + 144 + 4 * j);
      }
      return;
    }
    case weight_format::q6_k: {  // ql[128] | qh[64] | scales[16] | d
      const uint8_t* ql = b;
      const uint8_t* qh = b + 128;
      uint8_t hi[8][32];
      for (int c = 0; c < 8; ++c) {  // chunk c = 4 n + k of the super-block
        const int n = c / 4, k = c % 4;
        uint8_t lo[32];
        for (int l = 0; l < 32; ++l) {
          const uint8_t byte = ql[64 * n + l + (k % 2) * 32];
          lo[l] = static_cast<uint8_t>(k < 2 ? byte & 15 : byte >> 4);
          hi[c][l] = static_cast<uint8_t>((qh[32 * n + l] >> (2 * k)) & 3);
        }
        put_nibbles(lo, main + 16 * c);
      }
      // The high bits, aligned with the nibbles' bytes: word h of chunk c covers nibble words
      // 2h and 2h + 1 (values 4w + b and 16 + 4w + b in byte b, w = 2h + p); its byte b holds,
      // from bit 0, value 4w + b's bits for p = 0 and p = 1, then value 16 + 4w + b's for both.
      for (int c = 0; c < 8; ++c) {
        for (int h = 0; h < 2; ++h) {
          uint32_t word = 0;
          for (int byte = 0; byte < 4; ++byte) {
            for (int p = 0; p < 2; ++p) {
              const int wd = 2 * h + p;
              word |= uint32_t(hi[c][4 * wd + byte]) << (8 * byte + 2 * p);
              word |= uint32_t(hi[c][16 + 4 * wd + byte]) << (8 * byte + 4 + 2 * p);
            }
          }
          put_word(word, main + 128 + 8 * c + 4 * h);
        }
      }
      std::memcpy(main + 192, b + 192, 16);
      std::memcpy(side + (g / 8) * 16 + (g % 8) * 2, b + 208, 2);
      return;
    }
    case weight_format::q2_k: {  // scales[16] | qs[64] | d | dmin
      const uint8_t* qs = b + 16;
      for (int c = 0; c < 8; ++c) {  // chunk c = 4 n + j: bits 2j.. of qs[32 n + l]
        const int n = c / 4, j = c % 4;
        uint8_t q[32];
        for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>((qs[32 * n + l] >> (2 * j)) & 3);
        put_two_bits(q, main + 8 * c);
      }
      std::memcpy(main + 64, b, 16);
      std::memcpy(side + (g / 4) * 16 + (g % 4) * 4, b + 80, 4);
      return;
    }
    case weight_format::q3_k: {  // hmask[32] | qs[64] | scales[12] | d
      const uint8_t* hmask = b;
      const uint8_t* qs = b + 32;
      for (int c = 0; c < 8; ++c) {  // chunk c = 4 n + j
        const int n = c / 4, j = c % 4;
        uint8_t lo[32];
        uint32_t high = 0;
        for (int l = 0; l < 32; ++l) {
          lo[l] = static_cast<uint8_t>((qs[32 * n + l] >> (2 * j)) & 3);
          high |= uint32_t((hmask[l] >> c) & 1) << l;
        }
        put_two_bits(lo, main + 8 * c);
        put_word(high, main + 64 + 4 * c);
      }
      // ggml's unpacking of the 6-bit scales (dequantize_row_q3_K), stored as scale - 32.
      uint32_t aux[4];
      std::memcpy(aux, b + 96, 12);
      const uint32_t tmp = aux[2], k1 = 0x03030303u, k2 = 0x0f0f0f0fu;
      aux[2] = ((aux[0] >> 4) & k2) | (((tmp >> 4) & k1) << 4);
      aux[3] = ((aux[1] >> 4) & k2) | (((tmp >> 6) & k1) << 4);
      aux[0] = (aux[0] & k2) | (((tmp >> 0) & k1) << 4);
      aux[1] = (aux[1] & k2) | (((tmp >> 2) & k1) << 4);
      uint8_t scales[16];
      std::memcpy(scales, aux, 16);
      for (int i = 0; i < 16; ++i) main[96 + i] = static_cast<uint8_t>(int8_t(scales[i] - 32));
      std::memcpy(side + (g / 8) * 16 + (g % 8) * 2, b + 108, 2);
      return;
    }
    default:
      throw std::logic_error("repack_group: not a quantized format");
  }
}

}  // namespace

const format_layout& layout_of(weight_format f) {
  static const std::array<format_layout, 10> table = {{
      {ggml_type::q8_0, 32, 32, 8},
      {ggml_type::q4_0, 32, 16, 8},
      {ggml_type::q4_1, 32, 16, 4},
      {ggml_type::q5_0, 32, 16, 2},
      {ggml_type::q5_1, 32, 16, 2},
      {ggml_type::q2_k, 256, 80, 4},
      {ggml_type::q3_k, 256, 112, 8},
      {ggml_type::q4_k, 256, 144, 0},
      {ggml_type::q5_k, 256, 176, 0},
      {ggml_type::q6_k, 256, 208, 8},
  }};
  const auto i = static_cast<uint32_t>(f);
  if (i < static_cast<uint32_t>(weight_format::q8_0) ||
      i > static_cast<uint32_t>(weight_format::q6_k))
    throw std::logic_error("layout_of: not a quantized format");
  return table[i - static_cast<uint32_t>(weight_format::q8_0)];
}

uint64_t main_row_bytes(weight_format f, uint64_t K) {
  const auto& l = layout_of(f);
  return K / l.group_values * l.main_bytes;
}

uint64_t side_row_bytes(weight_format f, uint64_t K) {
  const auto& l = layout_of(f);
  if (l.side_per_texel == 0) return 0;
  const uint64_t groups = K / l.group_values;
  return (groups + l.side_per_texel - 1) / l.side_per_texel * 16;
}

void repack_row(weight_format f, const uint8_t* src, uint64_t K, uint8_t* main, uint8_t* side) {
  const auto& l = layout_of(f);
  const uint64_t block = traits_of(l.source).type_size;
  for (uint64_t g = 0; g < K / l.group_values; ++g)
    repack_group(f, src + g * block, g, main + g * l.main_bytes, side);
}

}  // namespace troupe::vk::layouts
