#version 450
// X[t] = dequantized row tokens[t] of the embedding matrix: the first activation of a step.
// One workgroup per token; lanes walk the row's chunks.
#include "common.glsl"
#include "weights.glsl"

layout(push_constant) uniform push_t {
  weight_ref w;
  uint_in scales;
  int_in tokens;  // [T]
  vec4_out x;     // [T][x_stride]
  uint K;         // embedding width
  uint T;
  uint x_stride;  // floats, multiple of 4
} pc;

void main() {
  const uint t = flat_group();
  if (t >= pc.T) return;
  const uint row = uint(pc.tokens.v[t]);
  const uint base = t * (pc.x_stride / 4u);
  for (uint c = gl_SubgroupInvocationID; c < pc.K / CHUNK; c += gl_SubgroupSize) {
    vec4 w[CHUNK_VEC4];
    load_chunk(pc.w, pc.scales, row, c, pc.K, w);
    for (uint j = 0; j < CHUNK_VEC4; ++j) pc.x.v[base + c * CHUNK_VEC4 + j] = w[j];
  }
}
