// The ISA variants of the YUYV to RGB row kernel (yuyv_to_rgb.h). Each is
// compiled with its ISA's flags, so only yuyv_select.cc may hand one out,
// and only after cpuinfo has confirmed the CPU runs it. The suffix is the
// pixels per main-loop step; the scalar reference finishes the rest.
#ifndef LRP_PORTS_CAMERA_YUYV_VARIANTS_H_
#define LRP_PORTS_CAMERA_YUYV_VARIANTS_H_

#include <cstddef>
#include <cstdint>

namespace lrp {
namespace camera {

void YuyvToRgbRowScalar(size_t width, const uint8_t* yuyv, uint8_t* rgb);
void YuyvToRgbRowSse2U16(size_t width, const uint8_t* yuyv, uint8_t* rgb);  // x86/
void YuyvToRgbRowAvx2U32(size_t width, const uint8_t* yuyv, uint8_t* rgb);  // x86/
void YuyvToRgbRowNeonU16(size_t width, const uint8_t* yuyv, uint8_t* rgb);  // neon/

}  // namespace camera
}  // namespace lrp

#endif  // LRP_PORTS_CAMERA_YUYV_VARIANTS_H_
