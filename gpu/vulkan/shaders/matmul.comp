#version 450
// Y[t][n] (+)= sum_k W[n][k] * X[t][k] (+ bias[n]) for T tokens: the projection of every linear
// layer, decode (T = 1) and prefill alike.
//
// A workgroup (one subgroup) owns ROWS output rows and a tile of TILE tokens; lane l walks the
// chunks l, l + SG, l + 2 SG, ... of the rows, dequantizing each weight chunk once and using it
// for every token of the tile, then the lanes' partial sums meet in subgroupAdd. No shared memory,
// no barrier. Every output element is computed in the same order whatever TILE, T or the batch
// composition are (one chunk order per lane, fused multiply-adds, one subgroupAdd), so results
// do not depend on which other tokens share the step.
#extension GL_EXT_control_flow_attributes : enable
#include "common.glsl"
#include "weights.glsl"

layout(constant_id = 1) const uint ROWS = 4;
layout(constant_id = 2) const uint TILE = 1;

layout(push_constant) uniform push_t {
  weight_ref w;    // quantized values (or plain values)
  uint_in scales;  // f16 scales of Q formats; unused otherwise
  vec4_in x;       // [T][x_stride] activations
  float_out y;     // [T][y_stride] outputs
  float_in bias;   // [N]; read when flags & 2
  uint K;
  uint N;
  uint T;
  uint x_stride;  // in floats, a multiple of 4
  uint y_stride;  // in floats
  uint flags;     // 1: add to Y (residual), 2: add bias
} pc;

void main() {
  const uint row0 = flat_group() * ROWS;
  const uint t0 = gl_WorkGroupID.z * TILE;
  if (row0 >= pc.N) return;
  const uint lane = gl_SubgroupInvocationID;
  const uint chunks = pc.K / CHUNK;
  const uint xs = pc.x_stride / 4u;

  float acc[ROWS * TILE];
  [[unroll]] for (uint i = 0; i < ROWS * TILE; ++i) acc[i] = 0.0;

  for (uint c = lane; c < chunks; c += gl_SubgroupSize) {
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      const uint n = min(row0 + r, pc.N - 1u);
      vec4 w[CHUNK_VEC4];
      load_chunk(pc.w, pc.scales, n, c, pc.K, w);
      [[unroll]] for (uint t = 0; t < TILE; ++t) {
        const uint tok = min(t0 + t, pc.T - 1u);
        const uint xb = tok * xs + c * CHUNK_VEC4;
        float a = acc[r * TILE + t];
        [[unroll]] for (uint j = 0; j < CHUNK_VEC4; ++j) {
          const vec4 xv = pc.x.v[xb + j];
          a = fma(w[j].x, xv.x, a);
          a = fma(w[j].y, xv.y, a);
          a = fma(w[j].z, xv.z, a);
          a = fma(w[j].w, xv.w, a);
        }
        acc[r * TILE + t] = a;
      }
    }
  }

  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    const uint n = row0 + r;
    [[unroll]] for (uint t = 0; t < TILE; ++t) {
      const float sum = subgroupAdd(acc[r * TILE + t]);
      const uint tok = t0 + t;
      if (lane == 0u && n < pc.N && tok < pc.T) {
        float v = sum;
        if ((pc.flags & 2u) != 0u) v += pc.bias.v[n];
        const uint o = tok * pc.y_stride + n;
        if ((pc.flags & 1u) != 0u) v += pc.y.v[o];
        pc.y.v[o] = v;
      }
    }
  }
}
