// aarch64 NEON element-wise relevance kernels. AArch64 Advanced SIMD
// follows FPCR like the scalar unit (IEEE subnormals, NaN propagation) and
// has a correctly rounded vector divide, so these match the scalar
// reference bit for bit. Compiled with -ffp-contract=off: the product in
// VMulAdd is rounded before the add, as in the reference.
#include <arm_neon.h>

#include "ports/neon/neon_kernels.h"

namespace lrp {
namespace ports {
namespace {

// The reference's expression, for tails.
inline float StabDiv1(float r, float d, float eps) {
  const float den = d >= 0.0f ? d + eps : d - eps;
  return den == 0.0f ? 0.0f : r / den;
}

inline float32x4_t StabDiv4(float32x4_t r, float32x4_t d, float32x4_t eps) {
  const float32x4_t zero = vdupq_n_f32(0.0f);
  // Ordered compare: -0.0 takes d + eps (sign0) and NaN takes d - eps, as in
  // the reference.
  const uint32x4_t ge = vcgeq_f32(d, zero);
  const float32x4_t den = vbslq_f32(ge, vaddq_f32(d, eps), vsubq_f32(d, eps));
  const uint32x4_t is_zero = vceqq_f32(den, zero);
  const uint32x4_t q = vreinterpretq_u32_f32(vdivq_f32(r, den));
  return vreinterpretq_f32_u32(vbicq_u32(q, is_zero));
}

}  // namespace

void F32VStabDivNeonU8(size_t n, const float* r, const float* d, float eps, float* s) {
  const float32x4_t veps = vdupq_n_f32(eps);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t s0 = StabDiv4(vld1q_f32(r + i), vld1q_f32(d + i), veps);
    const float32x4_t s1 = StabDiv4(vld1q_f32(r + i + 4), vld1q_f32(d + i + 4), veps);
    vst1q_f32(s + i, s0);
    vst1q_f32(s + i + 4, s1);
  }
  for (; i + 4 <= n; i += 4) {
    vst1q_f32(s + i, StabDiv4(vld1q_f32(r + i), vld1q_f32(d + i), veps));
  }
  for (; i < n; ++i) s[i] = StabDiv1(r[i], d[i], eps);
}

void F32VMulNeonU8(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t y0 = vmulq_f32(vld1q_f32(a + i), vld1q_f32(c + i));
    const float32x4_t y1 = vmulq_f32(vld1q_f32(a + i + 4), vld1q_f32(c + i + 4));
    vst1q_f32(y + i, y0);
    vst1q_f32(y + i + 4, y1);
  }
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_f32(vld1q_f32(a + i), vld1q_f32(c + i)));
  for (; i < n; ++i) y[i] = a[i] * c[i];
}

void F32VMulAddNeonU8(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t p0 = vmulq_f32(vld1q_f32(a + i), vld1q_f32(c + i));
    const float32x4_t p1 = vmulq_f32(vld1q_f32(a + i + 4), vld1q_f32(c + i + 4));
    vst1q_f32(y + i, vaddq_f32(vld1q_f32(y + i), p0));
    vst1q_f32(y + i + 4, vaddq_f32(vld1q_f32(y + i + 4), p1));
  }
  for (; i + 4 <= n; i += 4) {
    const float32x4_t p = vmulq_f32(vld1q_f32(a + i), vld1q_f32(c + i));
    vst1q_f32(y + i, vaddq_f32(vld1q_f32(y + i), p));
  }
  for (; i < n; ++i) y[i] += a[i] * c[i];
}

}  // namespace ports
}  // namespace lrp
