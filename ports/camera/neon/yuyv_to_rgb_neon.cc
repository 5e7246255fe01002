// NEON YUYV to RGB (yuyv_to_rgb.h), 16 pixels per step, for aarch64 and
// armv7 (-mfpu=neon-vfpv4) alike. vld4 splits 8 macropixels into even Y,
// U, odd Y and V, so U and V need no duplication: each macropixel's chroma
// terms are computed once and shared by its even and odd pixel.
#include <arm_neon.h>

#include "ports/camera/yuyv_pixel.h"
#include "ports/camera/yuyv_variants.h"

namespace lrp {
namespace camera {
namespace {

// 8 values minus a bias, as int16 (the wrap of vsubl_u8 is the right
// two's-complement value).
inline int16x8_t Centered(uint8x8_t v, uint8_t bias) {
  return vreinterpretq_s16_u16(vsubl_u8(v, vdup_n_u8(bias)));
}

// clamp((298 C + term) >> 8) for 8 pixels. vqshrn's shift truncates, i.e.
// floors like the reference's arithmetic shift; the int32 sums fit int16
// after it (|x| <= 534), so only vqmovun's clamp to [0, 255] bites.
inline uint8x8_t Channel(int32x4_t term_lo, int32x4_t term_hi, int16x8_t c) {
  const int32x4_t lo = vmlal_n_s16(term_lo, vget_low_s16(c), 298);
  const int32x4_t hi = vmlal_n_s16(term_hi, vget_high_s16(c), 298);
  return vqmovun_s16(vcombine_s16(vqshrn_n_s32(lo, 8), vqshrn_n_s32(hi, 8)));
}

// Even and odd pixels back into pixel order.
inline uint8x16_t Interleave(uint8x8_t even, uint8x8_t odd) {
  const uint8x8x2_t z = vzip_u8(even, odd);
  return vcombine_u8(z.val[0], z.val[1]);
}

}  // namespace

void YuyvToRgbRowNeonU16(size_t width, const uint8_t* yuyv, uint8_t* rgb) {
  const int32x4_t round = vdupq_n_s32(128);
  size_t i = 0;
  for (; i + 16 <= width; i += 16) {
    const uint8x8x4_t m = vld4_u8(yuyv + 2 * i);  // Y0, U, Y1, V of 8 macropixels
    const int16x8_t c_even = Centered(m.val[0], 16), c_odd = Centered(m.val[2], 16);
    const int16x8_t d = Centered(m.val[1], 128), e = Centered(m.val[3], 128);
    const int16x4_t d_lo = vget_low_s16(d), d_hi = vget_high_s16(d);
    const int16x4_t e_lo = vget_low_s16(e), e_hi = vget_high_s16(e);
    const int32x4_t r_lo = vmlal_n_s16(round, e_lo, 409), r_hi = vmlal_n_s16(round, e_hi, 409);
    const int32x4_t g_lo = vmlal_n_s16(vmlal_n_s16(round, d_lo, -100), e_lo, -208);
    const int32x4_t g_hi = vmlal_n_s16(vmlal_n_s16(round, d_hi, -100), e_hi, -208);
    const int32x4_t b_lo = vmlal_n_s16(round, d_lo, 516), b_hi = vmlal_n_s16(round, d_hi, 516);
    uint8x16x3_t out;
    out.val[0] = Interleave(Channel(r_lo, r_hi, c_even), Channel(r_lo, r_hi, c_odd));
    out.val[1] = Interleave(Channel(g_lo, g_hi, c_even), Channel(g_lo, g_hi, c_odd));
    out.val[2] = Interleave(Channel(b_lo, b_hi, c_even), Channel(b_lo, b_hi, c_odd));
    vst3q_u8(rgb + 3 * i, out);
  }
  YuyvRowTail(i, width, yuyv, rgb);
}

}  // namespace camera
}  // namespace lrp
