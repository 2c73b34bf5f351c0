#version 450
// Y[i] = X[r] / sqrt(mean(X[r]^2) + eps) * weight, with r = i or r = rows[i] (the sampled rows
// before the final projection). One workgroup per output row.
#include "common.glsl"

layout(binding = 0) uniform usamplerBuffer x;       // RGBA32UI
layout(binding = 1) uniform usamplerBuffer weight;  // RGBA32UI
layout(binding = 2) uniform usamplerBuffer rows;    // R32UI: read when flags & 1
layout(binding = 3, std430) writeonly buffer y_t { vec4 y[]; };

layout(push_constant) uniform push_t {
  uint K;  // multiple of 4
  uint n_rows;
  uint x_off;     // texels
  uint x_stride;  // texels per row
  uint y_off;     // vec4s
  uint y_stride;  // vec4s per row
  uint w_off;     // texels
  uint rows_off;  // words
  float eps;
  uint flags;
} pc;

void main() {
  const uint i = flat_group();
  if (i >= pc.n_rows) return;
  const uint r = (pc.flags & 1u) != 0u ? fetch_word(rows, pc.rows_off + i) : i;
  const uint xb = pc.x_off + r * pc.x_stride;
  const uint yb = pc.y_off + i * pc.y_stride;
  const uint n4 = pc.K / 4u;
  float ss = 0.0;
  for (uint c = gl_SubgroupInvocationID; c < n4; c += SG) {
    const vec4 v = fetch4(x, xb + c);
    ss = fma(v.x, v.x, ss);
    ss = fma(v.y, v.y, ss);
    ss = fma(v.z, v.z, ss);
    ss = fma(v.w, v.w, ss);
  }
  const float scale = 1.0 / sqrt(subgroupAdd(ss) / float(pc.K) + pc.eps);
  for (uint c = gl_SubgroupInvocationID; c < n4; c += SG) {
    y[yb + c] = (fetch4(x, xb + c) * scale) * fetch4(weight, pc.w_off + c);
  }
}
