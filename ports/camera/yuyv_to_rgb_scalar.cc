// The reference YUYV to RGB row kernel, pixel by pixel.
#include "ports/camera/yuyv_pixel.h"
#include "ports/camera/yuyv_variants.h"

namespace lrp {
namespace camera {

void YuyvToRgbRowScalar(size_t width, const uint8_t* yuyv, uint8_t* rgb) {
  YuyvRowTail(0, width, yuyv, rgb);
}

}  // namespace camera
}  // namespace lrp
