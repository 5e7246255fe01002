// Where the on-device demo's frames come from: a V4L2 camera, a directory
// of images cycled in order, or one image, behind one interface.
//
// The demo allocates its frame buffers once, at start, from the largest
// frame a source can produce (max_width x max_height, fixed when the source
// is opened); Next() then writes into those buffers and, after its first
// call, allocates nothing of its own.
#ifndef LRP_PORTS_CAMERA_FRAME_SOURCE_H_
#define LRP_PORTS_CAMERA_FRAME_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "lrp/status.h"

namespace lrp {
namespace camera {

// One frame as packed 8-bit RGB, rows top to bottom, no row padding. The
// caller owns `pixels` (`capacity` bytes); Next() sets width and height.
struct RgbFrame {
  uint8_t* pixels = nullptr;
  size_t capacity = 0;
  int width = 0;
  int height = 0;
  uint64_t sequence = 0;  // counts the frames a source has delivered, from 1
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;

  // The largest frame Next() can deliver.
  virtual int max_width() const = 0;
  virtual int max_height() const = 0;

  // Waits for the next frame and writes it into *frame. Errors (a camera
  // unplugged, a frame that does not fit `capacity`) are a one-line Status.
  virtual Status Next(RgbFrame* frame) = 0;

  // For people: "/dev/video0 640x480 YUYV", "examples/images (10 images)".
  virtual std::string Describe() const = 0;
};

struct FrameSourceOptions {
  enum class Kind { kCamera, kImageDirectory, kImageFile };
  Kind kind = Kind::kImageFile;
  std::string path;  // the device, the directory or the file
  // Camera only: the size asked of the driver (it may choose another).
  int width = 640;
  int height = 480;
};

// Opens the source `options` describes; messages name the path.
Status OpenFrameSource(const FrameSourceOptions& options, std::unique_ptr<FrameSource>* source);

}  // namespace camera
}  // namespace lrp

#endif  // LRP_PORTS_CAMERA_FRAME_SOURCE_H_
