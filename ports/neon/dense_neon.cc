// NEON dense relevance kernels, shared by aarch64 and armv7 (VFPv4 gives
// armv7 the fused vfmaq_f32). The reductions round differently from the
// reference anyway, so they use FMA; on armv7 NEON also flushes subnormal
// weights, inputs and partial sums to zero, which only moves results by
// less than FLT_MIN per term.
#include <arm_neon.h>

#include "ports/neon/neon_kernels.h"

namespace lrp {
namespace ports {
namespace {

inline float HorizontalSum(float32x4_t v) {
#if defined(__aarch64__)
  return vaddvq_f32(v);
#else
  const float32x2_t h = vadd_f32(vget_low_f32(v), vget_high_f32(v));
  return vget_lane_f32(vpadd_f32(h, h), 0);
#endif
}

// Weight modifiers. The compare-and-mask turns NaN and -0.0 weights into +0,
// as the reference's `w > 0 ? w : 0` does.
struct Identity {
  static float32x4_t Apply(float32x4_t w) { return w; }
  static float Apply(float w) { return w; }
};
struct Positive {
  static float32x4_t Apply(float32x4_t w) {
    const uint32x4_t keep = vcgtq_f32(w, vdupq_n_f32(0.0f));
    return vreinterpretq_f32_u32(vandq_u32(keep, vreinterpretq_u32_f32(w)));
  }
  static float Apply(float w) { return w > 0.0f ? w : 0.0f; }
};
struct Negative {
  static float32x4_t Apply(float32x4_t w) {
    const uint32x4_t keep = vcltq_f32(w, vdupq_n_f32(0.0f));
    return vreinterpretq_f32_u32(vandq_u32(keep, vreinterpretq_u32_f32(w)));
  }
  static float Apply(float w) { return w < 0.0f ? w : 0.0f; }
};
struct Square {
  static float32x4_t Apply(float32x4_t w) { return vmulq_f32(w, w); }
  static float Apply(float w) { return w * w; }
};

// x[j] (+)= sum over kRows rows of mod(w) * s, in the reference's row order.
// `first` starts from zero instead of x, which saves zeroing x beforehand.
template <class Mod, int kRows>
void AccumulateRows(size_t width, size_t stride, const float* w, const float* s, bool first,
                    float* x) {
  float32x4_t sk[kRows];
  for (int r = 0; r < kRows; ++r) sk[r] = vdupq_n_f32(s[r]);
  size_t j = 0;
  for (; j + 4 <= width; j += 4) {
    float32x4_t acc = first ? vdupq_n_f32(0.0f) : vld1q_f32(x + j);
    for (int r = 0; r < kRows; ++r) {
      acc = vfmaq_f32(acc, Mod::Apply(vld1q_f32(w + r * stride + j)), sk[r]);
    }
    vst1q_f32(x + j, acc);
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

// kRows rows at once, one accumulator each (independent FMA chains),
// sharing every load of a.
template <class Mod, int kRows>
void DotRows(size_t cols, const float* w, const float* a, float* z) {
  float32x4_t acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = vdupq_n_f32(0.0f);
  size_t j = 0;
  for (; j + 4 <= cols; j += 4) {
    const float32x4_t va = vld1q_f32(a + j);
    for (int r = 0; r < kRows; ++r) {
      acc[r] = vfmaq_f32(acc[r], Mod::Apply(vld1q_f32(w + r * cols + j)), va);
    }
  }
  float sums[kRows];
  for (int r = 0; r < kRows; ++r) sums[r] = HorizontalSum(acc[r]);
  for (; j < cols; ++j) {
    for (int r = 0; r < kRows; ++r) sums[r] += Mod::Apply(w[r * cols + j]) * a[j];
  }
  for (int r = 0; r < kRows; ++r) z[r] = sums[r];
}

template <class Mod>
void DenseModifiedR4(size_t rows, size_t cols, const float* w, const float* a, float* z) {
  size_t k = 0;
  for (; k + 4 <= rows; k += 4) DotRows<Mod, 4>(cols, w + k * cols, a, z + k);
  for (; k < rows; ++k) DotRows<Mod, 1>(cols, w + k * cols, a, z + k);
}

}  // namespace

void F32DenseTransposedNeonR4(size_t rows, size_t width, size_t stride, const float* w,
                              const float* s, WeightMod mod, float* x) {
  switch (mod) {
    case WeightMod::kPositive: return DenseTransposedR4<Positive>(rows, width, stride, w, s, x);
    case WeightMod::kNegative: return DenseTransposedR4<Negative>(rows, width, stride, w, s, x);
    case WeightMod::kSquare: return DenseTransposedR4<Square>(rows, width, stride, w, s, x);
    case WeightMod::kIdentity: break;
  }
  DenseTransposedR4<Identity>(rows, width, stride, w, s, x);
}

void F32DenseModifiedNeonR4(size_t rows, size_t cols, const float* w, const float* a, WeightMod mod,
                            float* z) {
  switch (mod) {
    case WeightMod::kPositive: return DenseModifiedR4<Positive>(rows, cols, w, a, z);
    case WeightMod::kNegative: return DenseModifiedR4<Negative>(rows, cols, w, a, z);
    case WeightMod::kSquare: return DenseModifiedR4<Square>(rows, cols, w, a, z);
    case WeightMod::kIdentity: break;
  }
  DenseModifiedR4<Identity>(rows, cols, w, a, z);
}

}  // namespace ports
}  // namespace lrp
