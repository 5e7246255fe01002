// armv7 NEON element-wise relevance kernels.
//
// ARMv7 Advanced SIMD has no divide, and whatever FPSCR says it flushes
// subnormal inputs and results to zero and returns the default NaN. Each
// vector is therefore computed with NEON and checked; if any lane falls
// where NEON can differ from the scalar (VFP, IEEE) reference, the whole
// vector is recomputed with the reference's expression. The checks only
// rely on what NEON gets right: |v| >= FLT_MIN (vcageq) is false for zeros,
// flushed subnormals and NaN, and a test of the raw bits sees a subnormal as
// non-zero. VMul and VMulAdd are thereby bit-exact; they, and the fallback,
// are compiled with -ffp-contract=off.
//
// Division: s = r * y with y ~ 1/den from vrecpe (8 bits) and two
// Newton-Raphson steps (vrecps), then one correction with the residual
// r - s * den, which a fused multiply-subtract gives exactly. NEON lanes are
// kept only when r or den is exactly zero, or when den, s and the residual
// are normal with a margin: |den| < 2^126 (so 1/den is not flushed),
// 2^-125 <= |s| <= 2^127 and |r| >= 2^-96 (the residual is ~|r| * 2^-24).
// Bound: within 1 ULP of the correctly rounded r / den (the tests'
// kArmv7VStabDivUlps). The correction usually rounds correctly: all of
// 2.1 * 10^7 log-uniform quotients on this path were exact under qemu-arm,
// which models ARMv7's unfused VRECPS (ARMv8 cores fuse it, which is at
// least as accurate).
#include <arm_neon.h>

#include <cfloat>

#include "ports/neon/neon_kernels.h"

namespace lrp {
namespace ports {
namespace {

// The reference's expression, for tails and fallbacks.
inline float StabDiv1(float r, float d, float eps) {
  const float den = d >= 0.0f ? d + eps : d - eps;
  return den == 0.0f ? 0.0f : r / den;
}

inline bool AllLanes(uint32x4_t mask) {
  uint32x2_t h = vand_u32(vget_low_u32(mask), vget_high_u32(mask));
  h = vpmin_u32(h, h);
  return vget_lane_u32(h, 0) != 0;
}

inline uint32x4_t NonZeroBits(float32x4_t v) {
  return vtstq_u32(vreinterpretq_u32_f32(v), vdupq_n_u32(0x7FFFFFFFu));
}

// Zero, normal or infinite, so NEON reads it as IEEE does.
inline uint32x4_t Plain(float32x4_t v) {
  return vornq_u32(vcageq_f32(v, vdupq_n_f32(FLT_MIN)), NonZeroBits(v));
}

// p = a * c as NEON computed it equals the IEEE product: p is normal or
// infinite (then neither input was flushed), or p is zero because an
// operand is exactly zero (not because a tiny product was flushed).
inline uint32x4_t ProductExact(float32x4_t a, float32x4_t c, float32x4_t p) {
  const uint32x4_t zero_operand = vmvnq_u32(vandq_u32(NonZeroBits(a), NonZeroBits(c)));
  return vorrq_u32(vcageq_f32(p, vdupq_n_f32(FLT_MIN)),
                   vandq_u32(vceqq_f32(p, vdupq_n_f32(0.0f)), zero_operand));
}

// A flushed sum shows as t == 0 with y != -p; an exact cancellation has
// y == -p (both plain, so the compare is exact).
inline uint32x4_t SumExact(float32x4_t y, float32x4_t p, float32x4_t t) {
  return vorrq_u32(vcageq_f32(t, vdupq_n_f32(FLT_MIN)), vceqq_f32(y, vnegq_f32(p)));
}

// y += a * c on NEON; `ok` marks the lanes that equal the reference.
inline float32x4_t MulAdd4(float32x4_t a, float32x4_t c, float32x4_t y, uint32x4_t* ok) {
  const float32x4_t p = vmulq_f32(a, c);
  const float32x4_t t = vaddq_f32(y, p);
  *ok = vandq_u32(vandq_u32(ProductExact(a, c, p), Plain(y)), SumExact(y, p, t));
  return t;
}

inline float32x4_t StabDiv4(float32x4_t r, float32x4_t d, float32x4_t eps, uint32x4_t* ok) {
  const float32x4_t zero = vdupq_n_f32(0.0f);
  // -0.0 >= 0 holds (sign0); NaN and subnormal d are caught by Plain(d).
  const uint32x4_t ge = vcgeq_f32(d, zero);
  const float32x4_t den = vbslq_f32(ge, vaddq_f32(d, eps), vsubq_f32(d, eps));
  const uint32x4_t den_zero = vceqq_f32(den, zero);
  float32x4_t y = vrecpeq_f32(den);
  y = vmulq_f32(y, vrecpsq_f32(den, y));
  y = vmulq_f32(y, vrecpsq_f32(den, y));
  const float32x4_t q0 = vmulq_f32(r, y);
  const float32x4_t q1 = vfmaq_f32(q0, vfmsq_f32(r, q0, den), y);
  // The correction would turn a -0 quotient into +0.
  const uint32x4_t r_zero = vmvnq_u32(NonZeroBits(r));
  const float32x4_t q = vbslq_f32(r_zero, q0, q1);
  // eps is 0 or normal and stab never cancels (|den| >= |d|), so a plain d
  // gives an exact, plain den.
  const uint32x4_t den_ok = vcaltq_f32(den, vdupq_n_f32(0x1p126f));
  // |r| >= 2^-96 keeps the residual (~ |r| * 2^-24) clear of the flush.
  const uint32x4_t q_ok = vandq_u32(
      vandq_u32(vcageq_f32(q, vdupq_n_f32(0x1p-125f)), vcaleq_f32(q, vdupq_n_f32(0x1p127f))),
      vcageq_f32(r, vdupq_n_f32(0x1p-96f)));
  *ok = vandq_u32(Plain(d), vorrq_u32(den_zero, vandq_u32(den_ok, vorrq_u32(r_zero, q_ok))));
  return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(q), den_zero));
}

}  // namespace

void F32VStabDivNeonU8(size_t n, const float* r, const float* d, float eps, float* s) {
  size_t i = 0;
  if (eps == 0.0f || (eps >= FLT_MIN && eps <= FLT_MAX)) {
    const float32x4_t veps = vdupq_n_f32(eps);
    for (; i + 8 <= n; i += 8) {
      uint32x4_t ok0, ok1;
      const float32x4_t s0 = StabDiv4(vld1q_f32(r + i), vld1q_f32(d + i), veps, &ok0);
      const float32x4_t s1 = StabDiv4(vld1q_f32(r + i + 4), vld1q_f32(d + i + 4), veps, &ok1);
      if (AllLanes(vandq_u32(ok0, ok1))) {
        vst1q_f32(s + i, s0);
        vst1q_f32(s + i + 4, s1);
      } else {
        for (size_t k = i; k < i + 8; ++k) s[k] = StabDiv1(r[k], d[k], eps);
      }
    }
  }
  for (; i < n; ++i) s[i] = StabDiv1(r[i], d[i], eps);
}

void F32VMulNeonU8(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t a0 = vld1q_f32(a + i), c0 = vld1q_f32(c + i);
    const float32x4_t a1 = vld1q_f32(a + i + 4), c1 = vld1q_f32(c + i + 4);
    const float32x4_t p0 = vmulq_f32(a0, c0);
    const float32x4_t p1 = vmulq_f32(a1, c1);
    if (AllLanes(vandq_u32(ProductExact(a0, c0, p0), ProductExact(a1, c1, p1)))) {
      vst1q_f32(y + i, p0);
      vst1q_f32(y + i + 4, p1);
    } else {
      for (size_t k = i; k < i + 8; ++k) y[k] = a[k] * c[k];
    }
  }
  for (; i < n; ++i) y[i] = a[i] * c[i];
}

void F32VMulAddNeonU8(size_t n, const float* a, const float* c, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint32x4_t ok0, ok1;
    const float32x4_t t0 = MulAdd4(vld1q_f32(a + i), vld1q_f32(c + i), vld1q_f32(y + i), &ok0);
    const float32x4_t t1 =
        MulAdd4(vld1q_f32(a + i + 4), vld1q_f32(c + i + 4), vld1q_f32(y + i + 4), &ok1);
    if (AllLanes(vandq_u32(ok0, ok1))) {
      vst1q_f32(y + i, t0);
      vst1q_f32(y + i + 4, t1);
    } else {
      for (size_t k = i; k < i + 8; ++k) y[k] += a[k] * c[k];
    }
  }
  for (; i < n; ++i) y[i] += a[i] * c[i];
}

}  // namespace ports
}  // namespace lrp
