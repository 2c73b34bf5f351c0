// The Vulkan engine on llama.cpp's own quantized files (stories260K-pad256 in nine of ggml's
// weight formats, ../shared/models/README.md): every weight stays in its block format on the
// device, taking about what it takes in the file, and greedy decoding reproduces llama.cpp's
// tokens for every prompt. A missing file skips the test (ctest reports it), never passes it.
#include <gtest/gtest.h>

#include "gpu/model/gguf_file.hpp"
#include "gpu/model/testing/llama_cpp_greedy.hpp"
#include "gpu/vulkan/vulkan_engine.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using testing::find_test_model;

class QuantizedEngine : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantizedEngine, GreedyTokensMatchLlamaCpp) {
  const std::string& v = GetParam();
  TROUPE_SKIP_UNLESS_MODELS(testing::pad256_model(v), testing::pad256_greedy(v));
  const std::string path = find_test_model(testing::pad256_model(v));
  vulkan_engine_options o;
  o.model_name = "stories";
  o.model_path = path;
  o.max_seq_len = 256;
  o.max_batch_size = 4;
  o.max_step_tokens = 64;
  auto e = open_vulkan_engine(o);

  // Each format has a kernel: the device holds the file's bytes, moved, never widened. Alignment
  // costs a little: Q5_0 blocks take 24 bytes for 22, and each row's side region is whole
  // texels, which for these rows of 256 values (one super-block) is up to 14 bytes a row.
  uint64_t file_bytes = 0;
  for (const gguf_tensor_info& t : open_gguf(path)->tensors()) file_bytes += t.size;
  const double ratio =
      static_cast<double>(e->info().weight_bytes) / static_cast<double>(file_bytes);
  EXPECT_GE(ratio, 0.99) << e->info().weight_bytes << " device bytes for " << file_bytes;
  EXPECT_LE(ratio, 1.12) << e->info().weight_bytes << " device bytes for " << file_bytes;

  const auto cases = testing::read_greedy_jsonl(find_test_model(testing::pad256_greedy(v)));
  EXPECT_GE(cases.size(), 3u);
  testing::expect_greedy_matches(*e, cases);
}

INSTANTIATE_TEST_SUITE_P(pad256, QuantizedEngine, ::testing::ValuesIn(testing::pad256_variants()),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace troupe
