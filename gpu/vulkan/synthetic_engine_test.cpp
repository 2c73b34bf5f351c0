// The Vulkan engine against the CPU reference_engine on synthetic models of several shapes
// (head sizes 8, 64 and 128), every architecture and every weight type with a kernel: the same
// mixed batches (prefill chunks and decode tokens of several sequences) must give the same greedy
// tokens.
#include <gtest/gtest.h>

#include <sstream>

#include "gpu/model/reference/reference_engine.hpp"
#include "gpu/model/synthetic_model.hpp"
#include "gpu/model/testing/synthetic_cases.hpp"
#include "gpu/vulkan/vulkan_engine.hpp"
#include "tests/support/test_files.hpp"

namespace troupe {
namespace {

struct shape {
  int32_t layers, dim, heads, kv_heads, ffn;
  ggml_type type;
};

// Runs three sequences with different prompt lengths and chunkings for `steps` steps on `e`.
std::vector<std::vector<token_id>> drive(engine& e, int steps) {
  struct seq {
    uint64_t id;
    std::vector<token_id> prompt;
    size_t chunk, sent = 0;
    std::vector<token_id> out;
  };
  std::vector<seq> seqs;
  for (uint64_t i = 0; i < 3; ++i) {
    std::vector<token_id> p;
    for (size_t k = 0; k < 5 + 11 * i; ++k)
      p.push_back(static_cast<token_id>(3 + (k * 37 + i * 101) % 500));
    seqs.push_back({i + 1, p, 4 + 3 * i, 0, {}});
  }
  for (int s = 0; s < steps; ++s) {
    step_input in;
    for (auto& q : seqs) {
      sequence_input x;
      x.seq = q.id;
      if (q.sent < q.prompt.size()) {
        const size_t n = std::min(q.chunk, q.prompt.size() - q.sent);
        x.tokens.assign(q.prompt.begin() + q.sent, q.prompt.begin() + q.sent + n);
        x.pos = static_cast<int32_t>(q.sent);
        q.sent += n;
        x.sample = q.sent == q.prompt.size();
      } else {
        x.tokens = {q.out.back()};
        x.pos = static_cast<int32_t>(q.prompt.size() + q.out.size() - 1);
        x.sample = true;
      }
      x.sample_index = static_cast<uint32_t>(q.out.size());
      in.seqs.push_back(x);
    }
    auto r = e.step(in);
    for (size_t k = 0; k < seqs.size(); ++k) {
      if (in.seqs[k].sample) seqs[k].out.push_back(r.tokens[k]);
    }
  }
  std::vector<std::vector<token_id>> out;
  for (auto& q : seqs) out.push_back(q.out);
  return out;
}

// Both engines on one synthetic model; `what` names it in a failure.
void expect_same_tokens(const synthetic_model_options& o, const std::string& path,
                        const std::string& what) {
  write_synthetic_model(o, path);
  reference_engine_options r;
  r.context_length = 256;  // as the Vulkan engine's (LongRoPE's factors depend on it)
  auto ref = reference_engine::open(path, r);
  vulkan_engine_options v;
  v.model_name = "synthetic";
  v.model_path = path;
  v.max_seq_len = 256;
  v.max_batch_size = 4;
  v.max_step_tokens = 64;
  auto vk = open_vulkan_engine(v);
  const auto want = drive(*ref, 24);
  const auto got = drive(*vk, 24);
  EXPECT_EQ(got, want) << what;
}

TEST(SyntheticEngine, GreedyTokensMatchCpuReferenceAcrossShapesAndTypes) {
  testing::temp_dir dir;
  const shape shapes[] = {
      {2, 64, 8, 4, 192, ggml_type::f32},   {2, 64, 8, 4, 192, ggml_type::f16},
      {2, 64, 8, 4, 192, ggml_type::q8_0},  {2, 64, 8, 4, 192, ggml_type::q4_0},
      {2, 256, 4, 2, 320, ggml_type::q4_0}, {2, 256, 4, 2, 320, ggml_type::q8_0},
      {1, 256, 2, 1, 256, ggml_type::f16},  {1, 256, 2, 2, 256, ggml_type::f32},
  };
  int n = 0;
  for (const auto& s : shapes) {
    synthetic_model_options o;
    o.layers = s.layers;
    o.dim = s.dim;
    o.heads = s.heads;
    o.kv_heads = s.kv_heads;
    o.ffn = s.ffn;
    o.type = s.type;
    o.seed = 7 + n;
    std::ostringstream what;
    what << "dim " << s.dim << " heads " << s.heads << "/" << s.kv_heads << " type "
         << type_name(s.type);
    expect_same_tokens(o, dir.file(std::to_string(n++) + ".gguf"), what.str());
  }
}

// Each architecture's own tensors (qwen2's QKV biases, qwen3's per-head Q/K norms, phi3's fused
// QKV and gate-up, Phi-3's LongRoPE, Llama 3.1's rope_freqs, tied embeddings) with every block
// format, the formats of llama.cpp's Q4_K_M mix included.
TEST(SyntheticEngine, EveryArchitectureAndBlockFormatMatchesCpuReference) {
  testing::temp_dir dir;
  const testing::synthetic_case cases[] = {
      {"llama", ggml_type::q4_k, true, true, true},
      {"llama", ggml_type::q2_k, false, false, true},
      {"llama", ggml_type::q3_k, false, true, false},
      {"qwen2", ggml_type::q4_k, false, false, false},
      {"qwen2", ggml_type::q4_1, false, true, false},
      {"qwen3", ggml_type::q5_k, false, false, false},
      {"qwen3", ggml_type::q5_0, false, false, false},
      {"qwen3", ggml_type::q8_0, false, true, false},
      {"phi3", ggml_type::q6_k, false, false, false},
      {"phi3", ggml_type::q5_1, false, false, false},
      {"phi3", ggml_type::f16, false, true, false},
      {"phi3", ggml_type::q4_k, false, false, false, 1024},
      {"phi3", ggml_type::q8_0, false, false, false, 128},
  };
  int n = 0;
  for (const auto& c : cases) {
    const auto o = testing::options_of(c, 31 + n);
    const std::string what = testing::describe(c);
    expect_same_tokens(o, dir.file(std::to_string(n++) + ".gguf"), what);
  }
}

}  // namespace
}  // namespace troupe
