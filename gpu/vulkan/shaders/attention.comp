#version 450
// Causal attention of every token of a step over its own sequence's paged KV cache.
//
// One workgroup per (token, query head). The token at position pos attends to positions
// 0..pos of its sequence (earlier steps' KV and the tokens of its own chunk written by
// rope_store), reading key/value block table[table_base + p / block_tokens]. Lane l takes the
// positions l, l + SG, ... with its own online softmax (running max, sum and weighted values);
// the lanes merge with subgroupMax/subgroupAdd. Query head h reads KV head h / group; scores are
// scaled by `scale` (1/sqrt(head_dim)). The result depends only on the token's own sequence, not
// on the rest of the batch.
#include "common.glsl"

layout(constant_id = 1) const uint HD = 64;  // head dimension, a multiple of 4
#define HD4 (HD / 4)

layout(binding = 0) uniform usamplerBuffer qkv;    // RGBA32UI: [T][qkv_stride], roped queries first
layout(binding = 1) uniform usamplerBuffer kc;     // RGBA32UI: this layer's key blocks
layout(binding = 2) uniform usamplerBuffer vc;     // RGBA32UI: this layer's value blocks
layout(binding = 3) uniform usamplerBuffer meta;   // R32UI: [T][2] position, block table offset
layout(binding = 4) uniform usamplerBuffer table;  // R32UI: block ids
layout(binding = 5, std430) writeonly buffer out_t { vec4 out_[]; };

layout(push_constant) uniform push_t {
  uint T;
  uint n_head;
  uint n_kv;
  uint block_tokens;
  uint qkv_off;     // texels
  uint qkv_stride;  // texels per token
  uint out_off;     // vec4s
  uint out_stride;  // vec4s per token
  uint meta_off;    // words
  uint table_off;   // words
  float scale;
} pc;

void main() {
  const uint g = flat_group();
  if (g >= pc.T * pc.n_head) return;
  const uint t = g / pc.n_head;
  const uint h = g % pc.n_head;
  const uint kvh = h / (pc.n_head / pc.n_kv);
  const uint pos = fetch_word(meta, pc.meta_off + 2u * t);
  const uint table_base = pc.table_off + fetch_word(meta, pc.meta_off + 2u * t + 1u);
  const uint lane = gl_SubgroupInvocationID;

  vec4 q[HD4];
  const uint qb = pc.qkv_off + t * pc.qkv_stride + h * HD4;
  for (uint j = 0; j < HD4; ++j) q[j] = fetch4(qkv, qb + j) * pc.scale;

  float m = -1e30;
  float l = 0.0;
  vec4 acc[HD4];
  for (uint j = 0; j < HD4; ++j) acc[j] = vec4(0.0);

  for (uint p = lane; p <= pos; p += SG) {
    const uint block = fetch_word(table, table_base + p / pc.block_tokens);
    const uint base = (((block * pc.n_kv + kvh) * pc.block_tokens) + p % pc.block_tokens) * HD4;
    float s = 0.0;
    for (uint j = 0; j < HD4; ++j) s += dot(q[j], fetch4(kc, base + j));
    const float m_new = max(m, s);
    const float corr = exp(m - m_new);
    const float wt = exp(s - m_new);
    l = l * corr + wt;
    for (uint j = 0; j < HD4; ++j) acc[j] = acc[j] * corr + wt * fetch4(vc, base + j);
    m = m_new;
  }

  const float m_all = subgroupMax(m);
  const float f = exp(m - m_all);
  const float l_all = subgroupAdd(l * f);
  const uint ob = pc.out_off + t * pc.out_stride + h * HD4;
  for (uint j = 0; j < HD4; ++j) {
    const vec4 v = vec4(subgroupAdd(acc[j].x * f), subgroupAdd(acc[j].y * f),
                        subgroupAdd(acc[j].z * f), subgroupAdd(acc[j].w * f)) / l_all;
    if (lane == (j % SG)) out_[ob + j] = v;
  }
}
