// GGUF model files (versions 2 and 3), memory-mapped read-only.
//
// Opening a file parses and validates everything but the tensor data: the header, every metadata
// value, and every tensor's name, shape, type and data range. A file that is malformed in any
// way, however it got that way, produces a gguf_error naming the file and what is wrong; every
// count and length is checked against the bytes actually present before anything is allocated
// or read. Tensor data stays in the mapping and is read in place.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpu/model/tensor_types.hpp"

namespace troupe {

enum class gguf_errc {
  io,                   // cannot open, stat or map the file
  bad_magic,            // not a GGUF file
  unsupported_version,  // a version other than 2 or 3
  truncated,            // the file ends inside the header, metadata or tensor infos
  too_large,            // a count or length that cannot fit in the file
  bad_value,            // an unknown metadata value type, a bad alignment, a malformed string
  duplicate,            // a metadata key or tensor name that appears twice
  bad_tensor,           // an unknown element type or an invalid shape
  bad_offset,           // tensor data misaligned, past the end of the file, or overlapping
  wrong_type,           // a metadata value read as a type it does not have
};

const char* to_string(gguf_errc code);

class gguf_error : public std::runtime_error {
 public:
  gguf_error(gguf_errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  gguf_errc code() const { return code_; }

 private:
  gguf_errc code_;
};
// what(): "<path>: <category>: <detail>", e.g.
// "m.gguf: truncated: file ends inside metadata value 'tokenizer.ggml.tokens' (offset 1234)".

enum class gguf_type : uint32_t {
  uint8 = 0,
  int8 = 1,
  uint16 = 2,
  int16 = 3,
  uint32 = 4,
  int32 = 5,
  float32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  uint64 = 10,
  int64 = 11,
  float64 = 12,
};

const char* to_string(gguf_type type);

class gguf_value {
 public:
  gguf_type type() const { return type_; }

  bool is_integer() const;
  bool is_float() const;  // float32 or float64

  int64_t as_int() const;
  // Any integer type (or bool); throws gguf_error (wrong_type) for others and for uint64 values
  // beyond int64's range.
  double as_float() const;  // any integer or float type
  bool as_bool() const;     // bool or an integer (nonzero)
  std::string_view as_string() const;

  // Arrays (type() == array).
  gguf_type element_type() const { return elem_type_; }
  uint64_t size() const { return count_; }
  int64_t int_at(uint64_t i) const;
  double float_at(uint64_t i) const;
  std::string_view string_at(uint64_t i) const;
  const gguf_value& array_at(uint64_t i) const;   // arrays of arrays
  std::span<const uint8_t> raw_elements() const;  // numeric arrays: the packed elements

  uint64_t raw_u64() const { return scalar_.u; }  // a uint64 value's bits, whatever its size

 private:
  friend class gguf_parser;
  gguf_type type_ = gguf_type::uint8;
  gguf_type elem_type_ = gguf_type::uint8;
  union {
    uint64_t u;
    int64_t i;
    double f;
  } scalar_{0};
  std::string_view str_;                // string value, viewing the mapping
  uint64_t count_ = 0;                  // array length
  const uint8_t* elems_ = nullptr;      // numeric array elements, packed little-endian
  std::vector<std::string_view> strs_;  // string array elements
  std::vector<gguf_value> nested_;      // array array elements
  std::string key_;                     // for error messages
};
// String views point into the file mapping: they live as long as the gguf_file.

struct gguf_tensor_info {
  std::string name;
  ggml_type type = ggml_type::f32;
  uint32_t n_dims = 0;
  std::array<int64_t, 4> ne{1, 1, 1, 1};  // ne[0] is the fastest-varying (row) dimension
  uint64_t offset = 0;                    // from the start of the data section
  uint64_t size = 0;                      // bytes
  const uint8_t* data = nullptr;          // into the mapping

  int64_t elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  std::string shape_string() const;  // "64x172" (ne0 x ne1 ...)
};

class gguf_file {
 public:
  explicit gguf_file(const std::string& path);
  // Maps and parses `path`. Throws gguf_error.
  ~gguf_file();
  gguf_file(const gguf_file&) = delete;
  gguf_file& operator=(const gguf_file&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t file_size() const { return size_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // absolute offset of tensor data

  const std::vector<std::pair<std::string, gguf_value>>& metadata() const { return kvs_; }
  const gguf_value* find(std::string_view key) const;  // nullptr when absent

  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  // Absent keys give nullopt; present keys of an incompatible type throw gguf_error (wrong_type)
  // naming the key.

  const std::vector<gguf_tensor_info>& tensors() const { return tensors_; }
  const gguf_tensor_info* find_tensor(std::string_view name) const;  // nullptr when absent

 private:
  friend class gguf_parser;
  std::string path_;
  const uint8_t* map_ = nullptr;
  uint64_t size_ = 0;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, gguf_value>> kvs_;
  std::unordered_map<std::string_view, size_t> kv_index_;
  std::vector<gguf_tensor_info> tensors_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

std::shared_ptr<const gguf_file> open_gguf(const std::string& path);
// Convenience: a shared, immutable gguf_file. Throws gguf_error.

}  // namespace troupe
