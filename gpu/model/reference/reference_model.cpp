#include "gpu/model/reference/reference_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace troupe::reference {

reference_model::reference_model(std::shared_ptr<const llama_model> model, uint32_t max_seq_len)
    : m_(std::move(model)) {
  output_norm_ = dequantize(m_->output_norm());
  if (const tensor_view& f = m_->rope_factors(max_seq_len); f.present())
    rope_freqs_ = dequantize(f);
  for (const llama_layer& l : m_->layers()) {
    layer_vectors v;
    v.attn_norm = dequantize(l.attn_norm);
    v.ffn_norm = dequantize(l.ffn_norm);
    if (l.bq.present()) {
      v.bq = dequantize(l.bq);
      v.bk = dequantize(l.bk);
      v.bv = dequantize(l.bv);
    }
    if (l.q_norm.present()) {
      v.q_norm = dequantize(l.q_norm);
      v.k_norm = dequantize(l.k_norm);
    }
    layers_.push_back(std::move(v));
  }
}

void reference_model::forward(std::span<const chunk> chunks) const {
  const llama_hparams& h = m_->hparams();
  const int64_t dim = h.dim, q_dim = h.q_dim(), kv_dim = h.kv_dim();
  const size_t n_layer = m_->layers().size();

  // Validate everything first: a failed call changes no cache.
  std::vector<token_id> ids;
  std::vector<int32_t> positions;   // position of each token
  std::vector<const chunk*> owner;  // chunk of each token
  for (size_t i = 0; i < chunks.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (chunks[i].kv == chunks[j].kv) throw std::invalid_argument("two chunks share a cache");
    }
  }
  for (const chunk& c : chunks) {
    if (c.tokens.empty() || c.kv == nullptr) throw std::invalid_argument("empty chunk");
    if (c.pos < 0 || c.pos > c.kv->length) {
      throw std::invalid_argument("chunk at position " + std::to_string(c.pos) + " but only " +
                                  std::to_string(c.kv->length) + " positions are cached");
    }
    for (size_t i = 0; i < c.tokens.size(); ++i) {
      if (c.tokens[i] < 0 || c.tokens[i] >= h.vocab_size) {
        throw std::invalid_argument("token " + std::to_string(c.tokens[i]) +
                                    " outside the vocabulary");
      }
      ids.push_back(c.tokens[i]);
      positions.push_back(c.pos + static_cast<int32_t>(i));
      owner.push_back(&c);
    }
  }
  for (const chunk& c : chunks) {
    sequence_kv& kv = *c.kv;
    kv.k.resize(n_layer);
    kv.v.resize(n_layer);
    kv.length = c.pos + static_cast<int32_t>(c.tokens.size());
    for (size_t l = 0; l < n_layer; ++l) {
      kv.k[l].resize(static_cast<size_t>(kv.length * kv_dim));
      kv.v[l].resize(static_cast<size_t>(kv.length * kv_dim));
    }
  }

  const int64_t n = static_cast<int64_t>(ids.size());
  const rope_params rp = rope_params_of(h, rope_freqs_.empty() ? nullptr : rope_freqs_.data());
  std::vector<float> x(static_cast<size_t>(n * dim)), xn(x.size()), tmp(x.size());
  std::vector<float> q(static_cast<size_t>(n * q_dim)), att(q.size());
  std::vector<float> k(static_cast<size_t>(n * kv_dim)), v(k.size());
  embedding(m_->token_embd(), ids, x.data());

  for (size_t l = 0; l < n_layer; ++l) {
    const llama_layer& w = m_->layers()[l];
    const layer_vectors& lv = layers_[l];
    for (int64_t t = 0; t < n; ++t) {
      rmsnorm(&x[t * dim], lv.attn_norm.data(), dim, h.rms_eps, &xn[t * dim]);
    }
    matmul(xn.data(), n, w.wq, q.data());
    matmul(xn.data(), n, w.wk, k.data());
    matmul(xn.data(), n, w.wv, v.data());
    if (!lv.bq.empty()) {
      add_bias(q.data(), n, lv.bq.data(), q_dim);
      add_bias(k.data(), n, lv.bk.data(), kv_dim);
      add_bias(v.data(), n, lv.bv.data(), kv_dim);
    }
    if (!lv.q_norm.empty()) {  // qwen3: every query and key head RMS-normalized before RoPE
      const int64_t hd = h.head_dim;
      for (int64_t i = 0; i < n * h.n_head; ++i)
        rmsnorm(&q[i * hd], lv.q_norm.data(), hd, h.rms_eps, &q[i * hd]);
      for (int64_t i = 0; i < n * h.n_head_kv; ++i)
        rmsnorm(&k[i * hd], lv.k_norm.data(), hd, h.rms_eps, &k[i * hd]);
    }
    for (int64_t t = 0; t < n; ++t) {
      rope(&q[t * q_dim], h.n_head, h.head_dim, positions[t], rp);
      rope(&k[t * kv_dim], h.n_head_kv, h.head_dim, positions[t], rp);
      sequence_kv& kv = *owner[t]->kv;
      std::copy_n(&k[t * kv_dim], kv_dim, &kv.k[l][positions[t] * kv_dim]);
      std::copy_n(&v[t * kv_dim], kv_dim, &kv.v[l][positions[t] * kv_dim]);
    }
    // Causal attention: a token sees its sequence's positions up to its own.
    for (int64_t t = 0; t < n; ++t) {
      const sequence_kv& kv = *owner[t]->kv;
      attention(&q[t * q_dim], kv.k[l].data(), kv.v[l].data(), positions[t] + 1, h.n_head,
                h.n_head_kv, h.head_dim, &att[t * q_dim]);
    }
    matmul(att.data(), n, w.wo, tmp.data());
    add(x.data(), tmp.data(), n * dim);
    for (int64_t t = 0; t < n; ++t) {
      rmsnorm(&x[t * dim], lv.ffn_norm.data(), dim, h.rms_eps, &xn[t * dim]);
    }
    silu_ffn(xn.data(), n, w.ffn_gate, w.ffn_up, w.ffn_down, tmp.data());
    add(x.data(), tmp.data(), n * dim);
  }

  int64_t t_end = 0;
  for (const chunk& c : chunks) {
    t_end += static_cast<int64_t>(c.tokens.size());
    if (c.logits != nullptr) {
      output_logits(&x[(t_end - 1) * dim], output_norm_.data(), h.rms_eps, m_->output(), c.logits);
    }
  }
}

std::vector<float> reference_model::logits(std::span<const token_id> tokens) const {
  sequence_kv kv;
  std::vector<float> out(static_cast<size_t>(m_->hparams().vocab_size));
  const chunk c{tokens, 0, &kv, out.data()};
  forward(std::span<const chunk>(&c, 1));
  return out;
}

}  // namespace troupe::reference
