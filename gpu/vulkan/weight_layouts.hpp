// The device layout of each weight format (shaders/weights.glsl describes it from the kernels'
// side): how many values a group holds (a block of 32, or a super-block of 256), the bytes a
// group takes in the main region of a row, and how it fills the side region. Internal to
// weight_repack.cpp.
#pragma once

#include <cstdint>

#include "gpu/model/tensor_types.hpp"
#include "gpu/vulkan/weight_repack.hpp"

namespace troupe::vk::layouts {

struct format_layout {
  ggml_type source;         // the GGUF type kept in this format
  uint32_t group_values;    // 32 or 256
  uint32_t main_bytes;      // per group, a multiple of 16
  uint32_t side_per_texel;  // groups sharing one 16-byte side texel; 0: no side region
};

const format_layout& layout_of(weight_format f);  // the quantized formats only

uint64_t main_row_bytes(weight_format f, uint64_t K);
uint64_t side_row_bytes(weight_format f, uint64_t K);

void repack_row(weight_format f, const uint8_t* src, uint64_t K, uint8_t* main, uint8_t* side);
// One row of GGUF blocks of f's source type into its main and side bytes (side_row_bytes of
// them, zeroed by the caller).

}  // namespace troupe::vk::layouts
