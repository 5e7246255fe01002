// OpenFrameSource: the one entry point of ports/camera.
#include "ports/camera/frame_source.h"
#include "ports/camera/sources.h"

namespace lrp {
namespace camera {

Status OpenFrameSource(const FrameSourceOptions& options, std::unique_ptr<FrameSource>* source) {
  source->reset();
  if (options.path.empty()) {
    return Status(StatusCode::kInvalidArgument, "frame source: no path given");
  }
  switch (options.kind) {
    case FrameSourceOptions::Kind::kCamera:
      if (options.width <= 0 || options.height <= 0) {
        return Status(StatusCode::kInvalidArgument,
                      options.path + ": camera size " + std::to_string(options.width) + "x" +
                          std::to_string(options.height) + " is not positive");
      }
      return OpenV4l2Camera(options.path, options.width, options.height, source);
    case FrameSourceOptions::Kind::kImageDirectory:
      return OpenImageDirectory(options.path, source);
    case FrameSourceOptions::Kind::kImageFile:
      return OpenImageFile(options.path, source);
  }
  return Status(StatusCode::kInvalidArgument, options.path + ": unknown frame source kind");
}

}  // namespace camera
}  // namespace lrp
