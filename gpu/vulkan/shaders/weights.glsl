// Weight formats as laid out on the device (the host repacks GGUF tensors at load time so that
// every chunk is 16-byte aligned): for a matrix W[N][K] (row n = output n, K = input features)
//   WEIGHT_F32:  K floats per row.                         CHUNK = 4 values = one vec4
//   WEIGHT_F16:  K halves per row.                         CHUNK = 8 values = one uvec4
//   WEIGHT_Q8_0: K int8 per row, then one f16 scale per 32 values for the whole matrix (scale
//                index n * K/32 + b).                      CHUNK = 32 values = two uvec4
//   WEIGHT_Q4_0: K/2 bytes per row in ggml's nibble order (byte j of a block: low nibble is value
//                j, high nibble value j + 16, both offset by 8), then the f16 scales as for Q8_0.
//                                                          CHUNK = 32 values = one uvec4
// `load_chunk(q, s, n, c, K, w)` dequantizes chunk c of row n into w[CHUNK/4] (vec4s in value
// order) with the scale already applied. New formats (Q4_K, Q6_K) add a branch here and in the
// host repacker (weight_repack.cpp); the kernels are written against this interface.

#if defined(WEIGHT_F32)
#define CHUNK 4
#define weight_ref vec4_in
#elif defined(WEIGHT_F16)
#define CHUNK 8
#define weight_ref uvec4_in
#elif defined(WEIGHT_Q8_0) || defined(WEIGHT_Q4_0)
#define CHUNK 32
#define weight_ref uvec4_in
#else
#error "define one WEIGHT_* format"
#endif
#define CHUNK_VEC4 (CHUNK / 4)

float scale_of(uint_in s, uint index) {
  const uint word = s.v[index >> 1];
  return unpackHalf2x16((index & 1u) != 0u ? (word >> 16) : word).x;
}

vec4 q8x4(uint u) {
  const int i = int(u);
  return vec4(bitfieldExtract(i, 0, 8), bitfieldExtract(i, 8, 8), bitfieldExtract(i, 16, 8),
              bitfieldExtract(i, 24, 8));
}

vec4 q4lo(uint u) {
  return vec4(float(u & 15u), float((u >> 8) & 15u), float((u >> 16) & 15u),
              float((u >> 24) & 15u)) - 8.0;
}

vec4 q4hi(uint u) {
  return vec4(float((u >> 4) & 15u), float((u >> 12) & 15u), float((u >> 20) & 15u),
              float(u >> 28)) - 8.0;
}

void load_chunk(weight_ref q, uint_in s, uint n, uint c, uint K, out vec4 w[CHUNK_VEC4]) {
#if defined(WEIGHT_F32)
  w[0] = q.v[n * (K / 4u) + c];
#elif defined(WEIGHT_F16)
  const uvec4 u = q.v[n * (K / 8u) + c];
  w[0] = vec4(unpackHalf2x16(u.x), unpackHalf2x16(u.y));
  w[1] = vec4(unpackHalf2x16(u.z), unpackHalf2x16(u.w));
#elif defined(WEIGHT_Q8_0)
  const uint base = n * (K / 16u) + c * 2u;
  const uvec4 a = q.v[base];
  const uvec4 b = q.v[base + 1u];
  const float d = scale_of(s, n * (K / 32u) + c);
  w[0] = d * q8x4(a.x);
  w[1] = d * q8x4(a.y);
  w[2] = d * q8x4(a.z);
  w[3] = d * q8x4(a.w);
  w[4] = d * q8x4(b.x);
  w[5] = d * q8x4(b.y);
  w[6] = d * q8x4(b.z);
  w[7] = d * q8x4(b.w);
#elif defined(WEIGHT_Q4_0)
  const uvec4 u = q.v[n * (K / 32u) + c];
  const float d = scale_of(s, n * (K / 32u) + c);
  w[0] = d * q4lo(u.x);
  w[1] = d * q4lo(u.y);
  w[2] = d * q4lo(u.z);
  w[3] = d * q4lo(u.w);
  w[4] = d * q4hi(u.x);
  w[5] = d * q4hi(u.y);
  w[6] = d * q4hi(u.z);
  w[7] = d * q4hi(u.w);
#endif
}
