// ggml's K-quants: 256-element super-blocks of 16 or 32-element sub-blocks, q2_K..q6_K
// (ggml-quants.c, reference code: dequantize_row_*_K and quantize_row_*_K_ref).
//
// The quantizers search each sub-block for a good scale (and min) in f32, then quantize those
// scales themselves against one fp16 super-block scale, then re-quantize the elements against the
// scales as stored. Where a stored sub-block scale comes out 0, the elements keep the quants of the
// search, as ggml's do (they dequantize to 0 either way, but the bytes are ggml's).
#include <cmath>

#include "gpu/model/quants/quants.hpp"
#include "gpu/model/tensor_types.hpp"

namespace troupe::quants {

namespace {

constexpr float group_max_eps = 1e-15f;  // ggml's GROUP_MAX_EPS: below it a group is all zero

int clamp(int v, int lo, int hi) {
  return v < lo ? lo : v > hi ? hi : v;
}
float as_float(int v) {
  return static_cast<float>(v);
}

// The sub-block scale and min `j` (0..7) of q4_K and q5_K. The first four are the low six bits of
// bytes 0..3 (scales) and 4..7 (mins); the last four have their low four bits in bytes 8..11 (scale
// low nibble, min high nibble) and their top two in the top bits of bytes 0..3 / 4..7.
void scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

void pack_scale_min_k4(int j, uint8_t ls, uint8_t lm, uint8_t* q) {
  if (j < 4) {
    q[j] = ls;
    q[j + 4] = lm;
  } else {
    q[j + 4] = static_cast<uint8_t>((ls & 0x0f) | ((lm & 0x0f) << 4));
    q[j - 4] = static_cast<uint8_t>(q[j - 4] | ((ls >> 4) << 6));
    q[j] = static_cast<uint8_t>(q[j] | ((lm >> 4) << 6));
  }
}

// The 6-bit scale `j` (0..15) of q3_K as stored (0..63, the signed scale + 32): low four bits in
// the nibbles of bytes 0..7 (low nibbles for 0..7, high for 8..15), top two bits in bytes 8..11,
// byte 8 + j % 4, bits 2 * (j / 4).
int scale_q3_k(int j, const uint8_t* s) {
  const int low = j < 8 ? s[j] & 0x0f : s[j - 8] >> 4;
  const int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
  return low | (high << 4);
}

// 2-bit planes of q2_K and q3_K: per 128 elements, 32 bytes; element n + 32 * p + l (n a multiple
// of 128, p in 0..3, l in 0..31) in bits 2p of byte n / 4 + l.
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int n = 0; n < qk_k; n += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[n / 4 + l] = static_cast<uint8_t>(L[n + l] | (L[n + l + 32] << 2) | (L[n + l + 64] << 4) |
                                           (L[n + l + 96] << 6));
    }
  }
}

// ggml's make_qx_quants with rmse_type 1 and no importance weights: symmetric quants in
// [-nmax, nmax - 1] (stored + nmax in L) for the scale, among 19 candidates around nmax / max,
// that minimises the x^2-weighted squared error. Returns the scale.
float make_qx_quants(int n, int nmax, const float* x, uint8_t* L) {
  float max = 0.0f, amax = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < group_max_eps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.0f;
  }
  // Sums of w * x * l and w * l * l for the quants at `iscale`, w = x^2.
  auto sums = [&](float iscale, float* sumlx, float* suml2) {
    *sumlx = 0.0f;
    *suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1);
      const float w = x[i] * x[i];
      *sumlx += w * x[i] * as_float(l);
      *suml2 += w * as_float(l) * as_float(l);
    }
  };
  auto set_quants = [&](float iscale) {
    for (int i = 0; i < n; ++i) {
      L[i] = static_cast<uint8_t>(nmax + clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1));
    }
  };
  float iscale = as_float(-nmax) / max;
  float sumlx = 0.0f, suml2 = 0.0f;
  sums(iscale, &sumlx, &suml2);
  set_quants(iscale);
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(as_float(nmax) + 0.1f * as_float(is)) / max;
    sums(iscale, &sumlx, &suml2);
    if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
      set_quants(iscale);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// ggml's make_q3_quants with do_rmse: symmetric quants in [-nmax, nmax - 1] (stored + nmax),
// starting from nmax / max and then moving single quants while that lowers the x^2-weighted
// error, at most five passes. Returns the scale.
float make_q3_quants(int n, int nmax, const float* x, uint8_t* L) {
  float max = 0.0f, amax = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < group_max_eps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.0f;
  }
  int q[qk_k];
  const float iscale = as_float(-nmax) / max;
  float sumlx = 0.0f, suml2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    q[i] = clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * as_float(q[i]);
    suml2 += w * as_float(q[i]) * as_float(q[i]);
  }
  for (int pass = 0; pass < 5; ++pass) {
    int changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * as_float(q[i]);
      if (slx > 0.0f) {
        float sl2 = suml2 - w * as_float(q[i]) * as_float(q[i]);
        const int nq = clamp(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
        if (nq != q[i]) {
          slx += w * x[i] * as_float(nq);
          sl2 += w * as_float(nq) * as_float(nq);
          if (sl2 > 0.0f && slx * slx * suml2 > sumlx * sumlx * sl2) {
            q[i] = nq;
            sumlx = slx;
            suml2 = sl2;
            ++changed;
          }
        }
      }
    }
    if (changed == 0) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(q[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// ggml's make_qkx2_quants: asymmetric quants in [0, nmax], x ~ scale * l - the_min, minimising
// the weighted error (|e| when use_mad, else e^2) over the plain min/max fit and nstep + 1
// least-squares refits at quant grids from (nmax + rmin) to (nmax + rmin + nstep * rdelta)
// levels over the range. The min is never above 0. Returns the scale; *the_min gets -min.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* the_min, float rmin, float rdelta, int nstep, bool use_mad) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0.0f) min = 0.0f;
  if (max == min) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *the_min = -min;
    return 0.0f;
  }
  auto error = [&](float scale, float mn, const uint8_t* q) {
    float e = 0.0f;
    for (int i = 0; i < n; ++i) {
      float diff = scale * as_float(q[i]) + mn - x[i];
      diff = use_mad ? std::fabs(diff) : diff * diff;
      e += weights[i] * diff;
    }
    return e;
  };
  float iscale = as_float(nmax) / (max - min);
  float scale = 1.0f / iscale;
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<uint8_t>(clamp(nearest_int(iscale * (x[i] - min)), 0, nmax));
  }
  float best_error = error(scale, min, L);
  uint8_t aux[qk_k];
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * as_float(is) + as_float(nmax)) / (max - min);
    float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = clamp(nearest_int(iscale * (x[i] - min)), 0, nmax);
      aux[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      sum_l += w * as_float(l);
      sum_l2 += w * as_float(l) * as_float(l);
      sum_xl += w * as_float(l) * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0.0f) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0.0f) {
        this_min = 0.0f;
        this_scale = sum_xl / sum_l2;
      }
      const float cur_error = error(this_scale, this_min, aux);
      if (cur_error < best_error) {
        for (int i = 0; i < n; ++i) L[i] = aux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

// The sub-block fits of q4_K and q5_K: weights |x| + rms(x), then scales and mins quantized to six
// bits against max / 63 and the elements re-quantized against them. Writes d, dmin, scales and
// the quants (0..nmax) into L.
template <typename Block>
void fit_k4(const float* x, int nmax, float rmin, float rdelta, int nstep, Block* b, uint8_t* L) {
  float scales[qk_k / 32], mins[qk_k / 32];
  float max_scale = 0.0f, max_min = 0.0f;
  for (int j = 0; j < qk_k / 32; ++j) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0.0f;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / 32.0f);
    float weights[32];
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
    scales[j] =
        make_qkx2_quants(32, nmax, xs, weights, L + 32 * j, &mins[j], rmin, rdelta, nstep, false);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
  for (int j = 0; j < qk_k / 32; ++j) {
    // As in ggml, the int is narrowed to a byte before the clamp.
    auto ls = static_cast<uint8_t>(nearest_int(inv_scale * scales[j]));
    auto lm = static_cast<uint8_t>(nearest_int(inv_min * mins[j]));
    if (ls > 63) ls = 63;
    if (lm > 63) lm = 63;
    pack_scale_min_k4(j, ls, lm, b->scales);
  }
  b->d = fp32_to_fp16(max_scale / 63.0f);
  b->dmin = fp32_to_fp16(max_min / 63.0f);
  for (int j = 0; j < qk_k / 32; ++j) {
    uint8_t sc = 0, m = 0;
    scale_min_k4(j, b->scales, &sc, &m);
    const float d = fp16_to_fp32(b->d) * as_float(sc);
    if (d == 0.0f) continue;
    const float dm = fp16_to_fp32(b->dmin) * as_float(m);
    for (int l = 0; l < 32; ++l) {
      L[32 * j + l] = static_cast<uint8_t>(clamp(nearest_int((x[32 * j + l] + dm) / d), 0, nmax));
    }
  }
}

}  // namespace

void dequantize_q2_k(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const auto b = load<block_q2_k>(src + i * sizeof(block_q2_k));
    const float d = fp16_to_fp32(b.d);
    const float min = fp16_to_fp32(b.dmin);
    const uint8_t* q = b.qs;
    int is = 0;
    for (int n = 0; n < qk_k; n += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int half = 0; half < 2; ++half) {  // sub-blocks of 16: bytes 0..15, then 16..31
          const uint8_t sc = b.scales[is++];
          const float dl = d * as_float(sc & 0x0f);
          const float ml = min * as_float(sc >> 4);
          for (int l = 0; l < 16; ++l) {
            *y++ = dl * as_float((q[16 * half + l] >> shift) & 3) - ml;
          }
        }
      }
    }
  }
}

void dequantize_q3_k(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const auto b = load<block_q3_k>(src + i * sizeof(block_q3_k));
    const float d_all = fp16_to_fp32(b.d);
    const uint8_t* q = b.qs;
    int is = 0;
    uint8_t m = 1;  // the hmask bit of the current 32 elements
    for (int n = 0; n < qk_k; n += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, m = static_cast<uint8_t>(m << 1)) {
        for (int half = 0; half < 2; ++half) {
          const float dl = d_all * as_float(scale_q3_k(is++, b.scales) - 32);
          for (int l = 16 * half; l < 16 * half + 16; ++l) {
            const int low = (q[l] >> shift) & 3;
            *y++ = dl * as_float(low - ((b.hmask[l] & m) != 0 ? 0 : 4));
          }
        }
      }
    }
  }
}

void dequantize_q4_k(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const auto b = load<block_q4_k>(src + i * sizeof(block_q4_k));
    const float d = fp16_to_fp32(b.d);
    const float min = fp16_to_fp32(b.dmin);
    const uint8_t* q = b.qs;
    for (int is = 0; is < qk_k / 32; is += 2, q += 32) {
      uint8_t sc = 0, m = 0;
      scale_min_k4(is, b.scales, &sc, &m);
      const float d1 = d * as_float(sc), m1 = min * as_float(m);
      scale_min_k4(is + 1, b.scales, &sc, &m);
      const float d2 = d * as_float(sc), m2 = min * as_float(m);
      for (int l = 0; l < 32; ++l) *y++ = d1 * as_float(q[l] & 0x0f) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * as_float(q[l] >> 4) - m2;
    }
  }
}

void dequantize_q5_k(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const auto b = load<block_q5_k>(src + i * sizeof(block_q5_k));
    const float d = fp16_to_fp32(b.d);
    const float min = fp16_to_fp32(b.dmin);
    const uint8_t* ql = b.qs;
    int u1 = 1, u2 = 2;  // the qh bits of the two sub-blocks of these 64 elements
    for (int is = 0; is < qk_k / 32; is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      uint8_t sc = 0, m = 0;
      scale_min_k4(is, b.scales, &sc, &m);
      const float d1 = d * as_float(sc), m1 = min * as_float(m);
      scale_min_k4(is + 1, b.scales, &sc, &m);
      const float d2 = d * as_float(sc), m2 = min * as_float(m);
      for (int l = 0; l < 32; ++l) {
        *y++ = d1 * as_float((ql[l] & 0x0f) + ((b.qh[l] & u1) != 0 ? 16 : 0)) - m1;
      }
      for (int l = 0; l < 32; ++l) {
        *y++ = d2 * as_float((ql[l] >> 4) + ((b.qh[l] & u2) != 0 ? 16 : 0)) - m2;
      }
    }
  }
}

void dequantize_q6_k(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const auto b = load<block_q6_k>(src + i * sizeof(block_q6_k));
    const float d = fp16_to_fp32(b.d);
    const uint8_t* ql = b.ql;
    const uint8_t* qh = b.qh;
    const int8_t* sc = b.scales;
    for (int n = 0; n < qk_k; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * as_float(sc[is]) * as_float(q1);
        y[l + 32] = d * as_float(sc[is + 2]) * as_float(q2);
        y[l + 64] = d * as_float(sc[is + 4]) * as_float(q3);
        y[l + 96] = d * as_float(sc[is + 6]) * as_float(q4);
      }
    }
  }
}

void quantize_q2_k(const float* x, uint8_t* dst, int64_t nb) {
  constexpr float q4scale = 15.0f;
  for (int64_t i = 0; i < nb; ++i, x += qk_k) {
    uint8_t L[qk_k];
    float scales[qk_k / 16], mins[qk_k / 16];
    float max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < qk_k / 16; ++j) {
      float weights[16];
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] =
          make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    block_q2_k b{};
    if (max_scale > 0.0f) {
      const float iscale = q4scale / max_scale;
      for (int j = 0; j < qk_k / 16; ++j) {
        b.scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
      }
      b.d = fp32_to_fp16(max_scale / q4scale);
    } else {
      b.d = fp32_to_fp16(0.0f);
    }
    if (max_min > 0.0f) {
      const float iscale = q4scale / max_min;
      for (int j = 0; j < qk_k / 16; ++j) {
        b.scales[j] = static_cast<uint8_t>(b.scales[j] | (nearest_int(iscale * mins[j]) << 4));
      }
      b.dmin = fp32_to_fp16(max_min / q4scale);
    } else {
      b.dmin = fp32_to_fp16(0.0f);
    }
    for (int j = 0; j < qk_k / 16; ++j) {
      const float d = fp16_to_fp32(b.d) * as_float(b.scales[j] & 0x0f);
      if (d == 0.0f) continue;
      const float dm = fp16_to_fp32(b.dmin) * as_float(b.scales[j] >> 4);
      for (int l = 0; l < 16; ++l) {
        L[16 * j + l] = static_cast<uint8_t>(clamp(nearest_int((x[16 * j + l] + dm) / d), 0, 3));
      }
    }
    pack_2bit(L, b.qs);
    store(dst + i * sizeof b, b);
  }
}

void quantize_q3_k(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk_k) {
    uint8_t L[qk_k];
    float scales[qk_k / 16];
    float max_scale = 0.0f, amax = 0.0f;
    for (int j = 0; j < qk_k / 16; ++j) {
      scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j);
      if (std::fabs(scales[j]) > amax) {
        amax = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    block_q3_k b{};
    if (max_scale != 0.0f) {
      const float iscale = -32.0f / max_scale;
      for (int j = 0; j < qk_k / 16; ++j) {
        // Narrowed to int8 before the clamp, as in ggml.
        const int l = clamp(static_cast<int8_t>(nearest_int(iscale * scales[j])), -32, 31) + 32;
        if (j < 8) {
          b.scales[j] = static_cast<uint8_t>(l & 0x0f);
        } else {
          b.scales[j - 8] = static_cast<uint8_t>(b.scales[j - 8] | ((l & 0x0f) << 4));
        }
        b.scales[8 + j % 4] =
            static_cast<uint8_t>(b.scales[8 + j % 4] | ((l >> 4) << (2 * (j / 4))));
      }
      b.d = fp32_to_fp16(1.0f / iscale);
    } else {
      b.d = fp32_to_fp16(0.0f);
    }
    for (int j = 0; j < qk_k / 16; ++j) {
      const float d = fp16_to_fp32(b.d) * as_float(scale_q3_k(j, b.scales) - 32);
      if (d == 0.0f) continue;
      for (int l = 0; l < 16; ++l) {
        L[16 * j + l] = static_cast<uint8_t>(clamp(nearest_int(x[16 * j + l] / d), -4, 3) + 4);
      }
    }
    // The third bit goes to hmask (element e: bit e / 32 of byte e % 32), the rest to qs.
    for (int e = 0; e < qk_k; ++e) {
      if (L[e] > 3) {
        b.hmask[e % 32] = static_cast<uint8_t>(b.hmask[e % 32] | (1 << (e / 32)));
        L[e] = static_cast<uint8_t>(L[e] - 4);
      }
    }
    pack_2bit(L, b.qs);
    store(dst + i * sizeof b, b);
  }
}

void quantize_q4_k(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk_k) {
    uint8_t L[qk_k];
    block_q4_k b{};
    fit_k4(x, 15, -1.0f, 0.1f, 20, &b, L);
    for (int n = 0; n < qk_k; n += 64) {
      for (int l = 0; l < 32; ++l) {
        b.qs[n / 2 + l] = static_cast<uint8_t>(L[n + l] | (L[n + l + 32] << 4));
      }
    }
    store(dst + i * sizeof b, b);
  }
}

void quantize_q5_k(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk_k) {
    uint8_t L[qk_k];
    block_q5_k b{};
    fit_k4(x, 31, -0.5f, 0.1f, 15, &b, L);
    // Per 64 elements: 32 bytes of nibbles (first 32 low, next 32 high), fifth bits in qh bits
    // 2k and 2k + 1 for the k-th 64.
    for (int n = 0, k = 0; n < qk_k; n += 64, ++k) {
      for (int l = 0; l < 32; ++l) {
        const int l1 = L[n + l], l2 = L[n + l + 32];
        b.qs[n / 2 + l] = static_cast<uint8_t>((l1 & 0x0f) | ((l2 & 0x0f) << 4));
        b.qh[l] =
            static_cast<uint8_t>(b.qh[l] | ((l1 >> 4) << (2 * k)) | ((l2 >> 4) << (2 * k + 1)));
      }
    }
    store(dst + i * sizeof b, b);
  }
}

void quantize_q6_k(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += qk_k) {
    uint8_t L[qk_k];
    float scales[qk_k / 16];
    float max_scale = 0.0f, max_abs_scale = 0.0f;
    for (int j = 0; j < qk_k / 16; ++j) {
      scales[j] = make_qx_quants(16, 32, x + 16 * j, L + 16 * j);
      if (std::fabs(scales[j]) > max_abs_scale) {
        max_abs_scale = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    block_q6_k b{};  // all zero: what an all-zero super-block stays
    if (max_abs_scale >= group_max_eps) {
      const float iscale = -128.0f / max_scale;
      b.d = fp32_to_fp16(1.0f / iscale);
      for (int j = 0; j < qk_k / 16; ++j) {
        const int s = nearest_int(iscale * scales[j]);
        b.scales[j] = static_cast<int8_t>(s < 127 ? s : 127);
      }
      for (int j = 0; j < qk_k / 16; ++j) {
        const float d = fp16_to_fp32(b.d) * as_float(b.scales[j]);
        if (d == 0.0f) continue;
        for (int l = 0; l < 16; ++l) {
          L[16 * j + l] = static_cast<uint8_t>(clamp(nearest_int(x[16 * j + l] / d), -32, 31) + 32);
        }
      }
      // Per 128 elements: ql holds the low nibbles of elements l and l + 64 (byte l) and of
      // l + 32 and l + 96 (byte l + 32); qh[l] the top two bits of l, l + 32, l + 64, l + 96.
      for (int n = 0; n < qk_k; n += 128) {
        uint8_t* ql = b.ql + n / 2;
        uint8_t* qh = b.qh + n / 4;
        for (int l = 0; l < 32; ++l) {
          const uint8_t* q = L + n + l;
          ql[l] = static_cast<uint8_t>((q[0] & 0x0f) | ((q[64] & 0x0f) << 4));
          ql[l + 32] = static_cast<uint8_t>((q[32] & 0x0f) | ((q[96] & 0x0f) << 4));
          qh[l] = static_cast<uint8_t>((q[0] >> 4) | ((q[32] >> 4) << 2) | ((q[64] >> 4) << 4) |
                                       ((q[96] >> 4) << 6));
        }
      }
    }
    store(dst + i * sizeof b, b);
  }
}

}  // namespace troupe::quants
