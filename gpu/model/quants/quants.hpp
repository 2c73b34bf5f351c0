// Internal to tensor_types.cpp: the block formats, one function per direction and type.
//
// Each function converts `nb` whole blocks; `src`/`dst` need no alignment (blocks are copied in
// and out with memcpy). The public entry points (dequantize_row, quantize_row) check the row.
//
// Every function follows ggml's reference C code (ggml-quants.c: dequantize_row_*,
// quantize_row_*_ref) operation for operation, in f32 and in the same order, so results are
// bit-identical to ggml's. In the dequantizers every product (fp16 scale x 6-bit sub-scale x
// quant) is exact in f32, so each value is one rounding of d * scale * q - dmin * min and fused
// multiply-adds cannot change it. The quantizers' searches round at every step: their bytes are
// ggml's only without contraction or -ffast-math (the default x86-64 build; GCC fuses a * b + c
// by default in C++ when FMA is enabled, e.g. -march=native, hence -ffp-contract=off on these
// files in CMakeLists.txt). quants_test pins the results with hashes of ggml's own output.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace troupe::quants {

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
void store(uint8_t* p, const T& v) {
  std::memcpy(p, &v, sizeof v);
}

// ggml's nearest_int: round to nearest, ties to even, by adding 1.5 * 2^23. Exact for
// |v| < 2^22; other values (and NaN) give some int, never undefined behaviour.
inline int nearest_int(float v) {
  const auto bits = std::bit_cast<int32_t>(v + 12582912.0f);
  return (bits & 0x007fffff) - 0x00400000;
}

// legacy_quants.cpp: 32-element blocks.
void dequantize_q4_0(const uint8_t* src, float* y, int64_t nb);
void dequantize_q4_1(const uint8_t* src, float* y, int64_t nb);
void dequantize_q5_0(const uint8_t* src, float* y, int64_t nb);
void dequantize_q5_1(const uint8_t* src, float* y, int64_t nb);
void dequantize_q8_0(const uint8_t* src, float* y, int64_t nb);
void quantize_q4_0(const float* x, uint8_t* dst, int64_t nb);
void quantize_q4_1(const float* x, uint8_t* dst, int64_t nb);
void quantize_q5_0(const float* x, uint8_t* dst, int64_t nb);
void quantize_q5_1(const float* x, uint8_t* dst, int64_t nb);
void quantize_q8_0(const float* x, uint8_t* dst, int64_t nb);

// k_quants.cpp: 256-element super-blocks.
void dequantize_q2_k(const uint8_t* src, float* y, int64_t nb);
void dequantize_q3_k(const uint8_t* src, float* y, int64_t nb);
void dequantize_q4_k(const uint8_t* src, float* y, int64_t nb);
void dequantize_q5_k(const uint8_t* src, float* y, int64_t nb);
void dequantize_q6_k(const uint8_t* src, float* y, int64_t nb);
void quantize_q2_k(const float* x, uint8_t* dst, int64_t nb);
void quantize_q3_k(const float* x, uint8_t* dst, int64_t nb);
void quantize_q4_k(const float* x, uint8_t* dst, int64_t nb);
void quantize_q5_k(const float* x, uint8_t* dst, int64_t nb);
void quantize_q6_k(const float* x, uint8_t* dst, int64_t nb);

}  // namespace troupe::quants
