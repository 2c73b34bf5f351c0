#version 450
// RoPE and KV write for every token of a step, after the QKV projection.
//
// Row t of QKV holds [q heads | k heads | v heads]. Queries are rotated in place; keys are rotated
// and, with the values, written to the token's slot of the paged KV cache: block
// table[meta.table_base + pos / BLOCK_TOKENS], slot pos % BLOCK_TOKENS, laid out per block as
// [kv_head][slot][head_dim]. Rotation angles come from a host-computed table of (cos, sin) per
// position and frequency (computed in double precision once at load), so they match the CPU
// reference exactly whatever the device's sin/cos precision.
// Layout 0 (adjacent): pairs (x[2i], x[2i+1]); layout 1 (NEOX): pairs (x[i], x[i + rope_dim/2]);
// dimensions at or past rope_dim stay unrotated. With qk_norm (qwen3), every query and key head
// is first RMS-normalized and multiplied by its weights (q_norm, k_norm: head_dim floats). One
// workgroup per token; its lanes walk one head at a time.
#include "common.glsl"

layout(binding = 0) uniform usamplerBuffer qkv_in;  // R32UI: [T][qkv_stride]
layout(binding = 1) uniform usamplerBuffer meta;    // R32UI: [T][2] position, block table offset
layout(binding = 2) uniform usamplerBuffer table;   // R32UI: block ids
layout(binding = 3) uniform usamplerBuffer rope;    // RGBA32UI: [max_pos][rope_dim/2] (cos, sin)
layout(binding = 4, std430) writeonly buffer qkv_t { float qkv[]; };  // the same rows as qkv_in
layout(binding = 5, std430) writeonly buffer kc_t { float kc[]; };    // this layer's key blocks
layout(binding = 6, std430) writeonly buffer vc_t { float vc[]; };    // this layer's value blocks
layout(binding = 7) uniform usamplerBuffer q_norm;  // R32UI: head_dim floats (when qk_norm)
layout(binding = 8) uniform usamplerBuffer k_norm;

layout(push_constant) uniform push_t {
  uint T;
  uint n_head;
  uint n_kv;
  uint head_dim;
  uint rope_dim;
  uint layout_neox;
  uint block_tokens;
  uint qkv_stride;  // floats
  uint qkv_off;     // floats
  uint meta_off;    // words
  uint table_off;   // words
  uint rope_off;    // texels
  uint qk_norm;     // 1: normalize q and k heads first
  uint q_norm_off;  // words
  uint k_norm_off;  // words
  float eps;
} pc;

vec2 angle(uint pos, uint i) {
  const uint idx = pos * (pc.rope_dim / 2u) + i;
  const vec4 v = fetch4(rope, pc.rope_off + (idx >> 1));
  return (idx & 1u) != 0u ? v.zw : v.xy;
}

// Element indices (within a head) of rotation pair i; false when the pair is not rotated.
bool pair_of(uint i, out uint a, out uint b) {
  const uint half_rot = pc.rope_dim / 2u;
  const bool rotated = i < half_rot;
  if (pc.layout_neox != 0u) {
    a = rotated ? i : pc.rope_dim + 2u * (i - half_rot);
    b = rotated ? i + half_rot : a + 1u;
  } else {
    a = 2u * i;
    b = a + 1u;
  }
  return rotated && b < pc.head_dim;
}

void main() {
  const uint t = flat_group();
  if (t >= pc.T) return;
  const uint pos = fetch_word(meta, pc.meta_off + 2u * t);
  const uint table_base = fetch_word(meta, pc.meta_off + 2u * t + 1u);
  const uint row = pc.qkv_off + t * pc.qkv_stride;
  const uint half_dim = pc.head_dim / 2u;
  const uint lane = gl_SubgroupInvocationID;
  const uint block = fetch_word(table, pc.table_off + table_base + pos / pc.block_tokens);
  const uint slot = pos % pc.block_tokens;

  // Query pairs rotate in place; key pairs are rotated into the cache; values are copied. Each
  // lane touches only its own elements, so no lane waits for another.
  for (uint h = 0; h < pc.n_head + pc.n_kv; ++h) {
    const bool is_q = h < pc.n_head;
    const uint head = is_q ? h : h - pc.n_head;
    const uint src = row + (is_q ? 0u : pc.n_head * pc.head_dim) + head * pc.head_dim;
    float scale = 1.0;
    if (pc.qk_norm != 0u) {
      float ss = 0.0;
      for (uint e = lane; e < pc.head_dim; e += gl_SubgroupSize) {
        const float x = fetch_float(qkv_in, src + e);
        ss += x * x;
      }
      scale = inversesqrt(subgroupAdd(ss) / float(pc.head_dim) + pc.eps);
    }
    for (uint i = lane; i < half_dim; i += gl_SubgroupSize) {
      uint a, b;
      const bool rotated = pair_of(i, a, b);
      float x0 = fetch_float(qkv_in, src + a);
      float x1 = fetch_float(qkv_in, src + b);
      if (pc.qk_norm != 0u) {
        const uint w_off = is_q ? pc.q_norm_off : pc.k_norm_off;
        x0 *= scale * (is_q ? fetch_float(q_norm, w_off + a) : fetch_float(k_norm, w_off + a));
        x1 *= scale * (is_q ? fetch_float(q_norm, w_off + b) : fetch_float(k_norm, w_off + b));
      }
      float y0 = x0, y1 = x1;
      if (rotated) {
        const vec2 cs = angle(pos, i);
        y0 = x0 * cs.x - x1 * cs.y;
        y1 = x0 * cs.y + x1 * cs.x;
      }
      if (is_q) {
        qkv[src + a] = y0;
        qkv[src + b] = y1;
      } else {
        const uint dst = ((block * pc.n_kv + head) * pc.block_tokens + slot) * pc.head_dim;
        kc[dst + a] = y0;
        kc[dst + b] = y1;
      }
    }
  }
  const uint kv_dim = pc.n_kv * pc.head_dim;
  const uint v_row = row + (pc.n_head + pc.n_kv) * pc.head_dim;
  for (uint e = lane; e < kv_dim; e += gl_SubgroupSize) {
    const uint kvh = e / pc.head_dim;
    const uint dst = ((block * pc.n_kv + kvh) * pc.block_tokens + slot) * pc.head_dim;
    vc[dst + e % pc.head_dim] = fetch_float(qkv_in, v_row + e);
  }
}
