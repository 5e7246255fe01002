// A whole YUYV frame, row by row: V4L2 rows may be padded (bytesperline),
// the RGB frames the demo keeps are not.
#include "ports/camera/yuyv_to_rgb.h"

namespace lrp {
namespace camera {

void ConvertYuyvFrame(const YuyvToRgbKernel& kernel, int width, int height, const uint8_t* yuyv,
                      size_t stride, uint8_t* rgb) {
  const size_t row_bytes = static_cast<size_t>(width) * 3;
  for (int y = 0; y < height; ++y) {
    kernel.row(static_cast<size_t>(width), yuyv + static_cast<size_t>(y) * stride,
               rgb + static_cast<size_t>(y) * row_bytes);
  }
}

}  // namespace camera
}  // namespace lrp
