#include "gpu/vulkan/kernels.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace troupe::vk {
namespace {

struct matmul_push {
  uint32_t K, N, T, x_off, x_stride, y_off, y_stride, row0, scales, flags, bias_off;
};
struct embed_push {
  uint32_t K, T, tok_off, x_off, x_stride, row0, rows, scales;
};
struct rms_push {
  uint32_t K, n_rows, x_off, x_stride, y_off, y_stride, w_off, rows_off;
  float eps;
  uint32_t flags;
};
struct silu_push {
  uint32_t F, T, gu_off, h_off, h_stride;
};
struct copy_push {
  uint32_t n, per_group;
};
struct rope_push {
  uint32_t T, n_head, n_kv, head_dim, rope_dim, neox, block_tokens, qkv_stride, qkv_off, meta_off,
      table_off, rope_off, qk_norm, q_norm_off, k_norm_off;
  float eps;
};
struct attention_push {
  uint32_t T, n_head, n_kv, block_tokens, qkv_off, qkv_stride, out_off, out_stride, meta_off,
      table_off;
  float scale;
};

using B = binding_kind;

uint32_t groups(uint64_t n, uint64_t per) {
  return static_cast<uint32_t>((n + per - 1) / per);
}

// Index of a tensor's first element in units of `unit` bytes (a texel or an array element).
uint32_t index_of(const tensor_ref& r, uint32_t unit) {
  if (r.offset % unit != 0) {
    throw std::invalid_argument("tensor offset " + std::to_string(r.offset) +
                                " is not a multiple of " + std::to_string(unit) + " bytes");
  }
  return static_cast<uint32_t>(r.offset / unit);
}

uint32_t vec4s(uint32_t floats) {
  if (floats % 4 != 0) {
    throw std::invalid_argument("row stride of " + std::to_string(floats) +
                                " floats is not a multiple of 4");
  }
  return floats / 4;
}

binding_value texels(const tensor_ref& r, texel_format f) {
  return {r.buf->view(f), VK_NULL_HANDLE, 0};
}

binding_value storage(const context& ctx, const buffer& b) {
  const uint64_t limit = ctx.device().max_storage_buffer_range;
  if (b.size() > limit) {
    throw std::runtime_error("a kernel output of " + std::to_string(b.size()) +
                             " bytes exceeds device '" + ctx.device().name +
                             "''s storage range of " + std::to_string(limit) + " bytes");
  }
  return {VK_NULL_HANDLE, b.handle(), b.size()};
}

}  // namespace

device_weight concat_rows(std::vector<device_weight> pieces) {
  device_weight out;
  for (auto& p : pieces) {
    if (out.parts.empty()) out.K = p.K;
    if (p.K != out.K) throw std::invalid_argument("concat_rows: pieces of different widths");
    for (auto& part : p.parts) {
      part.row0 += out.N;
      out.parts.push_back(std::move(part));
    }
    out.N += p.N;
  }
  return out;
}

std::vector<weight_format> kernels::all_formats() {
  return {weight_format::f32,  weight_format::f16,  weight_format::q8_0, weight_format::q4_0,
          weight_format::q4_1, weight_format::q5_0, weight_format::q5_1, weight_format::q2_k,
          weight_format::q3_k, weight_format::q4_k, weight_format::q5_k, weight_format::q6_k};
}

kernels::kernels(context& ctx, const std::vector<uint32_t>& head_dims,
                 const std::vector<weight_format>& formats, std::optional<matmul_kind> kind)
    : ctx_(&ctx), dummy_(ctx, 64, memory_kind::device, "unused kernel input") {
  const auto& dev = ctx.device();
  kind_ = kind.value_or(dev.type == "cpu" && dev.subgroup_shuffle ? matmul_kind::rows
                                                                  : matmul_kind::split);
  // rows: rows per lane (a workgroup covers 8 x the subgroup size); split: rows per workgroup.
  rows_ = kind_ == matmul_kind::rows ? 8 : 4;
  if (kind_ == matmul_kind::rows && !dev.subgroup_shuffle) {
    throw std::runtime_error("device '" + dev.name + "' lacks subgroup shuffles");
  }
  dummy_.fill_zero();
  const B mm_bindings[] = {B::texels, B::texels, B::texels, B::storage};
  const std::string mm_name = kind_ == matmul_kind::rows ? "matmul_rows_" : "matmul_split_";
  tiles_ =
      kind_ == matmul_kind::rows ? std::vector<uint32_t>{1, 4, 8} : std::vector<uint32_t>{1, 8};
  for (weight_format f : formats) {
    const std::string suffix = shader_suffix(f);
    for (uint32_t tile : tiles_) {
      matmul_[{f, tile}] = std::make_unique<pipeline>(
          ctx, mm_name + suffix, std::vector<uint32_t>{rows_, tile}, sizeof(matmul_push),
          std::vector<B>(std::begin(mm_bindings), std::end(mm_bindings)));
    }
    embed_[f] = std::make_unique<pipeline>(ctx, "embed_" + suffix, std::vector<uint32_t>{},
                                           sizeof(embed_push),
                                           std::vector<B>{B::texels, B::texels, B::storage});
  }
  for (uint32_t hd : head_dims) {
    if (hd % 4 != 0 || hd == 0) {
      throw std::runtime_error("head size " + std::to_string(hd) + " is not a multiple of 4");
    }
    if (!attention_.count(hd)) {
      attention_[hd] = std::make_unique<pipeline>(
          ctx, "attention", std::vector<uint32_t>{hd}, sizeof(attention_push),
          std::vector<B>{B::texels, B::texels, B::texels, B::texels, B::texels, B::storage});
    }
  }
  rms_norm_ =
      std::make_unique<pipeline>(ctx, "rms_norm", std::vector<uint32_t>{}, sizeof(rms_push),
                                 std::vector<B>{B::texels, B::texels, B::texels, B::storage});
  rope_store_ = std::make_unique<pipeline>(
      ctx, "rope_store", std::vector<uint32_t>{}, sizeof(rope_push),
      std::vector<B>{B::texels, B::texels, B::texels, B::texels, B::storage, B::storage, B::storage,
                     B::texels, B::texels});
  silu_mul_ = std::make_unique<pipeline>(ctx, "silu_mul", std::vector<uint32_t>{},
                                         sizeof(silu_push), std::vector<B>{B::texels, B::storage});
  copy_[copy_path::read] =
      std::make_unique<pipeline>(ctx, "probe_read", std::vector<uint32_t>{}, sizeof(copy_push),
                                 std::vector<B>{B::texels, B::storage});
  copy_[copy_path::copy_texels] =
      std::make_unique<pipeline>(ctx, "copy_texels", std::vector<uint32_t>{}, sizeof(copy_push),
                                 std::vector<B>{B::texels, B::storage});
  copy_[copy_path::copy_buffer] =
      std::make_unique<pipeline>(ctx, "copy_buffer", std::vector<uint32_t>{}, sizeof(copy_push),
                                 std::vector<B>{B::storage, B::storage});
  warm_up();
}

void kernels::warm_up() {
  // One dispatch per pipeline with nothing to do: every kernel returns at once, but the driver
  // compiles it now.
  const binding_value t = texels(at(dummy_), texel_format::rgba32ui);
  const binding_value s = storage(*ctx_, dummy_);
  VkCommandBuffer cmd = ctx_->begin();
  const binding_value mm[] = {t, t, t, s};
  matmul_push mp{};
  for (auto& [key, p] : matmul_) p->dispatch(cmd, mm, &mp, 1);
  const binding_value em[] = {t, t, s};
  embed_push ep{};
  for (auto& [key, p] : embed_) p->dispatch(cmd, em, &ep, 1);
  const binding_value at6[] = {t, t, t, t, t, s};
  attention_push ap{};
  for (auto& [key, p] : attention_) p->dispatch(cmd, at6, &ap, 1);
  const binding_value rm[] = {t, t, t, s};
  rms_push rp{};
  rms_norm_->dispatch(cmd, rm, &rp, 1);
  const binding_value ro[] = {t, t, t, t, s, s, s, t, t};
  rope_push ropep{};
  rope_store_->dispatch(cmd, ro, &ropep, 1);
  const binding_value si[] = {t, s};
  silu_push sp{};
  silu_mul_->dispatch(cmd, si, &sp, 1);
  copy_push cp{};
  copy_.at(copy_path::read)->dispatch(cmd, si, &cp, 1);
  copy_.at(copy_path::copy_texels)->dispatch(cmd, si, &cp, 1);
  const binding_value ss[] = {s, s};
  copy_.at(copy_path::copy_buffer)->dispatch(cmd, ss, &cp, 1);
  ctx_->submit_and_wait();
}

uint32_t kernels::tile_for(uint32_t T) const {
  for (uint32_t tile : tiles_) {
    if (tile >= T) return tile;
  }
  return tiles_.back();
}

const pipeline& kernels::matmul_pipeline(weight_format f, uint32_t tile) const {
  auto it = matmul_.find({f, tile});
  if (it == matmul_.end()) {
    throw std::runtime_error(std::string("no projection kernel for weight format ") +
                             shader_suffix(f));
  }
  return *it->second;
}

void kernels::embed(VkCommandBuffer cmd, const device_weight& table, tensor_ref tokens,
                    tensor_ref x, uint32_t T, uint32_t x_stride) const {
  for (const weight_part& part : table.parts) {
    auto it = embed_.find(part.format);
    if (it == embed_.end()) {
      throw std::runtime_error(std::string("no embedding kernel for weight format ") +
                               shader_suffix(part.format));
    }
    const binding_value b[] = {texels(at(*part.buf), texel_format::rgba32ui),
                               texels(tokens, texel_format::r32ui), storage(*ctx_, *x.buf)};
    embed_push p{table.K,         T,         index_of(tokens, 4), index_of(x, 16),
                 vec4s(x_stride), part.row0, part.rows,           part.scales};
    it->second->dispatch(cmd, b, &p, T);
  }
}

void kernels::rms_norm(VkCommandBuffer cmd, tensor_ref x, tensor_ref weight, tensor_ref y,
                       uint32_t K, uint32_t n_rows, uint32_t x_stride, uint32_t y_stride, float eps,
                       tensor_ref rows) const {
  const tensor_ref r = rows ? rows : at(dummy_);
  const binding_value b[] = {texels(x, texel_format::rgba32ui),
                             texels(weight, texel_format::rgba32ui), texels(r, texel_format::r32ui),
                             storage(*ctx_, *y.buf)};
  rms_push p{K,
             n_rows,
             index_of(x, 16),
             vec4s(x_stride),
             index_of(y, 16),
             vec4s(y_stride),
             index_of(weight, 16),
             index_of(r, 4),
             eps,
             rows ? 1u : 0u};
  rms_norm_->dispatch(cmd, b, &p, n_rows);
}

void kernels::matmul(VkCommandBuffer cmd, const device_weight& w, tensor_ref x, tensor_ref y,
                     uint32_t T, uint32_t x_stride, uint32_t y_stride, bool accumulate,
                     tensor_ref bias) const {
  if (T == 0) return;
  const uint32_t tile = tile_for(T);
  const tensor_ref bv = bias ? bias : at(dummy_);
  const uint32_t rows_per_group = rows_ * (kind_ == matmul_kind::rows ? ctx_->subgroup_size() : 1);
  for (const weight_part& part : w.parts) {
    const pipeline& pipe = matmul_pipeline(part.format, tile);
    const binding_value b[] = {texels(at(*part.buf), texel_format::rgba32ui),
                               texels(x, texel_format::rgba32ui), texels(bv, texel_format::r32ui),
                               storage(*ctx_, *y.buf)};
    matmul_push p{w.K,
                  part.rows,
                  T,
                  index_of(x, 16),
                  vec4s(x_stride),
                  index_of(y, 4),
                  y_stride,
                  part.row0,
                  part.scales,
                  (accumulate ? 1u : 0u) | (bias ? 2u : 0u),
                  index_of(bv, 4) + (bias ? part.row0 : 0u)};
    pipe.dispatch(cmd, b, &p, groups(part.rows, rows_per_group), 1, groups(T, tile));
  }
}

void kernels::rope_store(VkCommandBuffer cmd, tensor_ref qkv, const buffer& k_cache,
                         const buffer& v_cache, tensor_ref meta, tensor_ref table,
                         tensor_ref rope_table, uint32_t T, uint32_t n_head, uint32_t n_kv,
                         const rope_params& rope, uint32_t block_tokens, uint32_t qkv_stride,
                         const head_norm& norm) const {
  const bool normed = norm.q.buf != nullptr;
  const tensor_ref none = at(dummy_);
  const binding_value b[] = {texels(qkv, texel_format::r32ui),
                             texels(meta, texel_format::r32ui),
                             texels(table, texel_format::r32ui),
                             texels(rope_table, texel_format::rgba32ui),
                             storage(*ctx_, *qkv.buf),
                             storage(*ctx_, k_cache),
                             storage(*ctx_, v_cache),
                             texels(normed ? norm.q : none, texel_format::r32ui),
                             texels(normed ? norm.k : none, texel_format::r32ui)};
  rope_push p{T,
              n_head,
              n_kv,
              rope.head_dim,
              rope.rope_dim,
              rope.neox ? 1u : 0u,
              block_tokens,
              qkv_stride,
              index_of(qkv, 4),
              index_of(meta, 4),
              index_of(table, 4),
              index_of(rope_table, 16),
              normed ? 1u : 0u,
              normed ? index_of(norm.q, 4) : 0u,
              normed ? index_of(norm.k, 4) : 0u,
              norm.eps};
  rope_store_->dispatch(cmd, b, &p, T);
}

void kernels::attention(VkCommandBuffer cmd, tensor_ref qkv, tensor_ref out, const buffer& k_cache,
                        const buffer& v_cache, tensor_ref meta, tensor_ref table, uint32_t T,
                        uint32_t n_head, uint32_t n_kv, uint32_t head_dim, uint32_t block_tokens,
                        uint32_t qkv_stride, uint32_t out_stride, float scale) const {
  auto it = attention_.find(head_dim);
  if (it == attention_.end()) {
    throw std::runtime_error("no attention kernel for head size " + std::to_string(head_dim));
  }
  const binding_value b[] = {
      texels(qkv, texel_format::rgba32ui),         texels(at(k_cache), texel_format::rgba32ui),
      texels(at(v_cache), texel_format::rgba32ui), texels(meta, texel_format::r32ui),
      texels(table, texel_format::r32ui),          storage(*ctx_, *out.buf)};
  attention_push p{T,
                   n_head,
                   n_kv,
                   block_tokens,
                   index_of(qkv, 16),
                   vec4s(qkv_stride),
                   index_of(out, 16),
                   vec4s(out_stride),
                   index_of(meta, 4),
                   index_of(table, 4),
                   scale};
  it->second->dispatch(cmd, b, &p, T * n_head);
}

void kernels::silu_mul(VkCommandBuffer cmd, tensor_ref gate_up, tensor_ref h, uint32_t F,
                       uint32_t T, uint32_t h_stride) const {
  const binding_value b[] = {texels(gate_up, texel_format::rgba32ui), storage(*ctx_, *h.buf)};
  silu_push p{F, T, index_of(gate_up, 16), index_of(h, 16), vec4s(h_stride)};
  silu_mul_->dispatch(cmd, b, &p, T);
}

void kernels::copy(VkCommandBuffer cmd, const buffer& src, const buffer& dst, uint64_t bytes,
                   copy_path path) const {
  const uint64_t n = bytes / 16;
  // Slices of at most 256 KiB per workgroup keep loops short (lavapipe caps a loop at 65535
  // iterations) and give every core several workgroups.
  const uint32_t per = static_cast<uint32_t>(
      std::max<uint64_t>(ctx_->subgroup_size(), std::min<uint64_t>(n, 16384)));
  const binding_value in = path == copy_path::copy_buffer ? storage(*ctx_, src)
                                                          : texels(at(src), texel_format::rgba32ui);
  const binding_value b[] = {in, storage(*ctx_, dst)};
  copy_push p{static_cast<uint32_t>(n), per};
  copy_.at(path)->dispatch(cmd, b, &p, groups(n, per));
}

}  // namespace troupe::vk
