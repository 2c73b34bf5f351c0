#version 450
// Y[i] = X[r] / sqrt(mean(X[r]^2) + eps) * weight, with r = i or r = rows[i] (the sampled rows
// before the final projection). One workgroup per output row.
#include "common.glsl"

layout(push_constant) uniform push_t {
  vec4_in x;
  vec4_in weight;
  vec4_out y;
  uint_in rows;  // read when flags & 1
  uint K;        // multiple of 4
  uint n_rows;
  uint x_stride;  // floats
  uint y_stride;
  float eps;
  uint flags;
} pc;

void main() {
  const uint i = flat_group();
  if (i >= pc.n_rows) return;
  const uint r = (pc.flags & 1u) != 0u ? pc.rows.v[i] : i;
  const uint xb = r * (pc.x_stride / 4u);
  const uint yb = i * (pc.y_stride / 4u);
  const uint n4 = pc.K / 4u;
  float ss = 0.0;
  for (uint c = gl_SubgroupInvocationID; c < n4; c += gl_SubgroupSize) {
    const vec4 v = pc.x.v[xb + c];
    ss = fma(v.x, v.x, ss);
    ss = fma(v.y, v.y, ss);
    ss = fma(v.z, v.z, ss);
    ss = fma(v.w, v.w, ss);
  }
  const float scale = 1.0 / sqrt(subgroupAdd(ss) / float(pc.K) + pc.eps);
  for (uint c = gl_SubgroupInvocationID; c < n4; c += gl_SubgroupSize) {
    pc.y.v[yb + c] = (pc.x.v[xb + c] * scale) * pc.weight.v[c];
  }
}
