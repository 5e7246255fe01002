// One pixel of the YUYV to RGB conversion (the formula in yuyv_to_rgb.h):
// the reference loop is built from it, and the SIMD variants use it for
// the pixels after their last full vector, so tails round like the
// reference by construction.
#ifndef LRP_PORTS_CAMERA_YUYV_PIXEL_H_
#define LRP_PORTS_CAMERA_YUYV_PIXEL_H_

#include <cstddef>
#include <cstdint>

namespace lrp {
namespace camera {

inline uint8_t ClampToByte(int v) {
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// >> on a negative int is an arithmetic shift in GCC and Clang (and in
// C++20), which is the floor the SIMD variants' shifts compute.
inline void YuyvPixelToRgb(int y, int u, int v, uint8_t* rgb) {
  const int c = y - 16, d = u - 128, e = v - 128;
  rgb[0] = ClampToByte((298 * c + 409 * e + 128) >> 8);
  rgb[1] = ClampToByte((298 * c - 100 * d - 208 * e + 128) >> 8);
  rgb[2] = ClampToByte((298 * c + 516 * d + 128) >> 8);
}

// Pixels [first, width) of a row: the reference loop and the variants' tail.
inline void YuyvRowTail(size_t first, size_t width, const uint8_t* yuyv, uint8_t* rgb) {
  for (size_t i = first; i < width; ++i) {
    const uint8_t* m = yuyv + (i / 2) * 4;  // the macropixel holding pixel i
    YuyvPixelToRgb(m[(i & 1) * 2], m[1], m[3], rgb + i * 3);
  }
}

}  // namespace camera
}  // namespace lrp

#endif  // LRP_PORTS_CAMERA_YUYV_PIXEL_H_
