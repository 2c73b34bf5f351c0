#include "gpu/model/gguf_writer.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace troupe {

namespace {

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void put_string(std::string& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.append(s);
}

// Re-encodes a parsed value (everything after its type field).
void encode(std::string& out, const gguf_value& v) {
  switch (v.type()) {
    case gguf_type::string:
      put_string(out, v.as_string());
      return;
    case gguf_type::array: {
      put<uint32_t>(out, static_cast<uint32_t>(v.element_type()));
      put<uint64_t>(out, v.size());
      if (v.element_type() == gguf_type::string) {
        for (uint64_t i = 0; i < v.size(); ++i) put_string(out, v.string_at(i));
      } else if (v.element_type() == gguf_type::array) {
        for (uint64_t i = 0; i < v.size(); ++i) encode(out, v.array_at(i));
      } else {
        const auto raw = v.raw_elements();
        out.append(reinterpret_cast<const char*>(raw.data()), raw.size());
      }
      return;
    }
    case gguf_type::float32:
      put<float>(out, static_cast<float>(v.as_float()));
      return;
    case gguf_type::float64:
      put<double>(out, v.as_float());
      return;
    case gguf_type::boolean:
      put<uint8_t>(out, v.as_bool() ? 1 : 0);
      return;
    case gguf_type::uint64:
      put<uint64_t>(out, v.raw_u64());
      return;
    default: {
      const int64_t x = v.as_int();
      char b[8];
      std::memcpy(b, &x, 8);
      static constexpr size_t sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
      out.append(b, sizes[static_cast<uint32_t>(v.type())]);
    }
  }
}

uint64_t tensor_bytes(ggml_type type, const std::vector<int64_t>& ne) {
  if (ne.empty() || ne.size() > 4) throw std::invalid_argument("tensors have 1 to 4 dimensions");
  uint64_t n = row_bytes(type, ne[0]);
  for (size_t d = 1; d < ne.size(); ++d) {
    if (ne[d] < 0) throw std::invalid_argument("negative dimension");
    n *= static_cast<uint64_t>(ne[d]);
  }
  return n;
}

}  // namespace

void gguf_writer::set_raw(std::string_view key, gguf_type type, std::string payload) {
  for (auto& e : kvs_) {
    if (e.key == key) {
      e.type = type;
      e.payload = std::move(payload);
      return;
    }
  }
  kvs_.push_back({std::string(key), type, std::move(payload)});
}

void gguf_writer::set_u32(std::string_view key, uint32_t v) {
  std::string p;
  put(p, v);
  set_raw(key, gguf_type::uint32, std::move(p));
}

void gguf_writer::set_i32(std::string_view key, int32_t v) {
  std::string p;
  put(p, v);
  set_raw(key, gguf_type::int32, std::move(p));
}

void gguf_writer::set_u64(std::string_view key, uint64_t v) {
  std::string p;
  put(p, v);
  set_raw(key, gguf_type::uint64, std::move(p));
}

void gguf_writer::set_f32(std::string_view key, float v) {
  std::string p;
  put(p, v);
  set_raw(key, gguf_type::float32, std::move(p));
}

void gguf_writer::set_bool(std::string_view key, bool v) {
  set_raw(key, gguf_type::boolean, std::string(1, v ? '\1' : '\0'));
}

void gguf_writer::set_string(std::string_view key, std::string_view v) {
  std::string p;
  put_string(p, v);
  set_raw(key, gguf_type::string, std::move(p));
}

void gguf_writer::set_strings(std::string_view key, const std::vector<std::string>& v) {
  std::string p;
  put<uint32_t>(p, static_cast<uint32_t>(gguf_type::string));
  put<uint64_t>(p, v.size());
  for (const auto& s : v) put_string(p, s);
  set_raw(key, gguf_type::array, std::move(p));
}

void gguf_writer::set_f32s(std::string_view key, std::span<const float> v) {
  std::string p;
  put<uint32_t>(p, static_cast<uint32_t>(gguf_type::float32));
  put<uint64_t>(p, v.size());
  for (float x : v) put(p, x);
  set_raw(key, gguf_type::array, std::move(p));
}

void gguf_writer::set_i32s(std::string_view key, std::span<const int32_t> v) {
  std::string p;
  put<uint32_t>(p, static_cast<uint32_t>(gguf_type::int32));
  put<uint64_t>(p, v.size());
  for (int32_t x : v) put(p, x);
  set_raw(key, gguf_type::array, std::move(p));
}

bool gguf_writer::remove(std::string_view key) {
  auto it = std::find_if(kvs_.begin(), kvs_.end(), [&](const kv& e) { return e.key == key; });
  if (it == kvs_.end()) return false;
  kvs_.erase(it);
  return true;
}

bool gguf_writer::rename(std::string_view from, std::string_view to) {
  auto it = std::find_if(kvs_.begin(), kvs_.end(), [&](const kv& e) { return e.key == from; });
  if (it == kvs_.end()) return false;
  kv moved = std::move(*it);
  kvs_.erase(it);
  remove(to);
  set_raw(to, moved.type, std::move(moved.payload));
  return true;
}

void gguf_writer::add_tensor(std::string name, ggml_type type, std::vector<int64_t> ne,
                             std::vector<uint8_t> data) {
  if (find_tensor(name) != nullptr) throw std::invalid_argument("duplicate tensor " + name);
  if (tensor_bytes(type, ne) != data.size()) {
    throw std::invalid_argument(name + ": data size does not match the shape");
  }
  tensors_.push_back({std::move(name), type, std::move(ne), std::move(data)});
}

void gguf_writer::add_tensor_f32(std::string name, ggml_type type, std::vector<int64_t> ne,
                                 std::span<const float> values) {
  const uint64_t rows = ne.empty() ? 0 : tensor_bytes(ggml_type::f32, ne) / 4 / ne[0];
  if (values.size() != rows * static_cast<uint64_t>(ne[0])) {
    throw std::invalid_argument(name + ": value count does not match the shape");
  }
  std::vector<uint8_t> data(tensor_bytes(type, ne));
  const uint64_t rb = row_bytes(type, ne[0]);
  for (uint64_t r = 0; r < rows; ++r) {
    quantize_row(type, values.data() + r * ne[0], data.data() + r * rb, ne[0]);
  }
  add_tensor(std::move(name), type, std::move(ne), std::move(data));
}

gguf_writer::tensor_entry* gguf_writer::find_tensor(std::string_view name) {
  for (auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

bool gguf_writer::remove_tensor(std::string_view name) {
  auto it = std::find_if(tensors_.begin(), tensors_.end(),
                         [&](const tensor_entry& t) { return t.name == name; });
  if (it == tensors_.end()) return false;
  tensors_.erase(it);
  return true;
}

void gguf_writer::copy_from(const gguf_file& file) {
  for (const auto& [key, value] : file.metadata()) {
    std::string p;
    encode(p, value);
    set_raw(key, value.type(), std::move(p));
  }
  for (const auto& t : file.tensors()) {
    std::vector<int64_t> ne(t.ne.begin(), t.ne.begin() + t.n_dims);
    add_tensor(t.name, t.type, std::move(ne), std::vector<uint8_t>(t.data, t.data + t.size));
  }
}

uint64_t gguf_writer::alignment() const {
  for (const auto& e : kvs_) {
    if (e.key == "general.alignment" && e.type == gguf_type::uint32 && e.payload.size() == 4) {
      uint32_t a;
      std::memcpy(&a, e.payload.data(), 4);
      if (a != 0 && (a & (a - 1)) == 0) return a;
    }
  }
  return 32;
}

std::string gguf_writer::bytes() const {
  const uint64_t align = alignment();
  std::string out;
  out.append("GGUF", 4);
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, kvs_.size());
  for (const auto& e : kvs_) {
    put_string(out, e.key);
    put<uint32_t>(out, static_cast<uint32_t>(e.type));
    out.append(e.payload);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.ne.size()));
    for (int64_t n : t.ne) put<uint64_t>(out, static_cast<uint64_t>(n));
    put<uint32_t>(out, static_cast<uint32_t>(t.type));
    put<uint64_t>(out, t.offset_override != UINT64_MAX ? t.offset_override : offset);
    offset += (t.data.size() + align - 1) / align * align;
  }
  out.resize((out.size() + align - 1) / align * align, '\0');
  for (const auto& t : tensors_) {
    out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size());
    out.resize((out.size() + align - 1) / align * align, '\0');
  }
  return out;
}

void gguf_writer::write(const std::string& path) const {
  const std::string b = bytes();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace troupe
