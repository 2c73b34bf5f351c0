#include "bench/synthetic_model_cli.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_files.hpp"

namespace troupe::bench {
namespace {

TEST(SyntheticModelCli, ParsesEveryOptionAndRefusesBadOnes) {
  const auto o = parse_synthetic_model_args({"--layers", "4", "--dim", "128", "--heads", "8",
                                             "--kv-heads", "2", "--ffn", "256", "--vocab", "1000",
                                             "--type", "q4_0", "--seed", "9", "--context", "512"});
  EXPECT_EQ(o.layers, 4);
  EXPECT_EQ(o.dim, 128);
  EXPECT_EQ(o.heads, 8);
  EXPECT_EQ(o.kv_heads, 2);
  EXPECT_EQ(o.ffn, 256);
  EXPECT_EQ(o.vocab, 1000);
  EXPECT_EQ(o.type, ggml_type::q4_0);
  EXPECT_EQ(o.seed, 9u);
  EXPECT_EQ(o.context_length, 512);
  EXPECT_EQ(parse_synthetic_model_args({"--vocab-from", "t.json"}).vocab_from, "t.json");
  EXPECT_THROW(parse_synthetic_model_args({"--layers"}), std::invalid_argument);
  EXPECT_THROW(parse_synthetic_model_args({"--layers", "x"}), std::invalid_argument);
  EXPECT_THROW(parse_synthetic_model_args({"--layers", "0"}), std::invalid_argument);
  EXPECT_EQ(parse_synthetic_model_args({"--type", "Q5_K"}).type, ggml_type::q5_k);
  EXPECT_TRUE(parse_synthetic_model_args({"--type", "q4_k_m"}).k_quant_mix);
  EXPECT_THROW(parse_synthetic_model_args({"--type", "iq2_xs"}), std::invalid_argument);
  EXPECT_THROW(parse_synthetic_model_args({"--type", "bf16"}), std::invalid_argument);
  EXPECT_THROW(parse_synthetic_model_args({"--arch", "gptj"}), std::invalid_argument);
  EXPECT_THROW(parse_synthetic_model_args({"--frobnicate", "1"}), std::invalid_argument);
  EXPECT_THROW(parse_synthetic_model_args({"--vocab", "600", "--vocab-from", "t.json"}),
               std::invalid_argument);
}

TEST(SyntheticModelCli, BooleansTemplatesAndDefaults) {
  const synthetic_model_options defaults;
  const auto d = parse_synthetic_model_args({});
  EXPECT_EQ(d.layers, defaults.layers);
  EXPECT_EQ(d.type, defaults.type);
  EXPECT_FALSE(d.k_quant_mix);
  const auto b =
      parse_synthetic_model_args({"--tied", "1", "--rope-freqs", "true", "--arch", "qwen3",
                                  "--long-rope", "4096", "--constant-token", "7"});
  EXPECT_TRUE(b.tied);
  EXPECT_TRUE(b.rope_freqs);
  EXPECT_EQ(b.arch, "qwen3");
  EXPECT_EQ(b.long_rope_context, 4096);
  EXPECT_EQ(b.constant_token, 7);
  EXPECT_THROW(parse_synthetic_model_args({"--tied", "maybe"}), std::invalid_argument);
  testing::temp_dir dir;
  const auto path = dir.write("t.jinja", "{{ messages[0].content }}");
  EXPECT_EQ(parse_synthetic_model_args({"--chat-template", path}).chat_template,
            "{{ messages[0].content }}");
  EXPECT_THROW(parse_synthetic_model_args({"--chat-template", dir.file("missing")}),
               std::invalid_argument);
}

}  // namespace
}  // namespace troupe::bench
