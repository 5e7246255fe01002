// YUYV (YUV 4:2:2, V4L2_PIX_FMT_YUYV) to packed RGB, the conversion behind
// every frame a YUYV camera delivers.
//
// The colour math is BT.601 limited range ("studio swing": Y in [16, 235],
// U and V in [16, 240]) in integers, as V4L2 webcams produce it:
//   C = Y - 16, D = U - 128, E = V - 128
//   R = clamp((298 C + 409 E + 128) >> 8)
//   G = clamp((298 C - 100 D - 208 E + 128) >> 8)
//   B = clamp((298 C + 516 D + 128) >> 8)
// where >> is an arithmetic (flooring) shift and clamp limits to [0, 255].
// Integer math has one exact answer, so every variant matches the scalar
// reference byte for byte.
//
// Variants follow ports/kernels.h: scalar reference first, ISA variants
// compiled with their own flags and handed out only once cpuinfo has
// vouched for the CPU.
#ifndef LRP_PORTS_CAMERA_YUYV_TO_RGB_H_
#define LRP_PORTS_CAMERA_YUYV_TO_RGB_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lrp {
namespace camera {

// Converts one row of `width` pixels. `yuyv` holds (width + 1) / 2
// macropixels of 4 bytes (Y0 U Y1 V, two pixels sharing U and V; an odd
// width ignores the last Y1); `rgb` receives width * 3 bytes. Pointers need
// no alignment; nothing is read or written past those lengths. Allocates
// nothing.
using YuyvToRgbRowFn = void (*)(size_t width, const uint8_t* yuyv, uint8_t* rgb);

struct YuyvToRgbKernel {
  const char* isa;  // "scalar", "sse2", "avx2", "neon"
  YuyvToRgbRowFn row;
};

// The plain C++ reference.
const YuyvToRgbKernel& ScalarYuyvToRgb();
// Every variant compiled in and supported by this CPU, scalar first and
// fastest last.
std::vector<const YuyvToRgbKernel*> SupportedYuyvToRgb();
// The supported variant named `isa`, else (also for null) the fastest.
const YuyvToRgbKernel& SelectYuyvToRgb(const char* isa);
// SelectYuyvToRgb(getenv("LRP_ISA")), resolved once; allocates nothing
// after its first call.
const YuyvToRgbKernel& BestYuyvToRgb();

// Converts a whole frame whose rows start `stride` bytes apart (V4L2's
// bytesperline, at least (width + 1) / 2 * 4) into width * 3 * height bytes
// of unpadded RGB.
void ConvertYuyvFrame(const YuyvToRgbKernel& kernel, int width, int height, const uint8_t* yuyv,
                      size_t stride, uint8_t* rgb);

}  // namespace camera
}  // namespace lrp

#endif  // LRP_PORTS_CAMERA_YUYV_TO_RGB_H_
