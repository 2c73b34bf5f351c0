// ggml tensor element types: ids, block layouts, sizes and conversion to and from fp32.
//
// GGUF files store every tensor in one of ggml's element types. Quantized types pack `block_size`
// consecutive elements of a row into one block of `type_size` bytes; a row's length must be a
// multiple of the block size. The layouts and rounding below match ggml's reference (non-SIMD)
// code, so rows quantized here are bit-identical to what llama.cpp's tools write, and
// dequantization gives the values every backend must reproduce.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace troupe {

enum class ggml_type : uint32_t {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q4_1 = 3,
  q5_0 = 6,
  q5_1 = 7,
  q8_0 = 8,
  q8_1 = 9,
  q2_k = 10,
  q3_k = 11,
  q4_k = 12,
  q5_k = 13,
  q6_k = 14,
  q8_k = 15,
  iq2_xxs = 16,
  iq2_xs = 17,
  iq3_xxs = 18,
  iq1_s = 19,
  iq4_nl = 20,
  iq3_s = 21,
  iq2_s = 22,
  iq4_xs = 23,
  i8 = 24,
  i16 = 25,
  i32 = 26,
  i64 = 27,
  f64 = 28,
  iq1_m = 29,
  bf16 = 30,
  tq1_0 = 34,
  tq2_0 = 35,
};
// The numeric values are ggml's and appear in GGUF files; a file may hold any uint32_t, so check
// with `find_type_traits` before trusting one.

struct type_traits {
  ggml_type type;
  const char* name;     // ggml's name: "f32", "q4_0", "q6_K", ...
  uint32_t block_size;  // elements per block (1 for plain types)
  uint32_t type_size;   // bytes per block
  bool dequantizable;   // dequantize_row supports it
  bool quantizable;     // quantize_row supports it
};

const type_traits* find_type_traits(uint32_t id);
// The traits of a ggml type id, or nullptr for ids this code does not know.

const type_traits& traits_of(ggml_type type);
// Throws std::invalid_argument for an unknown id.

std::string type_name(ggml_type type);
// ggml's name, or "type#N" for an unknown id.

bool is_dequantizable(ggml_type type);
// False for unknown ids too (as is_quantizable).

uint64_t row_bytes(ggml_type type, int64_t n);
// Bytes of a row of `n` elements. Throws std::invalid_argument when `n` is negative or not a
// multiple of the block size, or the type is unknown.

// Block layouts, exactly ggml's (ggml-common.h): little-endian, packed, fp16 values stored as
// their IEEE binary16 bits. "Sub-block" is a group of elements that shares one scale (and min).
constexpr int qk4_0 = 32;
constexpr int qk4_1 = 32;
constexpr int qk5_0 = 32;
constexpr int qk5_1 = 32;
constexpr int qk8_0 = 32;
constexpr int qk_k = 256;  // super-block of the K-quants

struct block_q4_0 {
  uint16_t d;             // scale
  uint8_t qs[qk4_0 / 2];  // element j in the low nibble of qs[j], element j + 16 in the high one
};
// value = (nibble - 8) * d

struct block_q4_1 {
  uint16_t d;             // scale
  uint16_t m;             // min (the value of quant 0)
  uint8_t qs[qk4_1 / 2];  // nibbles as in q4_0
};
// value = nibble * d + m

struct block_q5_0 {
  uint16_t d;             // scale
  uint8_t qh[4];          // bit j of this little-endian uint32: fifth bit of element j
  uint8_t qs[qk5_0 / 2];  // low four bits, nibbles as in q4_0
};
// value = (q - 16) * d

struct block_q5_1 {
  uint16_t d;  // scale
  uint16_t m;  // min
  uint8_t qh[4];
  uint8_t qs[qk5_1 / 2];  // as in q5_0
};
// value = q * d + m

struct block_q8_0 {
  uint16_t d;  // scale
  int8_t qs[qk8_0];
};
// value = q * d

struct block_q2_k {
  uint8_t scales[qk_k / 16];  // 16 sub-blocks of 16: 4-bit scale (low) and 4-bit min (high)
  uint8_t qs[qk_k / 4];       // 2-bit quants: per 128 elements 32 bytes, four 2-bit planes of 32
  uint16_t d;                 // scale of the sub-block scales
  uint16_t dmin;              // scale of the sub-block mins
};
// value = d * scale[sub] * q - dmin * min[sub]

struct block_q3_k {
  uint8_t hmask[qk_k / 8];  // third bit of the quants: element e in bit e / 32 of hmask[e % 32]
  uint8_t qs[qk_k / 4];     // low 2 bits, laid out as q2_K's
  uint8_t scales[12];       // 16 sub-blocks of 16: 6-bit scales, stored + 32, packed
  uint16_t d;               // super-block scale
};
// value = d * (scale[sub] - 32) * (q - 4), q = low bits | third bit << 2

struct block_q4_k {
  uint16_t d;            // scale of the 6-bit sub-block scales
  uint16_t dmin;         // scale of the 6-bit sub-block mins
  uint8_t scales[12];    // 8 sub-blocks of 32: 6-bit scale and min each, packed
  uint8_t qs[qk_k / 2];  // 4-bit quants, 64 elements per 32 bytes (low nibbles, then high)
};
// value = d * scale[sub] * q - dmin * min[sub]

struct block_q5_k {
  uint16_t d;            // as q4_K
  uint16_t dmin;         // as q4_K
  uint8_t scales[12];    // as q4_K
  uint8_t qh[qk_k / 8];  // fifth bit: element e in bit e / 32 of qh[e % 32]
  uint8_t qs[qk_k / 2];  // low 4 bits, laid out as q4_K's
};
// value = d * scale[sub] * q - dmin * min[sub]

struct block_q6_k {
  uint8_t ql[qk_k / 2];      // low 4 bits of the quants
  uint8_t qh[qk_k / 4];      // high 2 bits of the quants
  int8_t scales[qk_k / 16];  // 16 sub-blocks of 16: 8-bit scales
  uint16_t d;                // super-block scale
};
// value = d * scale[sub] * (q - 32)

static_assert(sizeof(block_q4_0) == 18);
static_assert(sizeof(block_q4_1) == 20);
static_assert(sizeof(block_q5_0) == 22);
static_assert(sizeof(block_q5_1) == 24);
static_assert(sizeof(block_q8_0) == 34);
static_assert(sizeof(block_q2_k) == 84);
static_assert(sizeof(block_q3_k) == 110);
static_assert(sizeof(block_q4_k) == 144);
static_assert(sizeof(block_q5_k) == 176);
static_assert(sizeof(block_q6_k) == 210);

float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
// IEEE binary16 with round-to-nearest-even, like ggml (and the F16C instructions). NaN stays NaN;
// values beyond the binary16 range become infinities.

float bf16_to_fp32(uint16_t h);

void dequantize_row(ggml_type type, const void* src, float* dst, int64_t n);
// Converts `n` elements (a multiple of the block size) starting at `src` to fp32: f32, f16, bf16,
// q4_0, q4_1, q5_0, q5_1, q8_0 and q2_K..q6_K, bit-identical to ggml's dequantize_row_*. Throws
// std::invalid_argument for types that are not dequantizable or a bad `n`.

void quantize_row(ggml_type type, const float* src, void* dst, int64_t n);
// The inverse for f32, f16, q4_0, q4_1, q5_0, q5_1, q8_0 and q2_K..q6_K, with ggml's reference
// algorithms (quantize_row_*_ref, what llama.cpp's tools use without an importance matrix): the
// bytes written are ggml's. Any finite input is fine; NaN and infinities give defined (if
// meaningless) blocks. Throws std::invalid_argument for other types or a bad `n`.

bool is_quantizable(ggml_type type);
// quantize_row supports it.

}  // namespace troupe
