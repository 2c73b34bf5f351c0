// Internals shared by the GGUF parser and gguf_value: value type sizes and decoding.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "gpu/model/gguf_file.hpp"

namespace troupe::gguf_detail {

size_t scalar_size(gguf_type t);  // bytes of a fixed-size value; 0 for string and array
bool valid_type(uint32_t t);
bool is_int_type(gguf_type t);
bool is_float_type(gguf_type t);

int64_t decode_int(gguf_type t, const uint8_t* p, const std::string& key);
// The integer at `p`; throws gguf_error (wrong_type) for non-integers and uint64 beyond int64.

[[noreturn]] void wrong_type(const std::string& key, const char* expected, gguf_type got);

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// Unaligned little-endian load.

}  // namespace troupe::gguf_detail
