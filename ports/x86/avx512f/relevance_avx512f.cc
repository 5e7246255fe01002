// AVX-512F variants of the relevance kernels (ports/kernels.h). Tails use
// masked loads and stores, which neither fault nor write outside the mask,
// so no kernel touches memory past n. Compiled with -ffp-contract=off so the
// element-wise kernels round exactly like the scalar reference; the dense
// reductions use FMA explicitly.
#include <immintrin.h>

#include "ports/kernels.h"
#include "ports/x86/x86_kernels.h"

namespace lrp {
namespace ports {
namespace {

// The first `count` (< 16) lanes.
inline __mmask16 TailMask(size_t count) {
  return _cvtu32_mask16((1u << static_cast<unsigned>(count)) - 1u);
}

// `m` selects the lanes to compute; the others are +0 and raise no flags.
inline __m512 StabDiv16(__mmask16 m, __m512 r, __m512 d, __m512 eps) {
  const __m512 zero = _mm512_setzero_ps();
  // Ordered compare: -0.0 takes d + eps (sign0) and NaN takes d - eps, as in
  // the reference.
  const __mmask16 ge = _mm512_cmp_ps_mask(d, zero, _CMP_GE_OQ);
  const __m512 den = _mm512_mask_blend_ps(ge, _mm512_sub_ps(d, eps), _mm512_add_ps(d, eps));
  // Unordered not-equal, so a NaN denominator divides (and gives NaN).
  const __mmask16 nonzero = _mm512_mask_cmp_ps_mask(m, den, zero, _CMP_NEQ_UQ);
  return _mm512_maskz_div_ps(nonzero, r, den);
}

void F32VStabDivAvx512fU32(size_t n, const float* r, const float* d, float eps, float* s) {
  const __m512 veps = _mm512_set1_ps(eps);
  const __mmask16 all = 0xFFFF;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 s0 = StabDiv16(all, _mm512_loadu_ps(r + i), _mm512_loadu_ps(d + i), veps);
    const __m512 s1 =
        StabDiv16(all, _mm512_loadu_ps(r + i + 16), _mm512_loadu_ps(d + i + 16), veps);
    _mm512_storeu_ps(s + i, s0);
    _mm512_storeu_ps(s + i + 16, s1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? all : TailMask(n - i);
    const __m512 v =
        StabDiv16(m, _mm512_maskz_loadu_ps(m, r + i), _mm512_maskz_loadu_ps(m, d + i), veps);
    _mm512_mask_storeu_ps(s + i, m, v);
  }
}

void F32VMulAvx512fU32(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 y0 = _mm512_mul_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(c + i));
    const __m512 y1 = _mm512_mul_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(c + i + 16));
    _mm512_storeu_ps(y + i, y0);
    _mm512_storeu_ps(y + i + 16, y1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? 0xFFFF : TailMask(n - i);
    const __m512 v =
        _mm512_maskz_mul_ps(m, _mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, c + i));
    _mm512_mask_storeu_ps(y + i, m, v);
  }
}

// Multiply then add, never FMA: the reference rounds the product.
void F32VMulAddAvx512fU32(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 p0 = _mm512_mul_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(c + i));
    const __m512 p1 = _mm512_mul_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(c + i + 16));
    _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(y + i), p0));
    _mm512_storeu_ps(y + i + 16, _mm512_add_ps(_mm512_loadu_ps(y + i + 16), p1));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? 0xFFFF : TailMask(n - i);
    const __m512 p =
        _mm512_maskz_mul_ps(m, _mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, c + i));
    _mm512_mask_storeu_ps(y + i, m, _mm512_maskz_add_ps(m, _mm512_maskz_loadu_ps(m, y + i), p));
  }
}

// Weight modifiers. Keeping only lanes that compare > 0 (< 0) turns NaN and
// -0.0 weights into +0 as in the reference. Masked-off lanes load +0, which
// every modifier keeps at 0.
struct Identity {
  static __m512 Apply(__m512 w) { return w; }
};
struct Positive {
  static __m512 Apply(__m512 w) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(w, _mm512_setzero_ps(), _CMP_GT_OQ), w);
  }
};
struct Negative {
  static __m512 Apply(__m512 w) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(w, _mm512_setzero_ps(), _CMP_LT_OQ), w);
  }
};
struct Square {
  static __m512 Apply(__m512 w) { return _mm512_mul_ps(w, w); }
};

// x[j] (+)= sum over kRows rows of mod(w) * s, in the reference's row order.
// `first` starts from zero instead of x, which saves zeroing x beforehand.
template <class Mod, int kRows>
void AccumulateRows(size_t width, size_t stride, const float* w, const float* s, bool first,
                    float* x) {
  __m512 sk[kRows];
  for (int r = 0; r < kRows; ++r) sk[r] = _mm512_set1_ps(s[r]);
  for (size_t j = 0; j < width; j += 16) {
    const __mmask16 m = width - j >= 16 ? 0xFFFF : TailMask(width - j);
    __m512 acc = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m, x + j);
    for (int r = 0; r < kRows; ++r) {
      acc = _mm512_fmadd_ps(Mod::Apply(_mm512_maskz_loadu_ps(m, w + r * stride + j)), sk[r], acc);
    }
    _mm512_mask_storeu_ps(x + j, m, acc);
  }
}

template <class Mod>
void DenseTransposedR4(size_t rows, size_t width, size_t stride, const float* w, const float* s,
                       float* x) {
  if (rows == 0) {
    for (size_t j = 0; j < width; ++j) x[j] = 0.0f;
    return;
  }
  // Four rows per pass over x: x stays in cache while w streams by once.
  size_t k = 0;
  for (; k + 4 <= rows; k += 4)
    AccumulateRows<Mod, 4>(width, stride, w + k * stride, s + k, k == 0, x);
  for (; k < rows; ++k) AccumulateRows<Mod, 1>(width, stride, w + k * stride, s + k, k == 0, x);
}

// Through memory: GCC 12's _mm512_reduce_add_ps trips -Wmaybe-uninitialized,
// and this runs once per row.
inline float HorizontalSum(__m512 v) {
  float lanes[16];
  _mm512_storeu_ps(lanes, v);
  for (int width = 8; width > 0; width /= 2) {
    for (int i = 0; i < width; ++i) lanes[i] += lanes[i + width];
  }
  return lanes[0];
}

// kRows rows at once, one accumulator each, sharing every load of a; the
// last, partial vector of each row is masked.
template <class Mod, int kRows>
void DotRows(size_t cols, const float* w, const float* a, float* z) {
  __m512 acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = _mm512_setzero_ps();
  for (size_t j = 0; j < cols; j += 16) {
    const __mmask16 m = cols - j >= 16 ? 0xFFFF : TailMask(cols - j);
    const __m512 va = _mm512_maskz_loadu_ps(m, a + j);
    for (int r = 0; r < kRows; ++r) {
      acc[r] = _mm512_fmadd_ps(Mod::Apply(_mm512_maskz_loadu_ps(m, w + r * cols + j)), va, acc[r]);
    }
  }
  for (int r = 0; r < kRows; ++r) z[r] = HorizontalSum(acc[r]);
}

template <class Mod>
void DenseModifiedR4(size_t rows, size_t cols, const float* w, const float* a, float* z) {
  size_t k = 0;
  for (; k + 4 <= rows; k += 4) DotRows<Mod, 4>(cols, w + k * cols, a, z + k);
  for (; k < rows; ++k) DotRows<Mod, 1>(cols, w + k * cols, a, z + k);
}

void F32DenseTransposedAvx512fR4(size_t rows, size_t width, size_t stride, const float* w,
                                 const float* s, WeightMod mod, float* x) {
  switch (mod) {
    case WeightMod::kPositive: return DenseTransposedR4<Positive>(rows, width, stride, w, s, x);
    case WeightMod::kNegative: return DenseTransposedR4<Negative>(rows, width, stride, w, s, x);
    case WeightMod::kSquare: return DenseTransposedR4<Square>(rows, width, stride, w, s, x);
    case WeightMod::kIdentity: break;
  }
  DenseTransposedR4<Identity>(rows, width, stride, w, s, x);
}

void F32DenseModifiedAvx512fR4(size_t rows, size_t cols, const float* w, const float* a,
                               WeightMod mod, float* z) {
  switch (mod) {
    case WeightMod::kPositive: return DenseModifiedR4<Positive>(rows, cols, w, a, z);
    case WeightMod::kNegative: return DenseModifiedR4<Negative>(rows, cols, w, a, z);
    case WeightMod::kSquare: return DenseModifiedR4<Square>(rows, cols, w, a, z);
    case WeightMod::kIdentity: break;
  }
  DenseModifiedR4<Identity>(rows, cols, w, a, z);
}

}  // namespace

const KernelTable& Avx512fKernels() {
  static const KernelTable table = {"avx512f",
                                    F32VStabDivAvx512fU32,
                                    F32VMulAvx512fU32,
                                    F32VMulAddAvx512fU32,
                                    F32DenseTransposedAvx512fR4,
                                    F32DenseModifiedAvx512fR4,
                                    F32LrnAvx512f};
  return table;
}

}  // namespace ports
}  // namespace lrp
