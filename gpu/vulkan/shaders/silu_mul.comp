#version 450
// H[t][i] = silu(G[t][i]) * U[t][i], where each row of GU holds the gate (first F values) then
// the up projection (next F). One workgroup per token row.
#include "common.glsl"

layout(binding = 0) uniform usamplerBuffer gu;  // RGBA32UI: [T][2F]
layout(binding = 1, std430) writeonly buffer h_t { vec4 h[]; };

layout(push_constant) uniform push_t {
  uint F;  // multiple of 4
  uint T;
  uint gu_off;    // texels
  uint h_off;     // vec4s
  uint h_stride;  // vec4s per token
} pc;

void main() {
  const uint t = flat_group();
  if (t >= pc.T) return;
  const uint f4 = pc.F / 4u;
  const uint gb = pc.gu_off + t * 2u * f4;
  const uint hb = pc.h_off + t * pc.h_stride;
  for (uint c = gl_SubgroupInvocationID; c < f4; c += SG) {
    const vec4 g = fetch4(gu, gb + c);
    const vec4 u = fetch4(gu, gb + f4 + c);
    h[hb + c] = g / (1.0 + exp(-g)) * u;
  }
}
