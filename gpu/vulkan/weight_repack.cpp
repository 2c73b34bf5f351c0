#include "gpu/vulkan/weight_repack.hpp"

#include <cstring>
#include <stdexcept>

#include "gpu/vulkan/weight_layouts.hpp"

namespace troupe::vk {
namespace {

uint64_t align16(uint64_t n) {
  return (n + 15) & ~uint64_t{15};
}

// Bytes of one row in the main region.
uint64_t value_row_bytes(weight_format f, uint64_t K) {
  switch (f) {
    case weight_format::f32:
      return K * 4;
    case weight_format::f16:
      return K * 2;
    default:
      return layouts::main_row_bytes(f, K);
  }
}

uint64_t side_row_bytes(weight_format f, uint64_t K) {
  return is_quantized(f) ? layouts::side_row_bytes(f, K) : 0;
}

}  // namespace

bool is_quantized(weight_format f) {
  return f != weight_format::f32 && f != weight_format::f16;
}

uint64_t repacked_weight::row_texels() const {
  return (value_row_bytes(format, K) + side_row_bytes(format, K)) / 16;
}

const char* shader_suffix(weight_format f) {
  switch (f) {
    case weight_format::f32:
      return "f32";
    case weight_format::f16:
      return "f16";
    case weight_format::q8_0:
      return "q8_0";
    case weight_format::q4_0:
      return "q4_0";
    case weight_format::q4_1:
      return "q4_1";
    case weight_format::q5_0:
      return "q5_0";
    case weight_format::q5_1:
      return "q5_1";
    case weight_format::q2_k:
      return "q2_k";
    case weight_format::q3_k:
      return "q3_k";
    case weight_format::q4_k:
      return "q4_k";
    case weight_format::q5_k:
      return "q5_k";
    case weight_format::q6_k:
      return "q6_k";
  }
  return "?";
}

uint32_t chunk_values(weight_format f) {
  switch (f) {
    case weight_format::f32:
      return 4;
    case weight_format::f16:
      return 8;
    default:
      return 32;
  }
}

weight_format native_format(ggml_type type, int64_t K) {
  switch (type) {
    case ggml_type::f32:
      return weight_format::f32;
    case ggml_type::q8_0:
      return weight_format::q8_0;
    case ggml_type::q4_0:
      return weight_format::q4_0;
    case ggml_type::q4_1:
      return weight_format::q4_1;
    case ggml_type::q5_0:
      return weight_format::q5_0;
    case ggml_type::q5_1:
      return weight_format::q5_1;
    case ggml_type::q2_k:
      return weight_format::q2_k;
    case ggml_type::q3_k:
      return weight_format::q3_k;
    case ggml_type::q4_k:
      return weight_format::q4_k;
    case ggml_type::q5_k:
      return weight_format::q5_k;
    case ggml_type::q6_k:
      return weight_format::q6_k;
    default:  // f16 itself, and the types without a kernel
      return K % 8 == 0 ? weight_format::f16 : weight_format::f32;
  }
}

uint64_t repacked_bytes(weight_format f, uint64_t K, uint64_t N) {
  return align16(N * value_row_bytes(f, K)) + N * side_row_bytes(f, K);
}

repacked_weight repack_rows(const std::vector<const uint8_t*>& parts, ggml_type type,
                            const std::vector<int64_t>& rows, int64_t K) {
  int64_t N = 0;
  for (int64_t r : rows) N += r;
  repacked_weight out;
  out.format = native_format(type, K);
  out.K = static_cast<uint32_t>(K);
  out.N = static_cast<uint32_t>(N);
  if (K % 4 != 0) {
    throw std::invalid_argument("rows of " + std::to_string(K) +
                                " values are not supported (need a multiple of 4)");
  }
  const uint64_t src_row = row_bytes(type, K);
  auto for_each_row = [&](auto&& fn) {
    int64_t n = 0;
    for (size_t p = 0; p < parts.size(); ++p) {
      for (int64_t r = 0; r < rows[p]; ++r, ++n)
        fn(n, parts[p] + static_cast<uint64_t>(r) * src_row);
    }
  };
  const uint64_t vrow = value_row_bytes(out.format, static_cast<uint64_t>(K));
  const uint64_t srow = side_row_bytes(out.format, static_cast<uint64_t>(K));
  out.scales_offset = align16(static_cast<uint64_t>(N) * vrow);
  out.bytes.assign(out.scales_offset + static_cast<uint64_t>(N) * srow, 0);
  switch (out.format) {
    case weight_format::f32: {
      std::vector<float> tmp(K);
      for_each_row([&](int64_t n, const uint8_t* src) {
        if (type == ggml_type::f32) {
          std::memcpy(tmp.data(), src, K * 4);
        } else {
          dequantize_row(type, src, tmp.data(), K);
        }
        std::memcpy(out.bytes.data() + static_cast<uint64_t>(n) * vrow, tmp.data(), K * 4);
      });
      break;
    }
    case weight_format::f16: {
      std::vector<float> tmp(K);
      for_each_row([&](int64_t n, const uint8_t* src) {
        uint8_t* dst = out.bytes.data() + static_cast<uint64_t>(n) * vrow;
        if (type == ggml_type::f16) {
          std::memcpy(dst, src, K * 2);
          return;
        }
        dequantize_row(type, src, tmp.data(), K);
        for (int64_t k = 0; k < K; ++k) {
          const uint16_t h = fp32_to_fp16(tmp[k]);
          std::memcpy(dst + k * 2, &h, 2);
        }
      });
      break;
    }
    default:
      for_each_row([&](int64_t n, const uint8_t* src) {
        layouts::repack_row(out.format, src, static_cast<uint64_t>(K),
                            out.bytes.data() + static_cast<uint64_t>(n) * vrow,
                            out.bytes.data() + out.scales_offset + static_cast<uint64_t>(n) * srow);
      });
      break;
  }
  return out;
}

repacked_weight slice_rows(const repacked_weight& w, uint32_t row0, uint32_t rows) {
  if (uint64_t{row0} + rows > w.N) throw std::out_of_range("slice_rows past the last row");
  repacked_weight out;
  out.format = w.format;
  out.K = w.K;
  out.N = rows;
  const uint64_t vrow = value_row_bytes(w.format, w.K);
  const uint64_t values = static_cast<uint64_t>(rows) * vrow;
  out.scales_offset = align16(values);
  const uint64_t srow = side_row_bytes(w.format, w.K);
  out.bytes.assign(out.scales_offset + rows * srow, 0);
  std::memcpy(out.bytes.data(), w.bytes.data() + row0 * vrow, values);
  if (srow > 0) {
    std::memcpy(out.bytes.data() + out.scales_offset,
                w.bytes.data() + w.scales_offset + row0 * srow, rows * srow);
  }
  return out;
}

repacked_weight repack(ggml_type type, const uint8_t* data, int64_t K, int64_t N) {
  return repack_rows({data}, type, {N}, K);
}

}  // namespace troupe::vk
