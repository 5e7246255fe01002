// NEON LRN forward (LrnFn, ports/kernels.h), 4 channels per vector, for
// aarch64 and for armv7 with NEON + VFPv4. The same three steps and
// accuracy contract as ports/x86/sse2/lrn_sse2.cc (read that file's comment
// first).
//
// The two architectures differ only in the three primitives at the top:
// aarch64 has IEEE vector sqrt and divide, so beta = 0.75 runs the scalar
// kernel's exact operations. armv7's NEON has neither, and flushes
// subnormal inputs and results to zero: there 1/x and 1/sqrt(x) come from
// the estimate instructions plus Newton-Raphson steps (beta = 0.75 is then
// within the bound the tests state for armv7), and every vector is checked
// afterwards: lanes whose x is non-zero but whose y came out below FLT_MIN
// (a flushed subnormal) are recomputed with the scalar expression (VFP is
// IEEE). Compiled with -ffp-contract=off.
#include <arm_neon.h>

#include <cfloat>
#include <cstdint>
#include <cstring>

#include "ports/neon/neon_kernels.h"
#include "ports/scalar/lrn_scalar.h"

namespace lrp {
namespace ports {
namespace {

constexpr size_t kLanes = 4;
constexpr size_t kChunk = 256;       // channels per slice, a multiple of kLanes
constexpr int32_t kMaxDirect = 16;   // widest window summed vector by vector

#if defined(__aarch64__)
inline float32x4_t Div(float32x4_t a, float32x4_t b) { return vdivq_f32(a, b); }
inline float32x4_t InversePower075(float32x4_t s) {
  const float32x4_t r = vsqrtq_f32(s);
  return vdivq_f32(vdupq_n_f32(1.0f), vmulq_f32(r, vsqrtq_f32(r)));
}
constexpr bool kFlushesSubnormals = false;
#else
// 1/b for normal b with |b| < 2^126: estimate (8 bits) and three steps.
inline float32x4_t Reciprocal(float32x4_t b) {
  float32x4_t y = vrecpeq_f32(b);
  y = vmulq_f32(y, vrecpsq_f32(b, y));
  y = vmulq_f32(y, vrecpsq_f32(b, y));
  return vmulq_f32(y, vrecpsq_f32(b, y));
}
inline float32x4_t Div(float32x4_t a, float32x4_t b) { return vmulq_f32(a, Reciprocal(b)); }
// 1/sqrt(s) for normal s: estimate and three steps.
inline float32x4_t ReciprocalSqrt(float32x4_t s) {
  float32x4_t y = vrsqrteq_f32(s);
  y = vmulq_f32(y, vrsqrtsq_f32(vmulq_f32(s, y), y));
  y = vmulq_f32(y, vrsqrtsq_f32(vmulq_f32(s, y), y));
  return vmulq_f32(y, vrsqrtsq_f32(vmulq_f32(s, y), y));
}
// s^-0.75 = q * sqrt(q) = q * q / sqrt(q), q = s^-0.5.
inline float32x4_t InversePower075(float32x4_t s) {
  const float32x4_t q = ReciprocalSqrt(s);
  return vmulq_f32(vmulq_f32(q, q), ReciprocalSqrt(q));
}
constexpr bool kFlushesSubnormals = true;
#endif

inline bool AllLanes(uint32x4_t mask) {
  const uint32x2_t half = vand_u32(vget_low_u32(mask), vget_high_u32(mask));
  return (vget_lane_u32(half, 0) & vget_lane_u32(half, 1)) == 0xFFFFFFFFu;
}

// log2(s) for normal s > 0 (see lrn_sse2.cc).
inline float32x4_t Log2(float32x4_t s) {
  const uint32x4_t bits = vreinterpretq_u32_f32(s);
  int32x4_t e = vsubq_s32(vreinterpretq_s32_u32(vshrq_n_u32(bits, 23)), vdupq_n_s32(127));
  float32x4_t m = vreinterpretq_f32_u32(
      vorrq_u32(vandq_u32(bits, vdupq_n_u32(0x007FFFFFu)), vdupq_n_u32(0x3F800000u)));
  const uint32x4_t fold = vcgtq_f32(m, vdupq_n_f32(1.41421356f));
  m = vbslq_f32(fold, vmulq_f32(m, vdupq_n_f32(0.5f)), m);
  e = vsubq_s32(e, vreinterpretq_s32_u32(fold));  // mask is -1: e + 1
  const float32x4_t one = vdupq_n_f32(1.0f);
  const float32x4_t t = Div(vsubq_f32(m, one), vaddq_f32(m, one));
  const float32x4_t t2 = vmulq_f32(t, t);
  float32x4_t p = vdupq_n_f32(1.0f / 9.0f);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 7.0f), p, t2);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 5.0f), p, t2);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 3.0f), p, t2);
  p = vfmaq_f32(one, p, t2);
  const float32x4_t ln_m = vmulq_f32(vaddq_f32(t, t), p);
  return vfmaq_f32(vcvtq_f32_s32(e), ln_m, vdupq_n_f32(1.44269504f));
}

// 2^v for v in [-125, 127] (see lrn_sse2.cc). Rounds to the nearest
// integer with the 1.5 * 2^23 trick (armv7 has no vrndn).
inline float32x4_t Exp2(float32x4_t v) {
  const float32x4_t magic = vdupq_n_f32(12582912.0f);
  const float32x4_t fn = vsubq_f32(vaddq_f32(v, magic), magic);
  const float32x4_t g = vmulq_f32(vsubq_f32(v, fn), vdupq_n_f32(0.693147181f));
  float32x4_t p = vdupq_n_f32(1.0f / 5040.0f);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 720.0f), p, g);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 120.0f), p, g);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 24.0f), p, g);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 6.0f), p, g);
  p = vfmaq_f32(vdupq_n_f32(0.5f), p, g);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, g);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, g);
  const int32x4_t n = vcvtq_s32_f32(fn);  // exact: fn is an integer
  const int32x4_t scale = vshlq_n_s32(vaddq_s32(n, vdupq_n_s32(127)), 23);
  return vmulq_f32(p, vreinterpretq_f32_s32(scale));
}

// y = x * s^-beta for one vector; exact NEON lanes or scalar recomputation.
inline float32x4_t Normalize(float32x4_t x, float32x4_t s, float beta) {
  uint32x4_t ok = vandq_u32(vcgeq_f32(s, vdupq_n_f32(FLT_MIN)), vcleq_f32(s, vdupq_n_f32(FLT_MAX)));
  float32x4_t r;
  if (beta == 0.75f) {
    r = InversePower075(s);
    if (!kFlushesSubnormals) ok = vdupq_n_u32(0xFFFFFFFFu);  // IEEE ops: inf/0 as scalar
  } else {
    const float32x4_t v = vmulq_f32(vdupq_n_f32(-beta), Log2(s));
    ok = vandq_u32(ok, vandq_u32(vcgeq_f32(v, vdupq_n_f32(-125.0f)),
                                 vcleq_f32(v, vdupq_n_f32(127.0f))));
    r = Exp2(vreinterpretq_f32_u32(vandq_u32(ok, vreinterpretq_u32_f32(v))));
  }
  float32x4_t y = vmulq_f32(x, r);
  if (kFlushesSubnormals) {
    // x != 0 (raw bits, so a subnormal counts) but |y| < FLT_MIN: flushed.
    const uint32x4_t x_nonzero =
        vtstq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x7FFFFFFFu));
    const uint32x4_t y_small = vmvnq_u32(vcageq_f32(y, vdupq_n_f32(FLT_MIN)));
    ok = vandq_u32(ok, vmvnq_u32(vandq_u32(x_nonzero, y_small)));
  }
  if (AllLanes(ok)) return y;
  float xl[kLanes], sl[kLanes], yl[kLanes];
  uint32_t okl[kLanes];
  vst1q_f32(xl, x);
  vst1q_f32(sl, s);
  vst1q_f32(yl, y);
  vst1q_u32(okl, ok);
  for (size_t i = 0; i < kLanes; ++i) {
    if (!okl[i]) yl[i] = xl[i] * LrnInversePower(sl[i], beta);
  }
  return vld1q_f32(yl);
}

}  // namespace

void F32LrnNeon(size_t pixels, size_t channels, const float* x, float* y,
                const LrnParams& params) {
  const ptrdiff_t below = (params.size - 1) / 2;
  const ptrdiff_t c_count = static_cast<ptrdiff_t>(channels);
  const bool direct = params.size <= kMaxDirect;
  const float32x4_t scale = vdupq_n_f32(params.alpha / static_cast<float>(params.size));
  const float32x4_t bias = vdupq_n_f32(params.bias);
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
          const float32x4_t v = vld1q_f32(xp + first + k);
          vst1q_f32(sq + k, vmulq_f32(v, v));
        }
        for (; k < k1; ++k) sq[k] = xp[first + k] * xp[first + k];
        for (size_t i = 0; i < vectors * kLanes; i += kLanes) {
          float32x4_t acc = vld1q_f32(sq + i);
          for (int32_t d = 1; d < params.size; ++d) acc = vaddq_f32(acc, vld1q_f32(sq + i + d));
          vst1q_f32(sums + i, acc);
        }
      } else {
        f32_lrn_window_sums__scalar(channels, xp, params.size, c0, c0 + n, sums);
      }
      const size_t full = n / kLanes * kLanes;
      for (size_t i = 0; i < full; i += kLanes) {
        const float32x4_t s = vaddq_f32(bias, vmulq_f32(scale, vld1q_f32(sums + i)));
        vst1q_f32(yp + c0 + i, Normalize(vld1q_f32(xp + c0 + i), s, params.beta));
      }
      if (full < n) {  // exact tail: through a small buffer
        float xt[kLanes] = {0, 0, 0, 0}, st[kLanes] = {0, 0, 0, 0}, yt[kLanes];
        std::memcpy(xt, xp + c0 + full, (n - full) * sizeof(float));
        std::memcpy(st, sums + full, (n - full) * sizeof(float));
        const float32x4_t s = vaddq_f32(bias, vmulq_f32(scale, vld1q_f32(st)));
        vst1q_f32(yt, Normalize(vld1q_f32(xt), s, params.beta));
        std::memcpy(yp + c0 + full, yt, (n - full) * sizeof(float));
      }
    }
  }
}

}  // namespace ports
}  // namespace lrp
