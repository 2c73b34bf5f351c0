#include "gpu/model/tensor_types.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace troupe {

namespace {

constexpr type_traits all_traits[] = {
    {ggml_type::f32, "f32", 1, 4, true},
    {ggml_type::f16, "f16", 1, 2, true},
    {ggml_type::q4_0, "q4_0", 32, 18, true},
    {ggml_type::q4_1, "q4_1", 32, 20, false},
    {ggml_type::q5_0, "q5_0", 32, 22, false},
    {ggml_type::q5_1, "q5_1", 32, 24, false},
    {ggml_type::q8_0, "q8_0", 32, 34, true},
    {ggml_type::q8_1, "q8_1", 32, 36, false},
    {ggml_type::q2_k, "q2_K", 256, 84, false},
    {ggml_type::q3_k, "q3_K", 256, 110, false},
    {ggml_type::q4_k, "q4_K", 256, 144, true},
    {ggml_type::q5_k, "q5_K", 256, 176, false},
    {ggml_type::q6_k, "q6_K", 256, 210, true},
    {ggml_type::q8_k, "q8_K", 256, 292, false},
    {ggml_type::iq2_xxs, "iq2_xxs", 256, 66, false},
    {ggml_type::iq2_xs, "iq2_xs", 256, 74, false},
    {ggml_type::iq3_xxs, "iq3_xxs", 256, 98, false},
    {ggml_type::iq1_s, "iq1_s", 256, 50, false},
    {ggml_type::iq4_nl, "iq4_nl", 32, 18, false},
    {ggml_type::iq3_s, "iq3_s", 256, 110, false},
    {ggml_type::iq2_s, "iq2_s", 256, 82, false},
    {ggml_type::iq4_xs, "iq4_xs", 256, 136, false},
    {ggml_type::i8, "i8", 1, 1, false},
    {ggml_type::i16, "i16", 1, 2, false},
    {ggml_type::i32, "i32", 1, 4, false},
    {ggml_type::i64, "i64", 1, 8, false},
    {ggml_type::f64, "f64", 1, 8, false},
    {ggml_type::iq1_m, "iq1_m", 256, 56, false},
    {ggml_type::bf16, "bf16", 1, 2, true},
    {ggml_type::tq1_0, "tq1_0", 256, 54, false},
    {ggml_type::tq2_0, "tq2_0", 256, 66, false},
};

void check_row(const type_traits& t, int64_t n) {
  if (n < 0 || n % t.block_size != 0) {
    throw std::invalid_argument("row of " + std::to_string(n) + " elements is not a multiple of " +
                                std::to_string(t.block_size) + " (block size of " + t.name + ")");
  }
}

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void dequantize_q4_0(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const auto b = load<block_q4_0>(src + i * sizeof(block_q4_0));
    const float d = fp16_to_fp32(b.d);
    for (int j = 0; j < qk4_0 / 2; ++j) {
      y[j] = static_cast<float>((b.qs[j] & 0x0f) - 8) * d;
      y[j + qk4_0 / 2] = static_cast<float>((b.qs[j] >> 4) - 8) * d;
    }
    y += qk4_0;
  }
}

void dequantize_q8_0(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const auto b = load<block_q8_0>(src + i * sizeof(block_q8_0));
    const float d = fp16_to_fp32(b.d);
    for (int j = 0; j < qk8_0; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
    y += qk8_0;
  }
}

// Sub-block `j` (0..7) of a q4_K block: 6-bit scale and min. The first four live in the low six
// bits of bytes 0..3 (scales) and 4..7 (mins); the last four split over bytes 8..11 (low four
// bits) and the top two bits of bytes 0..7.
void q4_k_scale_min(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

void dequantize_q4_k(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const auto b = load<block_q4_k>(src + i * sizeof(block_q4_k));
    const float d = fp16_to_fp32(b.d);
    const float dmin = fp16_to_fp32(b.dmin);
    const uint8_t* q = b.qs;
    for (int j = 0, is = 0; j < qk_k; j += 64, is += 2) {
      uint8_t sc = 0, m = 0;
      q4_k_scale_min(is, b.scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      q4_k_scale_min(is + 1, b.scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0x0f) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
      q += 32;
    }
  }
}

void dequantize_q6_k(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const auto b = load<block_q6_k>(src + i * sizeof(block_q6_k));
    const float d = fp16_to_fp32(b.d);
    const uint8_t* ql = b.ql;
    const uint8_t* qh = b.qh;
    const int8_t* sc = b.scales;
    for (int n = 0; n < qk_k; n += 128) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
        y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
        y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
        y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}

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
    std::memcpy(dst + i * sizeof b, &b, sizeof b);
  }
}

void quantize_q4_0(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk4_0) {
    // The scale maps the element of largest magnitude, with its sign, to -8.
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < qk4_0; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    block_q4_0 b{};
    b.d = fp32_to_fp16(d);
    // Truncation toward zero after adding 8.5 rounds half up, as in ggml; written so that NaN
    // inputs give 0 instead of an undefined conversion.
    auto nibble = [&](float v) {
      const float t = v * id + 8.5f;
      return t >= 15.0f ? 15 : t > 0.0f ? static_cast<int>(t) : 0;
    };
    for (int j = 0; j < qk4_0 / 2; ++j) {
      const int q0 = nibble(x[j]);
      const int q1 = nibble(x[j + qk4_0 / 2]);
      b.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    std::memcpy(dst + i * sizeof b, &b, sizeof b);
  }
}

}  // namespace

const type_traits* find_type_traits(uint32_t id) {
  for (const auto& t : all_traits) {
    if (static_cast<uint32_t>(t.type) == id) return &t;
  }
  return nullptr;
}

const type_traits& traits_of(ggml_type type) {
  const type_traits* t = find_type_traits(static_cast<uint32_t>(type));
  if (t == nullptr) throw std::invalid_argument("unknown ggml type " + type_name(type));
  return *t;
}

std::string type_name(ggml_type type) {
  const type_traits* t = find_type_traits(static_cast<uint32_t>(type));
  return t != nullptr ? std::string(t->name)
                      : "type#" + std::to_string(static_cast<uint32_t>(type));
}

bool is_dequantizable(ggml_type type) {
  const type_traits* t = find_type_traits(static_cast<uint32_t>(type));
  return t != nullptr && t->dequantizable;
}

uint64_t row_bytes(ggml_type type, int64_t n) {
  const type_traits& t = traits_of(type);
  check_row(t, n);
  return static_cast<uint64_t>(n) / t.block_size * t.type_size;
}

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  const uint32_t mant = h & 0x3ff;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in fp32.
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign != 0 ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t fp32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t a = x & 0x7fffffff;
  if (a >= 0x7f800000) {  // infinity or NaN (kept quiet)
    return static_cast<uint16_t>(sign | (a > 0x7f800000 ? 0x7e00 : 0x7c00));
  }
  if (a >= 0x477ff000) return static_cast<uint16_t>(sign | 0x7c00);  // >= 65520 rounds to inf
  if (a < 0x33000000) return sign;  // below half the smallest subnormal: zero
  auto round_shift = [](uint32_t mant, uint32_t shift) {
    uint32_t q = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;  // ties to even
    return q;
  };
  if (a < 0x38800000) {  // below 2^-14: a binary16 subnormal, units of 2^-24
    const uint32_t e = a >> 23;
    const uint32_t mant = (a & 0x7fffff) | 0x800000;
    return static_cast<uint16_t>(sign | round_shift(mant, 126 - e));
  }
  // Normal: rebias the exponent; a mantissa carry correctly bumps the exponent.
  const uint32_t rebased = ((a >> 23) - 112) << 23 | (a & 0x7fffff);
  return static_cast<uint16_t>(sign | round_shift(rebased, 13));
}

float bf16_to_fp32(uint16_t h) {
  return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
}

void dequantize_row(ggml_type type, const void* src, float* dst, int64_t n) {
  const type_traits& t = traits_of(type);
  check_row(t, n);
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t nb = n / t.block_size;
  switch (type) {
    case ggml_type::f32:
      std::memcpy(dst, p, static_cast<size_t>(n) * sizeof(float));
      return;
    case ggml_type::f16:
      for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(load<uint16_t>(p + 2 * i));
      return;
    case ggml_type::bf16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(load<uint16_t>(p + 2 * i));
      return;
    case ggml_type::q4_0:
      return dequantize_q4_0(p, dst, nb);
    case ggml_type::q8_0:
      return dequantize_q8_0(p, dst, nb);
    case ggml_type::q4_k:
      return dequantize_q4_k(p, dst, nb);
    case ggml_type::q6_k:
      return dequantize_q6_k(p, dst, nb);
    default:
      throw std::invalid_argument("cannot dequantize " + type_name(type));
  }
}

void quantize_row(ggml_type type, const float* src, void* dst, int64_t n) {
  const type_traits& t = traits_of(type);
  check_row(t, n);
  auto* p = static_cast<uint8_t*>(dst);
  const int64_t nb = n / t.block_size;
  switch (type) {
    case ggml_type::f32:
      std::memcpy(p, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case ggml_type::f16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = fp32_to_fp16(src[i]);
        std::memcpy(p + 2 * i, &h, 2);
      }
      return;
    case ggml_type::q8_0:
      return quantize_q8_0(src, p, nb);
    case ggml_type::q4_0:
      return quantize_q4_0(src, p, nb);
    default:
      throw std::invalid_argument("cannot quantize to " + type_name(type));
  }
}

}  // namespace troupe
