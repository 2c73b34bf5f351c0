#include "gpu/vulkan/device_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace troupe::vk {
namespace {

uint64_t matrix_bytes(const tensor_view& t) {
  const auto K = static_cast<uint64_t>(t.ne0), N = static_cast<uint64_t>(t.ne1);
  return repacked_bytes(native_format(t.type, t.ne0), K, N) + 16;
}

}  // namespace

std::vector<float> to_floats(const tensor_view& t) {
  std::vector<float> v(static_cast<size_t>(t.ne0 * t.ne1));
  dequantize_row(t.type, t.data, v.data(), t.ne0 * t.ne1);
  return v;
}

uint64_t device_model::streamed_bytes() const {
  if (hp_.tied_output) return bytes_;
  uint64_t table = 0;
  for (const auto& part : tok_embd.parts) table += part.buf->size();
  return bytes_ - table;
}

uint64_t device_model::estimate_bytes(const llama_model& model, uint32_t max_positions) {
  const auto& hp = model.hparams();
  uint64_t total = matrix_bytes(model.token_embd());
  if (!hp.tied_output) total += matrix_bytes(model.output());
  for (const auto& l : model.layers()) {
    total += matrix_bytes(l.wq) + matrix_bytes(l.wk) + matrix_bytes(l.wv) + matrix_bytes(l.wo) +
             matrix_bytes(l.ffn_gate) + matrix_bytes(l.ffn_up) + matrix_bytes(l.ffn_down);
    // Norms, QKV biases and per-head Q/K norms (each buffer rounded up to 16 bytes).
    total += 4ull * (2 * hp.dim + hp.q_dim() + 2 * hp.kv_dim() + 2 * hp.head_dim) + 7 * 16;
  }
  total += 4ull * hp.dim + uint64_t{max_positions} * hp.rope_dim * 4;
  return total;
}

device_model::device_model(context& ctx, const llama_model& model, uint32_t max_positions)
    : ctx_(&ctx), hp_(model.hparams()) {
  if (hp_.dim % 4 || hp_.ffn_dim % 4 || hp_.head_dim % 4) {
    throw std::runtime_error("model dimensions must be multiples of 4 for the Vulkan kernels");
  }

  const auto& emb = model.token_embd();
  tok_embd = upload(repack(emb.type, emb.data, emb.ne0, emb.ne1), "token_embd");
  if (hp_.tied_output) {
    output = tok_embd;
  } else {
    const auto& out = model.output();
    output = upload(repack(out.type, out.data, out.ne0, out.ne1), "output");
  }
  output_norm = upload_floats(to_floats(model.output_norm()), "output_norm");

  for (size_t i = 0; i < model.layers().size(); ++i) {
    const auto& l = model.layers()[i];
    const std::string name = "layer " + std::to_string(i);
    device_layer d;
    d.wqkv = upload_rows({&l.wq, &l.wk, &l.wv}, name + " qkv");
    d.wo = upload(repack(l.wo.type, l.wo.data, l.wo.ne0, l.wo.ne1), name + " wo");
    d.wgu = upload_rows({&l.ffn_gate, &l.ffn_up}, name + " gate_up");
    d.wdown = upload(repack(l.ffn_down.type, l.ffn_down.data, l.ffn_down.ne0, l.ffn_down.ne1),
                     name + " down");
    d.attn_norm = upload_floats(to_floats(l.attn_norm), name + " attn_norm");
    d.ffn_norm = upload_floats(to_floats(l.ffn_norm), name + " ffn_norm");
    if (l.q_norm.present()) {
      d.q_norm = upload_floats(to_floats(l.q_norm), name + " q_norm");
      d.k_norm = upload_floats(to_floats(l.k_norm), name + " k_norm");
    }
    if (l.bq.present()) {
      auto b = to_floats(l.bq), bk = to_floats(l.bk), bv = to_floats(l.bv);
      b.insert(b.end(), bk.begin(), bk.end());
      b.insert(b.end(), bv.begin(), bv.end());
      d.qkv_bias = upload_floats(b, name + " qkv bias");
    }
    layers.push_back(d);
  }

  // RoPE table: theta(pos, i) = pos * freq_scale * base^(-2i/rope_dim) / factor_i.
  const uint32_t half = static_cast<uint32_t>(hp_.rope_dim / 2);
  std::vector<double> inv_freq(half);
  std::vector<float> factors;
  if (const tensor_view& f = model.rope_factors(max_positions); f.present()) factors = to_floats(f);
  for (uint32_t i = 0; i < half; ++i) {
    inv_freq[i] = hp_.rope_freq_scale * std::pow(double(hp_.rope_base), -2.0 * i / hp_.rope_dim);
    if (!factors.empty()) inv_freq[i] /= factors[i];
  }
  std::vector<float> table(std::max<size_t>(size_t{max_positions} * half * 2, 4));
  for (uint32_t p = 0; p < max_positions; ++p) {
    for (uint32_t i = 0; i < half; ++i) {
      const double th = p * inv_freq[i];
      table[(size_t{p} * half + i) * 2] = static_cast<float>(std::cos(th) * hp_.rope_attn_factor);
      table[(size_t{p} * half + i) * 2 + 1] =
          static_cast<float>(std::sin(th) * hp_.rope_attn_factor);
    }
  }
  rope_table = upload_floats(table, "rope table");
}

device_weight upload_weight(context& ctx, const repacked_weight& w, const std::string& what) {
  const auto& dev = ctx.device();
  const uint64_t row_texels = w.row_texels();
  const uint64_t max_bytes = std::min(dev.max_buffer_size, dev.max_memory_allocation_size);
  const uint64_t max_texels = std::min(dev.max_texel_buffer_elements, max_bytes / 16);
  if (row_texels == 0 || row_texels > max_texels) {
    throw std::runtime_error(what + ": a row of " + std::to_string(w.K) + " values needs " +
                             std::to_string(row_texels) + " texels but device '" + dev.name +
                             "' allows " + std::to_string(max_texels) + " in one buffer view");
  }
  // One texel of slack for the alignment of the scales behind the values.
  const uint64_t rows_per_part = std::max<uint64_t>(1, (max_texels - 1) / row_texels);
  device_weight d{w.K, w.N, {}};
  auto add = [&](const repacked_weight& part, uint32_t row0) {
    auto b = std::make_shared<buffer>(ctx, part.bytes.size(), memory_kind::device, what);
    b->upload(0, part.bytes.data(), part.bytes.size());
    d.parts.push_back(
        {b, part.format, row0, part.N, static_cast<uint32_t>(part.scales_offset / 16)});
  };
  if (w.N <= rows_per_part) {
    add(w, 0);
  } else {
    for (uint64_t r = 0; r < w.N; r += rows_per_part) {
      const auto n = static_cast<uint32_t>(std::min<uint64_t>(rows_per_part, w.N - r));
      add(slice_rows(w, static_cast<uint32_t>(r), n), static_cast<uint32_t>(r));
    }
  }
  return d;
}

std::vector<weight_format> device_model::formats() const {
  std::vector<weight_format> out;
  auto add = [&](const device_weight& w) {
    for (const auto& p : w.parts)
      if (std::find(out.begin(), out.end(), p.format) == out.end()) out.push_back(p.format);
  };
  add(tok_embd);
  add(output);
  for (const auto& l : layers) {
    for (const device_weight* w : {&l.wqkv, &l.wo, &l.wgu, &l.wdown}) add(*w);
  }
  return out;
}

// Matrices of the same width as one, by rows: runs of matrices of one type are repacked together
// (one part, one dispatch); a change of type starts a part of its own.
device_weight device_model::upload_rows(const std::vector<const tensor_view*>& matrices,
                                        const std::string& what) {
  std::vector<device_weight> pieces;
  for (size_t i = 0; i < matrices.size();) {
    std::vector<const uint8_t*> data;
    std::vector<int64_t> rows;
    const ggml_type type = matrices[i]->type;
    for (; i < matrices.size() && matrices[i]->type == type; ++i) {
      data.push_back(matrices[i]->data);
      rows.push_back(matrices[i]->ne1);
    }
    pieces.push_back(upload(repack_rows(data, type, rows, matrices.front()->ne0), what));
  }
  return concat_rows(std::move(pieces));
}

device_weight device_model::upload(const repacked_weight& w, const std::string& what) {
  device_weight d = upload_weight(*ctx_, w, what);
  for (const auto& p : d.parts) bytes_ += p.buf->size();
  return d;
}

tensor_ref device_model::upload_floats(const std::vector<float>& v, const std::string& what) {
  auto b = std::make_unique<buffer>(*ctx_, v.size() * 4, memory_kind::device, what);
  b->upload(0, v.data(), v.size() * 4);
  bytes_ += b->size();
  buffers_.push_back(std::move(b));
  return at(*buffers_.back());
}

}  // namespace troupe::vk
