// Every kernel against a plain C++ reference: projections for each weight format in both variants
// (and their independence of the batch size, and matrices split into row parts), embedding,
// RMSNorm, RoPE + paged KV writes and attention at head sizes 8, 64 and 128 over mixed batches of
// sequences, SiLU gating and the bandwidth probes.
#include "gpu/vulkan/kernels.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <random>

#include "gpu/model/tensor_types.hpp"
#include "gpu/vulkan/device_model.hpp"

namespace troupe::vk {
namespace {

class KernelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ctx_ = new context("0");
    k_ = new kernels(*ctx_, {8, 64, 128});
    const matmul_kind other =
        k_->kind() == matmul_kind::rows ? matmul_kind::split : matmul_kind::rows;
    if (other == matmul_kind::split || ctx_->device().subgroup_shuffle) {
      other_ = new kernels(*ctx_, {}, kernels::all_formats(), other);
    }
  }
  static void TearDownTestSuite() {
    delete other_;
    delete k_;
    delete ctx_;
  }
  // The projection kernels of both variants this device can run.
  static std::vector<const kernels*> variants() {
    std::vector<const kernels*> v{k_};
    if (other_) v.push_back(other_);
    return v;
  }
  static const char* name(const kernels* k) {
    return k->kind() == matmul_kind::rows ? "rows" : "split";
  }

  template <typename T>
  buffer make(const std::vector<T>& data) {
    buffer b(*ctx_, data.size() * sizeof(T) + 64, memory_kind::device, "test");
    b.fill_zero();
    b.upload(0, data.data(), data.size() * sizeof(T));
    return b;
  }
  buffer zeros(uint64_t bytes) {
    buffer b(*ctx_, bytes + 64, memory_kind::device, "test");
    b.fill_zero();
    return b;
  }
  static std::vector<float> read(buffer& b, size_t n) {
    std::vector<float> out(n);
    b.download(0, out.data(), n * 4);
    return out;
  }
  static std::vector<float> randoms(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(-scale, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
  }

  static context* ctx_;
  static kernels* k_;
  static kernels* other_;
};
context* KernelTest::ctx_ = nullptr;
kernels* KernelTest::k_ = nullptr;
kernels* KernelTest::other_ = nullptr;

struct quantized {
  std::vector<uint8_t> gguf;   // GGUF layout
  std::vector<float> dequant;  // what the kernels must reproduce
};

quantized quantize(ggml_type type, const std::vector<float>& values, int64_t K, int64_t N) {
  quantized q;
  const uint64_t rb = row_bytes(type, K);
  q.gguf.resize(rb * N);
  q.dequant.resize(K * N);
  for (int64_t n = 0; n < N; ++n) {
    quantize_row(type, values.data() + n * K, q.gguf.data() + n * rb, K);
    dequantize_row(type, q.gguf.data() + n * rb, q.dequant.data() + n * K, K);
  }
  return q;
}

struct uploaded {
  device_weight w;
};

uploaded upload(context& ctx, ggml_type type, const quantized& q, int64_t K, int64_t N) {
  return {upload_weight(ctx, repack(type, q.gguf.data(), K, N), "weight")};
}

// The matrix in parts of at most `rows` rows, as upload_weight makes on devices with small views.
uploaded upload_in_parts(context& ctx, ggml_type type, const quantized& q, int64_t K, int64_t N,
                         uint32_t rows) {
  const auto whole = repack(type, q.gguf.data(), K, N);
  uploaded u{{whole.K, whole.N, {}}};
  for (uint32_t r = 0; r < whole.N; r += rows) {
    const uint32_t n = std::min<uint32_t>(rows, whole.N - r);
    const auto part = upload_weight(ctx, slice_rows(whole, r, n), "weight part");
    u.w.parts.push_back(part.parts.at(0));
    u.w.parts.back().row0 = r;
  }
  return u;
}

const ggml_type k_types[] = {ggml_type::f32,  ggml_type::f16,  ggml_type::q8_0, ggml_type::q4_0,
                             ggml_type::q4_1, ggml_type::q5_0, ggml_type::q5_1, ggml_type::q2_k,
                             ggml_type::q3_k, ggml_type::q4_k, ggml_type::q5_k, ggml_type::q6_k};

// Values per block of a type's rows (32, or 256 for the K-quants); a row's length is a multiple.
int64_t block_of(ggml_type type) {
  return std::max<int64_t>(32, traits_of(type).block_size);
}

// Every GGUF type with a kernel stays in its own format on the device, taking what it takes in
// the file plus alignment: on rows of an 8B model's 4096 values, Q5_0's 24-byte blocks (for 22)
// cost 9%, Q3_K's 112 + 2 bytes (for 110) 4%, the rest under 1%.
TEST(WeightLayouts, DeviceBytesAreTheFilesPlusAlignment) {
  for (ggml_type t : k_types) {
    const weight_format f = native_format(t, 4096);
    std::string name = type_name(t);  // ggml's "q4_K" is the format "q4_k"
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(shader_suffix(f), name);
    const double file = static_cast<double>(row_bytes(t, 4096)) * 4096;
    const double ratio = static_cast<double>(repacked_bytes(f, 4096, 4096)) / file;
    const double most = t == ggml_type::q5_0 ? 1.095 : t == ggml_type::q3_k ? 1.04 : 1.01;
    EXPECT_GE(ratio, 1.0) << type_name(t);
    EXPECT_LE(ratio, most) << type_name(t);
  }
}

TEST_F(KernelTest, MatmulMatchesReferenceForEveryFormatAndBatch) {
  for (const kernels* k : variants()) {
    for (ggml_type type : k_types) {
      const int64_t b = block_of(type);
      // Odd block counts and row counts, and a matrix in row parts (N = 70).
      for (auto [K, N] : {std::pair<int64_t, int64_t>{2 * b, 37},
                          {b * 8, 64},
                          {3 * b, 9},
                          {b == 32 ? 96 : 256, 70}}) {
        const auto q = quantize(type, randoms(K * N, 1 + K + N), K, N);
        auto w = N == 70 ? upload_in_parts(*ctx_, type, q, K, N, 32) : upload(*ctx_, type, q, K, N);
        for (uint32_t T : {1u, 4u, 8u, 13u, 16u}) {
          const uint32_t xs = static_cast<uint32_t>(K) + 4, ys = static_cast<uint32_t>(N) + 3;
          auto xv = randoms(T * xs, 7 + T);
          auto x = make(xv);
          auto bias_v = randoms(N, 99);
          auto bias = make(bias_v);
          auto init = randoms(T * ys, 5);
          auto y = make(init);
          auto cmd = ctx_->begin();
          k->matmul(cmd, w.w, at(x), at(y), T, xs, ys, true, at(bias));
          ctx_->submit_and_wait();
          auto got = read(y, T * ys);
          for (uint32_t t = 0; t < T; ++t) {
            for (int64_t n = 0; n < N; ++n) {
              double ref = init[t * ys + n] + bias_v[n];
              for (int64_t j = 0; j < K; ++j) ref += double(q.dequant[n * K + j]) * xv[t * xs + j];
              ASSERT_NEAR(got[t * ys + n], ref, 1e-4 * (1 + std::abs(ref)))
                  << name(k) << " " << type_name(type) << " K=" << K << " N=" << N << " T=" << T
                  << " t=" << t;
            }
          }
        }
      }
    }
  }
}

TEST_F(KernelTest, MatmulResultDoesNotDependOnBatchSize) {
  const int64_t N = 33;
  for (const kernels* k : variants()) {
    for (ggml_type type : k_types) {
      // K not a multiple of 64: a tail for the float formats; 3 super-blocks for the K-quants.
      const int64_t K = block_of(type) == 32 ? 288 : 768;
      const auto q = quantize(type, randoms(K * N, 3), K, N);
      auto w = upload(*ctx_, type, q, K, N);
      const uint32_t T = 11;
      auto xv = randoms(T * K, 4);
      auto x = make(xv);
      auto y_all = zeros(T * N * 4);
      auto cmd = ctx_->begin();
      k->matmul(cmd, w.w, at(x), at(y_all), T, K, N, false);
      ctx_->submit_and_wait();
      auto all = read(y_all, T * N);
      for (uint32_t t = 0; t < T; t += 5) {
        auto y_one = zeros(N * 4);
        cmd = ctx_->begin();
        k->matmul(cmd, w.w, at(x, t * K * 4), at(y_one), 1, K, N, false);
        ctx_->submit_and_wait();
        auto one = read(y_one, N);
        for (int64_t n = 0; n < N; ++n) {
          ASSERT_EQ(std::memcmp(&one[n], &all[t * N + n], 4), 0)
              << name(k) << " " << type_name(type) << " t=" << t;
        }
      }
    }
  }
}

TEST_F(KernelTest, EmbedGathersDequantizedRows) {
  const int64_t V = 50;
  for (ggml_type type : k_types) {
    const int64_t K = 2 * block_of(type);
    const auto q = quantize(type, randoms(K * V, 11), K, V);
    auto w = upload_in_parts(*ctx_, type, q, K, V, 20);
    std::vector<int32_t> toks = {3, 49, 0, 3, 17, 25};
    auto tb = make(toks);
    auto x = zeros(toks.size() * K * 4);
    auto cmd = ctx_->begin();
    k_->embed(cmd, w.w, at(tb), at(x), toks.size(), K);
    ctx_->submit_and_wait();
    auto got = read(x, toks.size() * K);
    for (size_t t = 0; t < toks.size(); ++t) {
      for (int64_t k = 0; k < K; ++k) {
        ASSERT_EQ(got[t * K + k], q.dequant[toks[t] * K + k]) << type_name(type);
      }
    }
  }
}

TEST_F(KernelTest, RmsNormAllRowsAndSelectedRows) {
  const uint32_t K = 172, R = 5;
  auto xv = randoms(R * K, 21, 3.0f);
  auto wv = randoms(K, 22);
  auto x = make(xv);
  auto w = make(wv);
  std::vector<uint32_t> rows = {4, 1};
  auto rb = make(rows);
  auto y = zeros(R * K * 4);
  auto ys = zeros(2 * K * 4);
  auto cmd = ctx_->begin();
  k_->rms_norm(cmd, at(x), at(w), at(y), K, R, K, K, 1e-5f);
  k_->rms_norm(cmd, at(x), at(w), at(ys), K, 2, K, K, 1e-5f, at(rb));
  ctx_->submit_and_wait();
  auto got = read(y, R * K);
  auto got_sel = read(ys, 2 * K);
  for (uint32_t r = 0; r < R; ++r) {
    double ss = 0;
    for (uint32_t k = 0; k < K; ++k) ss += double(xv[r * K + k]) * xv[r * K + k];
    const double scale = 1.0 / std::sqrt(ss / K + 1e-5);
    for (uint32_t k = 0; k < K; ++k) {
      const double ref = xv[r * K + k] * scale * wv[k];
      ASSERT_NEAR(got[r * K + k], ref, 1e-5 * (1 + std::abs(ref)));
      for (uint32_t i = 0; i < rows.size(); ++i) {
        if (rows[i] == r) {
          ASSERT_EQ(got_sel[i * K + k], got[r * K + k]);
        }
      }
    }
  }
}

TEST_F(KernelTest, SiluMul) {
  const uint32_t F = 172, T = 3;
  auto gu = randoms(T * 2 * F, 31, 4.0f);
  auto g = make(gu);
  auto h = zeros(T * F * 4);
  auto cmd = ctx_->begin();
  k_->silu_mul(cmd, at(g), at(h), F, T, F);
  ctx_->submit_and_wait();
  auto got = read(h, T * F);
  for (uint32_t t = 0; t < T; ++t) {
    for (uint32_t i = 0; i < F; ++i) {
      const double a = gu[t * 2 * F + i], b = gu[t * 2 * F + F + i];
      const double ref = a / (1 + std::exp(-a)) * b;
      ASSERT_NEAR(got[t * F + i], ref, 1e-5 * (1 + std::abs(ref)));
    }
  }
}

TEST_F(KernelTest, BandwidthProbes) {
  std::vector<float> v = randoms(100000, 41);
  auto src = make(v);
  for (copy_path path : {copy_path::copy_texels, copy_path::copy_buffer}) {
    auto dst = zeros(v.size() * 4);
    auto cmd = ctx_->begin();
    k_->copy(cmd, src, dst, v.size() * 4, path);
    ctx_->submit_and_wait();
    EXPECT_EQ(read(dst, v.size()), v);
  }
  // The read probe sums each workgroup's slice per lane: the words' total is preserved.
  std::vector<uint32_t> ones(70000, 1);
  auto src1 = make(ones);
  auto sums = zeros(1 << 16);
  auto cmd = ctx_->begin();
  k_->copy(cmd, src1, sums, ones.size() * 4, copy_path::read);
  ctx_->submit_and_wait();
  std::vector<uint32_t> got(1 << 14);
  sums.download(0, got.data(), got.size() * 4);
  uint64_t total = 0;
  for (uint32_t g : got) total += g;
  EXPECT_EQ(total, ones.size());
}

// RoPE + paged KV write + attention for several sequences in one step against a direct
// computation over each sequence's full history.
struct attention_case {
  uint32_t head_dim, rope_dim, n_head, n_kv;
  bool neox;
};

void reference_rope(std::vector<float>& x, uint32_t head_dim, uint32_t rope_dim, bool neox,
                    uint32_t pos, const std::vector<double>& inv_freq) {
  for (uint32_t i = 0; i < rope_dim / 2; ++i) {
    const uint32_t a = neox ? i : 2 * i, b = neox ? i + rope_dim / 2 : 2 * i + 1;
    const double th = pos * inv_freq[i];
    const float c = static_cast<float>(std::cos(th)), s = static_cast<float>(std::sin(th));
    const float x0 = x[a], x1 = x[b];
    x[a] = x0 * c - x1 * s;
    x[b] = x0 * s + x1 * c;
  }
  (void)head_dim;
}

TEST_F(KernelTest, RopeAndPagedAttentionMixedBatch) {
  const attention_case cases[] = {
      {8, 8, 8, 4, false}, {64, 64, 4, 2, true}, {128, 64, 4, 1, false}, {64, 32, 2, 2, true}};
  for (const auto& c : cases) {
    const uint32_t BT = 4, max_pos = 64;
    const uint32_t q_dim = c.n_head * c.head_dim, kv_dim = c.n_kv * c.head_dim;
    const uint32_t row = q_dim + 2 * kv_dim;
    std::vector<double> inv_freq(c.rope_dim / 2);
    for (uint32_t i = 0; i < c.rope_dim / 2; ++i) {
      inv_freq[i] = std::pow(10000.0, -2.0 * i / c.rope_dim);
    }
    std::vector<float> rope_tab(max_pos * c.rope_dim);
    for (uint32_t p = 0; p < max_pos; ++p) {
      for (uint32_t i = 0; i < c.rope_dim / 2; ++i) {
        rope_tab[(p * c.rope_dim / 2 + i) * 2] = static_cast<float>(std::cos(p * inv_freq[i]));
        rope_tab[(p * c.rope_dim / 2 + i) * 2 + 1] = static_cast<float>(std::sin(p * inv_freq[i]));
      }
    }
    // Three sequences: lengths 13 (prefill chunk of 13), 9 (history 8 + 1 decode), 6 (history 3
    // + chunk of 3). Block tables use scattered block ids.
    struct seq {
      uint32_t history, chunk;
      std::vector<uint32_t> blocks;
    };
    std::vector<seq> seqs = {{0, 13, {7, 2, 9, 0}}, {8, 1, {5, 1, 11}}, {3, 3, {3, 10}}};
    const uint32_t n_blocks = 12;
    auto raw = randoms(64 * row, 51);  // q/k/v per (seq, pos) before RoPE
    auto raw_at = [&](uint32_t s, uint32_t p) { return raw.data() + (s * 20 + p) * row; };

    std::vector<uint32_t> table, meta;
    std::vector<float> qkv_hist, qkv_step;
    std::vector<uint32_t> meta_hist;
    for (uint32_t s = 0; s < seqs.size(); ++s) {
      const uint32_t base = table.size();
      table.insert(table.end(), seqs[s].blocks.begin(), seqs[s].blocks.end());
      for (uint32_t p = 0; p < seqs[s].history + seqs[s].chunk; ++p) {
        auto& dst = p < seqs[s].history ? qkv_hist : qkv_step;
        auto& m = p < seqs[s].history ? meta_hist : meta;
        dst.insert(dst.end(), raw_at(s, p), raw_at(s, p) + row);
        m.push_back(p);
        m.push_back(base);
      }
    }
    const uint32_t T_hist = meta_hist.size() / 2, T = meta.size() / 2;
    auto tab = make(table);
    auto rope = make(rope_tab);
    const uint64_t cache_bytes = uint64_t(n_blocks) * BT * kv_dim * 4;
    auto kc = zeros(cache_bytes), vc = zeros(cache_bytes);
    auto mh = make(meta_hist), ms = make(meta);
    auto qh = make(qkv_hist), qs = make(qkv_step);
    auto out = zeros(T * q_dim * 4), out_h = zeros(T_hist * q_dim * 4);
    const float scale = 1.0f / std::sqrt(float(c.head_dim));
    rope_params rp{c.head_dim, c.rope_dim, c.neox};
    auto cmd = ctx_->begin();
    // Step 1: the histories; step 2: the new tokens, attending over history and chunk.
    k_->rope_store(cmd, at(qh), kc, vc, at(mh), at(tab), at(rope), T_hist, c.n_head, c.n_kv, rp, BT,
                   row);
    k_->barrier(cmd);
    k_->attention(cmd, at(qh), at(out_h), kc, vc, at(mh), at(tab), T_hist, c.n_head, c.n_kv,
                  c.head_dim, BT, row, q_dim, scale);
    k_->rope_store(cmd, at(qs), kc, vc, at(ms), at(tab), at(rope), T, c.n_head, c.n_kv, rp, BT,
                   row);
    k_->barrier(cmd);
    k_->attention(cmd, at(qs), at(out), kc, vc, at(ms), at(tab), T, c.n_head, c.n_kv, c.head_dim,
                  BT, row, q_dim, scale);
    ctx_->submit_and_wait();
    auto got = read(out, T * q_dim);

    uint32_t t = 0;
    for (uint32_t s = 0; s < seqs.size(); ++s) {
      const uint32_t len = seqs[s].history + seqs[s].chunk;
      std::vector<std::vector<float>> keys(len), vals(len);
      for (uint32_t p = 0; p < len; ++p) {
        for (uint32_t kh = 0; kh < c.n_kv; ++kh) {
          std::vector<float> k(raw_at(s, p) + q_dim + kh * c.head_dim,
                               raw_at(s, p) + q_dim + (kh + 1) * c.head_dim);
          reference_rope(k, c.head_dim, c.rope_dim, c.neox, p, inv_freq);
          keys[p].insert(keys[p].end(), k.begin(), k.end());
          vals[p].insert(vals[p].end(), raw_at(s, p) + q_dim + kv_dim + kh * c.head_dim,
                         raw_at(s, p) + q_dim + kv_dim + (kh + 1) * c.head_dim);
        }
      }
      for (uint32_t p = seqs[s].history; p < len; ++p, ++t) {
        for (uint32_t h = 0; h < c.n_head; ++h) {
          std::vector<float> q(raw_at(s, p) + h * c.head_dim, raw_at(s, p) + (h + 1) * c.head_dim);
          reference_rope(q, c.head_dim, c.rope_dim, c.neox, p, inv_freq);
          const uint32_t kh = h / (c.n_head / c.n_kv);
          std::vector<double> sc(p + 1);
          double mx = -1e300;
          for (uint32_t j = 0; j <= p; ++j) {
            double d = 0;
            for (uint32_t e = 0; e < c.head_dim; ++e)
              d += double(q[e]) * keys[j][kh * c.head_dim + e];
            sc[j] = d * scale;
            mx = std::max(mx, sc[j]);
          }
          double sum = 0;
          for (double& v : sc) sum += (v = std::exp(v - mx));
          for (uint32_t e = 0; e < c.head_dim; ++e) {
            double ref = 0;
            for (uint32_t j = 0; j <= p; ++j) ref += sc[j] / sum * vals[j][kh * c.head_dim + e];
            ASSERT_NEAR(got[t * q_dim + h * c.head_dim + e], ref, 2e-5)
                << "head_dim " << c.head_dim << " seq " << s << " pos " << p << " head " << h;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace troupe::vk
