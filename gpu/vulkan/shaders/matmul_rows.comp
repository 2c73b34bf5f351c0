#version 450
// Y[t][row0 + n] (+)= sum_k W[n][k] * X[t][k] (+ bias[n]) for T tokens: the projection of every
// linear layer, decode and prefill alike. The variant for CPU devices (see kernels.cpp).
//
// Lane l of a workgroup owns rows (group * R + r) * SG + l for r < R and the workgroup a tile of
// TILE tokens, so every lane streams whole rows of its own and no partial sums ever cross lanes.
// Per chunk of 32 input values the lanes fetch their R rows' weight texels once, dequantize them
// once, and apply them to every token of the tile; the chunk of X is fetched cooperatively (lane l
// fetches texel l of the chunk: one gather for 32 values) and each value is broadcast with
// subgroupShuffle by a constant lane, which CPU implementations compile to a single permute
// (texel fetches cost one gather per lane group, so fetching X per lane would cost as much as the
// weights). Every output is one fma chain over k in order, whatever TILE, R or T are, so results
// do not depend on which other tokens share the step.
#include "common.glsl"
#extension GL_KHR_shader_subgroup_shuffle : require

layout(constant_id = 1) const uint R = 4;     // rows per lane
layout(constant_id = 2) const uint TILE = 1;  // tokens per workgroup

layout(binding = 0) uniform usamplerBuffer w;     // RGBA32UI: the weight part (weights.glsl)
layout(binding = 1) uniform usamplerBuffer x;     // RGBA32UI: [T][x_stride] activations
layout(binding = 2) uniform usamplerBuffer bias;  // R32UI: read when flags & 2
layout(binding = 3, std430) buffer y_t { float y[]; };

layout(push_constant) uniform push_t {
  uint K;
  uint N;         // rows of this weight part
  uint T;
  uint x_off;     // texels
  uint x_stride;  // texels per token
  uint y_off;     // floats: Y[0][0]
  uint y_stride;  // floats per token
  uint row0;      // Y column of the part's first row
  uint scales;    // texel offset of the scales (Q formats)
  uint flags;     // 1: add to Y (residual), 2: add bias
  uint bias_off;  // floats: bias of the part's first row
} pc;

#include "weights.glsl"

#define XG ((8u + SG - 1u) / SG)  // gathers per 32-value chunk of X

void main() {
  const uint lane = gl_SubgroupInvocationID;
  const uint t0 = gl_WorkGroupID.z * TILE;
  uint row[R];
  [[unroll]] for (uint r = 0; r < R; ++r) {
    row[r] = min((flat_group() * R + r) * SG + lane, pc.N - 1u);
  }
  uint xrow[TILE];
  [[unroll]] for (uint t = 0; t < TILE; ++t) {
    xrow[t] = pc.x_off + min(t0 + t, pc.T - 1u) * pc.x_stride;
  }
  float acc[R][TILE];
  [[unroll]] for (uint r = 0; r < R; ++r) {
    [[unroll]] for (uint t = 0; t < TILE; ++t) acc[r][t] = 0.0;
  }
  const uint chunks = pc.K / 32u;

#if defined(QUANTIZED)
  const uint srow = scale_row_texels(pc.K);
  for (uint g = 0; g < srow; ++g) {
    uvec4 sc[R];
    [[unroll]] for (uint r = 0; r < R; ++r) sc[r] = texelFetch(w, int(pc.scales + row[r] * srow + g));
    const uint jn = min(8u, chunks - g * 8u);
    for (uint j = 0; j < jn; ++j) {
      const uint c = g * 8u + j;
      float wv[R][32];
      [[unroll]] for (uint r = 0; r < R; ++r) chunk_values(row[r], pc.K, c, scale_in(sc[r], j), wv[r]);
#else
  {
    for (uint c = 0; c < chunks; ++c) {
      float wv[R][32];
      [[unroll]] for (uint r = 0; r < R; ++r) chunk_values(row[r], pc.K, c, 1.0, wv[r]);
#endif
      [[unroll]] for (uint t = 0; t < TILE; ++t) {
        vec4 xv[XG];
        [[unroll]] for (uint g2 = 0; g2 < XG; ++g2) {
          xv[g2] = fetch4(x, xrow[t] + c * 8u + min(g2 * SG + lane, 7u));
        }
        [[unroll]] for (uint i = 0; i < 32u; ++i) {
          const uint texel = i / 4u;
          const float xi = subgroupShuffle(xv[texel / SG][i % 4u], texel % SG);
          [[unroll]] for (uint r = 0; r < R; ++r) acc[r][t] = fma(wv[r][i], xi, acc[r][t]);
        }
      }
    }
  }

#if defined(TAIL)
  // Values past the last whole chunk (K not a multiple of 32), one weight texel at a time.
  const uint tail_texels = (pc.K % 32u) / uint(TAIL);
  for (uint i = 0; i < tail_texels; ++i) {
    float wv[R][TAIL];
    [[unroll]] for (uint r = 0; r < R; ++r) tail_values(row[r], pc.K, chunks * (32u / uint(TAIL)) + i, wv[r]);
    [[unroll]] for (uint t = 0; t < TILE; ++t) {
      [[unroll]] for (uint h = 0; h < uint(TAIL) / 4u; ++h) {
        const vec4 xv = fetch4(x, xrow[t] + chunks * 8u + i * (uint(TAIL) / 4u) + h);
        [[unroll]] for (uint r = 0; r < R; ++r) {
          acc[r][t] = fma(wv[r][4u * h], xv.x, acc[r][t]);
          acc[r][t] = fma(wv[r][4u * h + 1u], xv.y, acc[r][t]);
          acc[r][t] = fma(wv[r][4u * h + 2u], xv.z, acc[r][t]);
          acc[r][t] = fma(wv[r][4u * h + 3u], xv.w, acc[r][t]);
        }
      }
    }
  }
#endif

  [[unroll]] for (uint r = 0; r < R; ++r) {
    const uint n = (flat_group() * R + r) * SG + lane;
    [[unroll]] for (uint t = 0; t < TILE; ++t) {
      if (n < pc.N && t0 + t < pc.T) {
        float v = acc[r][t];
        if ((pc.flags & 2u) != 0u) v += fetch_float(bias, pc.bias_off + n);
        const uint o = pc.y_off + (t0 + t) * pc.y_stride + pc.row0 + n;
        if ((pc.flags & 1u) != 0u) v += y[o];
        y[o] = v;
      }
    }
  }
}
