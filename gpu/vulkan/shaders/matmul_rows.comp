#version 450
// Y[t][row0 + n] (+)= sum_k W[n][k] * X[t][k] (+ bias[n]) for T tokens: the projection of every
// linear layer, decode and prefill alike. The variant for CPU devices (see kernels.cpp).
//
// Lane l of a workgroup owns rows (group * R + r) * SG + l for r < R and the workgroup a tile of
// TILE tokens, so every lane streams whole rows of its own and no partial sums ever cross lanes.
// Per chunk of 32 input values:
//  - the chunk of X is fetched cooperatively for every token of the tile (lane l fetches texel l
//    of the chunk: one gather for 32 values) and each value is broadcast to all lanes with
//    subgroupShuffle by a constant lane, which CPU implementations compile to one permute (a
//    texel fetch costs a gather for the whole lane group, so fetching X per lane would cost as
//    much as the weights);
//  - each of the lane's rows is fetched and decoded once and applied to every token of the tile.
// Quantized blocks are decoded as integers and their scales (and mins) multiply each block's or
// half-block's sums (one multiply per 16 or 32 values rather than per weight). Every output is the same chain of operations
// over k in order whatever TILE, R or T are, so results do not depend on which other tokens share
// the step.
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

uint row[R];
uint xrow[TILE];
float acc[R][TILE];

// Chunk c of X for every token of the tile, each value broadcast to all lanes.
void load_x(uint c, out float xs[TILE][32]) {
  const uint lane = gl_SubgroupInvocationID;
  [[unroll]] for (uint t = 0; t < TILE; ++t) {
    vec4 xv[XG];
    [[unroll]] for (uint g = 0; g < XG; ++g) {
      xv[g] = fetch4(x, xrow[t] + c * 8u + min(g * SG + lane, 7u));
    }
    [[unroll]] for (uint i = 0; i < 32u; ++i) {
      const uint texel = i / 4u;
      xs[t][i] = subgroupShuffle(xv[texel / SG][i % 4u], texel % SG);
    }
  }
}

#if defined(AFFINE)
// Value i = d_h q_i + m_h (h = i / 16): per half, the scale goes on the sum of q x and the min on
// the sum of x, which every row shares (zero where the format has no minimum).
void x_sums(float xs[TILE][32], out float xsum[TILE][2]) {
  [[unroll]] for (uint t = 0; t < TILE; ++t) {
    xsum[t][0] = 0.0;
    xsum[t][1] = 0.0;
#if defined(HAS_MIN)
    [[unroll]] for (uint i = 0; i < 32u; ++i) xsum[t][i / 16u] += xs[t][i];
#endif
  }
}

void add_affine(uint r, vec4 p, float wv[32], float xs[TILE][32], float xsum[TILE][2]) {
  [[unroll]] for (uint t = 0; t < TILE; ++t) {
    float s0 = 0.0, s1 = 0.0;
    [[unroll]] for (uint i = 0; i < 16u; ++i) s0 = fma(wv[i], xs[t][i], s0);
    [[unroll]] for (uint i = 16u; i < 32u; ++i) s1 = fma(wv[i], xs[t][i], s1);
    acc[r][t] = fma(p.x, s0, acc[r][t]);
    acc[r][t] = fma(p.y, s1, acc[r][t]);
#if defined(HAS_MIN)
    acc[r][t] = fma(p.z, xsum[t][0], acc[r][t]);
    acc[r][t] = fma(p.w, xsum[t][1], acc[r][t]);
#endif
  }
}
#endif

void main() {
  const uint lane = gl_SubgroupInvocationID;
  const uint t0 = gl_WorkGroupID.z * TILE;
  [[unroll]] for (uint r = 0; r < R; ++r) {
    row[r] = min((flat_group() * R + r) * SG + lane, pc.N - 1u);
  }
  [[unroll]] for (uint t = 0; t < TILE; ++t) {
    xrow[t] = pc.x_off + min(t0 + t, pc.T - 1u) * pc.x_stride;
    [[unroll]] for (uint r = 0; r < R; ++r) acc[r][t] = 0.0;
  }
  const uint chunks = pc.K / 32u;

#if defined(QUANTIZED)
  const uint srow = side_row_texels(pc.K);
  for (uint g = 0; g < srow; ++g) {
    uvec4 sc[R];
    [[unroll]] for (uint r = 0; r < R; ++r) {
      sc[r] = texelFetch(w, int(pc.scales + row[r] * srow + g));
    }
    const uint jn = min(8u, chunks - g * 8u);
    for (uint j = 0; j < jn; ++j) {
      const uint c = g * 8u + j;
      float xs[TILE][32];
      load_x(c, xs);
      [[unroll]] for (uint r = 0; r < R; ++r) {
        float wv[32];
        chunk_values(row[r], pc.K, c, 1.0, wv);  // q - 8: the scale goes on the block's sum
        float s[TILE];
        [[unroll]] for (uint t = 0; t < TILE; ++t) s[t] = 0.0;
        [[unroll]] for (uint i = 0; i < 32u; ++i) {
          [[unroll]] for (uint t = 0; t < TILE; ++t) s[t] = fma(wv[i], xs[t][i], s[t]);
        }
        const float d = scale_in(sc[r], j);
        [[unroll]] for (uint t = 0; t < TILE; ++t) acc[r][t] = fma(d, s[t], acc[r][t]);
      }
    }
  }
#elif defined(SB_TEXELS)
  // K-quants: what a super-block's chunks share (scales, mins, per-chunk words) is fetched once
  // per super-block and row, what a pair of chunks shares once per pair.
  for (uint s = 0; s < chunks / 8u; ++s) {
    sb_shared h[R];
    [[unroll]] for (uint r = 0; r < R; ++r) h[r] = super_block(row[r], pc.K, s);
    for (uint i = 0; i < 4u; ++i) {
      uvec4 pair[R];
      [[unroll]] for (uint r = 0; r < R; ++r) pair[r] = chunk_pair(row[r], pc.K, s, i);
      [[unroll]] for (uint half_ = 0; half_ < 2u; ++half_) {
        const uint j = 2u * i + half_;
        float xs[TILE][32];
        load_x(s * 8u + j, xs);
        float xsum[TILE][2];
        x_sums(xs, xsum);
        [[unroll]] for (uint r = 0; r < R; ++r) {
          float wv[32];
          add_affine(r, chunk_raw_in(row[r], pc.K, s, j, h[r], pair[r], wv), wv, xs, xsum);
        }
      }
    }
  }
#elif defined(AFFINE)
  for (uint c = 0; c < chunks; ++c) {
    float xs[TILE][32];
    load_x(c, xs);
    float xsum[TILE][2];
    x_sums(xs, xsum);
    [[unroll]] for (uint r = 0; r < R; ++r) {
      float wv[32];
      add_affine(r, chunk_raw(row[r], pc.K, c, wv), wv, xs, xsum);
    }
  }
#else
  for (uint c = 0; c < chunks; ++c) {
    float xs[TILE][32];
    load_x(c, xs);
    [[unroll]] for (uint r = 0; r < R; ++r) {
      float wv[32];
      chunk_values(row[r], pc.K, c, 1.0, wv);
      [[unroll]] for (uint i = 0; i < 32u; ++i) {
        [[unroll]] for (uint t = 0; t < TILE; ++t) acc[r][t] = fma(wv[i], xs[t][i], acc[r][t]);
      }
    }
  }
#endif

#if defined(TAIL)
  // Values past the last whole chunk (K not a multiple of 32), one weight texel at a time.
  const uint tail_texels = (pc.K % 32u) / uint(TAIL);
  for (uint i = 0; i < tail_texels; ++i) {
    [[unroll]] for (uint r = 0; r < R; ++r) {
      float wv[TAIL];
      tail_values(row[r], pc.K, chunks * (32u / uint(TAIL)) + i, wv);
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
