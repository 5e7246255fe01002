// AVX2 LRN forward (LrnFn, ports/kernels.h), 8 channels per vector; needs
// AVX2 and FMA3. The same three steps and the same accuracy contract as
// ports/x86/sse2/lrn_sse2.cc (read that file's comment first); the
// polynomials of the general-beta path use FMA. Compiled with
// -ffp-contract=off so bias + scale * sum rounds like the scalar kernel.
#include <immintrin.h>

#include <cfloat>
#include <cstring>

#include "ports/scalar/lrn_scalar.h"
#include "ports/x86/x86_kernels.h"

namespace lrp {
namespace ports {
namespace {

constexpr size_t kLanes = 8;
constexpr size_t kChunk = 256;       // channels per slice, a multiple of kLanes
constexpr int32_t kMaxDirect = 16;   // widest window summed vector by vector

// log2(s) for normal s > 0 (see lrn_sse2.cc).
inline __m256 Log2(__m256 s) {
  const __m256i bits = _mm256_castps_si256(s);
  __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
  __m256 m = _mm256_castsi256_ps(_mm256_or_si256(
      _mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)), _mm256_set1_epi32(0x3F800000)));
  const __m256 fold = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GT_OQ);
  m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), fold);
  e = _mm256_sub_epi32(e, _mm256_castps_si256(fold));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = _mm256_div_ps(_mm256_sub_ps(m, one), _mm256_add_ps(m, one));
  const __m256 t2 = _mm256_mul_ps(t, t);
  __m256 p = _mm256_set1_ps(1.0f / 9.0f);
  p = _mm256_fmadd_ps(p, t2, _mm256_set1_ps(1.0f / 7.0f));
  p = _mm256_fmadd_ps(p, t2, _mm256_set1_ps(1.0f / 5.0f));
  p = _mm256_fmadd_ps(p, t2, _mm256_set1_ps(1.0f / 3.0f));
  p = _mm256_fmadd_ps(p, t2, one);
  const __m256 ln_m = _mm256_mul_ps(_mm256_add_ps(t, t), p);
  return _mm256_fmadd_ps(ln_m, _mm256_set1_ps(1.44269504f), _mm256_cvtepi32_ps(e));
}

// 2^v for v in [-125, 127] (see lrn_sse2.cc).
inline __m256 Exp2(__m256 v) {
  const __m256 fn = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 g = _mm256_mul_ps(_mm256_sub_ps(v, fn), _mm256_set1_ps(0.693147181f));
  __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
  p = _mm256_fmadd_ps(p, g, _mm256_set1_ps(1.0f / 720.0f));
  p = _mm256_fmadd_ps(p, g, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, g, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, g, _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, g, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, g, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, g, _mm256_set1_ps(1.0f));
  const __m256i n = _mm256_cvtps_epi32(fn);
  const __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
}

inline __m256 InversePower(__m256 s, float beta) {
  if (beta == 0.75f) {
    const __m256 r = _mm256_sqrt_ps(s);
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(r, _mm256_sqrt_ps(r)));
  }
  const __m256 v = _mm256_mul_ps(_mm256_set1_ps(-beta), Log2(s));
  const __m256 ok = _mm256_and_ps(
      _mm256_and_ps(_mm256_cmp_ps(s, _mm256_set1_ps(FLT_MIN), _CMP_GE_OQ),
                    _mm256_cmp_ps(s, _mm256_set1_ps(FLT_MAX), _CMP_LE_OQ)),
      _mm256_and_ps(_mm256_cmp_ps(v, _mm256_set1_ps(-125.0f), _CMP_GE_OQ),
                    _mm256_cmp_ps(v, _mm256_set1_ps(127.0f), _CMP_LE_OQ)));
  const __m256 r = Exp2(_mm256_and_ps(ok, v));  // out-of-range lanes compute 2^0
  const int mask = _mm256_movemask_ps(ok);
  if (mask == 0xFF) return r;
  alignas(32) float sl[kLanes], rl[kLanes];
  _mm256_store_ps(sl, s);
  _mm256_store_ps(rl, r);
  for (size_t i = 0; i < kLanes; ++i) {
    if (!(mask & (1 << i))) rl[i] = LrnInversePower(sl[i], beta);
  }
  return _mm256_load_ps(rl);
}

}  // namespace

void F32LrnAvx2(size_t pixels, size_t channels, const float* x, float* y,
                const LrnParams& params) {
  const ptrdiff_t below = (params.size - 1) / 2;
  const ptrdiff_t c_count = static_cast<ptrdiff_t>(channels);
  const bool direct = params.size <= kMaxDirect;
  const __m256 scale = _mm256_set1_ps(params.alpha / static_cast<float>(params.size));
  const __m256 bias = _mm256_set1_ps(params.bias);
  alignas(32) float sq[kChunk + kMaxDirect + kLanes];
  alignas(32) float sums[kChunk];
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
        for (; k + 8 <= k1; k += 8) {
          const __m256 v = _mm256_loadu_ps(xp + first + k);
          _mm256_storeu_ps(sq + k, _mm256_mul_ps(v, v));
        }
        for (; k < k1; ++k) sq[k] = xp[first + k] * xp[first + k];
        for (size_t i = 0; i < vectors * kLanes; i += kLanes) {
          __m256 acc = _mm256_load_ps(sq + i);
          for (int32_t d = 1; d < params.size; ++d) {
            acc = _mm256_add_ps(acc, _mm256_loadu_ps(sq + i + d));
          }
          _mm256_store_ps(sums + i, acc);
        }
      } else {
        f32_lrn_window_sums__scalar(channels, xp, params.size, c0, c0 + n, sums);
      }
      const size_t full = n / kLanes * kLanes;
      for (size_t i = 0; i < full; i += kLanes) {
        const __m256 s = _mm256_add_ps(bias, _mm256_mul_ps(scale, _mm256_load_ps(sums + i)));
        const __m256 v = _mm256_loadu_ps(xp + c0 + i);
        _mm256_storeu_ps(yp + c0 + i, _mm256_mul_ps(v, InversePower(s, params.beta)));
      }
      if (full < n) {  // exact tail: through a small buffer
        alignas(32) float xt[kLanes] = {}, st[kLanes] = {}, yt[kLanes];
        std::memcpy(xt, xp + c0 + full, (n - full) * sizeof(float));
        std::memcpy(st, sums + full, (n - full) * sizeof(float));
        const __m256 s = _mm256_add_ps(bias, _mm256_mul_ps(scale, _mm256_load_ps(st)));
        _mm256_store_ps(yt, _mm256_mul_ps(_mm256_load_ps(xt), InversePower(s, params.beta)));
        std::memcpy(yp + c0 + full, yt, (n - full) * sizeof(float));
      }
    }
  }
}

}  // namespace ports
}  // namespace lrp
