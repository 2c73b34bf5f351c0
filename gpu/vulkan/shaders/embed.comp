#version 450
// X[t] = dequantized row tokens[t] of the embedding matrix: the first activation of a step. The
// host dispatches once per weight part (see device_model.hpp); a token whose row lies in another
// part is left alone. One workgroup per token; lanes walk the row's 32-value chunks.
#include "common.glsl"

layout(binding = 0) uniform usamplerBuffer w;       // RGBA32UI: the embedding part
layout(binding = 1) uniform usamplerBuffer tokens;  // R32UI: [T] token ids
layout(binding = 2, std430) writeonly buffer x_t { vec4 x[]; };

layout(push_constant) uniform push_t {
  uint K;         // embedding width
  uint T;
  uint tok_off;   // words
  uint x_off;     // vec4s
  uint x_stride;  // vec4s per token
  uint row0;      // vocabulary row of the part's first row
  uint rows;      // rows in the part
  uint scales;    // texel offset of the scales (Q formats)
} pc;

#include "weights.glsl"

void main() {
  const uint t = flat_group();
  if (t >= pc.T) return;
  const uint id = fetch_word(tokens, pc.tok_off + t);
  if (id < pc.row0 || id >= pc.row0 + pc.rows) return;
  const uint row = id - pc.row0;
  const uint base = pc.x_off + t * pc.x_stride;
  const uint chunks = pc.K / 32u;
  for (uint c = gl_SubgroupInvocationID; c < chunks; c += SG) {
    float v[32];
#if defined(QUANTIZED)
    chunk_values(row, pc.K, c, block_scale(pc.scales, row, pc.K, c), v);
#else
    chunk_values(row, pc.K, c, 1.0, v);
#endif
    [[unroll]] for (uint i = 0; i < 8u; ++i) {
      x[base + c * 8u + i] = vec4(v[4u * i], v[4u * i + 1u], v[4u * i + 2u], v[4u * i + 3u]);
    }
  }
#if defined(TAIL)
  const uint tail_texels = (pc.K % 32u) / uint(TAIL);
  for (uint i = gl_SubgroupInvocationID; i < tail_texels; i += SG) {
    float v[TAIL];
    tail_values(row, pc.K, chunks * (32u / uint(TAIL)) + i, v);
    [[unroll]] for (uint h = 0; h < uint(TAIL) / 4u; ++h) {
      x[base + chunks * 8u + i * (uint(TAIL) / 4u) + h] =
          vec4(v[4u * h], v[4u * h + 1u], v[4u * h + 2u], v[4u * h + 3u]);
    }
  }
#endif
}
