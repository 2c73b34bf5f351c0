#include "gpu/model/llama_model.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "gpu/model/gguf_writer.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using testing::find_test_model;
using testing::temp_dir;

class llama_model_test : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = find_test_model("stories260K.gguf");
    if (path_.empty()) GTEST_SKIP() << "stories260K.gguf not found (set TROUPE_MODEL_PATH)";
    file_ = open_gguf(path_);
    w_.copy_from(*file_);
  }

  // Loads the writer's current content; returns the model_error message, or "" on success.
  std::string load_error() {
    const std::string p = dir_.file("m.gguf");
    w_.write(p);
    try {
      model_ = load_llama_model(p);
      return "";
    } catch (const model_error& e) {
      return e.what();
    }
  }

  void replace_tensor(const std::string& name, ggml_type type, std::vector<int64_t> ne) {
    ASSERT_TRUE(w_.remove_tensor(name));
    std::vector<uint8_t> data(row_bytes(type, ne[0]) * (ne.size() > 1 ? ne[1] : 1));
    w_.add_tensor(name, type, std::move(ne), std::move(data));
  }

  void rename_arch(const std::string& arch) {
    w_.set_string("general.architecture", arch);
    for (const auto& [key, value] : file_->metadata()) {
      (void)value;
      if (key.rfind("llama.", 0) == 0) w_.rename(key, arch + key.substr(5));
    }
  }

  std::string path_;
  std::shared_ptr<const gguf_file> file_;
  gguf_writer w_;
  temp_dir dir_;
  std::shared_ptr<const llama_model> model_;
};

TEST_F(llama_model_test, stories260k_hparams_and_views) {
  llama_model m(file_);
  const llama_hparams& h = m.hparams();
  EXPECT_EQ(h.architecture, "llama");
  EXPECT_EQ(h.n_layer, 5);
  EXPECT_EQ(h.dim, 64);
  EXPECT_EQ(h.n_head, 8);
  EXPECT_EQ(h.n_head_kv, 4);
  EXPECT_EQ(h.head_dim, 8);
  EXPECT_EQ(h.kv_group(), 2);
  EXPECT_EQ(h.ffn_dim, 172);
  EXPECT_EQ(h.vocab_size, 512);
  EXPECT_EQ(h.context_length, 2048);
  EXPECT_EQ(h.rope_dim, 8);
  EXPECT_EQ(h.rope_base, 10000.0f);
  EXPECT_EQ(h.rope_freq_scale, 1.0f);
  EXPECT_EQ(h.rope, rope_layout::adjacent);
  EXPECT_FLOAT_EQ(h.rms_eps, 1e-5f);
  EXPECT_FALSE(h.tied_output);
  EXPECT_FALSE(h.qkv_bias);
  EXPECT_FALSE(m.rope_factors(2048).present());
  EXPECT_EQ(h.rope_attn_factor, 1.0f);
  ASSERT_EQ(m.layers().size(), 5u);
  const llama_layer& l = m.layers()[3];
  EXPECT_EQ(l.ffn_up.name, "blk.3.ffn_up.weight");
  EXPECT_EQ(l.ffn_up.ne0, 64);
  EXPECT_EQ(l.ffn_up.ne1, 172);
  EXPECT_EQ(l.ffn_down.ne0, 172);
  EXPECT_EQ(l.ffn_down.ne1, 64);
  EXPECT_EQ(l.wk.ne1, 32);
  EXPECT_EQ(l.wk.row_bytes(), 256u);
  EXPECT_EQ(l.wk.row(1), l.wk.data + 256);
  EXPECT_FALSE(l.bq.present());
  EXPECT_EQ(l.ffn_up.data, file_->find_tensor("blk.3.ffn_up.weight")->data);
  uint64_t all = 0;
  for (const auto& t : file_->tensors()) all += t.size;
  EXPECT_EQ(m.weight_bytes(), all);
}

TEST_F(llama_model_test, writer_copy_round_trips) {
  const std::string p = dir_.file("copy.gguf");
  w_.write(p);
  gguf_file copy(p);
  ASSERT_EQ(copy.metadata().size(), file_->metadata().size());
  for (const auto& [key, value] : file_->metadata()) {
    const gguf_value* c = copy.find(key);
    ASSERT_NE(c, nullptr) << key;
    EXPECT_EQ(c->type(), value.type()) << key;
    if (value.type() == gguf_type::array && value.element_type() != gguf_type::string) {
      ASSERT_EQ(c->raw_elements().size(), value.raw_elements().size());
      EXPECT_EQ(std::memcmp(c->raw_elements().data(), value.raw_elements().data(),
                            value.raw_elements().size()),
                0)
          << key;
    } else if (value.type() == gguf_type::string) {
      EXPECT_EQ(c->as_string(), value.as_string());
    }
  }
  EXPECT_EQ(copy.get_int("tokenizer.ggml.padding_token_id"), 4294967295);
  EXPECT_EQ(copy.find("tokenizer.ggml.tokens")->string_at(300),
            file_->find("tokenizer.ggml.tokens")->string_at(300));
  for (const auto& t : file_->tensors()) {
    const gguf_tensor_info* c = copy.find_tensor(t.name);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->ne, t.ne);
    EXPECT_EQ(std::memcmp(c->data, t.data, t.size), 0) << t.name;
  }
}

TEST_F(llama_model_test, names_the_missing_or_misshapen_tensor) {
  ASSERT_TRUE(w_.remove_tensor("blk.3.ffn_up.weight"));
  EXPECT_NE(load_error().find("blk.3.ffn_up.weight: tensor missing"), std::string::npos);
  w_.add_tensor_f32("blk.3.ffn_up.weight", ggml_type::f32, {64, 171},
                    std::vector<float>(64 * 171, 0.5f));
  EXPECT_NE(load_error().find("blk.3.ffn_up.weight: expected 64x172, got 64x171"),
            std::string::npos)
      << load_error();
  replace_tensor("blk.3.ffn_up.weight", ggml_type::f32, {172, 64});  // transposed
  EXPECT_NE(load_error().find("expected 64x172, got 172x64"), std::string::npos);
  replace_tensor("blk.3.ffn_up.weight", ggml_type::q8_1, {64, 172});
  EXPECT_NE(load_error().find("blk.3.ffn_up.weight: element type q8_1 is not supported"),
            std::string::npos);
  replace_tensor("blk.3.ffn_up.weight", ggml_type::q8_0, {64, 172});
  EXPECT_EQ(load_error(), "");
  EXPECT_EQ(model_->layers()[3].ffn_up.type, ggml_type::q8_0);
  replace_tensor("output_norm.weight", ggml_type::f32, {65});
  EXPECT_NE(load_error().find("output_norm.weight: expected 64, got 65"), std::string::npos);
}

TEST_F(llama_model_test, tied_output_uses_token_embeddings) {
  ASSERT_TRUE(w_.remove_tensor("output.weight"));
  ASSERT_EQ(load_error(), "");
  EXPECT_TRUE(model_->hparams().tied_output);
  EXPECT_EQ(model_->output().data, model_->token_embd().data);
}

TEST_F(llama_model_test, hyperparameter_errors) {
  w_.remove("llama.block_count");
  EXPECT_NE(load_error().find("missing metadata key 'llama.block_count'"), std::string::npos);
  w_.set_u32("llama.block_count", 5);
  w_.set_u32("llama.attention.head_count_kv", 3);
  EXPECT_NE(load_error().find("not a multiple of attention.head_count_kv 3"), std::string::npos);
  w_.set_u32("llama.attention.head_count_kv", 4);
  w_.set_u32("llama.block_count", 0);
  EXPECT_NE(load_error().find("llama.block_count is 0, out of range"), std::string::npos);
  w_.set_u32("llama.block_count", 6);
  EXPECT_NE(load_error().find("blk.5.attn_norm.weight: tensor missing"), std::string::npos);
  w_.set_u32("llama.block_count", 5);
  w_.set_string("general.architecture", "gpt2");
  EXPECT_NE(load_error().find("architecture 'gpt2' is not supported"), std::string::npos);
  w_.set_string("general.architecture", "llama");
  w_.set_string("llama.block_count", "five");
  w_.write(dir_.file("m.gguf"));
  EXPECT_THROW(load_llama_model(dir_.file("m.gguf")), gguf_error);
  w_.set_u32("llama.block_count", 5);
  w_.set_f32("llama.attention.layer_norm_rms_epsilon", -1.0f);
  EXPECT_NE(load_error().find("layer_norm_rms_epsilon must be positive"), std::string::npos);
}

TEST_F(llama_model_test, head_size_from_key_length) {
  w_.set_u32("llama.attention.key_length", 16);  // 8 heads x 16 = 128: the views must grow
  EXPECT_NE(load_error().find("blk.0.attn_q.weight: expected 64x128, got 64x64"),
            std::string::npos);
  w_.set_u32("llama.attention.key_length", 8);
  w_.set_u32("llama.attention.value_length", 4);
  EXPECT_NE(load_error().find("value_length"), std::string::npos);
  w_.remove("llama.attention.value_length");
  EXPECT_EQ(load_error(), "");
  EXPECT_EQ(model_->hparams().head_dim, 8);
}

TEST_F(llama_model_test, rope_settings) {
  w_.set_f32("llama.rope.freq_base", 500000.0f);
  w_.set_string("llama.rope.scaling.type", "linear");
  w_.set_f32("llama.rope.scaling.factor", 4.0f);
  ASSERT_EQ(load_error(), "");
  EXPECT_EQ(model_->hparams().rope_base, 500000.0f);
  EXPECT_EQ(model_->hparams().rope_freq_scale, 0.25f);
  w_.set_string("llama.rope.scaling.type", "yarn");
  EXPECT_NE(load_error().find("rope scaling 'yarn' is not supported"), std::string::npos);
  w_.set_string("llama.rope.scaling.type", "none");
  w_.add_tensor_f32("rope_freqs.weight", ggml_type::f32, {4}, std::vector<float>{1, 1, 2, 8});
  ASSERT_EQ(load_error(), "");
  EXPECT_EQ(model_->rope_factors(2048).name, "rope_freqs.weight");
  EXPECT_EQ(model_->rope_factors(1 << 20).name, "rope_freqs.weight");
  EXPECT_EQ(model_->hparams().rope_freq_scale, 1.0f);
  w_.remove_tensor("rope_freqs.weight");
  w_.add_tensor_f32("rope_freqs.weight", ggml_type::f32, {3}, std::vector<float>{1, 1, 2});
  EXPECT_NE(load_error().find("rope_freqs.weight: expected 4, got 3"), std::string::npos);
}

// Phi-3's LongRoPE: short factors up to the original context, long ones beyond, as llama.cpp
// chooses by the sequence length it is run with; attn_factor scales cos and sin.
TEST_F(llama_model_test, long_rope_factors_follow_the_sequence_length) {
  w_.add_tensor_f32("rope_factors_long.weight", ggml_type::f32, {4},
                    std::vector<float>{1, 2, 4, 8});
  EXPECT_NE(load_error().find("LongRoPE needs both"), std::string::npos);
  w_.add_tensor_f32("rope_factors_short.weight", ggml_type::f32, {4},
                    std::vector<float>{1, 1, 1, 1});
  w_.set_u32("llama.rope.scaling.original_context_length", 512);
  w_.set_f32("llama.rope.scaling.attn_factor", 1.19f);
  ASSERT_EQ(load_error(), "");
  EXPECT_EQ(model_->rope_factors(512).name, "rope_factors_short.weight");
  EXPECT_EQ(model_->rope_factors(513).name, "rope_factors_long.weight");
  EXPECT_EQ(model_->hparams().rope_attn_factor, 1.19f);
  w_.remove("llama.rope.scaling.original_context_length");  // the trained context (2048) then
  ASSERT_EQ(load_error(), "");
  EXPECT_EQ(model_->rope_factors(2048).name, "rope_factors_short.weight");
  EXPECT_EQ(model_->rope_factors(2049).name, "rope_factors_long.weight");
  w_.add_tensor_f32("rope_freqs.weight", ggml_type::f32, {4}, std::vector<float>{1, 1, 2, 8});
  EXPECT_NE(load_error().find("exclusive"), std::string::npos);
}

TEST_F(llama_model_test, qwen2_needs_biases_and_uses_neox_rope) {
  rename_arch("qwen2");
  EXPECT_NE(load_error().find("blk.0.attn_q.bias: tensor missing"), std::string::npos);
  for (int i = 0; i < 5; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    w_.add_tensor_f32(p + "attn_q.bias", ggml_type::f32, {64}, std::vector<float>(64, 0.1f));
    w_.add_tensor_f32(p + "attn_k.bias", ggml_type::f32, {32}, std::vector<float>(32, 0.1f));
    if (i != 2) {
      w_.add_tensor_f32(p + "attn_v.bias", ggml_type::f32, {32}, std::vector<float>(32, 0.1f));
    }
  }
  EXPECT_NE(load_error().find("blk.2.attn_v.bias: tensor missing"), std::string::npos);
  w_.add_tensor_f32("blk.2.attn_v.bias", ggml_type::f32, {32}, std::vector<float>(32, 0.1f));
  ASSERT_EQ(load_error(), "");
  EXPECT_EQ(model_->hparams().architecture, "qwen2");
  EXPECT_EQ(model_->hparams().rope, rope_layout::neox);
  EXPECT_TRUE(model_->hparams().qkv_bias);
  EXPECT_EQ(model_->layers()[4].bk.ne0, 32);
}

TEST_F(llama_model_test, mistral_label_is_llama) {
  rename_arch("mistral");
  ASSERT_EQ(load_error(), "");
  EXPECT_EQ(model_->hparams().rope, rope_layout::adjacent);
  EXPECT_EQ(model_->hparams().n_layer, 5);
}

}  // namespace
}  // namespace troupe
