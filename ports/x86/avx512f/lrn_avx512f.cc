// AVX-512F LRN forward (LrnFn, ports/kernels.h), 16 channels per vector.
// The same three steps and accuracy contract as ports/x86/sse2/lrn_sse2.cc
// (read that file's comment first); masked loads and stores make the tails
// exact without a copy. Compiled with -ffp-contract=off so
// bias + scale * sum rounds like the scalar kernel.
#include <immintrin.h>

#include <cfloat>
#include <cstring>

#include "ports/scalar/lrn_scalar.h"
#include "ports/x86/x86_kernels.h"

namespace lrp {
namespace ports {
namespace {

constexpr size_t kLanes = 16;
constexpr size_t kChunk = 256;       // channels per slice, a multiple of kLanes
constexpr int32_t kMaxDirect = 16;   // widest window summed vector by vector
// GCC 12 warns (-Wmaybe-uninitialized) about the undefined source operand
// of the unmasked forms of some intrinsics; all-lanes zero-masked forms
// are the same instruction without the warning.
constexpr __mmask16 kAll = 0xFFFF;

// log2(s) for normal s > 0 (see lrn_sse2.cc).
inline __m512 Log2(__m512 s) {
  const __m512i bits = _mm512_castps_si512(s);
  __m512i e = _mm512_sub_epi32(_mm512_maskz_srli_epi32(kAll, bits, 23), _mm512_set1_epi32(127));
  __m512 m = _mm512_castsi512_ps(_mm512_or_epi32(
      _mm512_and_epi32(bits, _mm512_set1_epi32(0x007FFFFF)), _mm512_set1_epi32(0x3F800000)));
  const __mmask16 fold = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.41421356f), _CMP_GT_OQ);
  m = _mm512_mask_mul_ps(m, fold, m, _mm512_set1_ps(0.5f));
  e = _mm512_mask_add_epi32(e, fold, e, _mm512_set1_epi32(1));
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 t = _mm512_div_ps(_mm512_sub_ps(m, one), _mm512_add_ps(m, one));
  const __m512 t2 = _mm512_mul_ps(t, t);
  __m512 p = _mm512_set1_ps(1.0f / 9.0f);
  p = _mm512_fmadd_ps(p, t2, _mm512_set1_ps(1.0f / 7.0f));
  p = _mm512_fmadd_ps(p, t2, _mm512_set1_ps(1.0f / 5.0f));
  p = _mm512_fmadd_ps(p, t2, _mm512_set1_ps(1.0f / 3.0f));
  p = _mm512_fmadd_ps(p, t2, one);
  const __m512 ln_m = _mm512_mul_ps(_mm512_add_ps(t, t), p);
  return _mm512_fmadd_ps(ln_m, _mm512_set1_ps(1.44269504f), _mm512_maskz_cvtepi32_ps(kAll, e));
}

// 2^v for v in [-125, 127] (see lrn_sse2.cc).
inline __m512 Exp2(__m512 v) {
  const __m512 fn = _mm512_maskz_roundscale_ps(kAll, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 g = _mm512_mul_ps(_mm512_sub_ps(v, fn), _mm512_set1_ps(0.693147181f));
  __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
  p = _mm512_fmadd_ps(p, g, _mm512_set1_ps(1.0f / 720.0f));
  p = _mm512_fmadd_ps(p, g, _mm512_set1_ps(1.0f / 120.0f));
  p = _mm512_fmadd_ps(p, g, _mm512_set1_ps(1.0f / 24.0f));
  p = _mm512_fmadd_ps(p, g, _mm512_set1_ps(1.0f / 6.0f));
  p = _mm512_fmadd_ps(p, g, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, g, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, g, _mm512_set1_ps(1.0f));
  const __m512i n = _mm512_maskz_cvtps_epi32(kAll, fn);
  const __m512i scale = _mm512_maskz_slli_epi32(kAll, _mm512_add_epi32(n, _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(p, _mm512_castsi512_ps(scale));
}

inline __m512 InversePower(__m512 s, float beta) {
  if (beta == 0.75f) {
    const __m512 r = _mm512_maskz_sqrt_ps(kAll, s);
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_mul_ps(r, _mm512_maskz_sqrt_ps(kAll, r)));
  }
  const __m512 v = _mm512_mul_ps(_mm512_set1_ps(-beta), Log2(s));
  const __mmask16 ok = _mm512_cmp_ps_mask(s, _mm512_set1_ps(FLT_MIN), _CMP_GE_OQ) &
                       _mm512_cmp_ps_mask(s, _mm512_set1_ps(FLT_MAX), _CMP_LE_OQ) &
                       _mm512_cmp_ps_mask(v, _mm512_set1_ps(-125.0f), _CMP_GE_OQ) &
                       _mm512_cmp_ps_mask(v, _mm512_set1_ps(127.0f), _CMP_LE_OQ);
  const __m512 r = Exp2(_mm512_maskz_mov_ps(ok, v));  // out-of-range lanes compute 2^0
  if (ok == 0xFFFF) return r;
  alignas(64) float sl[kLanes], rl[kLanes];
  _mm512_store_ps(sl, s);
  _mm512_store_ps(rl, r);
  for (size_t i = 0; i < kLanes; ++i) {
    if (!(ok & (1u << i))) rl[i] = LrnInversePower(sl[i], beta);
  }
  return _mm512_load_ps(rl);
}

}  // namespace

void F32LrnAvx512f(size_t pixels, size_t channels, const float* x, float* y,
                   const LrnParams& params) {
  const ptrdiff_t below = (params.size - 1) / 2;
  const ptrdiff_t c_count = static_cast<ptrdiff_t>(channels);
  const bool direct = params.size <= kMaxDirect;
  const __m512 scale = _mm512_set1_ps(params.alpha / static_cast<float>(params.size));
  const __m512 bias = _mm512_set1_ps(params.bias);
  alignas(64) float sq[kChunk + kMaxDirect + kLanes];
  alignas(64) float sums[kChunk];
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
        for (ptrdiff_t k = k0; k < k1; k += 16) {
          const ptrdiff_t left = k1 - k;
          const __mmask16 m = left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
          const __m512 v = _mm512_maskz_loadu_ps(m, xp + first + k);
          _mm512_mask_storeu_ps(sq + k, m, _mm512_mul_ps(v, v));
        }
        for (size_t i = 0; i < vectors * kLanes; i += kLanes) {
          __m512 acc = _mm512_load_ps(sq + i);
          for (int32_t d = 1; d < params.size; ++d) {
            acc = _mm512_add_ps(acc, _mm512_loadu_ps(sq + i + d));
          }
          _mm512_store_ps(sums + i, acc);
        }
      } else {
        f32_lrn_window_sums__scalar(channels, xp, params.size, c0, c0 + n, sums);
      }
      for (size_t i = 0; i < n; i += kLanes) {
        const size_t left = n - i;
        const __mmask16 m = left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
        // Masked-off lanes see s = bias (> 0) and x = 0.
        const __m512 s = _mm512_add_ps(bias, _mm512_mul_ps(scale, _mm512_maskz_loadu_ps(m, sums + i)));
        const __m512 v = _mm512_maskz_loadu_ps(m, xp + c0 + i);
        _mm512_mask_storeu_ps(yp + c0 + i, m, _mm512_mul_ps(v, InversePower(s, params.beta)));
      }
    }
  }
}

}  // namespace ports
}  // namespace lrp
