#include "gpu/model/reference/reference_ops.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace troupe::reference {
namespace {

// A weight tensor owning its bytes: `values` ([out][in]) quantized to `type`.
struct owned_weight {
  std::vector<uint8_t> bytes;
  tensor_view view;

  owned_weight(ggml_type type, int64_t in, int64_t out, const std::vector<float>& values) {
    const uint64_t rb = row_bytes(type, in);
    bytes.resize(rb * static_cast<uint64_t>(out));
    for (int64_t o = 0; o < out; ++o) quantize_row(type, &values[o * in], &bytes[o * rb], in);
    view = tensor_view{"w", type, in, out, bytes.data(), bytes.size()};
  }
};

std::vector<float> randoms(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(reference_ops, matmul_every_weight_type) {
  const int64_t in = 64, out = 5, tokens = 3;
  const auto w = randoms(in * out, 1);
  const auto x = randoms(in * tokens, 2);
  for (ggml_type type : {ggml_type::f32, ggml_type::f16, ggml_type::q8_0, ggml_type::q4_0}) {
    owned_weight ow(type, in, out, w);
    const auto deq = dequantize(ow.view);  // what the weights are, once stored
    std::vector<float> y(static_cast<size_t>(tokens * out));
    matmul(x.data(), tokens, ow.view, y.data());
    for (int64_t t = 0; t < tokens; ++t) {
      for (int64_t o = 0; o < out; ++o) {
        double want = 0, approx = 0;
        for (int64_t i = 0; i < in; ++i) {
          want += static_cast<double>(x[t * in + i]) * deq[o * in + i];
          approx += static_cast<double>(x[t * in + i]) * w[o * in + i];
        }
        EXPECT_FLOAT_EQ(y[t * out + o], static_cast<float>(want)) << type_name(type);
        // And close to the unquantized product (a sanity check of the quantization itself).
        EXPECT_NEAR(y[t * out + o], approx, type == ggml_type::q4_0 ? 1.5 : 0.2);
      }
    }
  }
}

TEST(reference_ops, embedding_rows) {
  const auto w = randoms(32 * 4, 3);
  owned_weight ow(ggml_type::q8_0, 32, 4, w);
  std::vector<float> out(64);
  const std::vector<token_id> ids{3, 0};
  embedding(ow.view, ids, out.data());
  const auto deq = dequantize(ow.view);
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(out[i], deq[3 * 32 + i]);
    EXPECT_EQ(out[32 + i], deq[i]);
  }
  const std::vector<token_id> bad{4};
  EXPECT_THROW(embedding(ow.view, bad, out.data()), std::out_of_range);
}

TEST(reference_ops, rmsnorm_values) {
  const float x[4] = {1, 2, 3, 4};  // mean square 7.5
  const float w[4] = {1, 1, 2, 0.5f};
  float y[4];
  rmsnorm(x, w, 4, 0.0f, y);
  const float s = 1.0f / std::sqrt(7.5f);
  EXPECT_FLOAT_EQ(y[0], 1 * s);
  EXPECT_FLOAT_EQ(y[2], 6 * s);
  EXPECT_FLOAT_EQ(y[3], 2 * s);
  rmsnorm(x, w, 4, 2.5f, y);  // eps joins the mean: 1 / sqrt(10)
  EXPECT_FLOAT_EQ(y[1], 2 / std::sqrt(10.0f));
}

TEST(reference_ops, rope_layouts) {
  // One head of 6: 4 rotating dimensions (two pairs), 2 left alone.
  rope_params p;
  p.n_dims = 4;
  p.base = 100.0f;
  const float in[6] = {1, 2, 3, 4, 5, 6};
  auto rotate = [](double a, double b, double t) {
    return std::pair{a * std::cos(t) - b * std::sin(t), a * std::sin(t) + b * std::cos(t)};
  };
  for (rope_layout layout : {rope_layout::adjacent, rope_layout::neox}) {
    p.layout = layout;
    float x[6];
    std::copy_n(in, 6, x);
    rope(x, 1, 6, 0, p);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(x[i], in[i]);  // position 0: identity
    std::copy_n(in, 6, x);
    rope(x, 1, 6, 3, p);
    // theta_0 = 3, theta_1 = 3 * 100^(-1/2) = 0.3
    const int a0 = 0, b0 = layout == rope_layout::adjacent ? 1 : 2;
    const int a1 = layout == rope_layout::adjacent ? 2 : 1, b1 = 3;
    const auto r0 = rotate(in[a0], in[b0], 3.0);
    const auto r1 = rotate(in[a1], in[b1], 0.3);
    EXPECT_FLOAT_EQ(x[a0], static_cast<float>(r0.first));
    EXPECT_FLOAT_EQ(x[b0], static_cast<float>(r0.second));
    EXPECT_FLOAT_EQ(x[a1], static_cast<float>(r1.first));
    EXPECT_FLOAT_EQ(x[b1], static_cast<float>(r1.second));
    EXPECT_EQ(x[4], 5.0f);
    EXPECT_EQ(x[5], 6.0f);
  }
}

TEST(reference_ops, rope_scaling_and_freq_factors) {
  rope_params p;
  p.n_dims = 4;
  p.base = 100.0f;
  p.freq_scale = 0.25f;  // linear factor 4: position 8 turns like position 2
  const float factors[2] = {1.0f, 4.0f};
  float a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 4};
  rope(a, 1, 4, 8, p);
  p.freq_scale = 1.0f;
  rope(b, 1, 4, 2, p);
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(a[i], b[i]);
  // freq_factors divide the angle of their pair only.
  float c[4] = {1, 2, 3, 4}, d[4] = {1, 2, 3, 4};
  p.freq_factors = factors;
  rope(c, 1, 4, 8, p);
  p.freq_factors = nullptr;
  rope(d, 1, 4, 8, p);
  EXPECT_FLOAT_EQ(c[0], d[0]);
  EXPECT_NE(c[2], d[2]);
  float e[4] = {1, 2, 3, 4};
  rope(e, 1, 4, 2, p);
  EXPECT_FLOAT_EQ(c[2], e[2]);  // pair 1 at position 8 / 4 = 2
}

TEST(reference_ops, attention_with_grouped_kv_heads) {
  // 4 query heads, 2 KV heads of size 2: heads 0,1 use KV head 0; heads 2,3 KV head 1.
  const int32_t n_head = 4, n_kv_head = 2, hd = 2, n_kv = 3;
  const auto q = randoms(n_head * hd, 5);
  const auto k = randoms(n_kv * n_kv_head * hd, 6);
  const auto v = randoms(n_kv * n_kv_head * hd, 7);
  std::vector<float> out(n_head * hd);
  attention(q.data(), k.data(), v.data(), n_kv, n_head, n_kv_head, hd, out.data());
  for (int h = 0; h < n_head; ++h) {
    const int kvh = h / 2;
    double s[3], m = -1e30, sum = 0;
    for (int j = 0; j < n_kv; ++j) {
      s[j] = 0;
      for (int d = 0; d < hd; ++d)
        s[j] += double(q[h * hd + d]) * k[(j * n_kv_head + kvh) * hd + d];
      s[j] /= std::sqrt(2.0);
      m = std::max(m, s[j]);
    }
    for (double& x : s) sum += (x = std::exp(x - m));
    for (int d = 0; d < hd; ++d) {
      double o = 0;
      for (int j = 0; j < n_kv; ++j) o += s[j] / sum * v[(j * n_kv_head + kvh) * hd + d];
      EXPECT_NEAR(out[h * hd + d], o, 1e-6) << h << " " << d;
    }
  }
  // One cached position: the output is that position's V row of the mapped head.
  attention(q.data(), k.data(), v.data(), 1, n_head, n_kv_head, hd, out.data());
  EXPECT_FLOAT_EQ(out[3 * hd + 1], v[1 * hd + 1]);
}

TEST(reference_ops, silu_ffn_composition) {
  const int64_t dim = 32, ffn = 64;
  owned_weight gate(ggml_type::f32, dim, ffn, randoms(dim * ffn, 8, 0.2f));
  owned_weight up(ggml_type::f32, dim, ffn, randoms(dim * ffn, 9, 0.2f));
  owned_weight down(ggml_type::f32, ffn, dim, randoms(dim * ffn, 10, 0.2f));
  const auto x = randoms(dim, 11);
  std::vector<float> out(dim), g(ffn), u(ffn), h(ffn), want(dim);
  silu_ffn(x.data(), 1, gate.view, up.view, down.view, out.data());
  matmul(x.data(), 1, gate.view, g.data());
  matmul(x.data(), 1, up.view, u.data());
  for (int i = 0; i < ffn; ++i) h[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  matmul(h.data(), 1, down.view, want.data());
  for (int i = 0; i < dim; ++i) EXPECT_NEAR(out[i], want[i], 1e-5);
  EXPECT_FLOAT_EQ(silu(0.0f), 0.0f);
  EXPECT_NEAR(silu(2.0f), 2.0 / (1.0 + std::exp(-2.0)), 1e-7);
}

}  // namespace
}  // namespace troupe::reference
