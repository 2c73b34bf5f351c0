// ggml's 32-element block formats: q4_0, q4_1, q5_0, q5_1, q8_0 (ggml-quants.c, reference code).
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "gpu/model/quants/quants.hpp"
#include "gpu/model/tensor_types.hpp"

namespace troupe::quants {

namespace {

// ggml converts with a C cast after adding the rounding offset: truncation toward zero, then
// MIN(hi, .). For finite inputs t is never below -1, so clamping first gives the same result and
// keeps NaN (from non-finite inputs) away from an undefined float-to-int conversion.
int truncate_to(float t, int hi) {
  if (t >= static_cast<float>(hi)) return hi;
  return t > 0.0f ? static_cast<int>(t) : 0;
}

// The fifth bits of q5_0/q5_1: bit j of the little-endian uint32 in qh is element j's.
uint32_t load_qh(const uint8_t* qh) {
  return static_cast<uint32_t>(qh[0]) | static_cast<uint32_t>(qh[1]) << 8 |
         static_cast<uint32_t>(qh[2]) << 16 | static_cast<uint32_t>(qh[3]) << 24;
}

void store_qh(uint8_t* qh, uint32_t bits) {
  for (int k = 0; k < 4; ++k) qh[k] = static_cast<uint8_t>(bits >> (8 * k));
}

// The fifth bit of element j (0..15) and of element j + 16, each as 0 or 16.
int high_bit_lo(uint32_t qh, int j) {
  return static_cast<int>((qh >> j) << 4) & 0x10;
}
int high_bit_hi(uint32_t qh, int j) {
  return static_cast<int>(qh >> (j + 12)) & 0x10;
}

// Smallest and largest element of a block, starting from +-FLT_MAX as ggml does.
void min_max(const float* x, int n, float* lo, float* hi) {
  float mn = FLT_MAX, mx = -FLT_MAX;
  for (int j = 0; j < n; ++j) {
    if (x[j] < mn) mn = x[j];
    if (x[j] > mx) mx = x[j];
  }
  *lo = mn;
  *hi = mx;
}

// The element of largest magnitude, with its sign (the first one on ties).
float signed_absmax(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

}  // namespace

void dequantize_q4_0(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += qk4_0) {
    const auto b = load<block_q4_0>(src + i * sizeof(block_q4_0));
    const float d = fp16_to_fp32(b.d);
    for (int j = 0; j < qk4_0 / 2; ++j) {
      y[j] = static_cast<float>((b.qs[j] & 0x0f) - 8) * d;
      y[j + qk4_0 / 2] = static_cast<float>((b.qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantize_q4_1(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += qk4_1) {
    const auto b = load<block_q4_1>(src + i * sizeof(block_q4_1));
    const float d = fp16_to_fp32(b.d);
    const float m = fp16_to_fp32(b.m);
    for (int j = 0; j < qk4_1 / 2; ++j) {
      y[j] = static_cast<float>(b.qs[j] & 0x0f) * d + m;
      y[j + qk4_1 / 2] = static_cast<float>(b.qs[j] >> 4) * d + m;
    }
  }
}

void dequantize_q5_0(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += qk5_0) {
    const auto b = load<block_q5_0>(src + i * sizeof(block_q5_0));
    const float d = fp16_to_fp32(b.d);
    const uint32_t qh = load_qh(b.qh);
    for (int j = 0; j < qk5_0 / 2; ++j) {
      const int q0 = ((b.qs[j] & 0x0f) | high_bit_lo(qh, j)) - 16;
      const int q1 = ((b.qs[j] >> 4) | high_bit_hi(qh, j)) - 16;
      y[j] = static_cast<float>(q0) * d;
      y[j + qk5_0 / 2] = static_cast<float>(q1) * d;
    }
  }
}

void dequantize_q5_1(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += qk5_1) {
    const auto b = load<block_q5_1>(src + i * sizeof(block_q5_1));
    const float d = fp16_to_fp32(b.d);
    const float m = fp16_to_fp32(b.m);
    const uint32_t qh = load_qh(b.qh);
    for (int j = 0; j < qk5_1 / 2; ++j) {
      const int q0 = (b.qs[j] & 0x0f) | high_bit_lo(qh, j);
      const int q1 = (b.qs[j] >> 4) | high_bit_hi(qh, j);
      y[j] = static_cast<float>(q0) * d + m;
      y[j + qk5_1 / 2] = static_cast<float>(q1) * d + m;
    }
  }
}

void dequantize_q8_0(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += qk8_0) {
    const auto b = load<block_q8_0>(src + i * sizeof(block_q8_0));
    const float d = fp16_to_fp32(b.d);
    for (int j = 0; j < qk8_0; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
  }
}

// q4_0: the scale maps the element of largest magnitude, with its sign, to -8; elements round
// half up (truncation after adding 8.5).
void quantize_q4_0(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk4_0) {
    const float d = signed_absmax(x, qk4_0) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    block_q4_0 b{};
    b.d = fp32_to_fp16(d);
    for (int j = 0; j < qk4_0 / 2; ++j) {
      const int q0 = truncate_to(x[j] * id + 8.5f, 15);
      const int q1 = truncate_to(x[j + qk4_0 / 2] * id + 8.5f, 15);
      b.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    store(dst + i * sizeof b, b);
  }
}

// q4_1: min and (max - min) / 15 from the block's range.
void quantize_q4_1(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk4_1) {
    float min = 0.0f, max = 0.0f;
    min_max(x, qk4_1, &min, &max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    block_q4_1 b{};
    b.d = fp32_to_fp16(d);
    b.m = fp32_to_fp16(min);
    for (int j = 0; j < qk4_1 / 2; ++j) {
      const int q0 = truncate_to((x[j] - min) * id + 0.5f, 15);
      const int q1 = truncate_to((x[j + qk4_1 / 2] - min) * id + 0.5f, 15);
      b.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    store(dst + i * sizeof b, b);
  }
}

// q5_0: as q4_0 with 32 levels, the extreme element maps to -16.
void quantize_q5_0(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk5_0) {
    const float d = signed_absmax(x, qk5_0) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    block_q5_0 b{};
    b.d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < qk5_0 / 2; ++j) {
      const int q0 = truncate_to(x[j] * id + 16.5f, 31);
      const int q1 = truncate_to(x[j + qk5_0 / 2] * id + 16.5f, 31);
      b.qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>(q0 >> 4) << j;
      qh |= static_cast<uint32_t>(q1 >> 4) << (j + qk5_0 / 2);
    }
    store_qh(b.qh, qh);
    store(dst + i * sizeof b, b);
  }
}

// q5_1: as q4_1 with 32 levels.
void quantize_q5_1(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk5_1) {
    float min = 0.0f, max = 0.0f;
    min_max(x, qk5_1, &min, &max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    block_q5_1 b{};
    b.d = fp32_to_fp16(d);
    b.m = fp32_to_fp16(min);
    uint32_t qh = 0;
    for (int j = 0; j < qk5_1 / 2; ++j) {
      // ggml does not clamp here; (x - min) * id never exceeds 31 by more than rounding.
      const int q0 = truncate_to((x[j] - min) * id + 0.5f, 31);
      const int q1 = truncate_to((x[j + qk5_1 / 2] - min) * id + 0.5f, 31);
      b.qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>(q0 >> 4) << j;
      qh |= static_cast<uint32_t>(q1 >> 4) << (j + qk5_1 / 2);
    }
    store_qh(b.qh, qh);
    store(dst + i * sizeof b, b);
  }
}

// q8_0: d = absmax / 127, elements rounded half away from zero.
void quantize_q8_0(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk8_0) {
    float amax = 0.0f;
    for (int j = 0; j < qk8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    block_q8_0 b{};
    b.d = fp32_to_fp16(d);
    for (int j = 0; j < qk8_0; ++j) {
      const float q = std::roundf(x[j] * id);  // within [-127, 127] unless x holds NaN
      b.qs[j] = static_cast<int8_t>(q >= -127.0f && q <= 127.0f ? q : 0.0f);
    }
    store(dst + i * sizeof b, b);
  }
}

}  // namespace troupe::quants
