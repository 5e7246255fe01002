// Builds without V4L2 (not Linux): a camera is a clear error, the image
// sources still work.
#include "ports/camera/sources.h"

namespace lrp {
namespace camera {

Status OpenV4l2Camera(const std::string& path, int /*width*/, int /*height*/,
                      std::unique_ptr<FrameSource>* source) {
  source->reset();
  return Status(StatusCode::kUnsupported,
                path + ": cameras need V4L2, which this build (not Linux) does not have");
}

}  // namespace camera
}  // namespace lrp
