// Writes GGUF v3 files: metadata and tensors assembled in memory, then written in one go.
//
// Used to make synthetic models and, in tests, modified copies of real ones (`copy_from` a
// gguf_file, change a key or a tensor, write it back). Metadata keys keep their insertion order;
// setting an existing key replaces its value in place. Tensor data is laid out in insertion order
// at the file's alignment (general.alignment, 32 by default).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/model/gguf_file.hpp"
#include "gpu/model/tensor_types.hpp"

namespace troupe {

class gguf_writer {
 public:
  struct tensor_entry {
    std::string name;
    ggml_type type = ggml_type::f32;
    std::vector<int64_t> ne;                // ne[0] first; 1 to 4 dimensions
    std::vector<uint8_t> data;              // exactly the tensor's bytes
    uint64_t offset_override = UINT64_MAX;  // tests: write this offset instead of the real one
  };

  void set_u32(std::string_view key, uint32_t v);
  void set_i32(std::string_view key, int32_t v);
  void set_u64(std::string_view key, uint64_t v);
  void set_f32(std::string_view key, float v);
  void set_bool(std::string_view key, bool v);
  void set_string(std::string_view key, std::string_view v);
  void set_strings(std::string_view key, const std::vector<std::string>& v);
  void set_f32s(std::string_view key, std::span<const float> v);
  void set_i32s(std::string_view key, std::span<const int32_t> v);
  void set_raw(std::string_view key, gguf_type type, std::string payload);
  // Any value: `payload` is the encoded value that follows the type in the file.
  bool remove(std::string_view key);
  bool rename(std::string_view from, std::string_view to);  // replaces a key `to` if present

  void add_tensor(std::string name, ggml_type type, std::vector<int64_t> ne,
                  std::vector<uint8_t> data);
  // Throws std::invalid_argument when `data` is not exactly the bytes `type` and `ne` need, or
  // the name is taken.
  void add_tensor_f32(std::string name, ggml_type type, std::vector<int64_t> ne,
                      std::span<const float> values);
  // Quantizes `values` (row-major, ne[0] per row) to `type` (f32, f16, q8_0 or q4_0).
  tensor_entry* find_tensor(std::string_view name);
  bool remove_tensor(std::string_view name);

  void copy_from(const gguf_file& file);
  // Adds all of `file`'s metadata and tensors.

  std::string bytes() const;
  // The whole file.
  void write(const std::string& path) const;
  // Throws std::runtime_error when the file cannot be written.

 private:
  struct kv {
    std::string key;
    gguf_type type;
    std::string payload;
  };
  uint64_t alignment() const;

  std::vector<kv> kvs_;
  std::vector<tensor_entry> tensors_;
};

}  // namespace troupe
