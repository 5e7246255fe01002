// AVX2 YUYV to RGB (yuyv_to_rgb.h), 32 pixels per step: the SSE2 kernel's
// pmaddwd arithmetic on 256-bit vectors, then the SSE2 store per 16 pixels
// (packed RGB has no natural 256-bit shuffle).
#include <immintrin.h>

#include "ports/camera/x86/rgb_store_sse2_inl.h"
#include "ports/camera/yuyv_pixel.h"
#include "ports/camera/yuyv_variants.h"

namespace lrp {
namespace camera {
namespace {

inline __m256i Pairs(short first, short second) {
  return _mm256_setr_epi16(first, second, first, second, first, second, first, second, first,
                           second, first, second, first, second, first, second);
}

struct Rgb16 {
  __m256i r, g, b;  // 16 int16 per channel in pixel order, before clamping
};

// 32 bytes of YUYV (16 pixels) -> unclamped R, G, B. Every step stays in
// its 128-bit lane, and packs_epi32 puts each lane's two halves back in
// pixel order, so the result is in pixel order too.
inline Rgb16 Convert16(__m256i yuyv) {
  const __m256i c =
      _mm256_sub_epi16(_mm256_and_si256(yuyv, _mm256_set1_epi16(0x00FF)), _mm256_set1_epi16(16));
  const __m256i uv = _mm256_sub_epi16(_mm256_srli_epi16(yuyv, 8), _mm256_set1_epi16(128));
  const __m256i low16 = _mm256_set1_epi32(0x0000FFFF);
  const __m256i d = _mm256_or_si256(_mm256_and_si256(uv, low16), _mm256_slli_epi32(uv, 16));
  const __m256i e = _mm256_or_si256(_mm256_srli_epi32(uv, 16), _mm256_andnot_si256(low16, uv));
  const __m256i one = _mm256_set1_epi16(1);
  const __m256i ce_lo = _mm256_unpacklo_epi16(c, e), ce_hi = _mm256_unpackhi_epi16(c, e);
  const __m256i cd_lo = _mm256_unpacklo_epi16(c, d), cd_hi = _mm256_unpackhi_epi16(c, d);
  const __m256i e1_lo = _mm256_unpacklo_epi16(e, one), e1_hi = _mm256_unpackhi_epi16(e, one);
  const __m256i k_r = Pairs(298, 409), k_gc = Pairs(298, -100), k_ge = Pairs(-208, 128),
                k_b = Pairs(298, 516), round = _mm256_set1_epi32(128);
  auto shift_pack = [](__m256i lo, __m256i hi) {
    return _mm256_packs_epi32(_mm256_srai_epi32(lo, 8), _mm256_srai_epi32(hi, 8));
  };
  Rgb16 out;
  out.r = shift_pack(_mm256_add_epi32(_mm256_madd_epi16(ce_lo, k_r), round),
                     _mm256_add_epi32(_mm256_madd_epi16(ce_hi, k_r), round));
  out.g = shift_pack(
      _mm256_add_epi32(_mm256_madd_epi16(cd_lo, k_gc), _mm256_madd_epi16(e1_lo, k_ge)),
      _mm256_add_epi32(_mm256_madd_epi16(cd_hi, k_gc), _mm256_madd_epi16(e1_hi, k_ge)));
  out.b = shift_pack(_mm256_add_epi32(_mm256_madd_epi16(cd_lo, k_b), round),
                     _mm256_add_epi32(_mm256_madd_epi16(cd_hi, k_b), round));
  return out;
}

// Clamps two 16-pixel halves to bytes in pixel order: packus works per
// 128-bit lane (a0-7 b16-23 | a8-15 b24-31), the permute restores the order.
inline __m256i PackBytes(__m256i a, __m256i b) {
  return _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xD8);
}

}  // namespace

void YuyvToRgbRowAvx2U32(size_t width, const uint8_t* yuyv, uint8_t* rgb) {
  size_t i = 0;
  for (; i + 32 <= width; i += 32) {
    const uint8_t* src = yuyv + 2 * i;
    const Rgb16 a = Convert16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
    const Rgb16 b = Convert16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 32)));
    const __m256i r = PackBytes(a.r, b.r), g = PackBytes(a.g, b.g), bl = PackBytes(a.b, b.b);
    x86::StoreRgb16(_mm256_castsi256_si128(r), _mm256_castsi256_si128(g),
                    _mm256_castsi256_si128(bl), rgb + 3 * i);
    x86::StoreRgb16(_mm256_extracti128_si256(r, 1), _mm256_extracti128_si256(g, 1),
                    _mm256_extracti128_si256(bl, 1), rgb + 3 * i + 48);
  }
  YuyvRowTail(i, width, yuyv, rgb);
}

}  // namespace camera
}  // namespace lrp
