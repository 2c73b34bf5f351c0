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

layout(push_constant) uniform push_t {
  vec4_in qkv;   // [T][qkv_stride], roped queries first
  float_out out_;  // [T][out_stride]
  vec4_in kc;
  vec4_in vc;
  uint_in meta;   // [T][2]: position, block table offset
  uint_in table;
  uint T;
  uint n_head;
  uint n_kv;
  uint block_tokens;
  uint qkv_stride;  // floats
  uint out_stride;
  float scale;
} pc;

void main() {
  const uint g = flat_group();
  if (g >= pc.T * pc.n_head) return;
  const uint t = g / pc.n_head;
  const uint h = g % pc.n_head;
  const uint kvh = h / (pc.n_head / pc.n_kv);
  const uint pos = pc.meta.v[2u * t];
  const uint table_base = pc.meta.v[2u * t + 1u];
  const uint lane = gl_SubgroupInvocationID;

  vec4 q[HD4];
  const uint qb = (t * pc.qkv_stride + h * HD) / 4u;
  for (uint j = 0; j < HD4; ++j) q[j] = pc.qkv.v[qb + j] * pc.scale;

  float m = -1e30;
  float l = 0.0;
  vec4 acc[HD4];
  for (uint j = 0; j < HD4; ++j) acc[j] = vec4(0.0);

  for (uint p = lane; p <= pos; p += gl_SubgroupSize) {
    const uint block = pc.table.v[table_base + p / pc.block_tokens];
    const uint base = (((block * pc.n_kv + kvh) * pc.block_tokens) + p % pc.block_tokens) * HD4;
    float s = 0.0;
    for (uint j = 0; j < HD4; ++j) s += dot(q[j], pc.kc.v[base + j]);
    const float m_new = max(m, s);
    const float corr = exp(m - m_new);
    const float w = exp(s - m_new);
    l = l * corr + w;
    for (uint j = 0; j < HD4; ++j) acc[j] = acc[j] * corr + w * pc.vc.v[base + j];
    m = m_new;
  }

  const float m_all = subgroupMax(m);
  const float f = exp(m - m_all);
  const float l_all = subgroupAdd(l * f);
  const uint ob = t * pc.out_stride + h * HD;
  for (uint j = 0; j < HD4; ++j) {
    const vec4 v = vec4(subgroupAdd(acc[j].x * f), subgroupAdd(acc[j].y * f),
                        subgroupAdd(acc[j].z * f), subgroupAdd(acc[j].w * f)) / l_all;
    if (lane == (j % gl_SubgroupSize)) {
      pc.out_.v[ob + 4u * j] = v.x;
      pc.out_.v[ob + 4u * j + 1u] = v.y;
      pc.out_.v[ob + 4u * j + 2u] = v.z;
      pc.out_.v[ob + 4u * j + 3u] = v.w;
    }
  }
}
