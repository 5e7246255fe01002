// Brings a camera or image frame (packed RGB, any size) to the model's input
// size and channel count without allocating, for the demo's frame loop.
//
// Each output pixel is the mean of the source pixels its box covers (an
// area filter: camera frames are shrunk a lot, e.g. 640x480 to 28x28, where
// sampling single pixels would alias); when enlarging, the box is one pixel
// (nearest neighbour). Gray output is the BT.601 luma of the mean colour
// (io::GrayValue), as the image files' path does.
#ifndef LRP_TOOLS_DEMO_FIT_FRAME_H_
#define LRP_TOOLS_DEMO_FIT_FRAME_H_

#include <cstdint>

namespace lrp {
namespace demo {

// `rgb` holds width x height x 3 bytes; `out` receives out_width x
// out_height x out_channels (1 or 3) bytes. All sizes positive.
void FitFrame(const uint8_t* rgb, int width, int height, int out_width, int out_height,
              int out_channels, uint8_t* out);

}  // namespace demo
}  // namespace lrp

#endif  // LRP_TOOLS_DEMO_FIT_FRAME_H_
