// The frame sources behind OpenFrameSource (frame_source.h), one factory per
// kind. Internal to ports/camera: the demo and the tests go through
// OpenFrameSource, which picks among these.
#ifndef LRP_PORTS_CAMERA_SOURCES_H_
#define LRP_PORTS_CAMERA_SOURCES_H_

#include <cstddef>
#include <memory>
#include <string>

#include "lrp/status.h"
#include "ports/camera/frame_source.h"

namespace lrp {
namespace camera {

// Caps of the image sources, which decode everything when opened (image
// sizes themselves are capped by tools/io/image.h): enough for a demo
// slide show, small enough for a Raspberry Pi's memory.
constexpr size_t kMaxDirectoryImages = 1000;
constexpr size_t kMaxDecodedImageBytes = size_t{256} << 20;  // all images, as RGB

// One image file, delivered on every Next(). image_sources.cc.
Status OpenImageFile(const std::string& path, std::unique_ptr<FrameSource>* source);

// The image files of a directory, delivered in byte-wise sorted name order
// and then again from the first. Files whose name ends in an image
// extension (.png .jpg .jpeg .bmp .gif .ppm .pgm .pnm .tga .psd .hdr .pic,
// any case) are images; hidden files, subdirectories and other files are
// ignored. An image file that cannot be decoded fails the open with a
// message naming it (a broken slide show should be fixed, not silently
// shortened); so does a directory without images. image_sources.cc.
Status OpenImageDirectory(const std::string& path, std::unique_ptr<FrameSource>* source);

// A V4L2 capture device. v4l2_source.cc on Linux; elsewhere kUnsupported.
Status OpenV4l2Camera(const std::string& path, int width, int height,
                      std::unique_ptr<FrameSource>* source);

}  // namespace camera
}  // namespace lrp

#endif  // LRP_PORTS_CAMERA_SOURCES_H_
