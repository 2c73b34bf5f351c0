#include "gpu/model/tensor_types.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace troupe {
namespace {

TEST(tensor_types, traits_and_row_sizes) {
  EXPECT_EQ(row_bytes(ggml_type::f32, 64), 256u);
  EXPECT_EQ(row_bytes(ggml_type::f16, 64), 128u);
  EXPECT_EQ(row_bytes(ggml_type::q8_0, 64), 68u);
  EXPECT_EQ(row_bytes(ggml_type::q4_0, 64), 36u);
  EXPECT_EQ(row_bytes(ggml_type::q4_k, 512), 288u);
  EXPECT_EQ(row_bytes(ggml_type::q6_k, 256), 210u);
  EXPECT_THROW(row_bytes(ggml_type::q4_0, 33), std::invalid_argument);
  EXPECT_THROW(row_bytes(ggml_type::q4_0, -32), std::invalid_argument);
  EXPECT_THROW(row_bytes(static_cast<ggml_type>(4), 32), std::invalid_argument);
  EXPECT_EQ(find_type_traits(5), nullptr);
  EXPECT_EQ(find_type_traits(99), nullptr);
  EXPECT_EQ(type_name(ggml_type::q6_k), "q6_K");
  EXPECT_EQ(type_name(static_cast<ggml_type>(99)), "type#99");
  EXPECT_TRUE(is_dequantizable(ggml_type::q4_k));
  EXPECT_FALSE(is_dequantizable(ggml_type::q5_k));
}

TEST(tensor_types, fp16_round_trips_every_value) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    const bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    if (nan) {
      EXPECT_TRUE(std::isnan(f)) << h;
      EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(f)))) << h;
    } else {
      ASSERT_EQ(fp32_to_fp16(f), h) << h;
    }
  }
  EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));
}

TEST(tensor_types, fp32_to_fp16_rounds_to_nearest_even) {
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie, even stays
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie, odd rounds up
  EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);
  EXPECT_EQ(fp32_to_fp16(-1e9f), 0xfc00);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie to zero
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -30)), 0x0400);  // to normal
#if defined(__FLT16_MAX__)
  // The compiler's own conversion (hardware or libgcc) is the reference for random bit patterns.
  std::mt19937 rng(7);
  for (int i = 0; i < 1000000; ++i) {
    const float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (std::isnan(f)) continue;
    const auto ref = std::bit_cast<uint16_t>(static_cast<_Float16>(f));
    ASSERT_EQ(fp32_to_fp16(f), ref) << std::hexfloat << f;
  }
#endif
}

TEST(tensor_types, q4_0_layout) {
  block_q4_0 b{};
  b.d = fp32_to_fp16(0.5f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  float y[32];
  dequantize_row(ggml_type::q4_0, &b, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], (j - 8) * 0.5f) << j;            // low nibbles: elements 0..15
    EXPECT_EQ(y[j + 16], (15 - j - 8) * 0.5f) << j;  // high nibbles: elements 16..31
  }
}

TEST(tensor_types, q4_0_quantize_matches_reference_rounding) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16);  // -16 is the extreme
  block_q4_0 b{};
  quantize_row(ggml_type::q4_0, x, &b, 32);
  EXPECT_EQ(fp16_to_fp32(b.d), 2.0f);  // d = max / -8
  EXPECT_EQ(b.qs[0] & 0x0f, 0);        // -16 / 2 + 8.5 = 0.5 -> 0
  EXPECT_EQ(b.qs[1] & 0x0f, 1);        // -15 / 2 + 8.5 = 1.0 -> 1
  EXPECT_EQ(b.qs[15] >> 4, 15);        // 15 / 2 + 8.5 = 16 -> clamped to 15
  float y[32];
  dequantize_row(ggml_type::q4_0, &b, y, 32);
  for (int j = 0; j < 32; ++j) EXPECT_LE(std::fabs(y[j] - x[j]), 1.0f + 1e-6f) << j;
  // Even values are multiples of d = 2 within [-16, 14]: exactly representable, so unchanged.
  for (int j = 0; j < 32; j += 2) EXPECT_EQ(y[j], x[j]) << j;
}

TEST(tensor_types, q8_0_quantize_round_trip) {
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(256), y(256);
  for (auto& v : x) v = dist(rng);
  std::vector<uint8_t> q(row_bytes(ggml_type::q8_0, 256));
  quantize_row(ggml_type::q8_0, x.data(), q.data(), 256);
  dequantize_row(ggml_type::q8_0, q.data(), y.data(), 256);
  for (int b = 0; b < 8; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
    const float d = fp16_to_fp32(fp32_to_fp16(amax / 127));
    for (int j = 0; j < 32; ++j) {
      const int i = b * 32 + j;
      EXPECT_LE(std::fabs(y[i] - x[i]), d * 0.5f + amax * 2e-3f) << i;
      const auto* blk = reinterpret_cast<const block_q8_0*>(q.data()) + b;
      EXPECT_EQ(static_cast<int>(blk->qs[j]),
                static_cast<int>(std::roundf(x[i] * (1.0f / (amax / 127.0f)))))
          << i;
    }
  }
}

TEST(tensor_types, quantizing_non_finite_values_is_defined) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[9] = std::numeric_limits<float>::infinity();
  uint8_t q[34];
  float y[32];
  for (ggml_type t : {ggml_type::q8_0, ggml_type::q4_0}) {
    quantize_row(t, x, q, 32);  // must not hit an undefined float-to-int conversion
    dequantize_row(t, q, y, 32);
  }
  SUCCEED();
}

TEST(tensor_types, f16_quantize_matches_scalar_conversion) {
  const float x[4] = {1.0f, -0.333333f, 1e-7f, 70000.0f};
  uint16_t h[4];
  quantize_row(ggml_type::f16, x, h, 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(h[i], fp32_to_fp16(x[i]));
  float y[4];
  dequantize_row(ggml_type::f16, h, y, 4);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_TRUE(std::isinf(y[3]));
  EXPECT_THROW(quantize_row(ggml_type::q4_k, x, h, 256), std::invalid_argument);
}

TEST(tensor_types, bf16) {
  const uint16_t h[2] = {0x3f80, 0xc040};
  float y[2];
  dequantize_row(ggml_type::bf16, h, y, 2);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], -3.0f);
}

// q4_K and q6_K are checked against an independent, per-element statement of the layout.
TEST(tensor_types, q4_k_layout) {
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

TEST(tensor_types, q6_k_layout) {
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

}  // namespace
}  // namespace troupe
