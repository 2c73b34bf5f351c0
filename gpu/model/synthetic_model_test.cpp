#include "gpu/model/synthetic_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "gpu/model/llama_model.hpp"
#include "gpu/model/reference/reference_engine.hpp"
#include "gpu/model/tokenizer_loader.hpp"
#include "gpu/text/detokenizer.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

using testing::read_file;
using testing::temp_dir;

synthetic_model_options small(ggml_type type) {
  synthetic_model_options o;
  o.layers = 3;
  o.dim = 64;
  o.heads = 8;
  o.kv_heads = 2;
  o.ffn = 96;
  o.vocab = 700;
  o.type = type;
  o.seed = 5;
  return o;
}

std::vector<float> dequantized(const tensor_view& t) {
  std::vector<float> v(static_cast<size_t>(t.ne0 * t.ne1));
  for (int64_t r = 0; r < t.ne1; ++r) dequantize_row(t.type, t.row(r), v.data() + r * t.ne0, t.ne0);
  return v;
}

TEST(synthetic_model, loads_as_a_llama_model_with_a_working_tokenizer) {
  temp_dir dir;
  for (ggml_type type : {ggml_type::f32, ggml_type::f16, ggml_type::q8_0, ggml_type::q4_0}) {
    const std::string path = dir.file(type_name(type) + ".gguf");
    write_synthetic_model(small(type), path);
    const auto m = load_llama_model(path);
    const llama_hparams& h = m->hparams();
    EXPECT_EQ(h.n_layer, 3);
    EXPECT_EQ(h.dim, 64);
    EXPECT_EQ(h.n_head, 8);
    EXPECT_EQ(h.n_head_kv, 2);
    EXPECT_EQ(h.head_dim, 8);
    EXPECT_EQ(h.ffn_dim, 96);
    EXPECT_EQ(h.vocab_size, 700);
    EXPECT_EQ(h.rope_dim, 8);
    EXPECT_EQ(m->layers()[2].ffn_down.type, type);
    EXPECT_EQ(m->output_norm().type, ggml_type::f32);
    const auto tok = load_tokenizer(m->file());
    EXPECT_EQ(tok->vocab_size(), 700);
    const std::string text = "Synthetic models tokenize: any text, even ünïcode 🙂.";
    auto ids = tok->encode(text, {.add_special = true, .parse_special = true});
    EXPECT_EQ(ids.front(), tok->bos());
    detokenizer d(tok, ids.front());
    std::string back;
    for (size_t i = 1; i < ids.size(); ++i) back += d.push(ids[i]);
    EXPECT_EQ(back + d.flush(), text);
    EXPECT_LT(ids.size(), text.size());  // pieces merge: fewer tokens than bytes
  }
}

TEST(synthetic_model, constant_model_always_predicts_its_token_and_carries_a_template) {
  temp_dir dir;
  auto o = small(ggml_type::f32);
  o.constant_token = 321;
  o.chat_template = "{{ messages[0]['content'] }}";
  const std::string path = dir.file("constant.gguf");
  write_synthetic_model(o, path);
  auto eng = reference_engine::open(path);
  step_input in;
  const auto prompt =
      eng->tokens()->encode("any prompt at all", {.add_special = true, .parse_special = true});
  in.seqs.push_back({1, prompt, 0, true, 0, {}});
  for (uint32_t i = 0; i < 4; ++i) {
    const auto out = eng->step(in);
    ASSERT_EQ(out.tokens.at(0), 321) << "step " << i;
    const int32_t pos = in.seqs[0].pos + static_cast<int32_t>(in.seqs[0].tokens.size());
    in.seqs[0] = {1, {out.tokens[0]}, pos, true, i + 1, {}};
  }
  gguf_file f(path);
  EXPECT_EQ(f.get_string("tokenizer.chat_template"), o.chat_template);
  o.constant_token = 700;  // outside the vocabulary
  EXPECT_THROW(write_synthetic_model(o, dir.file("bad.gguf")), std::invalid_argument);
}

TEST(synthetic_model, deterministic_and_seeded) {
  temp_dir dir;
  write_synthetic_model(small(ggml_type::q8_0), dir.file("a.gguf"));
  write_synthetic_model(small(ggml_type::q8_0), dir.file("b.gguf"));
  auto o = small(ggml_type::q8_0);
  o.seed = 6;
  write_synthetic_model(o, dir.file("c.gguf"));
  EXPECT_EQ(read_file(dir.file("a.gguf")), read_file(dir.file("b.gguf")));
  EXPECT_NE(read_file(dir.file("a.gguf")), read_file(dir.file("c.gguf")));
}

TEST(synthetic_model, weights_are_scaled_and_quantized_row_by_row) {
  temp_dir dir;
  write_synthetic_model(small(ggml_type::f32), dir.file("f32.gguf"));
  write_synthetic_model(small(ggml_type::q8_0), dir.file("q8.gguf"));
  const auto f = load_llama_model(dir.file("f32.gguf"));
  const auto q = load_llama_model(dir.file("q8.gguf"));
  const auto up = dequantized(f->layers()[1].ffn_up);  // 64 -> 96: std 1/8
  double sum2 = 0;
  for (float x : up) sum2 += static_cast<double>(x) * x;
  EXPECT_NEAR(std::sqrt(sum2 / static_cast<double>(up.size())), 0.125, 0.01);
  const auto norm = dequantized(f->layers()[1].attn_norm);
  for (float x : norm) EXPECT_NEAR(x, 1.0f, 0.5f);
  // Same seed, same values: q8_0 is the f32 weights quantized (error below half a step).
  const auto uq = dequantized(q->layers()[1].ffn_up);
  ASSERT_EQ(uq.size(), up.size());
  double max_err = 0;
  for (size_t i = 0; i < up.size(); ++i)
    max_err = std::max(max_err, std::fabs(double(uq[i]) - up[i]));
  EXPECT_LT(max_err, 0.01);
  EXPECT_GT(max_err, 0.0);
}

TEST(synthetic_model, rejects_inconsistent_options) {
  temp_dir dir;
  const std::string p = dir.file("x.gguf");
  auto o = small(ggml_type::f32);
  o.heads = 5;
  EXPECT_THROW(write_synthetic_model(o, p), std::invalid_argument);
  o = small(ggml_type::f32);
  o.kv_heads = 3;
  EXPECT_THROW(write_synthetic_model(o, p), std::invalid_argument);
  o = small(ggml_type::q4_0);
  o.dim = 48;
  o.heads = 6;
  EXPECT_THROW(write_synthetic_model(o, p), std::invalid_argument);
  o = small(ggml_type::f32);
  o.vocab = 100;
  EXPECT_THROW(write_synthetic_model(o, p), std::invalid_argument);
  o = small(ggml_type::q4_k);
  EXPECT_THROW(write_synthetic_model(o, p), std::invalid_argument);
  o = small(ggml_type::f32);
  o.vocab_from = dir.file("missing.json");
  EXPECT_THROW(write_synthetic_model(o, p), std::runtime_error);
}

}  // namespace
}  // namespace troupe
