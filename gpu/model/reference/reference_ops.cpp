#include "gpu/model/reference/reference_ops.hpp"

#include <cmath>
#include <stdexcept>

namespace troupe::reference {

std::vector<float> dequantize(const tensor_view& t) {
  std::vector<float> out(static_cast<size_t>(t.ne0 * t.ne1));
  for (int64_t r = 0; r < t.ne1; ++r)
    dequantize_row(t.type, t.row(r), out.data() + r * t.ne0, t.ne0);
  return out;
}

void embedding(const tensor_view& table, std::span<const token_id> ids, float* out) {
  for (size_t t = 0; t < ids.size(); ++t) {
    if (ids[t] < 0 || ids[t] >= table.ne1) {
      throw std::out_of_range("token id " + std::to_string(ids[t]) + " outside " + table.name);
    }
    dequantize_row(table.type, table.row(ids[t]), out + static_cast<int64_t>(t) * table.ne0,
                   table.ne0);
  }
}

void rmsnorm(const float* x, const float* weight, int64_t n, float eps, float* out) {
  double ss = 0.0;
  for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const double scale = 1.0 / std::sqrt(ss / static_cast<double>(n) + static_cast<double>(eps));
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(x[i] * scale * weight[i]);
}

rope_params rope_params_of(const llama_hparams& h, const float* freq_factors) {
  rope_params p;
  p.n_dims = h.rope_dim;
  p.base = h.rope_base;
  p.freq_scale = h.rope_freq_scale;
  p.layout = h.rope;
  p.freq_factors = freq_factors;
  p.mscale = h.rope_attn_factor;
  return p;
}

void rope(float* x, int32_t n_heads, int32_t head_dim, int32_t pos, const rope_params& p) {
  const int32_t half = p.n_dims / 2;
  for (int32_t h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    for (int32_t i = 0; i < half; ++i) {
      double theta = static_cast<double>(pos) * p.freq_scale *
                     std::pow(static_cast<double>(p.base), -2.0 * i / p.n_dims);
      if (p.freq_factors != nullptr) theta /= p.freq_factors[i];
      const double c = std::cos(theta) * p.mscale, s = std::sin(theta) * p.mscale;
      const int32_t a = p.layout == rope_layout::adjacent ? 2 * i : i;
      const int32_t b = p.layout == rope_layout::adjacent ? 2 * i + 1 : i + half;
      const double x0 = v[a], x1 = v[b];
      v[a] = static_cast<float>(x0 * c - x1 * s);
      v[b] = static_cast<float>(x0 * s + x1 * c);
    }
  }
}

void matmul(const float* x, int64_t n_tokens, const tensor_view& w, float* y) {
  const int64_t in = w.ne0, out = w.ne1;
  std::vector<float> row(static_cast<size_t>(in));
  for (int64_t o = 0; o < out; ++o) {
    dequantize_row(w.type, w.row(o), row.data(), in);
    for (int64_t t = 0; t < n_tokens; ++t) {
      const float* xt = x + t * in;
      double acc = 0.0;
      for (int64_t i = 0; i < in; ++i)
        acc += static_cast<double>(xt[i]) * row[static_cast<size_t>(i)];
      y[t * out + o] = static_cast<float>(acc);
    }
  }
}

void add_bias(float* y, int64_t n_tokens, const float* bias, int64_t n) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t i = 0; i < n; ++i) y[t * n + i] += bias[i];
  }
}

void add(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void attention(const float* q, const float* k, const float* v, int32_t n_kv, int32_t n_head,
               int32_t n_head_kv, int32_t head_dim, float* out) {
  const int32_t group = n_head / n_head_kv;
  const int64_t kv_stride = static_cast<int64_t>(n_head_kv) * head_dim;
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  std::vector<double> scores(static_cast<size_t>(n_kv));
  for (int32_t h = 0; h < n_head; ++h) {
    const float* qh = q + static_cast<int64_t>(h) * head_dim;
    const int64_t kv_off = static_cast<int64_t>(h / group) * head_dim;
    double max = -INFINITY;
    for (int32_t j = 0; j < n_kv; ++j) {
      const float* kj = k + j * kv_stride + kv_off;
      double s = 0.0;
      for (int32_t d = 0; d < head_dim; ++d) s += static_cast<double>(qh[d]) * kj[d];
      scores[static_cast<size_t>(j)] = s * scale;
      max = std::max(max, s * scale);
    }
    double sum = 0.0;
    for (auto& s : scores) sum += (s = std::exp(s - max));
    for (int32_t d = 0; d < head_dim; ++d) {
      double acc = 0.0;
      for (int32_t j = 0; j < n_kv; ++j) {
        acc += scores[static_cast<size_t>(j)] * v[j * kv_stride + kv_off + d];
      }
      out[static_cast<int64_t>(h) * head_dim + d] = static_cast<float>(acc / sum);
    }
  }
}

float silu(float x) {
  return static_cast<float>(x / (1.0 + std::exp(-static_cast<double>(x))));
}

void silu_ffn(const float* x, int64_t n_tokens, const tensor_view& gate, const tensor_view& up,
              const tensor_view& down, float* out) {
  const int64_t ffn = gate.ne1;
  std::vector<float> g(static_cast<size_t>(n_tokens * ffn)), u(g.size());
  matmul(x, n_tokens, gate, g.data());
  matmul(x, n_tokens, up, u.data());
  for (size_t i = 0; i < g.size(); ++i) g[i] = silu(g[i]) * u[i];
  matmul(g.data(), n_tokens, down, out);
}

void output_logits(const float* x, const float* norm, float eps, const tensor_view& output,
                   float* logits) {
  std::vector<float> xn(static_cast<size_t>(output.ne0));
  rmsnorm(x, norm, output.ne0, eps, xn.data());
  matmul(xn.data(), 1, output, logits);
}

}  // namespace troupe::reference
