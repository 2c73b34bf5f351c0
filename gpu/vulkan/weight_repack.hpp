// GGUF weight matrices rearranged into the layouts the kernels read (see shaders/weights.glsl).
//
// GGUF packs each quantized block with its scales in front ([f16 d | quants], 18 or 34 bytes for
// Q4_0/Q8_0, super-blocks of 84 to 210 bytes for the K-quants), which leaves quants unaligned for
// 16-byte texels. The repacked form keeps every bit of the blocks but moves them: each row's
// main region holds its quants (and, for K-quants, their packed scales), 16-byte aligned and laid
// out so that a kernel reads one or two texels per chunk of 32 values; the scales that do not
// fit there go to a side region after all rows, each row's padded to whole texels (weights.glsl
// describes every format). A matrix therefore takes on the device what it takes in the file.
// F32 and F16 rows are kept as they are. BF16, the one dequantizable type without a kernel of
// its own, is converted to F16 (or F32 when a row's length is not a multiple of 8); the IQ types
// cannot be read at all and are refused when the model loads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gpu/model/tensor_types.hpp"

namespace troupe::vk {

enum class weight_format : uint32_t {
  f32,
  f16,
  q8_0,
  q4_0,
  q4_1,
  q5_0,
  q5_1,
  q2_k,
  q3_k,
  q4_k,
  q5_k,
  q6_k
};

const char* shader_suffix(weight_format f);  // "f32", "f16", "q8_0", ..., "q6_k"
uint32_t chunk_values(weight_format f);      // values per kernel chunk: 4 (f32), 8 (f16), else 32
bool is_quantized(weight_format f);          // everything but f32 and f16

struct repacked_weight {
  weight_format format = weight_format::f32;
  uint32_t K = 0;              // values per row
  uint32_t N = 0;              // rows
  std::vector<uint8_t> bytes;  // the main region (quants or values), then the side region
  uint64_t scales_offset = 0;  // where the side region starts (16-byte aligned)

  uint64_t row_texels() const;  // 16-byte texels one row takes, quants and scales together
};

weight_format native_format(ggml_type type, int64_t K);
// The device format a GGUF type is kept in.

uint64_t repacked_bytes(weight_format f, uint64_t K, uint64_t N);
// Bytes of N rows of K values once repacked (what the device will hold).

repacked_weight repack(ggml_type type, const uint8_t* data, int64_t K, int64_t N);
// Converts N rows of K values of `type`. Throws std::invalid_argument when K does not suit the
// chosen format (F32 needs K % 4 == 0).

repacked_weight repack_rows(const std::vector<const uint8_t*>& parts, ggml_type type,
                            const std::vector<int64_t>& rows, int64_t K);
// Concatenates several matrices of the same type and row length by rows (Q|K|V, gate|up) into one
// repacked matrix, so one dispatch computes all of them.

repacked_weight slice_rows(const repacked_weight& w, uint32_t row0, uint32_t rows);
// Rows [row0, row0 + rows) of `w` as a matrix of their own (for devices whose texel buffer views
// cannot hold the whole matrix).

}  // namespace troupe::vk
