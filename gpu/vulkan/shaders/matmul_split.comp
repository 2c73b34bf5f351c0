#version 450
// Y[t][row0 + n] (+)= sum_k W[n][k] * X[t][k] (+ bias[n]) for T tokens: the projection of every
// linear layer, decode and prefill alike. The variant for GPUs (see kernels.cpp).
//
// A workgroup (one subgroup) owns ROWS output rows and a tile of TILE tokens; lane l walks the
// 32-value chunks l, l + SG, l + 2 SG, ... of the rows (neighbouring lanes read neighbouring
// texels), dequantizing each weight chunk once and applying it to every token of the tile, then
// the lanes' partial sums meet in subgroupAdd. No shared memory, no barrier. Every output element
// is computed in the same order whatever TILE or T are, so results do not depend on which other
// tokens share the step.
#include "common.glsl"

layout(constant_id = 1) const uint ROWS = 4;
layout(constant_id = 2) const uint TILE = 1;

layout(binding = 0) uniform usamplerBuffer w;
layout(binding = 1) uniform usamplerBuffer x;
layout(binding = 2) uniform usamplerBuffer bias;
layout(binding = 3, std430) buffer y_t { float y[]; };

layout(push_constant) uniform push_t {
  uint K;
  uint N;
  uint T;
  uint x_off;
  uint x_stride;
  uint y_off;
  uint y_stride;
  uint row0;
  uint scales;
  uint flags;
  uint bias_off;
} pc;

#include "weights.glsl"

void main() {
  const uint lane = gl_SubgroupInvocationID;
  const uint n0 = flat_group() * ROWS;
  const uint t0 = gl_WorkGroupID.z * TILE;
  if (n0 >= pc.N) return;
  uint xrow[TILE];
  [[unroll]] for (uint t = 0; t < TILE; ++t) {
    xrow[t] = pc.x_off + min(t0 + t, pc.T - 1u) * pc.x_stride;
  }
  float acc[ROWS][TILE];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    [[unroll]] for (uint t = 0; t < TILE; ++t) acc[r][t] = 0.0;
  }
  const uint chunks = pc.K / 32u;
  for (uint c = lane; c < chunks; c += SG) {
    float wv[ROWS][32];
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      const uint n = min(n0 + r, pc.N - 1u);
#if defined(QUANTIZED)
      chunk_values(n, pc.K, c, block_scale(pc.scales, n, pc.K, c), wv[r]);
#else
      chunk_values(n, pc.K, c, 1.0, wv[r]);
#endif
    }
    [[unroll]] for (uint t = 0; t < TILE; ++t) {
      [[unroll]] for (uint i = 0; i < 8u; ++i) {
        const vec4 xv = fetch4(x, xrow[t] + c * 8u + i);
        [[unroll]] for (uint r = 0; r < ROWS; ++r) {
          acc[r][t] = fma(wv[r][4u * i], xv.x, acc[r][t]);
          acc[r][t] = fma(wv[r][4u * i + 1u], xv.y, acc[r][t]);
          acc[r][t] = fma(wv[r][4u * i + 2u], xv.z, acc[r][t]);
          acc[r][t] = fma(wv[r][4u * i + 3u], xv.w, acc[r][t]);
        }
      }
    }
  }
#if defined(TAIL)
  const uint tail_texels = (pc.K % 32u) / uint(TAIL);
  for (uint i = lane; i < tail_texels; i += SG) {
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      float wv[TAIL];
      tail_values(min(n0 + r, pc.N - 1u), pc.K, chunks * (32u / uint(TAIL)) + i, wv);
      [[unroll]] for (uint t = 0; t < TILE; ++t) {
        [[unroll]] for (uint h = 0; h < uint(TAIL) / 4u; ++h) {
          const vec4 xv = fetch4(x, xrow[t] + chunks * 8u + i * (uint(TAIL) / 4u) + h);
          acc[r][t] = fma(wv[4u * h], xv.x, acc[r][t]);
          acc[r][t] = fma(wv[4u * h + 1u], xv.y, acc[r][t]);
          acc[r][t] = fma(wv[4u * h + 2u], xv.z, acc[r][t]);
          acc[r][t] = fma(wv[4u * h + 3u], xv.w, acc[r][t]);
        }
      }
    }
  }
#endif
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    const uint n = n0 + r;
    [[unroll]] for (uint t = 0; t < TILE; ++t) {
      const float sum = subgroupAdd(acc[r][t]);
      if (lane == 0u && n < pc.N && t0 + t < pc.T) {
        float v = sum;
        if ((pc.flags & 2u) != 0u) v += fetch_float(bias, pc.bias_off + n);
        const uint o = pc.y_off + (t0 + t) * pc.y_stride + pc.row0 + n;
        if ((pc.flags & 1u) != 0u) v += y[o];
        y[o] = v;
      }
    }
  }
}
