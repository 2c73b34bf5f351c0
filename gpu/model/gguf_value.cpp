#include "gpu/model/gguf_detail.hpp"

#include <cstring>
#include <iterator>

namespace troupe {

namespace gguf_detail {

size_t scalar_size(gguf_type t) {
  switch (t) {
    case gguf_type::uint8:
    case gguf_type::int8:
    case gguf_type::boolean:
      return 1;
    case gguf_type::uint16:
    case gguf_type::int16:
      return 2;
    case gguf_type::uint32:
    case gguf_type::int32:
    case gguf_type::float32:
      return 4;
    case gguf_type::uint64:
    case gguf_type::int64:
    case gguf_type::float64:
      return 8;
    case gguf_type::string:
    case gguf_type::array:
      return 0;
  }
  return 0;
}

bool valid_type(uint32_t t) {
  return t <= static_cast<uint32_t>(gguf_type::float64);
}

bool is_int_type(gguf_type t) {
  switch (t) {
    case gguf_type::uint8:
    case gguf_type::int8:
    case gguf_type::uint16:
    case gguf_type::int16:
    case gguf_type::uint32:
    case gguf_type::int32:
    case gguf_type::uint64:
    case gguf_type::int64:
      return true;
    default:
      return false;
  }
}

bool is_float_type(gguf_type t) {
  return t == gguf_type::float32 || t == gguf_type::float64;
}

[[noreturn]] void wrong_type(const std::string& key, const char* expected, gguf_type got) {
  throw gguf_error(gguf_errc::wrong_type,
                   "metadata '" + key + "': expected " + expected + ", found " + to_string(got));
}

int64_t decode_int(gguf_type t, const uint8_t* p, const std::string& key) {
  switch (t) {
    case gguf_type::uint8:
    case gguf_type::boolean:
      return load<uint8_t>(p);
    case gguf_type::int8:
      return load<int8_t>(p);
    case gguf_type::uint16:
      return load<uint16_t>(p);
    case gguf_type::int16:
      return load<int16_t>(p);
    case gguf_type::uint32:
      return load<uint32_t>(p);
    case gguf_type::int32:
      return load<int32_t>(p);
    case gguf_type::int64:
      return load<int64_t>(p);
    case gguf_type::uint64: {
      const auto u = load<uint64_t>(p);
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        throw gguf_error(gguf_errc::wrong_type, "metadata '" + key + "': value out of range");
      }
      return static_cast<int64_t>(u);
    }
    default:
      wrong_type(key, "an integer array", t);
  }
}

}  // namespace gguf_detail

using namespace gguf_detail;

const char* to_string(gguf_errc code) {
  switch (code) {
    case gguf_errc::io:
      return "cannot read file";
    case gguf_errc::bad_magic:
      return "not a GGUF file";
    case gguf_errc::unsupported_version:
      return "unsupported GGUF version";
    case gguf_errc::truncated:
      return "truncated";
    case gguf_errc::too_large:
      return "size out of range";
    case gguf_errc::bad_value:
      return "bad metadata value";
    case gguf_errc::duplicate:
      return "duplicate";
    case gguf_errc::bad_tensor:
      return "bad tensor";
    case gguf_errc::bad_offset:
      return "bad tensor data offset";
    case gguf_errc::wrong_type:
      return "wrong metadata type";
  }
  return "error";
}

const char* to_string(gguf_type type) {
  static constexpr const char* names[] = {"uint8",  "int8",    "uint16", "int16",  "uint32",
                                          "int32",  "float32", "bool",   "string", "array",
                                          "uint64", "int64",   "float64"};
  const auto i = static_cast<uint32_t>(type);
  return i < std::size(names) ? names[i] : "unknown";
}

// ---- gguf_value ---------------------------------------------------------------------------------

bool gguf_value::is_integer() const {
  return is_int_type(type_);
}
bool gguf_value::is_float() const {
  return is_float_type(type_);
}

int64_t gguf_value::as_int() const {
  if (type_ == gguf_type::boolean) return static_cast<int64_t>(scalar_.u);
  if (!is_int_type(type_)) wrong_type(key_, "an integer", type_);
  if (type_ == gguf_type::uint64 && scalar_.u > static_cast<uint64_t>(INT64_MAX)) {
    throw gguf_error(gguf_errc::wrong_type, "metadata '" + key_ + "': value out of range");
  }
  return scalar_.i;
}

double gguf_value::as_float() const {
  if (is_float_type(type_)) return scalar_.f;
  if (type_ == gguf_type::uint64) return static_cast<double>(scalar_.u);
  if (is_int_type(type_)) return static_cast<double>(scalar_.i);
  wrong_type(key_, "a number", type_);
}

bool gguf_value::as_bool() const {
  if (type_ == gguf_type::boolean || is_int_type(type_)) return scalar_.u != 0;
  wrong_type(key_, "a bool", type_);
}

std::string_view gguf_value::as_string() const {
  if (type_ != gguf_type::string) wrong_type(key_, "a string", type_);
  return str_;
}

int64_t gguf_value::int_at(uint64_t i) const {
  if (type_ != gguf_type::array) wrong_type(key_, "an array", type_);
  if (i >= count_) throw std::out_of_range("metadata '" + key_ + "': index out of range");
  return decode_int(elem_type_, elems_ + i * scalar_size(elem_type_), key_);
}

double gguf_value::float_at(uint64_t i) const {
  if (type_ != gguf_type::array) wrong_type(key_, "an array", type_);
  if (i >= count_) throw std::out_of_range("metadata '" + key_ + "': index out of range");
  const uint8_t* p = elems_ + i * scalar_size(elem_type_);
  if (elem_type_ == gguf_type::float32) return load<float>(p);
  if (elem_type_ == gguf_type::float64) return load<double>(p);
  if (elem_type_ == gguf_type::uint64) return static_cast<double>(load<uint64_t>(p));
  if (is_int_type(elem_type_)) return static_cast<double>(decode_int(elem_type_, p, key_));
  wrong_type(key_, "a numeric array", elem_type_);
}

std::string_view gguf_value::string_at(uint64_t i) const {
  if (type_ != gguf_type::array || elem_type_ != gguf_type::string) {
    wrong_type(key_, "a string array", type_ == gguf_type::array ? elem_type_ : type_);
  }
  if (i >= count_) throw std::out_of_range("metadata '" + key_ + "': index out of range");
  return strs_[i];
}

const gguf_value& gguf_value::array_at(uint64_t i) const {
  if (type_ != gguf_type::array || elem_type_ != gguf_type::array) {
    wrong_type(key_, "an array of arrays", type_ == gguf_type::array ? elem_type_ : type_);
  }
  if (i >= count_) throw std::out_of_range("metadata '" + key_ + "': index out of range");
  return nested_[i];
}

std::span<const uint8_t> gguf_value::raw_elements() const {
  if (type_ != gguf_type::array || scalar_size(elem_type_) == 0) {
    wrong_type(key_, "a numeric array", type_ == gguf_type::array ? elem_type_ : type_);
  }
  return {elems_, count_ * scalar_size(elem_type_)};
}

std::string gguf_tensor_info::shape_string() const {
  std::string s = std::to_string(ne[0]);
  for (uint32_t d = 1; d < n_dims; ++d) {
    s.push_back('x');
    s.append(std::to_string(ne[d]));
  }
  return s;
}
}  // namespace troupe
