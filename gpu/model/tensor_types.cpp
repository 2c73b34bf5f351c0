#include "gpu/model/tensor_types.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "gpu/model/quants/quants.hpp"

namespace troupe {

namespace {

constexpr type_traits all_traits[] = {
    {ggml_type::f32, "f32", 1, 4, true, true},
    {ggml_type::f16, "f16", 1, 2, true, true},
    {ggml_type::q4_0, "q4_0", 32, 18, true, true},
    {ggml_type::q4_1, "q4_1", 32, 20, true, true},
    {ggml_type::q5_0, "q5_0", 32, 22, true, true},
    {ggml_type::q5_1, "q5_1", 32, 24, true, true},
    {ggml_type::q8_0, "q8_0", 32, 34, true, true},
    {ggml_type::q8_1, "q8_1", 32, 36, false, false},
    {ggml_type::q2_k, "q2_K", 256, 84, true, true},
    {ggml_type::q3_k, "q3_K", 256, 110, true, true},
    {ggml_type::q4_k, "q4_K", 256, 144, true, true},
    {ggml_type::q5_k, "q5_K", 256, 176, true, true},
    {ggml_type::q6_k, "q6_K", 256, 210, true, true},
    {ggml_type::q8_k, "q8_K", 256, 292, false, false},
    {ggml_type::iq2_xxs, "iq2_xxs", 256, 66, false, false},
    {ggml_type::iq2_xs, "iq2_xs", 256, 74, false, false},
    {ggml_type::iq3_xxs, "iq3_xxs", 256, 98, false, false},
    {ggml_type::iq1_s, "iq1_s", 256, 50, false, false},
    {ggml_type::iq4_nl, "iq4_nl", 32, 18, false, false},
    {ggml_type::iq3_s, "iq3_s", 256, 110, false, false},
    {ggml_type::iq2_s, "iq2_s", 256, 82, false, false},
    {ggml_type::iq4_xs, "iq4_xs", 256, 136, false, false},
    {ggml_type::i8, "i8", 1, 1, false, false},
    {ggml_type::i16, "i16", 1, 2, false, false},
    {ggml_type::i32, "i32", 1, 4, false, false},
    {ggml_type::i64, "i64", 1, 8, false, false},
    {ggml_type::f64, "f64", 1, 8, false, false},
    {ggml_type::iq1_m, "iq1_m", 256, 56, false, false},
    {ggml_type::bf16, "bf16", 1, 2, true, false},
    {ggml_type::tq1_0, "tq1_0", 256, 54, false, false},
    {ggml_type::tq2_0, "tq2_0", 256, 66, false, false},
};

void check_row(const type_traits& t, int64_t n) {
  if (n < 0 || n % t.block_size != 0) {
    throw std::invalid_argument("row of " + std::to_string(n) + " elements is not a multiple of " +
                                std::to_string(t.block_size) + " (block size of " + t.name + ")");
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

bool is_quantizable(ggml_type type) {
  const type_traits* t = find_type_traits(static_cast<uint32_t>(type));
  return t != nullptr && t->quantizable;
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
      for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(quants::load<uint16_t>(p + 2 * i));
      return;
    case ggml_type::bf16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(quants::load<uint16_t>(p + 2 * i));
      return;
    case ggml_type::q4_0:
      return quants::dequantize_q4_0(p, dst, nb);
    case ggml_type::q4_1:
      return quants::dequantize_q4_1(p, dst, nb);
    case ggml_type::q5_0:
      return quants::dequantize_q5_0(p, dst, nb);
    case ggml_type::q5_1:
      return quants::dequantize_q5_1(p, dst, nb);
    case ggml_type::q8_0:
      return quants::dequantize_q8_0(p, dst, nb);
    case ggml_type::q2_k:
      return quants::dequantize_q2_k(p, dst, nb);
    case ggml_type::q3_k:
      return quants::dequantize_q3_k(p, dst, nb);
    case ggml_type::q4_k:
      return quants::dequantize_q4_k(p, dst, nb);
    case ggml_type::q5_k:
      return quants::dequantize_q5_k(p, dst, nb);
    case ggml_type::q6_k:
      return quants::dequantize_q6_k(p, dst, nb);
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
    case ggml_type::q4_0:
      return quants::quantize_q4_0(src, p, nb);
    case ggml_type::q4_1:
      return quants::quantize_q4_1(src, p, nb);
    case ggml_type::q5_0:
      return quants::quantize_q5_0(src, p, nb);
    case ggml_type::q5_1:
      return quants::quantize_q5_1(src, p, nb);
    case ggml_type::q8_0:
      return quants::quantize_q8_0(src, p, nb);
    case ggml_type::q2_k:
      return quants::quantize_q2_k(src, p, nb);
    case ggml_type::q3_k:
      return quants::quantize_q3_k(src, p, nb);
    case ggml_type::q4_k:
      return quants::quantize_q4_k(src, p, nb);
    case ggml_type::q5_k:
      return quants::quantize_q5_k(src, p, nb);
    case ggml_type::q6_k:
      return quants::quantize_q6_k(src, p, nb);
    default:
      throw std::invalid_argument("cannot quantize to " + type_name(type));
  }
}

}  // namespace troupe
