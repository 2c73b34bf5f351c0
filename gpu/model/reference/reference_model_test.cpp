#include "gpu/model/reference/reference_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "gpu/model/gguf_writer.hpp"
#include "gpu/model/synthetic_model.hpp"
#include "tests/support/test_files.hpp"

namespace troupe::reference {
namespace {

using testing::temp_dir;

std::shared_ptr<const llama_model> synthetic(const std::string& path, ggml_type type) {
  synthetic_model_options o;
  o.layers = 2;
  o.dim = 64;
  o.heads = 8;
  o.kv_heads = 2;
  o.ffn = 96;
  o.vocab = 600;
  o.type = type;
  write_synthetic_model(o, path);
  return load_llama_model(path);
}

// The same model relabelled qwen2 (NEOX RoPE) with random QKV biases.
std::shared_ptr<const llama_model> as_qwen2(const std::string& from, const std::string& path) {
  const gguf_file f(from);
  gguf_writer w;
  w.copy_from(f);
  w.set_string("general.architecture", "qwen2");
  for (const auto& [key, value] : f.metadata()) {
    (void)value;
    if (key.rfind("llama.", 0) == 0) w.rename(key, "qwen2" + key.substr(5));
  }
  std::mt19937 rng(4);
  std::normal_distribution<float> d(0.0f, 0.5f);
  for (int l = 0; l < 2; ++l) {
    for (auto [name, n] : {std::pair{"q", 64}, {"k", 16}, {"v", 16}}) {
      std::vector<float> b(static_cast<size_t>(n));
      for (float& x : b) x = d(rng);
      w.add_tensor_f32("blk." + std::to_string(l) + ".attn_" + name + ".bias", ggml_type::f32, {n},
                       b);
    }
  }
  w.write(path);
  return load_llama_model(path);
}

std::vector<token_id> prompt() {
  return {1, 300, 301, 17, 450, 599, 3, 42, 42, 42, 7};
}

// Logits after the whole prompt in one chunk, and after feeding it one token at a time.
void expect_chunking_invariant(const reference_model& m) {
  const auto p = prompt();
  const auto whole = m.logits(p);
  sequence_kv kv;
  std::vector<float> step(whole.size());
  for (size_t i = 0; i < p.size(); ++i) {
    const reference_model::chunk c{std::span(p).subspan(i, 1), static_cast<int32_t>(i), &kv,
                                   step.data()};
    m.forward(std::span(&c, 1));
  }
  EXPECT_EQ(step, whole);  // the same arithmetic per token, whatever the chunking
  // Two chunks of uneven size, alongside an unrelated sequence in the same call.
  sequence_kv a, b;
  std::vector<float> la(whole.size()), lb(whole.size());
  const std::vector<token_id> other{1, 5, 6};
  const reference_model::chunk first[] = {{std::span(p).first(4), 0, &a, nullptr},
                                          {other, 0, &b, lb.data()}};
  m.forward(first);
  const reference_model::chunk second{std::span(p).subspan(4), 4, &a, la.data()};
  m.forward(std::span(&second, 1));
  EXPECT_EQ(la, whole);
  EXPECT_EQ(lb, m.logits(other));
}

TEST(reference_model, chunking_invariance_llama_quantized) {
  temp_dir dir;
  for (ggml_type t : {ggml_type::f32, ggml_type::q8_0, ggml_type::q4_0}) {
    SCOPED_TRACE(type_name(t));
    reference_model m(synthetic(dir.file(type_name(t) + ".gguf"), t), 2048);
    expect_chunking_invariant(m);
    const auto l = m.logits(prompt());
    for (float x : l) ASSERT_TRUE(std::isfinite(x));
    const auto [lo, hi] = std::minmax_element(l.begin(), l.end());
    EXPECT_GT(*hi - *lo, 0.5f);  // activations neither vanish nor explode
    EXPECT_LT(*hi - *lo, 100.0f);
  }
}

TEST(reference_model, qwen2_biases_and_neox_rope) {
  temp_dir dir;
  const auto llama = synthetic(dir.file("l.gguf"), ggml_type::f32);
  const auto qwen = as_qwen2(dir.file("l.gguf"), dir.file("q.gguf"));
  ASSERT_EQ(qwen->hparams().rope, rope_layout::neox);
  ASSERT_TRUE(qwen->hparams().qkv_bias);
  reference_model mq(qwen, 2048);
  expect_chunking_invariant(mq);
  EXPECT_NE(mq.logits(prompt()), reference_model(llama, 2048).logits(prompt()));
}

TEST(reference_model, rejects_bad_chunks_without_touching_caches) {
  temp_dir dir;
  reference_model m(synthetic(dir.file("m.gguf"), ggml_type::f32), 2048);
  sequence_kv kv;
  const std::vector<token_id> ok{1, 2}, bad{1, 600};
  const reference_model::chunk c1{ok, 0, &kv, nullptr};
  m.forward(std::span(&c1, 1));
  const reference_model::chunk c2{bad, 2, &kv, nullptr};
  EXPECT_THROW(m.forward(std::span(&c2, 1)), std::invalid_argument);
  const reference_model::chunk c3{ok, 3, &kv, nullptr};
  EXPECT_THROW(m.forward(std::span(&c3, 1)), std::invalid_argument);
  EXPECT_EQ(kv.length, 2);
}

TEST(reference_model, stories260k_first_token) {
  const std::string path = testing::find_test_model("stories260K.gguf");
  if (path.empty()) GTEST_SKIP() << "stories260K.gguf not found (set TROUPE_MODEL_PATH)";
  reference_model m(load_llama_model(path), 2048);
  const std::vector<token_id> bos{1};
  const auto l = m.logits(bos);
  EXPECT_EQ(std::max_element(l.begin(), l.end()) - l.begin(), 403);  // "Once"
}

}  // namespace
}  // namespace troupe::reference
