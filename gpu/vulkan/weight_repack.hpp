// GGUF weight matrices rearranged into the layouts the kernels read (see shaders/weights.glsl).
//
// GGUF packs each quantized block as [f16 scale | quants] (18 or 34 bytes), which leaves quants
// unaligned for 16-byte texels. The repacked form puts every row's quants first, contiguous and
// 16-byte aligned, and the f16 scales after them, each row's scales padded to whole texels of 8
// (so a kernel walking a row fetches one scale texel per 8 blocks). F32 and F16 rows are kept as
// they are.
// Types without a kernel of their own (Q4_K, Q6_K, ...) are dequantized to F16 (or F32 when a
// row's length is not a multiple of 8), so any dequantizable GGUF loads, at some cost in size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gpu/model/tensor_types.hpp"

namespace troupe::vk {

enum class weight_format : uint32_t { f32, f16, q8_0, q4_0 };

const char* shader_suffix(weight_format f);  // "f32", "f16", "q8_0", "q4_0"
uint32_t chunk_values(weight_format f);      // values per kernel chunk: 4, 8, 32, 32

struct repacked_weight {
  weight_format format = weight_format::f32;
  uint32_t K = 0;              // values per row
  uint32_t N = 0;              // rows
  std::vector<uint8_t> bytes;  // quants (or values), then scales from `scales_offset`
  uint64_t scales_offset = 0;  // 16-byte aligned; equals the quant bytes

  uint64_t row_texels() const;  // 16-byte texels one row takes, quants and scales together
};

weight_format native_format(ggml_type type, int64_t K);
// The device format a GGUF type is kept in.

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
