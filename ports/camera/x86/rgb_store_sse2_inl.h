// Stores 16 pixels held as three planes (R, G and B, 16 bytes each) as 48
// bytes of packed RGB, with SSE2 only (no pshufb): shared by the SSE2 and
// AVX2 YUYV kernels, so include it only from .cc files compiled with at
// least -msse2.
#ifndef LRP_PORTS_CAMERA_X86_RGB_STORE_SSE2_INL_H_
#define LRP_PORTS_CAMERA_X86_RGB_STORE_SSE2_INL_H_

#include <emmintrin.h>

#include <cstdint>

namespace lrp {
namespace camera {
namespace x86 {

// Four pixels as 32-bit lanes R G B 0 -> their 12 RGB bytes in bytes 0..11
// (bytes 12..15 zero).
inline __m128i PackRgb0x4(__m128i rgb0) {
  const __m128i low32 = _mm_set_epi32(0, -1, 0, -1);
  // Pixels 0 and 2 stay at bits 0..23 of their 64-bit half; pixels 1 and 3
  // move from bits 32..55 down to 24..47, so each half holds 6 bytes.
  const __m128i even = _mm_and_si128(rgb0, low32);
  const __m128i odd = _mm_srli_epi64(_mm_andnot_si128(low32, rgb0), 8);
  const __m128i halves = _mm_or_si128(even, odd);
  // The high half's 6 bytes follow the low half's.
  return _mm_or_si128(_mm_move_epi64(halves), _mm_slli_si128(_mm_srli_si128(halves, 8), 6));
}

inline void StoreRgb16(__m128i r, __m128i g, __m128i b, uint8_t* out) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i rg_lo = _mm_unpacklo_epi8(r, g), rg_hi = _mm_unpackhi_epi8(r, g);
  const __m128i b0_lo = _mm_unpacklo_epi8(b, zero), b0_hi = _mm_unpackhi_epi8(b, zero);
  const __m128i q0 = PackRgb0x4(_mm_unpacklo_epi16(rg_lo, b0_lo));  // pixels 0..3
  const __m128i q1 = PackRgb0x4(_mm_unpackhi_epi16(rg_lo, b0_lo));  // 4..7
  const __m128i q2 = PackRgb0x4(_mm_unpacklo_epi16(rg_hi, b0_hi));  // 8..11
  const __m128i q3 = PackRgb0x4(_mm_unpackhi_epi16(rg_hi, b0_hi));  // 12..15
  __m128i* dst = reinterpret_cast<__m128i*>(out);
  _mm_storeu_si128(dst + 0, _mm_or_si128(q0, _mm_slli_si128(q1, 12)));
  _mm_storeu_si128(dst + 1, _mm_or_si128(_mm_srli_si128(q1, 4), _mm_slli_si128(q2, 8)));
  _mm_storeu_si128(dst + 2, _mm_or_si128(_mm_srli_si128(q2, 8), _mm_slli_si128(q3, 4)));
}

}  // namespace x86
}  // namespace camera
}  // namespace lrp

#endif  // LRP_PORTS_CAMERA_X86_RGB_STORE_SSE2_INL_H_
