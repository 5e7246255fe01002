// SSE2 variants of the relevance kernels (ports/kernels.h). SSE2 is part of
// x86-64, so this is what every x86-64 CPU can run. Compiled with
// -ffp-contract=off: the element-wise kernels round exactly like the scalar
// reference, including in their scalar tails.
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

inline __m128 StabDiv4(__m128 r, __m128 d, __m128 eps) {
  const __m128 zero = _mm_setzero_ps();
  // Ordered compare: -0.0 takes d + eps (sign0) and NaN takes d - eps, as in
  // the reference.
  const __m128 ge = _mm_cmpge_ps(d, zero);
  const __m128 den =
      _mm_or_ps(_mm_and_ps(ge, _mm_add_ps(d, eps)), _mm_andnot_ps(ge, _mm_sub_ps(d, eps)));
  return _mm_andnot_ps(_mm_cmpeq_ps(den, zero), _mm_div_ps(r, den));
}

void F32VStabDivSse2U8(size_t n, const float* r, const float* d, float eps, float* s) {
  const __m128 veps = _mm_set1_ps(eps);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128 s0 = StabDiv4(_mm_loadu_ps(r + i), _mm_loadu_ps(d + i), veps);
    const __m128 s1 = StabDiv4(_mm_loadu_ps(r + i + 4), _mm_loadu_ps(d + i + 4), veps);
    _mm_storeu_ps(s + i, s0);
    _mm_storeu_ps(s + i + 4, s1);
  }
  for (; i + 4 <= n; i += 4) {
    _mm_storeu_ps(s + i, StabDiv4(_mm_loadu_ps(r + i), _mm_loadu_ps(d + i), veps));
  }
  for (; i < n; ++i) s[i] = StabDiv1(r[i], d[i], eps);
}

void F32VMulSse2U8(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128 y0 = _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(c + i));
    const __m128 y1 = _mm_mul_ps(_mm_loadu_ps(a + i + 4), _mm_loadu_ps(c + i + 4));
    _mm_storeu_ps(y + i, y0);
    _mm_storeu_ps(y + i + 4, y1);
  }
  for (; i + 4 <= n; i += 4) {
    _mm_storeu_ps(y + i, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(c + i)));
  }
  for (; i < n; ++i) y[i] = a[i] * c[i];
}

void F32VMulAddSse2U8(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128 p0 = _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(c + i));
    const __m128 p1 = _mm_mul_ps(_mm_loadu_ps(a + i + 4), _mm_loadu_ps(c + i + 4));
    _mm_storeu_ps(y + i, _mm_add_ps(_mm_loadu_ps(y + i), p0));
    _mm_storeu_ps(y + i + 4, _mm_add_ps(_mm_loadu_ps(y + i + 4), p1));
  }
  for (; i + 4 <= n; i += 4) {
    const __m128 p = _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(c + i));
    _mm_storeu_ps(y + i, _mm_add_ps(_mm_loadu_ps(y + i), p));
  }
  for (; i < n; ++i) y[i] += a[i] * c[i];
}

// Weight modifiers. max/min return their second operand for NaN and for
// +-0, so NaN and -0.0 weights become +0 exactly as in the reference.
struct Identity {
  static __m128 Apply(__m128 w) { return w; }
  static float Apply(float w) { return w; }
};
struct Positive {
  static __m128 Apply(__m128 w) { return _mm_max_ps(w, _mm_setzero_ps()); }
  static float Apply(float w) { return w > 0.0f ? w : 0.0f; }
};
struct Negative {
  static __m128 Apply(__m128 w) { return _mm_min_ps(w, _mm_setzero_ps()); }
  static float Apply(float w) { return w < 0.0f ? w : 0.0f; }
};
struct Square {
  static __m128 Apply(__m128 w) { return _mm_mul_ps(w, w); }
  static float Apply(float w) { return w * w; }
};

// x[j] (+)= sum over kRows rows of mod(w) * s, in the reference's row order.
// `first` starts from zero instead of x, which saves zeroing x beforehand.
template <class Mod, int kRows>
void AccumulateRows(size_t width, size_t stride, const float* w, const float* s, bool first,
                    float* x) {
  __m128 sk[kRows];
  for (int r = 0; r < kRows; ++r) sk[r] = _mm_set1_ps(s[r]);
  size_t j = 0;
  for (; j + 4 <= width; j += 4) {
    __m128 acc = first ? _mm_setzero_ps() : _mm_loadu_ps(x + j);
    for (int r = 0; r < kRows; ++r) {
      acc = _mm_add_ps(acc, _mm_mul_ps(Mod::Apply(_mm_loadu_ps(w + r * stride + j)), sk[r]));
    }
    _mm_storeu_ps(x + j, acc);
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

// Four rows at once: one accumulator each, sharing every load of a.
template <class Mod>
void DenseModifiedR4(size_t rows, size_t cols, const float* w, const float* a, float* z) {
  size_t k = 0;
  for (; k + 4 <= rows; k += 4) {
    const float* w0 = w + k * cols;
    __m128 acc[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
    size_t j = 0;
    for (; j + 4 <= cols; j += 4) {
      const __m128 va = _mm_loadu_ps(a + j);
      for (int r = 0; r < 4; ++r) {
        acc[r] = _mm_add_ps(acc[r], _mm_mul_ps(Mod::Apply(_mm_loadu_ps(w0 + r * cols + j)), va));
      }
    }
    _MM_TRANSPOSE4_PS(acc[0], acc[1], acc[2], acc[3]);
    float sums[4];
    _mm_storeu_ps(sums, _mm_add_ps(_mm_add_ps(acc[0], acc[1]), _mm_add_ps(acc[2], acc[3])));
    for (; j < cols; ++j) {
      for (int r = 0; r < 4; ++r) sums[r] += Mod::Apply(w0[r * cols + j]) * a[j];
    }
    for (int r = 0; r < 4; ++r) z[k + r] = sums[r];
  }
  for (; k < rows; ++k) {
    const float* row = w + k * cols;
    __m128 acc = _mm_setzero_ps();
    size_t j = 0;
    for (; j + 4 <= cols; j += 4) {
      acc = _mm_add_ps(acc, _mm_mul_ps(Mod::Apply(_mm_loadu_ps(row + j)), _mm_loadu_ps(a + j)));
    }
    float lanes[4];
    _mm_storeu_ps(lanes, acc);
    float sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (; j < cols; ++j) sum += Mod::Apply(row[j]) * a[j];
    z[k] = sum;
  }
}

void F32DenseTransposedSse2R4(size_t rows, size_t width, size_t stride, const float* w,
                              const float* s, WeightMod mod, float* x) {
  switch (mod) {
    case WeightMod::kPositive: return DenseTransposedR4<Positive>(rows, width, stride, w, s, x);
    case WeightMod::kNegative: return DenseTransposedR4<Negative>(rows, width, stride, w, s, x);
    case WeightMod::kSquare: return DenseTransposedR4<Square>(rows, width, stride, w, s, x);
    case WeightMod::kIdentity: break;
  }
  DenseTransposedR4<Identity>(rows, width, stride, w, s, x);
}

void F32DenseModifiedSse2R4(size_t rows, size_t cols, const float* w, const float* a, WeightMod mod,
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

const KernelTable& Sse2Kernels() {
  static const KernelTable table = {
      "sse2",           F32VStabDivSse2U8,        F32VMulSse2U8,
      F32VMulAddSse2U8, F32DenseTransposedSse2R4, F32DenseModifiedSse2R4,
      F32LrnSse2};
  return table;
}

}  // namespace ports
}  // namespace lrp
