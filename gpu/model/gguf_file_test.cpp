#include "gpu/model/gguf_file.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using testing::find_test_model;
using testing::read_file;
using testing::temp_dir;
using testing::write_file;

// Little-endian byte building for hand-made and patched files.
struct bytes {
  std::string b;
  bytes& u8(uint8_t v) { return raw(&v, 1); }
  bytes& u32(uint32_t v) { return raw(&v, 4); }
  bytes& u64(uint64_t v) { return raw(&v, 8); }
  bytes& f32(float v) { return raw(&v, 4); }
  bytes& str(std::string_view s) {
    u64(s.size());
    b.append(s);
    return *this;
  }
  bytes& raw(const void* p, size_t n) {
    b.append(static_cast<const char*>(p), n);
    return *this;
  }
  bytes& pad(size_t align) {
    while (b.size() % align != 0) b.push_back('\0');
    return *this;
  }
};

void put_u32(std::string& s, size_t at, uint32_t v) {
  std::memcpy(s.data() + at, &v, 4);
}
void put_u64(std::string& s, size_t at, uint64_t v) {
  std::memcpy(s.data() + at, &v, 8);
}
uint64_t get_u64(const std::string& s, size_t at) {
  uint64_t v;
  std::memcpy(&v, s.data() + at, 8);
  return v;
}
uint32_t get_u32(const std::string& s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}

// Where things are in a valid file, found by an independent walk of the format.
struct layout {
  size_t first_key = 0, first_value_type = 0;
  std::vector<size_t> tensor_info;  // start of each tensor info (its name length)
  std::vector<size_t> tensor_type;  // offset of each tensor's type field
  std::vector<size_t> tensor_offset;
  size_t infos_end = 0;
};

size_t skip_value(const std::string& s, size_t p, uint32_t type) {
  static const size_t sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  if (type == 8) return p + 8 + get_u64(s, p);
  if (type == 9) {
    const uint32_t et = get_u32(s, p);
    const uint64_t n = get_u64(s, p + 4);
    p += 12;
    for (uint64_t i = 0; i < n; ++i) p = skip_value(s, p, et);
    return p;
  }
  return p + sizes[type];
}

layout walk(const std::string& s) {
  layout l;
  const uint64_t n_tensors = get_u64(s, 8), n_kv = get_u64(s, 16);
  size_t p = 24;
  l.first_key = p;
  for (uint64_t k = 0; k < n_kv; ++k) {
    p += 8 + get_u64(s, p);
    if (k == 0) l.first_value_type = p;
    const uint32_t type = get_u32(s, p);
    p = skip_value(s, p + 4, type);
  }
  for (uint64_t t = 0; t < n_tensors; ++t) {
    l.tensor_info.push_back(p);
    p += 8 + get_u64(s, p);
    const uint32_t n_dims = get_u32(s, p);
    p += 4 + 8 * n_dims;
    l.tensor_type.push_back(p);
    l.tensor_offset.push_back(p + 4);
    p += 12;
  }
  l.infos_end = p;
  return l;
}

class gguf_file_test : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = find_test_model("stories260K.gguf");
    if (path_.empty()) GTEST_SKIP() << "stories260K.gguf not found (set TROUPE_MODEL_PATH)";
    original_ = read_file(path_);
    layout_ = walk(original_);
  }

  // Writes `bytes` to a file and returns the error category opening it gives.
  std::optional<gguf_errc> open_error(const std::string& content, std::string* what = nullptr) {
    const std::string p = dir_.file("m.gguf");
    write_file(p, content);
    try {
      gguf_file f(p);
      return std::nullopt;
    } catch (const gguf_error& e) {
      if (what != nullptr) *what = e.what();
      return e.code();
    }
  }

  std::string path_, original_;
  layout layout_;
  temp_dir dir_;
};

TEST_F(gguf_file_test, reads_stories260k) {
  gguf_file f(path_);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.file_size(), original_.size());
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  EXPECT_EQ(f.data_offset(), (layout_.infos_end + 31) / 32 * 32);
  EXPECT_EQ(f.tensors().size(), 48u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_int("llama.block_count"), 5);
  EXPECT_EQ(f.get_int("llama.embedding_length"), 64);
  EXPECT_EQ(f.get_int("llama.attention.head_count_kv"), 4);
  EXPECT_NEAR(*f.get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-12);
  EXPECT_EQ(f.get_int("no.such.key"), std::nullopt);
  EXPECT_THROW(f.get_int("general.architecture"), gguf_error);
  const gguf_value* tokens = f.find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->type(), gguf_type::array);
  EXPECT_EQ(tokens->element_type(), gguf_type::string);
  EXPECT_EQ(tokens->size(), 512u);
  EXPECT_EQ(tokens->string_at(1), "<s>");
  EXPECT_EQ(f.find("tokenizer.ggml.scores")->size(), 512u);
  EXPECT_THROW(tokens->int_at(0), gguf_error);
  const gguf_tensor_info* emb = f.find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->type, ggml_type::f32);
  EXPECT_EQ(emb->n_dims, 2u);
  EXPECT_EQ(emb->shape_string(), "64x512");
  EXPECT_EQ(emb->size, 64u * 512 * 4);
  for (const auto& t : f.tensors()) {
    EXPECT_EQ(t.offset % 32, 0u) << t.name;
    EXPECT_LE(f.data_offset() + t.offset + t.size, f.file_size()) << t.name;
    // The mapped bytes are the file's bytes.
    EXPECT_EQ(std::memcmp(t.data, original_.data() + f.data_offset() + t.offset, t.size), 0);
  }
  EXPECT_EQ(f.find_tensor("blk.9.attn_q.weight"), nullptr);
}

TEST_F(gguf_file_test, rejects_bad_magic_and_versions) {
  std::string s = original_;
  s[0] = 'X';
  EXPECT_EQ(open_error(s), gguf_errc::bad_magic);
  s = original_;
  put_u32(s, 4, 99);
  std::string what;
  EXPECT_EQ(open_error(s, &what), gguf_errc::unsupported_version);
  EXPECT_NE(what.find("version 99"), std::string::npos) << what;
  EXPECT_NE(what.find("m.gguf"), std::string::npos) << what;
  put_u32(s, 4, 1);
  EXPECT_EQ(open_error(s), gguf_errc::unsupported_version);
  put_u32(s, 4, 0x03000000);
  EXPECT_EQ(open_error(s, &what), gguf_errc::unsupported_version);
  EXPECT_NE(what.find("big-endian"), std::string::npos) << what;
  put_u32(s, 4, 2);  // version 2 has the same layout
  EXPECT_EQ(open_error(s), std::nullopt);
}

TEST_F(gguf_file_test, rejects_truncation) {
  std::string what;
  for (size_t at : {size_t{0}, size_t{3}, size_t{4}, size_t{10}, size_t{23}, layout_.first_key + 5,
                    layout_.first_value_type + 2, layout_.tensor_info[0] - 1,
                    layout_.tensor_info[10] + 3, layout_.infos_end - 1}) {
    EXPECT_EQ(open_error(original_.substr(0, at), &what), gguf_errc::truncated) << at;
  }
  EXPECT_NE(what.find("tensor info"), std::string::npos) << what;
  // Cut inside the tensor data: the infos parse, the data does not fit.
  EXPECT_EQ(open_error(original_.substr(0, original_.size() - 1), &what), gguf_errc::bad_offset);
  EXPECT_NE(what.find("past the end"), std::string::npos) << what;
}

TEST_F(gguf_file_test, rejects_absurd_sizes) {
  std::string s = original_;
  put_u64(s, layout_.first_key, uint64_t{1} << 62);
  std::string what;
  EXPECT_EQ(open_error(s, &what), gguf_errc::too_large);
  EXPECT_NE(what.find("string length"), std::string::npos) << what;
  s = original_;
  put_u64(s, 8, uint64_t{1} << 40);  // tensor count
  EXPECT_EQ(open_error(s), gguf_errc::too_large);
  s = original_;
  put_u64(s, 16, ~uint64_t{0});  // metadata count
  EXPECT_EQ(open_error(s), gguf_errc::too_large);
  s = original_;  // the element count of the tokenizer.ggml.tokens array
  const size_t key = s.find("tokenizer.ggml.tokens");
  ASSERT_NE(key, std::string::npos);
  put_u64(s, key + std::strlen("tokenizer.ggml.tokens") + 8, uint64_t{1} << 59);
  EXPECT_EQ(open_error(s, &what), gguf_errc::too_large);
  EXPECT_NE(what.find("tokenizer.ggml.tokens"), std::string::npos) << what;
}

TEST_F(gguf_file_test, rejects_bad_types) {
  std::string s = original_;
  put_u32(s, layout_.first_value_type, 77);
  std::string what;
  EXPECT_EQ(open_error(s, &what), gguf_errc::bad_value);
  EXPECT_NE(what.find("unknown value type 77"), std::string::npos) << what;
  s = original_;
  put_u32(s, layout_.tensor_type[3], 99);
  EXPECT_EQ(open_error(s, &what), gguf_errc::bad_tensor);
  EXPECT_NE(what.find("unknown tensor type 99"), std::string::npos) << what;
  s = original_;
  put_u32(s, layout_.tensor_type[3], 4);  // a removed ggml type id
  EXPECT_EQ(open_error(s), gguf_errc::bad_tensor);
  s = original_;
  put_u32(s, layout_.tensor_type[0], static_cast<uint32_t>(ggml_type::q4_k));  // 64 % 256 != 0
  EXPECT_EQ(open_error(s, &what), gguf_errc::bad_tensor);
  EXPECT_NE(what.find("multiple of 256"), std::string::npos) << what;
  s = original_;
  const size_t n_dims_at = layout_.tensor_info[0] + 8 + get_u64(s, layout_.tensor_info[0]);
  put_u32(s, n_dims_at, 5);
  EXPECT_EQ(open_error(s), gguf_errc::bad_tensor);
}

TEST_F(gguf_file_test, rejects_bad_offsets) {
  std::string s = original_;
  std::string what;
  put_u64(s, layout_.tensor_offset[1], get_u64(s, layout_.tensor_offset[1]) + 4);
  EXPECT_EQ(open_error(s, &what), gguf_errc::bad_offset);
  EXPECT_NE(what.find("alignment"), std::string::npos) << what;
  s = original_;
  put_u64(s, layout_.tensor_offset[1], get_u64(s, layout_.tensor_offset[0]));
  EXPECT_EQ(open_error(s, &what), gguf_errc::bad_offset);
  EXPECT_NE(what.find("overlap"), std::string::npos) << what;
  s = original_;
  put_u64(s, layout_.tensor_offset[5], uint64_t{1} << 62);
  EXPECT_EQ(open_error(s, &what), gguf_errc::bad_offset);
  put_u64(s, layout_.tensor_offset[5], ~uint64_t{31});  // offset + size wraps around
  EXPECT_EQ(open_error(s, &what), gguf_errc::bad_offset);
}

TEST_F(gguf_file_test, rejects_duplicates) {
  std::string s = original_;
  const size_t key = s.find("tokenizer.ggml.eos_token_id");
  ASSERT_NE(key, std::string::npos);
  s[key + 15] = 'b';  // now a second tokenizer.ggml.bos_token_id
  std::string what;
  EXPECT_EQ(open_error(s, &what), gguf_errc::duplicate);
  EXPECT_NE(what.find("tokenizer.ggml.bos_token_id"), std::string::npos) << what;
  s = original_;
  const size_t name = s.find("blk.0.attn_k.weight", layout_.tensor_info[0]);
  ASSERT_NE(name, std::string::npos);
  s[name + 11] = 'q';
  EXPECT_EQ(open_error(s, &what), gguf_errc::duplicate);
  EXPECT_NE(what.find("blk.0.attn_q.weight"), std::string::npos) << what;
}

TEST_F(gguf_file_test, truncation_anywhere_is_an_error_not_a_crash) {
  gguf_file f(path_);
  uint64_t data_end = 0;
  for (const auto& t : f.tensors())
    data_end = std::max(data_end, f.data_offset() + t.offset + t.size);
  const size_t n = original_.size();
  for (int i = 0; i < 200; ++i) {
    const size_t at = n * static_cast<size_t>(i) / 200;
    const auto err = open_error(original_.substr(0, at));
    if (at >= data_end) continue;  // only trailing padding was cut
    ASSERT_TRUE(err.has_value()) << at;
    EXPECT_TRUE(*err == gguf_errc::truncated || *err == gguf_errc::bad_offset) << at;
  }
}

TEST_F(gguf_file_test, random_corruption_is_an_error_not_a_crash) {
  // Bit flips in the header, metadata and tensor infos: any outcome but a crash is fine, and a
  // file that still opens must have all its tensors inside the file.
  std::mt19937 rng(1234);
  const size_t header_bytes = layout_.infos_end;
  int errors = 0;
  for (int i = 0; i < 300; ++i) {
    std::string s = original_;
    for (int k = 0; k < 4; ++k) s[rng() % header_bytes] ^= static_cast<char>(1 << (rng() % 8));
    const std::string p = dir_.file("m.gguf");
    write_file(p, s);
    try {
      gguf_file f(p);
      for (const auto& t : f.tensors()) {
        ASSERT_LE(f.data_offset() + t.offset + t.size, f.file_size()) << t.name;
      }
    } catch (const gguf_error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
}

// Hand-made files for the cases a real model does not contain.
bytes header(uint64_t n_tensors, uint64_t n_kv) {
  bytes b;
  b.raw("GGUF", 4).u32(3).u64(n_tensors).u64(n_kv);
  return b;
}

TEST_F(gguf_file_test, handmade_files) {
  std::string what;
  {  // every value type, nested arrays, a custom alignment and one f32 tensor
    bytes b = header(1, 6);
    b.str("general.alignment").u32(4).u32(64);
    b.str("a.bool").u32(7).u8(1);
    b.str("a.i8").u32(1).u8(0xff);
    b.str("a.f64").u32(12);
    const double d = 2.5;
    b.raw(&d, 8);
    b.str("a.nested").u32(9).u32(9).u64(2);
    b.u32(5).u64(2).u32(7).u32(static_cast<uint32_t>(-3));
    b.u32(8).u64(1).str("x");
    b.str("a.u64").u32(10).u64(~uint64_t{0});
    b.str("t").u32(1).u64(4).u32(0).u64(0);
    b.pad(64).f32(1).f32(2).f32(3).f32(4);
    ASSERT_EQ(open_error(b.b, &what), std::nullopt) << what;
    gguf_file f(dir_.file("m.gguf"));
    EXPECT_EQ(f.alignment(), 64u);
    EXPECT_EQ(f.data_offset() % 64, 0u);
    EXPECT_EQ(f.get_bool("a.bool"), true);
    EXPECT_EQ(f.get_int("a.i8"), -1);
    EXPECT_EQ(f.get_float("a.f64"), 2.5);
    const gguf_value* nested = f.find("a.nested");
    EXPECT_EQ(nested->array_at(0).int_at(1), -3);
    EXPECT_EQ(nested->array_at(1).string_at(0), "x");
    EXPECT_THROW(f.get_int("a.u64"), gguf_error);
    EXPECT_EQ(f.get_float("a.u64"), 18446744073709551615.0);
    float v[4];
    std::memcpy(v, f.find_tensor("t")->data, 16);
    EXPECT_EQ(v[3], 4.0f);
  }
  {  // alignment that is not a power of two
    bytes b = header(0, 1);
    b.str("general.alignment").u32(4).u32(48);
    EXPECT_EQ(open_error(b.b, &what), gguf_errc::bad_value);
    EXPECT_NE(what.find("general.alignment"), std::string::npos) << what;
  }
  {  // a bool that is neither 0 nor 1
    bytes b = header(0, 1);
    b.str("a").u32(7).u8(2);
    EXPECT_EQ(open_error(b.b), gguf_errc::bad_value);
  }
  {  // arrays nested without end
    bytes b = header(0, 1);
    b.str("a").u32(9);
    for (int i = 0; i < 20; ++i) b.u32(9).u64(1);
    EXPECT_EQ(open_error(b.b), gguf_errc::bad_value);
  }
  {  // no tensors, no metadata
    EXPECT_EQ(open_error(header(0, 0).b), std::nullopt);
  }
  {  // empty file
    EXPECT_EQ(open_error(""), gguf_errc::truncated);
  }
  EXPECT_THROW(gguf_file(dir_.file("missing.gguf")), gguf_error);
  try {
    gguf_file f(dir_.path());
    FAIL() << "a directory opened";
  } catch (const gguf_error& e) {
    EXPECT_EQ(e.code(), gguf_errc::io);
  }
}

}  // namespace
}  // namespace troupe
