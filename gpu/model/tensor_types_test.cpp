#include "gpu/model/tensor_types.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
  EXPECT_FALSE(is_dequantizable(ggml_type::iq2_xxs));
  EXPECT_FALSE(is_dequantizable(ggml_type::q8_1));
  EXPECT_FALSE(is_dequantizable(static_cast<ggml_type>(99)));
  EXPECT_FALSE(is_quantizable(ggml_type::bf16));
  EXPECT_FALSE(is_quantizable(static_cast<ggml_type>(99)));
}

// Every format of the llama.cpp files: sizes as ggml defines them, both directions supported, and
// a row that is not a whole number of blocks rejected before anything is read or written.
TEST(tensor_types, every_weight_format) {
  struct expected {
    ggml_type type;
    const char* name;
    uint32_t block_size, type_size;
  };
  const expected all[] = {
      {ggml_type::q4_0, "q4_0", 32, 18},   {ggml_type::q4_1, "q4_1", 32, 20},
      {ggml_type::q5_0, "q5_0", 32, 22},   {ggml_type::q5_1, "q5_1", 32, 24},
      {ggml_type::q8_0, "q8_0", 32, 34},   {ggml_type::q2_k, "q2_K", 256, 84},
      {ggml_type::q3_k, "q3_K", 256, 110}, {ggml_type::q4_k, "q4_K", 256, 144},
      {ggml_type::q5_k, "q5_K", 256, 176}, {ggml_type::q6_k, "q6_K", 256, 210},
  };
  for (const auto& e : all) {
    SCOPED_TRACE(e.name);
    const type_traits& t = traits_of(e.type);
    EXPECT_EQ(type_name(e.type), e.name);
    EXPECT_EQ(t.block_size, e.block_size);
    EXPECT_EQ(t.type_size, e.type_size);
    EXPECT_TRUE(is_dequantizable(e.type));
    EXPECT_TRUE(is_quantizable(e.type));
    EXPECT_EQ(row_bytes(e.type, 0), 0u);
    EXPECT_EQ(row_bytes(e.type, e.block_size), e.type_size);
    EXPECT_EQ(row_bytes(e.type, 4096), 4096u / e.block_size * e.type_size);
    const int64_t bad[] = {1, e.block_size / 2, e.block_size + 16, -int64_t{e.block_size}};
    std::vector<float> x(2 * e.block_size, 1.0f);
    std::vector<uint8_t> q(2 * e.type_size);
    for (int64_t n : bad) {
      EXPECT_THROW(row_bytes(e.type, n), std::invalid_argument) << n;
      EXPECT_THROW(quantize_row(e.type, x.data(), q.data(), n), std::invalid_argument) << n;
      EXPECT_THROW(dequantize_row(e.type, q.data(), x.data(), n), std::invalid_argument) << n;
    }
  }
  float x[256] = {};
  uint8_t q[256];
  EXPECT_THROW(dequantize_row(ggml_type::iq2_xxs, q, x, 256), std::invalid_argument);
  EXPECT_THROW(quantize_row(ggml_type::iq4_nl, x, q, 32), std::invalid_argument);
  EXPECT_THROW(quantize_row(ggml_type::bf16, x, q, 4), std::invalid_argument);
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
  for (ggml_type t :
       {ggml_type::q8_0, ggml_type::q4_0, ggml_type::q4_1, ggml_type::q5_0, ggml_type::q5_1}) {
    quantize_row(t, x, q, 32);  // must not hit an undefined float-to-int conversion
    dequantize_row(t, q, y, 32);
  }
  // The K-quants, with NaN, infinities and huge values in different sub-blocks.
  std::vector<float> big(512);
  for (int j = 0; j < 512; ++j) big[j] = static_cast<float>(j % 37) - 18.0f;
  big[3] = std::numeric_limits<float>::quiet_NaN();
  big[40] = std::numeric_limits<float>::infinity();
  big[300] = -std::numeric_limits<float>::infinity();
  big[100] = 3e38f;
  big[101] = -3e38f;
  std::vector<uint8_t> kq(2 * 210);
  std::vector<float> ky(512);
  for (ggml_type t :
       {ggml_type::q2_k, ggml_type::q3_k, ggml_type::q4_k, ggml_type::q5_k, ggml_type::q6_k}) {
    quantize_row(t, big.data(), kq.data(), 512);
    dequantize_row(t, kq.data(), ky.data(), 512);
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
  EXPECT_THROW(quantize_row(ggml_type::iq2_xxs, x, h, 256), std::invalid_argument);
}

TEST(tensor_types, bf16) {
  const uint16_t h[2] = {0x3f80, 0xc040};
  float y[2];
  dequantize_row(ggml_type::bf16, h, y, 2);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], -3.0f);
}

}  // namespace
}  // namespace troupe
