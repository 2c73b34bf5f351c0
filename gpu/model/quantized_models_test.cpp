// llama.cpp's own quantized files: stories260K-pad256 in nine of ggml's weight formats, quantized
// by ggml (../shared/models/README.md).
//
// - greedy: the CPU reference engine reproduces llama.cpp's greedy tokens for every prompt, token
//   for token. llama.cpp computed them on the file dequantized by ggml, so equal tokens over 80
//   steps and three prompts mean the dequantizers give ggml's values.
// - quantizer: quantize_row on the f32 file's tensors writes exactly the bytes ggml wrote.
// - error: dequantized weights lie within the format's quantization error of the f32 original.
//
// A missing file skips the test (ctest reports it as skipped), never passes it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "gpu/model/gguf_file.hpp"
#include "gpu/model/reference/reference_engine.hpp"
#include "gpu/model/tensor_types.hpp"
#include "gpu/model/testing/llama_cpp_greedy.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using testing::find_test_model;
using testing::read_file;

struct variant {
  const char* name;    // the file's <type>
  ggml_type ffn_down;  // the type of blk.N.ffn_down.weight (q4_k_m mixes two)
  ggml_type ffn_up;    // and of blk.N.ffn_up.weight
  double max_rel_rms;  // bound on rms(dequantized - f32) / rms(f32) for those two tensors
};

// The error bounds are about 1.5x what the files show (relative rms error of blk.0.ffn_down:
// q8_0 0.54%, q6_K 1.8%, q5_K 3.6%, q5_1 4.0%, q5_0 4.3%, q4_K 7.2%, q4_1 8.3%, q3_K 15%): loose
// enough for any correct quantizer, far below what a misread layout gives (~100%).
const variant variants[] = {
    {"q8_0", ggml_type::q8_0, ggml_type::q8_0, 0.008},
    {"q6_k", ggml_type::q6_k, ggml_type::q6_k, 0.027},
    {"q5_k", ggml_type::q5_k, ggml_type::q5_k, 0.055},
    {"q5_1", ggml_type::q5_1, ggml_type::q5_1, 0.06},
    {"q5_0", ggml_type::q5_0, ggml_type::q5_0, 0.065},
    {"q4_k_m", ggml_type::q6_k, ggml_type::q4_k, 0.11},
    {"q4_k", ggml_type::q4_k, ggml_type::q4_k, 0.11},
    {"q4_1", ggml_type::q4_1, ggml_type::q4_1, 0.12},
    {"q3_k", ggml_type::q3_k, ggml_type::q3_k, 0.23},
};

void PrintTo(const variant& v, std::ostream* os) {
  *os << v.name;
}

std::string model_file(const variant& v) {
  return testing::pad256_model(v.name);
}

std::string jsonl_file(const variant& v) {
  return testing::pad256_greedy(v.name);
}

const char f32_file[] = "stories260K-pad256.f32.gguf";

using quantized_model = ::testing::TestWithParam<variant>;

TEST_P(quantized_model, greedy_tokens_match_llama_cpp) {
  const variant& v = GetParam();
  TROUPE_SKIP_UNLESS_MODELS(model_file(v), jsonl_file(v));
  const std::string path = find_test_model(model_file(v));
  const std::string jsonl = find_test_model(jsonl_file(v));

  auto engine = reference_engine::open(path);
  {  // the file holds the weights in the format under test
    auto file = open_gguf(path);
    const gguf_tensor_info* down = file->find_tensor("blk.0.ffn_down.weight");
    const gguf_tensor_info* up = file->find_tensor("blk.0.ffn_up.weight");
    ASSERT_NE(down, nullptr);
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(down->type, v.ffn_down) << type_name(down->type);
    EXPECT_EQ(up->type, v.ffn_up) << type_name(up->type);
  }

  const auto cases = testing::read_greedy_jsonl(jsonl);
  EXPECT_GE(cases.size(), 3u);
  testing::expect_greedy_matches(*engine, cases);
}

// Every quantized tensor of the file, re-quantized here from the f32 file, byte for byte.
TEST_P(quantized_model, quantize_row_writes_ggml_bytes) {
  const variant& v = GetParam();
  TROUPE_SKIP_UNLESS_MODELS(model_file(v), f32_file);
  auto file = open_gguf(find_test_model(model_file(v)));
  auto f32 = open_gguf(find_test_model(f32_file));
  std::map<ggml_type, int> checked;
  for (const gguf_tensor_info& t : file->tensors()) {
    if (t.type == ggml_type::f32) continue;
    SCOPED_TRACE(t.name + " " + type_name(t.type));
    const gguf_tensor_info* src = f32->find_tensor(t.name);
    ASSERT_NE(src, nullptr);
    ASSERT_EQ(src->type, ggml_type::f32);
    ASSERT_EQ(src->ne, t.ne);
    const int64_t n = t.ne[0], rows = t.elements() / n;
    const uint64_t rb = row_bytes(t.type, n);
    ASSERT_EQ(t.size, rb * static_cast<uint64_t>(rows));
    std::vector<float> x(static_cast<size_t>(n));
    std::vector<uint8_t> q(rb);
    int64_t differing_rows = 0, first = -1;
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(x.data(), src->data + static_cast<uint64_t>(r * n) * 4, x.size() * 4);
      quantize_row(t.type, x.data(), q.data(), n);
      if (std::memcmp(q.data(), t.data + static_cast<uint64_t>(r) * rb, rb) != 0) {
        if (first < 0) first = r;
        ++differing_rows;
      }
    }
    EXPECT_EQ(differing_rows, 0) << "of " << rows << " rows, first " << first;
    ++checked[t.type];
  }
  EXPECT_GT(checked[v.ffn_down], 0);
  EXPECT_GT(checked[v.ffn_up], 0);
}

TEST_P(quantized_model, dequantized_weights_are_close_to_f32) {
  const variant& v = GetParam();
  TROUPE_SKIP_UNLESS_MODELS(model_file(v), f32_file);
  auto file = open_gguf(find_test_model(model_file(v)));
  auto f32 = open_gguf(find_test_model(f32_file));
  for (const char* name : {"blk.0.ffn_down.weight", "blk.0.ffn_up.weight"}) {
    SCOPED_TRACE(name);
    const gguf_tensor_info* t = file->find_tensor(name);
    const gguf_tensor_info* src = f32->find_tensor(name);
    ASSERT_NE(t, nullptr);
    ASSERT_NE(src, nullptr);
    ASSERT_EQ(src->ne, t->ne);
    ASSERT_EQ(t->n_dims, 2u);
    const int64_t n = t->ne[0], rows = t->ne[1];
    const uint64_t rb = row_bytes(t->type, n);
    std::vector<float> y(static_cast<size_t>(n));
    double err2 = 0, ref2 = 0, max_err = 0, max_ref = 0;
    for (int64_t r = 0; r < rows; ++r) {
      dequantize_row(t->type, t->data + static_cast<uint64_t>(r) * rb, y.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        float x = 0;
        std::memcpy(&x, src->data + static_cast<uint64_t>(r * n + i) * 4, 4);
        const double e = static_cast<double>(y[static_cast<size_t>(i)]) - x;
        err2 += e * e;
        ref2 += static_cast<double>(x) * x;
        max_err = std::max(max_err, std::fabs(e));
        max_ref = std::max(max_ref, std::fabs(static_cast<double>(x)));
      }
    }
    ASSERT_GT(ref2, 0.0);
    const double rel = std::sqrt(err2 / ref2);
    EXPECT_LT(rel, v.max_rel_rms) << type_name(t->type);
    EXPECT_LT(max_err, 0.5 * max_ref) << type_name(t->type);
    RecordProperty(std::string(name) + ".rel_rms", std::to_string(rel));
    std::printf("%s %s (%s): relative rms error %.4f, max error %.4g of max |w| %.4g\n", v.name,
                name, type_name(t->type).c_str(), rel, max_err, max_ref);
  }
}

INSTANTIATE_TEST_SUITE_P(pad256, quantized_model, ::testing::ValuesIn(variants),
                         [](const ::testing::TestParamInfo<variant>& i) {
                           return std::string(i.param.name);
                         });

}  // namespace
}  // namespace troupe
