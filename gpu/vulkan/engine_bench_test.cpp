#include "gpu/vulkan/engine_bench.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "gpu/model/synthetic_model.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

TEST(EngineBench, PrintsOneJsonObjectPerBatchAndTheBandwidth) {
  testing::temp_dir dir;
  synthetic_model_options m;
  m.type = ggml_type::q4_0;
  m.dim = 128;
  m.ffn = 256;
  const std::string path = dir.file("bench.gguf");
  write_synthetic_model(m, path);
  engine_bench_options o;
  o.model_path = path;
  o.batches = {1, 4};
  o.prompt_tokens = 8;
  o.gen_tokens = 4;
  o.bandwidth_bytes = 8 << 20;
  std::ostringstream out;
  run_engine_bench(o, out);
  const std::string s = out.str();
  EXPECT_NE(s.find("{\"bench\":\"bandwidth\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"bench\":\"engine\",\"batch\":1,"), std::string::npos) << s;
  EXPECT_NE(s.find("\"bench\":\"engine\",\"batch\":4,"), std::string::npos) << s;
  EXPECT_NE(s.find("\"decode_tok_s\":"), std::string::npos);
  EXPECT_NE(s.find("\"weight_gb_s\":"), std::string::npos);
}

}  // namespace
}  // namespace troupe
