// SSE2 YUYV to RGB (yuyv_to_rgb.h), 16 pixels per step. The products need
// 32 bits (298 * 239 overflows int16), which pmaddwd gives for free: each
// pixel's (C, E), (C, D) or (E, 1) pair meets a (coefficient, coefficient)
// pair and comes out as one int32 sum, exactly the reference's.
#include <emmintrin.h>

#include "ports/camera/x86/rgb_store_sse2_inl.h"
#include "ports/camera/yuyv_pixel.h"
#include "ports/camera/yuyv_variants.h"

namespace lrp {
namespace camera {
namespace {

inline __m128i Pairs(short first, short second) {
  return _mm_setr_epi16(first, second, first, second, first, second, first, second);
}

struct Rgb16 {
  __m128i r, g, b;  // 8 int16 per channel, before clamping
};

// 16 bytes of YUYV (8 pixels) -> unclamped R, G, B of each pixel.
inline Rgb16 Convert8(__m128i yuyv) {
  const __m128i c = _mm_sub_epi16(_mm_and_si128(yuyv, _mm_set1_epi16(0x00FF)), _mm_set1_epi16(16));
  // U0 V0 U1 V1 ...: as 32-bit lanes, U in the low and V in the high half.
  const __m128i uv = _mm_sub_epi16(_mm_srli_epi16(yuyv, 8), _mm_set1_epi16(128));
  const __m128i low16 = _mm_set1_epi32(0x0000FFFF);
  // Each macropixel's U (D) and V (E), once per pixel of the pair.
  const __m128i d = _mm_or_si128(_mm_and_si128(uv, low16), _mm_slli_epi32(uv, 16));
  const __m128i e = _mm_or_si128(_mm_srli_epi32(uv, 16), _mm_andnot_si128(low16, uv));
  const __m128i one = _mm_set1_epi16(1);
  const __m128i ce_lo = _mm_unpacklo_epi16(c, e), ce_hi = _mm_unpackhi_epi16(c, e);
  const __m128i cd_lo = _mm_unpacklo_epi16(c, d), cd_hi = _mm_unpackhi_epi16(c, d);
  const __m128i e1_lo = _mm_unpacklo_epi16(e, one), e1_hi = _mm_unpackhi_epi16(e, one);
  const __m128i k_r = Pairs(298, 409), k_gc = Pairs(298, -100), k_ge = Pairs(-208, 128),
                k_b = Pairs(298, 516), round = _mm_set1_epi32(128);
  auto shift_pack = [](__m128i lo, __m128i hi) {
    return _mm_packs_epi32(_mm_srai_epi32(lo, 8), _mm_srai_epi32(hi, 8));
  };
  Rgb16 out;
  out.r = shift_pack(_mm_add_epi32(_mm_madd_epi16(ce_lo, k_r), round),
                     _mm_add_epi32(_mm_madd_epi16(ce_hi, k_r), round));
  out.g = shift_pack(_mm_add_epi32(_mm_madd_epi16(cd_lo, k_gc), _mm_madd_epi16(e1_lo, k_ge)),
                     _mm_add_epi32(_mm_madd_epi16(cd_hi, k_gc), _mm_madd_epi16(e1_hi, k_ge)));
  out.b = shift_pack(_mm_add_epi32(_mm_madd_epi16(cd_lo, k_b), round),
                     _mm_add_epi32(_mm_madd_epi16(cd_hi, k_b), round));
  return out;
}

}  // namespace

void YuyvToRgbRowSse2U16(size_t width, const uint8_t* yuyv, uint8_t* rgb) {
  size_t i = 0;
  for (; i + 16 <= width; i += 16) {
    const uint8_t* src = yuyv + 2 * i;
    const Rgb16 a = Convert8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
    const Rgb16 b = Convert8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16)));
    // packus clamps to [0, 255], which is the reference's clamp.
    x86::StoreRgb16(_mm_packus_epi16(a.r, b.r), _mm_packus_epi16(a.g, b.g),
                    _mm_packus_epi16(a.b, b.b), rgb + 3 * i);
  }
  YuyvRowTail(i, width, yuyv, rgb);
}

}  // namespace camera
}  // namespace lrp
