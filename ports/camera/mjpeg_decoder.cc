// stb_image decodes MJPEG frames. Debian's libstb compiles the
// implementation, so the header here is declarations only.
#include "ports/camera/mjpeg_decoder.h"

#include <stb/stb_image.h>

#include <climits>
#include <cstring>
#include <string>

#include "ports/camera/jpeg_huffman.h"

namespace lrp {
namespace camera {

Status DecodeMjpegFrame(const uint8_t* data, size_t size, std::vector<uint8_t>* scratch,
                        RgbFrame* frame) {
  size_t sos_offset = 0;
  if (FindMissingHuffmanTables(data, size, &sos_offset)) {
    InsertDefaultHuffmanTables(data, size, sos_offset, scratch);
    data = scratch->data();
    size = scratch->size();
  }
  if (size == 0 || size > static_cast<size_t>(INT_MAX)) {
    return Status(StatusCode::kInvalidArgument,
                  "MJPEG frame of " + std::to_string(size) + " bytes");
  }
  const int length = static_cast<int>(size);
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(data, length, &width, &height, &channels)) {
    return Status(StatusCode::kInvalidArgument,
                  std::string("MJPEG frame: not a JPEG image (") + stbi_failure_reason() + ")");
  }
  const size_t bytes = static_cast<size_t>(width) * static_cast<size_t>(height) * 3;
  if (frame->pixels == nullptr || bytes > frame->capacity) {
    return Status(StatusCode::kInvalidArgument,
                  "MJPEG frame is " + std::to_string(width) + "x" + std::to_string(height) +
                      " and needs " + std::to_string(bytes) + " bytes; the frame buffer holds " +
                      std::to_string(frame->pixels == nullptr ? 0 : frame->capacity));
  }
  int decoded_width = 0, decoded_height = 0;
  stbi_uc* rgb = stbi_load_from_memory(data, length, &decoded_width, &decoded_height, &channels, 3);
  if (rgb == nullptr) {
    return Status(StatusCode::kInvalidArgument,
                  std::string("MJPEG frame: cannot decode (") + stbi_failure_reason() + ")");
  }
  // The header was read twice from the same bytes; a mismatch would be an
  // stb bug, but the copy must never trust it.
  if (decoded_width != width || decoded_height != height) {
    stbi_image_free(rgb);
    return Status(StatusCode::kInternal, "MJPEG frame: header and decoded size disagree");
  }
  std::memcpy(frame->pixels, rgb, bytes);
  stbi_image_free(rgb);
  frame->width = width;
  frame->height = height;
  return Status::Ok();
}

}  // namespace camera
}  // namespace lrp
