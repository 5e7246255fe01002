// MJPEG camera frames (V4L2_PIX_FMT_MJPEG: each frame one JPEG image) to
// packed RGB, with stb_image.
//
// Memory: stb_image allocates its decoder state and the decoded image on
// every call and frees them before returning, so an MJPEG camera allocates
// per frame (inside stb). YUYV cameras and the image sources do not.
#ifndef LRP_PORTS_CAMERA_MJPEG_DECODER_H_
#define LRP_PORTS_CAMERA_MJPEG_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lrp/status.h"
#include "ports/camera/frame_source.h"

namespace lrp {
namespace camera {

// Decodes the JPEG in data[0, size) into *frame (width, height, pixels;
// the sequence is the caller's). A frame whose header announces more pixels
// than frame->capacity holds is refused before anything is decoded; a
// corrupt frame is a one-line Status (cameras do deliver those). A frame
// without Huffman tables (common from UVC webcams) gets the JPEG standard's
// (jpeg_huffman.h), assembled in *scratch: reserve it for the largest frame
// plus DefaultHuffmanSegmentBytes() and it never reallocates.
Status DecodeMjpegFrame(const uint8_t* data, size_t size, std::vector<uint8_t>* scratch,
                        RgbFrame* frame);

}  // namespace camera
}  // namespace lrp

#endif  // LRP_PORTS_CAMERA_MJPEG_DECODER_H_
