// AVX2 variants of the relevance kernels (ports/kernels.h); dispatched only
// on CPUs with AVX2 and FMA3. Compiled with -ffp-contract=off so the
// element-wise kernels round exactly like the scalar reference; the dense
// reductions use FMA explicitly (their rounding may differ from the
// reference anyway, and FMA rounds once instead of twice).
#include <immintrin.h>

#include "ports/kernels.h"
#include "ports/x86/x86_kernels.h"

namespace lrp {
namespace ports {
namespace {

// The reference's expression, for tails.
inline float StabDiv1(float r, float d, float eps) {
  const float den = d >= 0.0f ? d + eps : d - eps;
  return den == 0.0f ? 0.0f : r / den;
}

inline __m256 StabDiv8(__m256 r, __m256 d, __m256 eps) {
  const __m256 zero = _mm256_setzero_ps();
  // Ordered compare: -0.0 takes d + eps (sign0) and NaN takes d - eps, as in
  // the reference.
  const __m256 ge = _mm256_cmp_ps(d, zero, _CMP_GE_OQ);
  const __m256 den = _mm256_blendv_ps(_mm256_sub_ps(d, eps), _mm256_add_ps(d, eps), ge);
  return _mm256_andnot_ps(_mm256_cmp_ps(den, zero, _CMP_EQ_OQ), _mm256_div_ps(r, den));
}

void F32VStabDivAvx2U16(size_t n, const float* r, const float* d, float eps, float* s) {
  const __m256 veps = _mm256_set1_ps(eps);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 s0 = StabDiv8(_mm256_loadu_ps(r + i), _mm256_loadu_ps(d + i), veps);
    const __m256 s1 = StabDiv8(_mm256_loadu_ps(r + i + 8), _mm256_loadu_ps(d + i + 8), veps);
    _mm256_storeu_ps(s + i, s0);
    _mm256_storeu_ps(s + i + 8, s1);
  }
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(s + i, StabDiv8(_mm256_loadu_ps(r + i), _mm256_loadu_ps(d + i), veps));
  }
  for (; i < n; ++i) s[i] = StabDiv1(r[i], d[i], eps);
}

void F32VMulAvx2U16(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 y0 = _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(c + i));
    const __m256 y1 = _mm256_mul_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(c + i + 8));
    _mm256_storeu_ps(y + i, y0);
    _mm256_storeu_ps(y + i + 8, y1);
  }
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(c + i)));
  }
  for (; i < n; ++i) y[i] = a[i] * c[i];
}

// Multiply then add, never FMA: the reference rounds the product.
void F32VMulAddAvx2U16(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 p0 = _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(c + i));
    const __m256 p1 = _mm256_mul_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(c + i + 8));
    _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), p0));
    _mm256_storeu_ps(y + i + 8, _mm256_add_ps(_mm256_loadu_ps(y + i + 8), p1));
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 p = _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(c + i));
    _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), p));
  }
  for (; i < n; ++i) y[i] += a[i] * c[i];
}

// Weight modifiers. max/min return their second operand for NaN and for
// +-0, so NaN and -0.0 weights become +0 exactly as in the reference.
struct Identity {
  static __m256 Apply(__m256 w) { return w; }
  static float Apply(float w) { return w; }
};
struct Positive {
  static __m256 Apply(__m256 w) { return _mm256_max_ps(w, _mm256_setzero_ps()); }
  static float Apply(float w) { return w > 0.0f ? w : 0.0f; }
};
struct Negative {
  static __m256 Apply(__m256 w) { return _mm256_min_ps(w, _mm256_setzero_ps()); }
  static float Apply(float w) { return w < 0.0f ? w : 0.0f; }
};
struct Square {
  static __m256 Apply(__m256 w) { return _mm256_mul_ps(w, w); }
  static float Apply(float w) { return w * w; }
};

// x[j] (+)= sum over kRows rows of mod(w) * s, in the reference's row order.
// `first` starts from zero instead of x, which saves zeroing x beforehand.
template <class Mod, int kRows>
void AccumulateRows(size_t width, size_t stride, const float* w, const float* s, bool first,
                    float* x) {
  __m256 sk[kRows];
  for (int r = 0; r < kRows; ++r) sk[r] = _mm256_set1_ps(s[r]);
  size_t j = 0;
  for (; j + 8 <= width; j += 8) {
    __m256 acc = first ? _mm256_setzero_ps() : _mm256_loadu_ps(x + j);
    for (int r = 0; r < kRows; ++r) {
      acc = _mm256_fmadd_ps(Mod::Apply(_mm256_loadu_ps(w + r * stride + j)), sk[r], acc);
    }
    _mm256_storeu_ps(x + j, acc);
  }
  for (; j < width; ++j) {
    float acc = first ? 0.0f : x[j];
    for (int r = 0; r < kRows; ++r) acc += Mod::Apply(w[r * stride + j]) * s[r];
    x[j] = acc;
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

// Four rows at once: one accumulator each (four independent FMA chains),
// sharing every load of a.
template <class Mod>
void DenseModifiedR4(size_t rows, size_t cols, const float* w, const float* a, float* z) {
  size_t k = 0;
  for (; k + 4 <= rows; k += 4) {
    const float* w0 = w + k * cols;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 va = _mm256_loadu_ps(a + j);
      for (int r = 0; r < 4; ++r) {
        acc[r] = _mm256_fmadd_ps(Mod::Apply(_mm256_loadu_ps(w0 + r * cols + j)), va, acc[r]);
      }
    }
    // Lane i of the result is the sum of acc[i].
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(acc[0], acc[1]), _mm256_hadd_ps(acc[2], acc[3]));
    float sums[4];
    _mm_storeu_ps(sums, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
    for (; j < cols; ++j) {
      for (int r = 0; r < 4; ++r) sums[r] += Mod::Apply(w0[r * cols + j]) * a[j];
    }
    for (int r = 0; r < 4; ++r) z[k + r] = sums[r];
  }
  for (; k < rows; ++k) {
    const float* row = w + k * cols;
    __m256 acc = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      acc = _mm256_fmadd_ps(Mod::Apply(_mm256_loadu_ps(row + j)), _mm256_loadu_ps(a + j), acc);
    }
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    float sum = _mm_cvtss_f32(_mm_add_ss(q, _mm_shuffle_ps(q, q, 1)));
    for (; j < cols; ++j) sum += Mod::Apply(row[j]) * a[j];
    z[k] = sum;
  }
}

void F32DenseTransposedAvx2R4(size_t rows, size_t width, size_t stride, const float* w,
                              const float* s, WeightMod mod, float* x) {
  switch (mod) {
    case WeightMod::kPositive: return DenseTransposedR4<Positive>(rows, width, stride, w, s, x);
    case WeightMod::kNegative: return DenseTransposedR4<Negative>(rows, width, stride, w, s, x);
    case WeightMod::kSquare: return DenseTransposedR4<Square>(rows, width, stride, w, s, x);
    case WeightMod::kIdentity: break;
  }
  DenseTransposedR4<Identity>(rows, width, stride, w, s, x);
}

void F32DenseModifiedAvx2R4(size_t rows, size_t cols, const float* w, const float* a, WeightMod mod,
                            float* z) {
  switch (mod) {
    case WeightMod::kPositive: return DenseModifiedR4<Positive>(rows, cols, w, a, z);
    case WeightMod::kNegative: return DenseModifiedR4<Negative>(rows, cols, w, a, z);
    case WeightMod::kSquare: return DenseModifiedR4<Square>(rows, cols, w, a, z);
    case WeightMod::kIdentity: break;
  }
  DenseModifiedR4<Identity>(rows, cols, w, a, z);
}

}  // namespace

const KernelTable& Avx2Kernels() {
  static const KernelTable table = {"avx2",
                                    F32VStabDivAvx2U16,
                                    F32VMulAvx2U16,
                                    F32VMulAddAvx2U16,
                                    F32DenseTransposedAvx2R4,
                                    F32DenseModifiedAvx2R4,
                                    F32LrnAvx2};
  return table;
}

}  // namespace ports
}  // namespace lrp
