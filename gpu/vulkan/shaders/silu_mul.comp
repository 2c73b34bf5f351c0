#version 450
// H[t][i] = silu(G[t][i]) * U[t][i], where each row of GU holds the gate (first F values) then
// the up projection (next F). One workgroup per token row.
#include "common.glsl"

layout(push_constant) uniform push_t {
  vec4_in gu;  // [T][2F]
  vec4_out h;  // [T][h_stride]
  uint F;      // multiple of 4
  uint T;
  uint h_stride;
} pc;

void main() {
  const uint t = flat_group();
  if (t >= pc.T) return;
  const uint f4 = pc.F / 4u;
  const uint gb = t * 2u * f4;
  const uint hb = t * (pc.h_stride / 4u);
  for (uint c = gl_SubgroupInvocationID; c < f4; c += gl_SubgroupSize) {
    const vec4 g = pc.gu.v[gb + c];
    const vec4 u = pc.gu.v[gb + f4 + c];
    pc.h.v[hb + c] = g / (1.0 + exp(-g)) * u;
  }
}
