#include "gpu/vulkan/device_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace troupe::vk {
namespace {

uint64_t format_bytes(weight_format f, uint64_t K, uint64_t N) {
  switch (f) {
    case weight_format::f32:
      return K * N * 4;
    case weight_format::f16:
      return K * N * 2;
    case weight_format::q8_0:
      return K * N + (K / 256 + 1) * 16 * N + 16;
    case weight_format::q4_0:
      return K * N / 2 + (K / 256 + 1) * 16 * N + 16;
  }
  return 0;
}

uint64_t matrix_bytes(const tensor_view& t) {
  return format_bytes(native_format(t.type, t.ne0), t.ne0, t.ne1);
}

std::string mib(uint64_t b) {
  return std::to_string((b + (1 << 20) - 1) >> 20) + " MiB";
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
    total += 4ull * (2 * hp.dim + hp.q_dim() + 2 * hp.kv_dim()) + 64;
  }
  total += 4ull * hp.dim + uint64_t{max_positions} * hp.rope_dim * 4;
  return total;
}

device_model::device_model(context& ctx, const llama_model& model, uint32_t max_positions)
    : ctx_(&ctx), hp_(model.hparams()) {
  const uint64_t need = estimate_bytes(model, max_positions);
  const uint64_t free = ctx.available_device_bytes();
  if (need > free) {
    throw std::runtime_error("model needs " + mib(need) + " of device memory, device '" +
                             ctx.device().name + "' has " + mib(free) + " free");
  }
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
    if (l.wq.type == l.wk.type && l.wk.type == l.wv.type) {
      d.wqkv = upload(repack_rows({l.wq.data, l.wk.data, l.wv.data}, l.wq.type,
                                  {l.wq.ne1, l.wk.ne1, l.wv.ne1}, l.wq.ne0),
                      name + " qkv");
    } else {
      // Mixed types (some quantizers keep V at higher precision): concatenate as F32/F16 rows.
      std::vector<float> rows;
      for (const tensor_view* t : {&l.wq, &l.wk, &l.wv}) {
        auto v = to_floats(*t);
        rows.insert(rows.end(), v.begin(), v.end());
      }
      const int64_t n = l.wq.ne1 + l.wk.ne1 + l.wv.ne1;
      d.wqkv =
          upload(repack(ggml_type::f32, reinterpret_cast<const uint8_t*>(rows.data()), l.wq.ne0, n),
                 name + " qkv");
    }
    d.wo = upload(repack(l.wo.type, l.wo.data, l.wo.ne0, l.wo.ne1), name + " wo");
    if (l.ffn_gate.type == l.ffn_up.type) {
      d.wgu = upload(repack_rows({l.ffn_gate.data, l.ffn_up.data}, l.ffn_gate.type,
                                 {l.ffn_gate.ne1, l.ffn_up.ne1}, l.ffn_gate.ne0),
                     name + " gate_up");
    } else {
      auto g = to_floats(l.ffn_gate), u = to_floats(l.ffn_up);
      g.insert(g.end(), u.begin(), u.end());
      d.wgu = upload(repack(ggml_type::f32, reinterpret_cast<const uint8_t*>(g.data()),
                            l.ffn_gate.ne0, l.ffn_gate.ne1 * 2),
                     name + " gate_up");
    }
    d.wdown = upload(repack(l.ffn_down.type, l.ffn_down.data, l.ffn_down.ne0, l.ffn_down.ne1),
                     name + " down");
    d.attn_norm = upload_floats(to_floats(l.attn_norm), name + " attn_norm");
    d.ffn_norm = upload_floats(to_floats(l.ffn_norm), name + " ffn_norm");
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
  if (model.rope_freqs().present()) factors = to_floats(model.rope_freqs());
  for (uint32_t i = 0; i < half; ++i) {
    inv_freq[i] = hp_.rope_freq_scale * std::pow(double(hp_.rope_base), -2.0 * i / hp_.rope_dim);
    if (!factors.empty()) inv_freq[i] /= factors[i];
  }
  std::vector<float> table(std::max<size_t>(size_t{max_positions} * half * 2, 4));
  for (uint32_t p = 0; p < max_positions; ++p) {
    for (uint32_t i = 0; i < half; ++i) {
      const double th = p * inv_freq[i];
      table[(size_t{p} * half + i) * 2] = static_cast<float>(std::cos(th));
      table[(size_t{p} * half + i) * 2 + 1] = static_cast<float>(std::sin(th));
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
  device_weight d{w.format, w.K, w.N, {}};
  auto add = [&](const repacked_weight& part, uint32_t row0) {
    auto b = std::make_shared<buffer>(ctx, part.bytes.size(), memory_kind::device, what);
    b->upload(0, part.bytes.data(), part.bytes.size());
    d.parts.push_back({b, row0, part.N, static_cast<uint32_t>(part.scales_offset / 16)});
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
    if (std::find(out.begin(), out.end(), w.format) == out.end()) out.push_back(w.format);
  };
  add(tok_embd);
  add(output);
  for (const auto& l : layers) {
    for (const device_weight* w : {&l.wqkv, &l.wo, &l.wgu, &l.wdown}) add(*w);
  }
  return out;
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
