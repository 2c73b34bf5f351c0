#include "gpu/vulkan/weight_repack.hpp"

#include <cstring>
#include <stdexcept>

namespace troupe::vk {
namespace {

uint64_t align16(uint64_t n) {
  return (n + 15) & ~uint64_t{15};
}

uint64_t quant_bytes_per_block(weight_format f) {
  return f == weight_format::q8_0 ? 32 : 16;
}

// Scale texels per row of a Q matrix: ceil(blocks / 8).
uint64_t scale_row_texels(uint64_t K) {
  return (K / 32 + 7) / 8;
}

bool quantized(weight_format f) {
  return f == weight_format::q8_0 || f == weight_format::q4_0;
}

uint64_t value_row_bytes(weight_format f, uint64_t K) {
  switch (f) {
    case weight_format::f32:
      return K * 4;
    case weight_format::f16:
      return K * 2;
    default:
      return K / 32 * quant_bytes_per_block(f);
  }
}

}  // namespace

uint64_t repacked_weight::row_texels() const {
  const uint64_t values = value_row_bytes(format, K) / 16;
  return quantized(format) ? values + scale_row_texels(K) : values;
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
    case ggml_type::f16:
      return K % 8 == 0 ? weight_format::f16 : weight_format::f32;
    case ggml_type::q8_0:
      return weight_format::q8_0;
    case ggml_type::q4_0:
      return weight_format::q4_0;
    default:
      return K % 8 == 0 ? weight_format::f16 : weight_format::f32;
  }
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
  const uint64_t nb = static_cast<uint64_t>(K) / 32;  // blocks per row for Q formats
  auto for_each_row = [&](auto&& fn) {
    int64_t n = 0;
    for (size_t p = 0; p < parts.size(); ++p) {
      for (int64_t r = 0; r < rows[p]; ++r, ++n)
        fn(n, parts[p] + static_cast<uint64_t>(r) * src_row);
    }
  };
  switch (out.format) {
    case weight_format::f32: {
      out.bytes.resize(align16(static_cast<uint64_t>(N) * K * 4));
      std::vector<float> tmp(K);
      for_each_row([&](int64_t n, const uint8_t* src) {
        if (type == ggml_type::f32) {
          std::memcpy(tmp.data(), src, K * 4);
        } else {
          dequantize_row(type, src, tmp.data(), K);
        }
        std::memcpy(out.bytes.data() + static_cast<uint64_t>(n) * K * 4, tmp.data(), K * 4);
      });
      out.scales_offset = out.bytes.size();
      break;
    }
    case weight_format::f16: {
      out.bytes.resize(align16(static_cast<uint64_t>(N) * K * 2));
      std::vector<float> tmp(K);
      for_each_row([&](int64_t n, const uint8_t* src) {
        uint8_t* dst = out.bytes.data() + static_cast<uint64_t>(n) * K * 2;
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
      out.scales_offset = out.bytes.size();
      break;
    }
    case weight_format::q8_0:
    case weight_format::q4_0: {
      const uint64_t qbytes = quant_bytes_per_block(out.format);
      const uint64_t quant_total = static_cast<uint64_t>(N) * nb * qbytes;
      const uint64_t scale_row = scale_row_texels(static_cast<uint64_t>(K)) * 16;
      out.scales_offset = align16(quant_total);
      out.bytes.assign(out.scales_offset + static_cast<uint64_t>(N) * scale_row, 0);
      for_each_row([&](int64_t n, const uint8_t* src) {
        uint8_t* scales =
            out.bytes.data() + out.scales_offset + static_cast<uint64_t>(n) * scale_row;
        for (uint64_t b = 0; b < nb; ++b) {
          const uint8_t* block = src + b * (2 + qbytes);
          const uint64_t idx = static_cast<uint64_t>(n) * nb + b;
          std::memcpy(out.bytes.data() + idx * qbytes, block + 2, qbytes);
          std::memcpy(scales + b * 2, block, 2);
        }
      });
      break;
    }
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
  const uint64_t srow = quantized(w.format) ? scale_row_texels(w.K) * 16 : 0;
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
