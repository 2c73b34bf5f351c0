// Weight formats as laid out on the device (repacked by weight_repack.cpp at load time) and read
// through the RGBA32UI texel view `w` that the including kernel declares, whose push constants
// have `scales` (the texel offset of the side region). For a matrix W[N][K] (row n = output n,
// K = input features), every row has `row_texels(K)` texels in the main region and
// `side_row_texels(K)` in the side region (from texel `scales` on, row by row):
//   WEIGHT_F32:  K/4 texels of four floats.
//   WEIGHT_F16:  K/8 texels of eight halves.
//   WEIGHT_Q8_0: 2 texels of 32 int8 quants per block of 32 values; side: the f16 scales, 8 per
//                texel.
//   WEIGHT_Q4_0: 1 texel of 32 nibbles per block, in ggml's order (byte j holds value j in its
//                low nibble and value j + 16 in its high nibble, both offset by 8); side as Q8_0.
//   WEIGHT_Q4_1: nibbles as Q4_0 (not offset); side: (d, m) f16 pairs, 4 blocks per texel.
//   WEIGHT_Q5_0: nibbles as Q4_0 (the low 4 bits); side: per 2 blocks (qh0, qh1, d0 | d1 << 16,
//                0), bit i of qh the fifth bit of value i; value = d (q - 16).
//   WEIGHT_Q5_1: as Q5_0 with (qh0, qh1, d0 | m0 << 16, d1 | m1 << 16); value = d q + m.
//   WEIGHT_Q4_K: per super-block of 256 (8 chunks), 9 texels: ggml's first 16 bytes (d, dmin,
//                the 12 bytes of 6-bit scales and mins), then chunk j's nibbles in Q4_0 order.
//   WEIGHT_Q5_K: 11 texels: as Q4_K, then 2 texels of one qh word per chunk (bit i: value i's
//                fifth bit).
//   WEIGHT_Q6_K: 13 texels: 8 texels of low nibbles (Q4_0 order), 4 texels of the high 2 bits
//                (chunk 2i in .xy, 2i + 1 in .zw; word h of a chunk holds, in byte b, the bits
//                of values 4w + b and then 16 + 4w + b for w = 2h and 2h + 1, two bits each, so
//                that they line up with the nibbles' bytes), 1 texel of the 16 int8 scales;
//                side: d (f16), 8 super-blocks per texel.
//   WEIGHT_Q2_K: 5 texels: 4 texels of the 2-bit quants (as Q6_K's high bits), 1 texel of
//                ggml's 16 scale bytes (scale | min << 4); side: (d, dmin) f16 pairs, 4
//                super-blocks per texel.
//   WEIGHT_Q3_K: 7 texels: 4 texels of the low 2 bits (as Q6_K's high bits), 2 texels of one
//                hmask word per chunk, 1 texel of the 16 scales unpacked (int8, 32 taken off);
//                side as Q6_K.
// The layouts keep every bit of ggml's blocks (moved, never requantized), so a weight occupies
// what it does in the file (Q3_K 4% and Q5_0 9% more, for alignment).
//
// Kernels work in chunks of 32 values. `chunk_values` dequantizes chunk c of a row into its 32
// values (each exactly GGUF's dequantized weight; for Q8_0/Q4_0 times the `d` the caller passes).
// For the formats with scales per 16 values or a minimum (AFFINE), `chunk_raw` gives the chunk as
// integers v[i] and (d0, d1, m0, m1) with value i = d_h v[i] + m_h, h = i / 16, so a kernel can
// sum v x once per half and apply the scales to the sums. F32 and F16 rows whose length is not a
// multiple of 32 end in a tail of TAIL-value texels (`tail_values`).

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
#elif defined(WEIGHT_Q4_1) || defined(WEIGHT_Q5_0) || defined(WEIGHT_Q5_1)
#define CHUNK_TEXELS 1u
#define AFFINE 1
#elif defined(WEIGHT_Q4_K)
#define SB_TEXELS 9u
#define AFFINE 1
#elif defined(WEIGHT_Q5_K)
#define SB_TEXELS 11u
#define AFFINE 1
#elif defined(WEIGHT_Q6_K)
#define SB_TEXELS 13u
#define AFFINE 1
#elif defined(WEIGHT_Q2_K)
#define SB_TEXELS 5u
#define AFFINE 1
#elif defined(WEIGHT_Q3_K)
#define SB_TEXELS 7u
#define AFFINE 1
#else
#error "define one WEIGHT_* format"
#endif

#if defined(WEIGHT_Q4_1) || defined(WEIGHT_Q5_1) || defined(WEIGHT_Q2_K) || defined(WEIGHT_Q4_K) || \
    defined(WEIGHT_Q5_K)
#define HAS_MIN 1  // m0, m1 are not 0
#endif

// Texels of one row of K values in the main region.
uint row_texels(uint K) {
#if defined(WEIGHT_F32)
  return K / 4u;
#elif defined(WEIGHT_F16)
  return K / 8u;
#elif defined(SB_TEXELS)
  return K / 256u * SB_TEXELS;
#else
  return K / 32u * CHUNK_TEXELS;
#endif
}

// Texels of one row in the side region.
uint side_row_texels(uint K) {
#if defined(QUANTIZED)
  return (K / 32u + 7u) / 8u;  // 8 f16 scales per texel, one per block
#elif defined(WEIGHT_Q6_K) || defined(WEIGHT_Q3_K)
  return (K / 256u + 7u) / 8u;  // 8 f16 scales per texel, one per super-block
#elif defined(WEIGHT_Q4_1)
  return (K / 32u + 3u) / 4u;
#elif defined(WEIGHT_Q2_K)
  return (K / 256u + 3u) / 4u;  // (d, dmin) per super-block, 4 per texel
#elif defined(WEIGHT_Q5_0) || defined(WEIGHT_Q5_1)
  return (K / 32u + 1u) / 2u;
#else
  return 0u;
#endif
}

// Word i of a texel, by selects: a variable index into a vector or array would become a
// per-lane memory access on CPU devices.
uint word_of(uvec4 t, uint i) { return i == 0u ? t.x : i == 1u ? t.y : i == 2u ? t.z : t.w; }

// Half j (0..7) of a texel of eight f16 scales.
float scale_in(uvec4 texel, uint j) {
  const uint word = word_of(texel, j >> 1);
  return unpackHalf2x16((j & 1u) != 0u ? word >> 16 : word).x;
}

float block_scale(uint scales, uint row, uint K, uint b) {
  return scale_in(texelFetch(w, int(scales + row * side_row_texels(K) + b / 8u)), b % 8u);
}

// The side texel of `row` holding entry `i` when `per` entries share a texel.
uvec4 side_texel(uint row, uint K, uint i, uint per) {
  return texelFetch(w, int(pc.scales + row * side_row_texels(K) + i / per));
}

// The 32 nibbles of a texel in ggml's Q4_0 order, unsigned.
void nibbles(uvec4 q, out float v[32]) {
  [[unroll]] for (uint k = 0; k < 4u; ++k) {
    [[unroll]] for (uint byte = 0; byte < 4u; ++byte) {
      v[4u * k + byte] = float((q[k] >> (8u * byte)) & 15u);
      v[16u + 4u * k + byte] = float((q[k] >> (8u * byte + 4u)) & 15u);
    }
  }
}

// Adds 16 to value i where bit i of `qh` is set (the fifth bit of Q5 formats).
void fifth_bits(uint qh, inout float v[32]) {
  [[unroll]] for (uint i = 0; i < 32u; ++i) v[i] += float((qh >> i) & 1u) * 16.0;
}

// Two bits per value from a 64-bit pair: value l at bits 2 (l % 16) of word l / 16.
float two_bits(uvec2 h, uint l) { return float((h[l / 16u] >> (2u * (l % 16u))) & 3u); }

#if defined(WEIGHT_Q4_K) || defined(WEIGHT_Q5_K)
// ggml's get_scale_min_k4: the 6-bit scale and min of sub-block j from the 12 packed bytes
// (bytes 4..15 of the super-block's first texel, b[0..11]): for j < 4, b[j] and b[j + 4] low 6
// bits; else b[j + 4]'s nibbles with b[j - 4]'s and b[j]'s top 2 bits above them.
void scale_min_k4(uvec4 head, uint j, out float sc, out float mn) {
  const uint shift = 8u * (j & 3u);
  const uint y = head.y >> shift, z = head.z >> shift, ww = head.w >> shift;
  const bool low = j < 4u;
  sc = float(low ? y & 63u : (ww & 15u) | ((y >> 2) & 48u));
  mn = float(low ? z & 63u : ((ww >> 4) & 15u) | ((z >> 2) & 48u));
}
#endif

#if defined(SB_TEXELS)
// What the 8 chunks of a super-block share, fetched once for all of them: the texel with its
// scales (and, for Q4_K/Q5_K, d and dmin), the side texel with its d (Q2_K, Q3_K, Q6_K), and two
// texels of per-chunk words (Q5_K's qh, Q3_K's hmask: chunk j's word is texel j / 4, word j % 4).
struct sb_shared {
  uvec4 head;
  uvec4 side;
  uvec4 words0;
  uvec4 words1;
};

sb_shared super_block(uint row, uint K, uint s) {
  const uint sb = row * row_texels(K) + s * SB_TEXELS;
  sb_shared h;
  h.side = uvec4(0u);
  h.words0 = uvec4(0u);
  h.words1 = uvec4(0u);
#if defined(WEIGHT_Q4_K) || defined(WEIGHT_Q5_K)
  h.head = texelFetch(w, int(sb));
#if defined(WEIGHT_Q5_K)
  h.words0 = texelFetch(w, int(sb + 9u));
  h.words1 = texelFetch(w, int(sb + 10u));
#endif
#elif defined(WEIGHT_Q6_K)
  h.head = texelFetch(w, int(sb + 12u));
  h.side = side_texel(row, K, s, 8u);
#elif defined(WEIGHT_Q2_K)
  h.head = texelFetch(w, int(sb + 4u));
  h.side = side_texel(row, K, s, 4u);
#elif defined(WEIGHT_Q3_K)
  h.head = texelFetch(w, int(sb + 6u));
  h.side = side_texel(row, K, s, 8u);
  h.words0 = texelFetch(w, int(sb + 4u));
  h.words1 = texelFetch(w, int(sb + 5u));
#endif
  return h;
}

// The texel chunks 2i and 2i + 1 of super-block s share (the 2-bit planes of Q2_K, Q3_K and
// Q6_K, chunk 2i in .xy and 2i + 1 in .zw); nothing for Q4_K and Q5_K.
uvec4 chunk_pair(uint row, uint K, uint s, uint i) {
  const uint sb = row * row_texels(K) + s * SB_TEXELS;
#if defined(WEIGHT_Q6_K)
  return texelFetch(w, int(sb + 8u + i));
#elif defined(WEIGHT_Q2_K) || defined(WEIGHT_Q3_K)
  return texelFetch(w, int(sb + i));
#else
  return uvec4(0u);
#endif
}

uint chunk_word(sb_shared h, uint j) { return word_of(j < 4u ? h.words0 : h.words1, j & 3u); }

// The int8 scale k (0..15) of a texel of 16.
int signed_scale(uvec4 sc, uint k) {
  return int(word_of(sc, k / 4u) << (24u - 8u * (k % 4u))) >> 24;
}

// Chunk j of super-block s of `row`, given what the super-block and the chunk's pair share:
// integers v[i] and (d0, d1, m0, m1) with value i = d_h v[i] + m_h, h = i / 16.
vec4 chunk_raw_in(uint row, uint K, uint s, uint j, sb_shared h, uvec4 pair, out float v[32]) {
  const uint sb = row * row_texels(K) + s * SB_TEXELS;
  const uvec2 q = (j % 2u) != 0u ? pair.zw : pair.xy;
#if defined(WEIGHT_Q4_K) || defined(WEIGHT_Q5_K)
  const vec2 dd = unpackHalf2x16(h.head.x);  // d, dmin
  nibbles(texelFetch(w, int(sb + 1u + j)), v);
#if defined(WEIGHT_Q5_K)
  fifth_bits(chunk_word(h, j), v);
#endif
  float sc, mn;
  scale_min_k4(h.head, j, sc, mn);
  const float d = dd.x * sc, m = dd.y * mn;
  return vec4(d, d, -m, -m);
#elif defined(WEIGHT_Q6_K)
  // Nibbles and high bits are combined four values at a time into bytes of 6-bit values.
  const uvec4 lo = texelFetch(w, int(sb + j));
  [[unroll]] for (uint k = 0; k < 4u; ++k) {
    const uint hw = q[k / 2u] >> (2u * (k % 2u));
    const uint a = (lo[k] & 0x0F0F0F0Fu) | ((hw & 0x03030303u) << 4);
    const uint b = ((lo[k] >> 4) & 0x0F0F0F0Fu) | (((hw >> 4) & 0x03030303u) << 4);
    [[unroll]] for (uint byte = 0; byte < 4u; ++byte) {
      v[4u * k + byte] = float((a >> (8u * byte)) & 63u) - 32.0;
      v[16u + 4u * k + byte] = float((b >> (8u * byte)) & 63u) - 32.0;
    }
  }
  const float d = scale_in(h.side, s % 8u);
  return vec4(d * float(signed_scale(h.head, 2u * j)), d * float(signed_scale(h.head, 2u * j + 1u)),
              0.0, 0.0);
#elif defined(WEIGHT_Q2_K)
  [[unroll]] for (uint l = 0; l < 32u; ++l) v[l] = two_bits(q, l);
  const vec2 dm = unpackHalf2x16(word_of(h.side, s % 4u));
  const uint s0 = (word_of(h.head, (2u * j) / 4u) >> (8u * ((2u * j) % 4u))) & 255u;
  const uint s1 = (word_of(h.head, (2u * j + 1u) / 4u) >> (8u * ((2u * j + 1u) % 4u))) & 255u;
  return vec4(dm.x * float(s0 & 15u), dm.x * float(s1 & 15u), -(dm.y * float(s0 >> 4)),
              -(dm.y * float(s1 >> 4)));
#elif defined(WEIGHT_Q3_K)
  const uint hm = chunk_word(h, j);
  [[unroll]] for (uint l = 0; l < 32u; ++l) {
    v[l] = two_bits(q, l) - (((hm >> l) & 1u) != 0u ? 0.0 : 4.0);
  }
  const float d = scale_in(h.side, s % 8u);
  return vec4(d * float(signed_scale(h.head, 2u * j)), d * float(signed_scale(h.head, 2u * j + 1u)),
              0.0, 0.0);
#endif
}
#endif

#if defined(AFFINE)
// Chunk c of `row` as integers and (d0, d1, m0, m1): value i = d_h v[i] + m_h, h = i / 16.
vec4 chunk_raw(uint row, uint K, uint c, out float v[32]) {
#if defined(SB_TEXELS)
  const uint s = c / 8u, j = c % 8u;
  return chunk_raw_in(row, K, s, j, super_block(row, K, s), chunk_pair(row, K, s, j / 2u), v);
#else
  const uint base = row * row_texels(K) + c;
#if defined(WEIGHT_Q4_1)
  nibbles(texelFetch(w, int(base)), v);
  const uvec4 s = side_texel(row, K, c, 4u);
  const vec2 dm = unpackHalf2x16(word_of(s, c % 4u));
  return vec4(dm.x, dm.x, dm.y, dm.y);
#elif defined(WEIGHT_Q5_0) || defined(WEIGHT_Q5_1)
  nibbles(texelFetch(w, int(base)), v);
  const uvec4 s = side_texel(row, K, c, 2u);
  fifth_bits(word_of(s, c % 2u), v);
#if defined(WEIGHT_Q5_0)
  const float d = unpackHalf2x16((c % 2u) != 0u ? s.z >> 16 : s.z).x;
  [[unroll]] for (uint i = 0; i < 32u; ++i) v[i] -= 16.0;
  return vec4(d, d, 0.0, 0.0);
#else
  const vec2 dm = unpackHalf2x16(word_of(s, 2u + c % 2u));
  return vec4(dm.x, dm.x, dm.y, dm.y);
#endif
#endif
#endif
}
#endif

// Values of chunk c (values 32c .. 32c+31) of `row`, times d (Q8_0, Q4_0; d is ignored
// otherwise).
void chunk_values(uint row, uint K, uint c, float d, out float v[32]) {
#if defined(AFFINE)
  const vec4 p = chunk_raw(row, K, c, v);
  // precise: one rounding after the product and one after the sum, as ggml's dequantizers (a
  // fused multiply-add would round once and differ from GGUF's dequantized weight).
  [[unroll]] for (uint i = 0; i < 32u; ++i) {
    precise float y = (i < 16u ? p.x : p.y) * v[i];
    y = y + (i < 16u ? p.z : p.w);
    v[i] = y;
  }
#else
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
