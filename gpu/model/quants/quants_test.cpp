// The block formats of gpu/model/quants/ against per-element statements of their layouts, error
// bounds of quantize-then-dequantize, and ggml's own bytes (pinned hashes).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "gpu/model/tensor_types.hpp"

namespace troupe {
namespace {

// q4_K and q6_K are checked against an independent, per-element statement of the layout.
TEST(quants, q4_k_layout) {
  std::mt19937 rng(11);
  int sc[8], mn[8];
  for (int j = 0; j < 8; ++j) {
    sc[j] = static_cast<int>(rng() % 64);
    mn[j] = static_cast<int>(rng() % 64);
  }
  block_q4_k b{};
  b.d = fp32_to_fp16(0.25f);
  b.dmin = fp32_to_fp16(0.125f);
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      b.scales[j] = static_cast<uint8_t>(sc[j]);
      b.scales[j + 4] = static_cast<uint8_t>(mn[j]);
    } else {
      b.scales[j + 4] = static_cast<uint8_t>((sc[j] & 0xf) | ((mn[j] & 0xf) << 4));
      b.scales[j - 4] |= static_cast<uint8_t>((sc[j] >> 4) << 6);
      b.scales[j] |= static_cast<uint8_t>((mn[j] >> 4) << 6);
    }
  }
  for (auto& q : b.qs) q = static_cast<uint8_t>(rng());
  float y[256];
  dequantize_row(ggml_type::q4_k, &b, y, 256);
  for (int e = 0; e < 256; ++e) {
    const int sub = e / 32;
    const uint8_t byte = b.qs[(e / 64) * 32 + e % 32];
    const int q = (e % 64) < 32 ? (byte & 0xf) : (byte >> 4);
    EXPECT_EQ(y[e], 0.25f * static_cast<float>(sc[sub]) * static_cast<float>(q) -
                        0.125f * static_cast<float>(mn[sub]))
        << e;
  }
}

TEST(quants, q6_k_layout) {
  std::mt19937 rng(13);
  block_q6_k b{};
  for (auto& v : b.ql) v = static_cast<uint8_t>(rng());
  for (auto& v : b.qh) v = static_cast<uint8_t>(rng());
  for (auto& v : b.scales) v = static_cast<int8_t>(rng());
  b.d = fp32_to_fp16(0.5f);
  std::vector<uint8_t> two(2 * sizeof b);  // two blocks: the second is a copy
  std::memcpy(two.data(), &b, sizeof b);
  std::memcpy(two.data() + sizeof b, &b, sizeof b);
  float y[512];
  dequantize_row(ggml_type::q6_k, two.data(), y, 512);
  for (int e = 0; e < 256; ++e) {
    const int n = e / 128, r = e % 128, l = r % 32, g = r / 32;
    const uint8_t lo = b.ql[n * 64 + l + (g & 1) * 32];
    const int low = g < 2 ? (lo & 0xf) : (lo >> 4);
    const int high = (b.qh[n * 32 + l] >> (2 * g)) & 3;
    const int scale = b.scales[n * 8 + l / 16 + 2 * g];
    const float expected =
        0.5f * static_cast<float>(scale) * static_cast<float>((low | (high << 4)) - 32);
    EXPECT_EQ(y[e], expected) << e;
    EXPECT_EQ(y[e + 256], expected) << e;
  }
}

// Blocks as bytes: the dequantizers read a row through memcpy, so a struct array or a byte vector
// holding consecutive blocks are the same thing.
template <typename Block>
std::vector<uint8_t> bytes_of(const std::vector<Block>& blocks) {
  std::vector<uint8_t> v(blocks.size() * sizeof(Block));
  std::memcpy(v.data(), blocks.data(), v.size());
  return v;
}

// The legacy formats, per element: nibble j of a block is element j (low nibbles) or j + 16 (high
// ones); q5's fifth bit of element e is bit e of the little-endian qh word.
int nibble(const uint8_t* qs, int e) {
  return e < 16 ? qs[e] & 0xf : qs[e - 16] >> 4;
}
int fifth_bit(const uint8_t* qh, int e) {
  return (qh[e / 8] >> (e % 8)) & 1;
}

TEST(quants, q4_1_layout) {
  std::mt19937 rng(21);
  std::vector<block_q4_1> b(3);
  for (size_t k = 0; k < b.size(); ++k) {
    b[k].d = fp32_to_fp16(0.25f * static_cast<float>(k + 1));
    b[k].m = fp32_to_fp16(-1.5f - static_cast<float>(k));
    for (auto& q : b[k].qs) q = static_cast<uint8_t>(rng());
  }
  b[1].qs[0] = 0xf0;  // element 0: quant 0 (the min itself), element 16: quant 15
  std::vector<float> y(96);
  dequantize_row(ggml_type::q4_1, bytes_of(b).data(), y.data(), 96);
  for (int i = 0; i < 96; ++i) {
    const block_q4_1& k = b[static_cast<size_t>(i / 32)];
    EXPECT_EQ(y[i],
              static_cast<float>(nibble(k.qs, i % 32)) * fp16_to_fp32(k.d) + fp16_to_fp32(k.m))
        << i;
  }
  EXPECT_EQ(y[32], -2.5f);
  EXPECT_EQ(y[48], 15 * 0.5f - 2.5f);
}

TEST(quants, q5_0_layout) {
  std::mt19937 rng(22);
  std::vector<block_q5_0> b(2);
  for (auto& k : b) {
    k.d = fp32_to_fp16(0.125f);
    for (auto& q : k.qs) q = static_cast<uint8_t>(rng());
    for (auto& h : k.qh) h = static_cast<uint8_t>(rng());
  }
  b[1].qs[0] = 0x0f;  // element 0: low bits 15, element 16: low bits 0
  b[1].qh[0] = 0x01;  // element 0: fifth bit set (q = 31)
  b[1].qh[2] = 0x00;  // element 16: clear (q = 0)
  b[1].qh[3] = 0x80;  // element 31: set
  std::vector<float> y(64);
  dequantize_row(ggml_type::q5_0, bytes_of(b).data(), y.data(), 64);
  for (int i = 0; i < 64; ++i) {
    const block_q5_0& k = b[static_cast<size_t>(i / 32)];
    const int q = nibble(k.qs, i % 32) | (fifth_bit(k.qh, i % 32) << 4);
    EXPECT_EQ(y[i], static_cast<float>(q - 16) * 0.125f) << i;
  }
  EXPECT_EQ(y[32], 15 * 0.125f);
  EXPECT_EQ(y[48], -16 * 0.125f);
  EXPECT_GE(y[63], 0.0f);
}

TEST(quants, q5_1_layout) {
  std::mt19937 rng(23);
  std::vector<block_q5_1> b(2);
  for (size_t k = 0; k < b.size(); ++k) {
    b[k].d = fp32_to_fp16(0.0625f);
    b[k].m = fp32_to_fp16(k == 0 ? -1.0f : 0.5f);
    for (auto& q : b[k].qs) q = static_cast<uint8_t>(rng());
    for (auto& h : b[k].qh) h = static_cast<uint8_t>(rng());
  }
  b[0].qh[1] = 0xff;  // elements 8..15 all have the fifth bit
  std::vector<float> y(64);
  dequantize_row(ggml_type::q5_1, bytes_of(b).data(), y.data(), 64);
  for (int i = 0; i < 64; ++i) {
    const block_q5_1& k = b[static_cast<size_t>(i / 32)];
    const int q = nibble(k.qs, i % 32) | (fifth_bit(k.qh, i % 32) << 4);
    EXPECT_EQ(y[i], static_cast<float>(q) * 0.0625f + fp16_to_fp32(k.m)) << i;
  }
  for (int i = 8; i < 16; ++i) EXPECT_GE(y[i], 16 * 0.0625f - 1.0f) << i;
}

// The K-quants' 2-bit planes (q2_K quants, q3_K low bits): per 128 elements 32 bytes; element
// 128 n + 32 p + l is bits 2p..2p+1 of byte 32 n + l.
int two_bits(const uint8_t* qs, int e) {
  return (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
}

TEST(quants, q2_k_layout) {
  std::mt19937 rng(24);
  std::vector<block_q2_k> b(2);
  for (size_t k = 0; k < b.size(); ++k) {
    for (auto& v : b[k].scales) v = static_cast<uint8_t>(rng());  // scale low, min high nibble
    for (auto& v : b[k].qs) v = static_cast<uint8_t>(rng());
    b[k].d = fp32_to_fp16(k == 0 ? 0.5f : 0.375f);
    b[k].dmin = fp32_to_fp16(0.25f);
  }
  b[0].scales[5] = 0x0f;  // min 0
  b[0].scales[6] = 0xf0;  // scale 0: every element of sub-block 6 is -dmin * 15
  std::vector<float> y(512);
  dequantize_row(ggml_type::q2_k, bytes_of(b).data(), y.data(), 512);
  for (int i = 0; i < 512; ++i) {
    const block_q2_k& k = b[static_cast<size_t>(i / 256)];
    const int e = i % 256;
    const int sc = k.scales[e / 16] & 0xf, mn = k.scales[e / 16] >> 4;
    const float expected =
        fp16_to_fp32(k.d) * static_cast<float>(sc) * static_cast<float>(two_bits(k.qs, e)) -
        fp16_to_fp32(k.dmin) * static_cast<float>(mn);
    EXPECT_EQ(y[i], expected) << i;
  }
  for (int e = 96; e < 112; ++e) EXPECT_EQ(y[e], -3.75f) << e;
}

TEST(quants, q3_k_layout) {
  std::mt19937 rng(25);
  std::vector<block_q3_k> b(2);
  int scale[2][16];  // as stored: the signed scale + 32
  for (size_t k = 0; k < b.size(); ++k) {
    for (auto& v : b[k].hmask) v = static_cast<uint8_t>(rng());
    for (auto& v : b[k].qs) v = static_cast<uint8_t>(rng());
    b[k].d = fp32_to_fp16(k == 0 ? 0.5f : 0.25f);
    for (int j = 0; j < 16; ++j) scale[k][j] = static_cast<int>(rng() % 64);
    scale[k][0] = 0;    // -32
    scale[k][15] = 63;  // +31
    // Packed: low four bits in the nibbles of bytes 0..7 (scales 0..7 low, 8..15 high), the top
    // two of scale j in bits 2 (j / 4) of byte 8 + j % 4.
    for (int j = 0; j < 16; ++j) {
      const int lo = scale[k][j] & 0xf, hi = scale[k][j] >> 4;
      b[k].scales[j % 8] = static_cast<uint8_t>(b[k].scales[j % 8] | (lo << (j < 8 ? 0 : 4)));
      b[k].scales[8 + j % 4] = static_cast<uint8_t>(b[k].scales[8 + j % 4] | (hi << (2 * (j / 4))));
    }
  }
  std::vector<float> y(512);
  dequantize_row(ggml_type::q3_k, bytes_of(b).data(), y.data(), 512);
  for (int i = 0; i < 512; ++i) {
    const size_t k = static_cast<size_t>(i / 256);
    const int e = i % 256;
    const int high = (b[k].hmask[e % 32] >> (e / 32)) & 1;  // the third bit
    const int q = two_bits(b[k].qs, e) | (high << 2);
    const float expected = fp16_to_fp32(b[k].d) * static_cast<float>(scale[k][e / 16] - 32) *
                           static_cast<float>(q - 4);
    EXPECT_EQ(y[i], expected) << i;
  }
}

TEST(quants, q5_k_layout) {
  std::mt19937 rng(26);
  int sc[8], mn[8];
  for (int j = 0; j < 8; ++j) {
    sc[j] = static_cast<int>(rng() % 64);
    mn[j] = static_cast<int>(rng() % 64);
  }
  sc[7] = 63;
  mn[4] = 63;
  block_q5_k b{};
  b.d = fp32_to_fp16(0.125f);
  b.dmin = fp32_to_fp16(0.0625f);
  for (int j = 0; j < 8; ++j) {  // packed as q4_K's
    if (j < 4) {
      b.scales[j] = static_cast<uint8_t>(sc[j]);
      b.scales[j + 4] = static_cast<uint8_t>(mn[j]);
    } else {
      b.scales[j + 4] = static_cast<uint8_t>((sc[j] & 0xf) | ((mn[j] & 0xf) << 4));
      b.scales[j - 4] |= static_cast<uint8_t>((sc[j] >> 4) << 6);
      b.scales[j] |= static_cast<uint8_t>((mn[j] >> 4) << 6);
    }
  }
  for (auto& q : b.qs) q = static_cast<uint8_t>(rng());
  for (auto& q : b.qh) q = static_cast<uint8_t>(rng());
  std::vector<block_q5_k> two{b, b};
  two[1].d = fp32_to_fp16(0.25f);
  std::vector<float> y(512);
  dequantize_row(ggml_type::q5_k, bytes_of(two).data(), y.data(), 512);
  for (int i = 0; i < 512; ++i) {
    const int e = i % 256, sub = e / 32;
    const uint8_t byte = b.qs[(e / 64) * 32 + e % 32];
    const int low = (e % 64) < 32 ? (byte & 0xf) : (byte >> 4);
    const int high = (b.qh[e % 32] >> (e / 32)) & 1;  // the fifth bit
    const float d = i < 256 ? 0.125f : 0.25f;
    EXPECT_EQ(y[i], d * static_cast<float>(sc[sub]) * static_cast<float>(low + 16 * high) -
                        0.0625f * static_cast<float>(mn[sub]))
        << i;
  }
}

// Quantize then dequantize, for every format, on rows of several blocks.
struct round_trip_bounds {
  ggml_type type;
  float block_err;  // max |y - x| / max |x| over each block (a K-quant's super-block)
  float rel_rms;    // rms(y - x) / rms(x) over a row of Gaussian values
};

// From the formats' step sizes where that is simple (q4_0: amax / 8, q5_0: amax / 16, q4_1:
// range / 30, q8_0: amax / 254, plus fp16 rounding of the scales); measured, with a margin, for
// the K-quants, whose scales come from a search.
const round_trip_bounds bounds[] = {
    {ggml_type::q4_0, 0.1265f, 0.12f},  {ggml_type::q4_1, 0.07f, 0.11f},
    {ggml_type::q5_0, 0.0635f, 0.06f},  {ggml_type::q5_1, 0.034f, 0.055f},
    {ggml_type::q8_0, 0.0045f, 0.008f}, {ggml_type::q2_k, 0.5f, 0.4f},
    {ggml_type::q3_k, 0.3f, 0.2f},      {ggml_type::q4_k, 0.15f, 0.1f},
    {ggml_type::q5_k, 0.08f, 0.05f},    {ggml_type::q6_k, 0.025f, 0.025f},
};

std::vector<float> round_trip(ggml_type t, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(row_bytes(t, n));
  std::vector<float> y(x.size());
  quantize_row(t, x.data(), q.data(), n);
  dequantize_row(t, q.data(), y.data(), n);
  return y;
}

void expect_within_block_bound(const round_trip_bounds& b, const std::vector<float>& x,
                               const std::vector<float>& y) {
  const size_t bs = traits_of(b.type).block_size;
  for (size_t k = 0; k < x.size(); k += bs) {
    float amax = 0.0f;
    for (size_t i = k; i < k + bs; ++i) amax = std::max(amax, std::fabs(x[i]));
    for (size_t i = k; i < k + bs; ++i) {
      ASSERT_LE(std::fabs(y[i] - x[i]), b.block_err * amax) << i << ": " << x[i] << " -> " << y[i];
    }
  }
}

TEST(quants, round_trips_within_each_formats_error) {
  for (const auto& b : bounds) {
    SCOPED_TRACE(type_name(b.type));
    std::mt19937 rng(31);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (int seed = 0; seed < 20; ++seed) {
      std::vector<float> x(1024);
      for (auto& v : x) v = normal(rng) * (1.0f + static_cast<float>(seed));
      const auto y = round_trip(b.type, x);
      expect_within_block_bound(b, x, y);
      double e2 = 0, x2 = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        e2 += static_cast<double>(y[i] - x[i]) * (y[i] - x[i]);
        x2 += static_cast<double>(x[i]) * x[i];
      }
      EXPECT_LT(std::sqrt(e2 / x2), b.rel_rms);
      for (auto& v : x) v = uniform(rng);
      expect_within_block_bound(b, x, round_trip(b.type, x));
    }
  }
}

TEST(quants, round_trips_of_edge_cases) {
  for (const auto& b : bounds) {
    SCOPED_TRACE(type_name(b.type));
    const size_t n = 512;
    // Zeros stay exactly zero.
    for (float v : round_trip(b.type, std::vector<float>(n, 0.0f))) ASSERT_EQ(v, 0.0f);
    // A constant row comes back within the fp16 rounding of the scales, whatever its sign.
    for (float c : {0.3f, -0.3f, 7.0f, 100.0f, 0.01f}) {
      const float tolerance = std::fabs(c) * (std::fabs(c) < 0.1f ? 5e-3f : 5e-4f);
      int off = 0;
      for (float v : round_trip(b.type, std::vector<float>(n, c)))
        off += std::fabs(v - c) > tolerance;
      EXPECT_EQ(off, 0) << c;
    }
    std::mt19937 rng(41);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    // One large outlier: it is kept (to within 0.1%), the rest of its block within the bound.
    std::vector<float> x(n);
    for (auto& v : x) v = normal(rng);
    for (float outlier : {1000.0f, -1000.0f}) {
      x[300] = outlier;
      const auto y = round_trip(b.type, x);
      EXPECT_NEAR(y[300], outlier, 1.0f);
      expect_within_block_bound(b, x, y);
    }
    // Negative values only, and positive only.
    for (float sign : {-1.0f, 1.0f}) {
      for (auto& v : x) v = sign * (0.5f + std::fabs(normal(rng)));
      expect_within_block_bound(b, x, round_trip(b.type, x));
    }
    // Blocks of very different magnitudes in one row: each block has its own scale.
    for (size_t i = 0; i < n; ++i) x[i] = normal(rng) * std::ldexp(1.0f, static_cast<int>(i / 32));
    expect_within_block_bound(b, x, round_trip(b.type, x));
  }
}

// The scales are fp16: a block small enough for its scale to be subnormal loses precision, and
// q6_K, whose super-block scale is about max / 4096, flushes a block of 1e-4 to zero. ggml does
// the same (the pinned hashes below cover such rows); a row this small wants f16 or q8_0.
TEST(quants, tiny_blocks_lose_the_scale_as_in_ggml) {
  const std::vector<float> x(256, 1e-4f);
  for (float v : round_trip(ggml_type::q6_k, x)) EXPECT_EQ(v, 0.0f);
  for (float v : round_trip(ggml_type::q8_0, x)) EXPECT_NEAR(v, 1e-4f, 2e-6f);
  for (float v : round_trip(ggml_type::f16, x)) EXPECT_NEAR(v, 1e-4f, 1e-7f);
}

// ggml's reference code itself (ggml-org/ggml d99724f2, src/ggml-quants.c: quantize_row_*_ref and
// dequantize_row_*, built for x86-64 without FMA) gave these FNV-1a hashes on the rows below: of
// the quantized bytes, of their dequantization, and of the dequantization of random blocks.
// Equal hashes: the same bytes and the same float bits as ggml.
// Rows for the pinned hashes: built from mt19937's raw output (fully specified by the standard)
// with exact float arithmetic, so they are the same on every platform.
std::vector<float> golden_input() {
  std::mt19937 rng(2024);
  auto uni = [&] { return static_cast<float>(rng() >> 8) * 0x1p-24f; };  // [0, 1)
  auto bell = [&] {  // one call per statement: the order of operands' calls is unspecified
    float v = uni();
    for (int k = 0; k < 3; ++k) v += uni();
    return v - 2.0f;
  };
  std::vector<float> x;
  for (int kind = 0; kind < 8; ++kind) {
    for (int i = 0; i < 1024; ++i) {
      float v = 0.0f;
      switch (kind) {
        case 0:
          v = bell();
          break;
        case 1:
          v = 2.0f * uni() - 1.0f;
          break;
        case 2:
          v = uni();
          break;
        case 3:
          v = -0.1f - uni();
          break;
        case 4:
          v = i % 97 == 0 ? 50.0f * bell() : bell();
          break;
        case 5:
          v = (i / 16) % 3 == 0 ? 0.0f : bell();
          break;
        case 6:
          v = static_cast<float>(static_cast<int>(rng() % 9) - 4);
          break;
        default:
          v = bell() * 1e-5f;
          break;
      }
      x.push_back(v);
    }
  }
  return x;
}

// Random blocks whose fp16 fields (scales, mins) are made finite: 2^-7 <= |value| < 2.
std::vector<uint8_t> golden_blocks(ggml_type type, int64_t n) {
  std::mt19937 rng(99 + static_cast<uint32_t>(type));
  std::vector<uint8_t> q(row_bytes(type, n));
  for (auto& b : q) b = static_cast<uint8_t>(rng() >> 24);
  std::vector<int> fp16_at;  // offsets of the fp16 fields in a block
  switch (type) {
    case ggml_type::q4_1:
    case ggml_type::q5_1:
    case ggml_type::q4_k:
    case ggml_type::q5_k:
      fp16_at = {0, 2};
      break;
    case ggml_type::q2_k:
      fp16_at = {80, 82};
      break;
    case ggml_type::q3_k:
      fp16_at = {108};
      break;
    case ggml_type::q6_k:
      fp16_at = {208};
      break;
    default:
      fp16_at = {0};
      break;
  }
  const uint32_t size = traits_of(type).type_size;
  for (size_t b = 0; b < q.size(); b += size) {
    for (int at : fp16_at) {
      uint8_t& hi = q[b + static_cast<size_t>(at) + 1];
      hi = static_cast<uint8_t>((hi & 0x9f) | 0x20);  // exponent 8..15
    }
  }
  return q;
}

uint64_t fnv1a(const void* p, size_t n, uint64_t h = 0xcbf29ce484222325ull) {
  const auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

TEST(quants, quantize_and_dequantize_match_ggml_bit_for_bit) {
  struct pinned {
    ggml_type type;
    uint64_t quantized, dequantized, random_blocks;
  };
  const pinned ggml[] = {
      {ggml_type::q4_0, 0xfd7c9a95cf1bad25ull, 0x54565735fd9c3126ull, 0x25aa9af7743da1dbull},
      {ggml_type::q4_1, 0x97fdc4c52917e51eull, 0x0f4dc682162f1743ull, 0xa74fda8422ffb274ull},
      {ggml_type::q5_0, 0x1cb31f3d5d34430aull, 0xbdfdc636063d1c8eull, 0xe4062f5cc0eed010ull},
      {ggml_type::q5_1, 0x66b80fd366511ce5ull, 0x86e87bbcca8ea345ull, 0x9b87b000b2eed48dull},
      {ggml_type::q8_0, 0x94762b467212715dull, 0xb4ae18e7e877874aull, 0x8e9c418748c26310ull},
      {ggml_type::q2_k, 0xc1ccab47662f0e56ull, 0xf71bc7a9d4815fbfull, 0x51d2826de72d5375ull},
      {ggml_type::q3_k, 0x429cc7233222a38dull, 0x85231ac065def4ceull, 0xd8334e0177690e1eull},
      {ggml_type::q4_k, 0x50918dc2c5a512afull, 0x79768f69ff92e337ull, 0xdfb4a72a426985a7ull},
      {ggml_type::q5_k, 0x1c776745131f4ebeull, 0x2ad66e71af5b0555ull, 0x552dd4e1d818ebe7ull},
      {ggml_type::q6_k, 0x2504733ecba17407ull, 0x38cad23a7c982793ull, 0xa8bfd7b759b1d5beull},
  };
  const auto x = golden_input();
  const auto n = static_cast<int64_t>(x.size());
  for (const auto& p : ggml) {
    SCOPED_TRACE(type_name(p.type));
    std::vector<uint8_t> q(row_bytes(p.type, n));
    quantize_row(p.type, x.data(), q.data(), n);
    EXPECT_EQ(fnv1a(q.data(), q.size()), p.quantized);
    std::vector<float> y(x.size());
    dequantize_row(p.type, q.data(), y.data(), n);
    EXPECT_EQ(fnv1a(y.data(), y.size() * sizeof(float)), p.dequantized);
    const auto blocks = golden_blocks(p.type, 2048);
    std::vector<float> z(2048);
    dequantize_row(p.type, blocks.data(), z.data(), 2048);
    EXPECT_EQ(fnv1a(z.data(), z.size() * sizeof(float)), p.random_blocks);
  }
}

}  // namespace
}  // namespace troupe
