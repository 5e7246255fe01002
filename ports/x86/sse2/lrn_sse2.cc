// SSE2 LRN forward (LrnFn, ports/kernels.h), 4 channels per vector.
//
// Per row slice of up to kChunk channels: (1) the squares, zero outside
// [0, C), go to a stack buffer; (2) each window sum adds `size` shifted
// vectors of it (no horizontal work, and non-negative terms so the float
// sum is within (size-1) ULP of exact); windows wider than kMaxDirect use
// the scalar kernel's sliding double sum instead; (3) the power.
//   beta = 0.75: 1 / (sqrt(s) * sqrt(sqrt(s))), the scalar kernel's exact
//     operations, so only the window sum's rounding differs from it.
//   other beta: 2^(-beta * log2 s) with polynomial log2/exp2 (bound in
//     tests/ports/lrn_kernels_test.cc); lanes whose s is not a normal float
//     or whose result would leave the normal range take the scalar
//     expression (same inf/0/NaN as std::pow).
// Compiled with -ffp-contract=off: bias + scale * sum rounds twice, as in
// the scalar kernel.
#include <emmintrin.h>

#include <cfloat>
#include <cstring>

#include "ports/scalar/lrn_scalar.h"
#include "ports/x86/x86_kernels.h"

namespace lrp {
namespace ports {
namespace {

constexpr size_t kLanes = 4;
constexpr size_t kChunk = 256;       // channels per slice, a multiple of kLanes
constexpr int32_t kMaxDirect = 16;   // widest window summed vector by vector

inline __m128 Select(__m128 mask, __m128 a, __m128 b) {
  return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b));
}

// log2(s) for normal s > 0: s = 2^e * m, m folded into [sqrt(1/2), sqrt(2)),
// ln m = 2 atanh(t), t = (m - 1) / (m + 1), |t| < 0.172 (series to t^9:
// truncation < 4e-10).
inline __m128 Log2(__m128 s) {
  const __m128i bits = _mm_castps_si128(s);
  __m128i e = _mm_sub_epi32(_mm_srli_epi32(bits, 23), _mm_set1_epi32(127));
  __m128 m = _mm_castsi128_ps(_mm_or_si128(_mm_and_si128(bits, _mm_set1_epi32(0x007FFFFF)),
                                           _mm_set1_epi32(0x3F800000)));
  const __m128 fold = _mm_cmpgt_ps(m, _mm_set1_ps(1.41421356f));
  m = Select(fold, _mm_mul_ps(m, _mm_set1_ps(0.5f)), m);
  e = _mm_sub_epi32(e, _mm_castps_si128(fold));  // mask is -1: e + 1
  const __m128 one = _mm_set1_ps(1.0f);
  const __m128 t = _mm_div_ps(_mm_sub_ps(m, one), _mm_add_ps(m, one));
  const __m128 t2 = _mm_mul_ps(t, t);
  __m128 p = _mm_set1_ps(1.0f / 9.0f);
  p = _mm_add_ps(_mm_mul_ps(p, t2), _mm_set1_ps(1.0f / 7.0f));
  p = _mm_add_ps(_mm_mul_ps(p, t2), _mm_set1_ps(1.0f / 5.0f));
  p = _mm_add_ps(_mm_mul_ps(p, t2), _mm_set1_ps(1.0f / 3.0f));
  p = _mm_add_ps(_mm_mul_ps(p, t2), one);
  const __m128 ln_m = _mm_mul_ps(_mm_add_ps(t, t), p);
  return _mm_add_ps(_mm_cvtepi32_ps(e), _mm_mul_ps(ln_m, _mm_set1_ps(1.44269504f)));
}

// 2^v for v in [-125, 127]: 2^n * e^(f ln 2), n = round(v), |f| <= 1/2
// (Taylor to degree 7: truncation < 6e-9).
inline __m128 Exp2(__m128 v) {
  const __m128i n = _mm_cvtps_epi32(v);  // round to nearest (MXCSR default)
  const __m128 g = _mm_mul_ps(_mm_sub_ps(v, _mm_cvtepi32_ps(n)), _mm_set1_ps(0.693147181f));
  __m128 p = _mm_set1_ps(1.0f / 5040.0f);
  p = _mm_add_ps(_mm_mul_ps(p, g), _mm_set1_ps(1.0f / 720.0f));
  p = _mm_add_ps(_mm_mul_ps(p, g), _mm_set1_ps(1.0f / 120.0f));
  p = _mm_add_ps(_mm_mul_ps(p, g), _mm_set1_ps(1.0f / 24.0f));
  p = _mm_add_ps(_mm_mul_ps(p, g), _mm_set1_ps(1.0f / 6.0f));
  p = _mm_add_ps(_mm_mul_ps(p, g), _mm_set1_ps(0.5f));
  p = _mm_add_ps(_mm_mul_ps(p, g), _mm_set1_ps(1.0f));
  p = _mm_add_ps(_mm_mul_ps(p, g), _mm_set1_ps(1.0f));
  const __m128i scale = _mm_slli_epi32(_mm_add_epi32(n, _mm_set1_epi32(127)), 23);
  return _mm_mul_ps(p, _mm_castsi128_ps(scale));
}

inline __m128 InversePower(__m128 s, float beta) {
  if (beta == 0.75f) {
    const __m128 r = _mm_sqrt_ps(s);
    return _mm_div_ps(_mm_set1_ps(1.0f), _mm_mul_ps(r, _mm_sqrt_ps(r)));
  }
  const __m128 v = _mm_mul_ps(_mm_set1_ps(-beta), Log2(s));
  const __m128 ok = _mm_and_ps(
      _mm_and_ps(_mm_cmpge_ps(s, _mm_set1_ps(FLT_MIN)), _mm_cmple_ps(s, _mm_set1_ps(FLT_MAX))),
      _mm_and_ps(_mm_cmpge_ps(v, _mm_set1_ps(-125.0f)), _mm_cmple_ps(v, _mm_set1_ps(127.0f))));
  const __m128 r = Exp2(_mm_and_ps(ok, v));  // out-of-range lanes compute 2^0
  if (_mm_movemask_ps(ok) == 0xF) return r;
  float sl[kLanes], rl[kLanes];
  _mm_storeu_ps(sl, s);
  _mm_storeu_ps(rl, r);
  const int mask = _mm_movemask_ps(ok);
  for (size_t i = 0; i < kLanes; ++i) {
    if (!(mask & (1 << i))) rl[i] = LrnInversePower(sl[i], beta);
  }
  return _mm_loadu_ps(rl);
}

}  // namespace

void F32LrnSse2(size_t pixels, size_t channels, const float* x, float* y,
                const LrnParams& params) {
  const ptrdiff_t below = (params.size - 1) / 2;
  const ptrdiff_t c_count = static_cast<ptrdiff_t>(channels);
  const bool direct = params.size <= kMaxDirect;
  const __m128 scale = _mm_set1_ps(params.alpha / static_cast<float>(params.size));
  const __m128 bias = _mm_set1_ps(params.bias);
  alignas(16) float sq[kChunk + kMaxDirect + kLanes];
  alignas(16) float sums[kChunk];
  for (size_t p = 0; p < pixels; ++p) {
    const float* xp = x + p * channels;
    float* yp = y + p * channels;
    for (size_t c0 = 0; c0 < channels; c0 += kChunk) {
      const size_t n = channels - c0 < kChunk ? channels - c0 : kChunk;
      const size_t vectors = (n + kLanes - 1) / kLanes;
      if (direct) {
        // sq[k] = x[first + k]^2, zero outside the row and past the slice.
        const ptrdiff_t first = static_cast<ptrdiff_t>(c0) - below;
        const size_t count = vectors * kLanes + static_cast<size_t>(params.size) - 1;
        const ptrdiff_t k0 = first < 0 ? -first : 0;
        ptrdiff_t k1 = c_count - first;
        if (k1 > static_cast<ptrdiff_t>(count)) k1 = static_cast<ptrdiff_t>(count);
        std::memset(sq, 0, count * sizeof(float));
        ptrdiff_t k = k0;
        for (; k + 4 <= k1; k += 4) {
          const __m128 v = _mm_loadu_ps(xp + first + k);
          _mm_storeu_ps(sq + k, _mm_mul_ps(v, v));
        }
        for (; k < k1; ++k) sq[k] = xp[first + k] * xp[first + k];
        for (size_t i = 0; i < vectors * kLanes; i += kLanes) {
          __m128 acc = _mm_load_ps(sq + i);
          for (int32_t d = 1; d < params.size; ++d) acc = _mm_add_ps(acc, _mm_loadu_ps(sq + i + d));
          _mm_store_ps(sums + i, acc);
        }
      } else {
        f32_lrn_window_sums__scalar(channels, xp, params.size, c0, c0 + n, sums);
      }
      const size_t full = n / kLanes * kLanes;
      for (size_t i = 0; i < full; i += kLanes) {
        const __m128 s = _mm_add_ps(bias, _mm_mul_ps(scale, _mm_load_ps(sums + i)));
        const __m128 v = _mm_loadu_ps(xp + c0 + i);
        _mm_storeu_ps(yp + c0 + i, _mm_mul_ps(v, InversePower(s, params.beta)));
      }
      if (full < n) {  // exact tail: through a small buffer
        float xt[kLanes] = {0, 0, 0, 0}, st[kLanes] = {0, 0, 0, 0}, yt[kLanes];
        std::memcpy(xt, xp + c0 + full, (n - full) * sizeof(float));
        std::memcpy(st, sums + full, (n - full) * sizeof(float));
        const __m128 s = _mm_add_ps(bias, _mm_mul_ps(scale, _mm_loadu_ps(st)));
        _mm_storeu_ps(yt, _mm_mul_ps(_mm_loadu_ps(xt), InversePower(s, params.beta)));
        std::memcpy(yp + c0 + full, yt, (n - full) * sizeof(float));
      }
    }
  }
}

}  // namespace ports
}  // namespace lrp
