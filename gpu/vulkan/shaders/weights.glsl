// Weight formats as laid out on the device (repacked by weight_repack.cpp at load time) and read
// through the RGBA32UI texel view `w` that the including kernel declares. For a matrix W[N][K]
// (row n = output n, K = input features), row by row:
//   WEIGHT_F32:  K/4 texels of four floats.
//   WEIGHT_F16:  K/8 texels of eight halves.
//   WEIGHT_Q8_0: 2 texels of 32 int8 quants per block of 32 values, then the scales (below).
//   WEIGHT_Q4_0: 1 texel of 32 nibbles per block in ggml's order (byte j holds value j in its low
//                nibble and value j + 16 in its high nibble, both offset by 8), then the scales.
// Scales (Q formats): from texel `scales` on, ceil(K/256) texels per row, each holding the f16
// scales of 8 consecutive blocks (block b of row n: texel scales + n * ceil(K/256) + b/8, half
// b%8). A kernel walking a row in order fetches one scale texel per 8 blocks.
//
// Kernels work in chunks of 32 values: `chunk_values` dequantizes chunk c of a row (scale applied:
// each value is exactly GGUF's dequantized weight), in value order. F32 and F16 rows whose length
// is not a multiple of 32 end in a tail of TAIL-value texels (`tail_values`). New formats (Q4_K,
// Q6_K) add a branch here and in the host repacker; the kernels are written against this file.

#if defined(WEIGHT_F32)
#define CHUNK_TEXELS 8u
#define TAIL 4
#elif defined(WEIGHT_F16)
#define CHUNK_TEXELS 4u
#define TAIL 8
#elif defined(WEIGHT_Q8_0)
#define CHUNK_TEXELS 2u
#define QUANTIZED 1
#elif defined(WEIGHT_Q4_0)
#define CHUNK_TEXELS 1u
#define QUANTIZED 1
#else
#error "define one WEIGHT_* format"
#endif

// Texels of one row of K values.
uint row_texels(uint K) {
#if defined(WEIGHT_F32)
  return K / 4u;
#elif defined(WEIGHT_F16)
  return K / 8u;
#else
  return K / 32u * CHUNK_TEXELS;
#endif
}

uint scale_row_texels(uint K) { return (K / 32u + 7u) / 8u; }

// Half j (0..7) of a texel of eight f16 scales.
float scale_in(uvec4 texel, uint j) {
  const uint word = texel[j >> 1];
  return unpackHalf2x16((j & 1u) != 0u ? word >> 16 : word).x;
}

float block_scale(uint scales, uint row, uint K, uint b) {
  return scale_in(texelFetch(w, int(scales + row * scale_row_texels(K) + b / 8u)), b % 8u);
}

// Values of chunk c (values 32c .. 32c+31) of `row`, times d (Q formats; d is ignored otherwise).
void chunk_values(uint row, uint K, uint c, float d, out float v[32]) {
  const uint base = row * row_texels(K) + c * CHUNK_TEXELS;
#if defined(WEIGHT_F32)
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    const vec4 f = uintBitsToFloat(texelFetch(w, int(base + i)));
    v[4u * i] = f.x;
    v[4u * i + 1u] = f.y;
    v[4u * i + 2u] = f.z;
    v[4u * i + 3u] = f.w;
  }
#elif defined(WEIGHT_F16)
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    const uvec4 u = texelFetch(w, int(base + i));
    [[unroll]] for (uint k = 0; k < 4u; ++k) {
      const vec2 h = unpackHalf2x16(u[k]);
      v[8u * i + 2u * k] = h.x;
      v[8u * i + 2u * k + 1u] = h.y;
    }
  }
#elif defined(WEIGHT_Q8_0)
  [[unroll]] for (uint i = 0; i < 2u; ++i) {
    const ivec4 q = ivec4(texelFetch(w, int(base + i)));
    [[unroll]] for (uint k = 0; k < 4u; ++k) {
      [[unroll]] for (uint byte = 0; byte < 4u; ++byte) {
        v[16u * i + 4u * k + byte] = d * float((q[k] << (24u - 8u * byte)) >> 24);
      }
    }
  }
#elif defined(WEIGHT_Q4_0)
  // Flipping bit 3 of every nibble turns q into q - 8 read as a signed 4-bit number.
  const ivec4 q = ivec4(texelFetch(w, int(base)) ^ uvec4(0x88888888u));
  [[unroll]] for (uint k = 0; k < 4u; ++k) {
    [[unroll]] for (uint byte = 0; byte < 4u; ++byte) {
      v[4u * k + byte] = d * float((q[k] << (28u - 8u * byte)) >> 28);
      v[16u + 4u * k + byte] = d * float((q[k] << (24u - 8u * byte)) >> 28);
    }
  }
#endif
}

#if defined(TAIL)
// Values of texel i (values TAIL*i .. TAIL*i + TAIL-1) of `row`: the rest of a row after its
// whole chunks.
void tail_values(uint row, uint K, uint i, out float v[TAIL]) {
  const uvec4 u = texelFetch(w, int(row * row_texels(K) + i));
#if defined(WEIGHT_F32)
  const vec4 f = uintBitsToFloat(u);
  v[0] = f.x;
  v[1] = f.y;
  v[2] = f.z;
  v[3] = f.w;
#else
  [[unroll]] for (uint k = 0; k < 4u; ++k) {
    const vec2 h = unpackHalf2x16(u[k]);
    v[2u * k] = h.x;
    v[2u * k + 1u] = h.y;
  }
#endif
}
#endif
