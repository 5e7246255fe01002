// The image sources: one file, or a directory cycled in name order. Every
// image is decoded when the source is opened, into one RGB buffer, so Next()
// is a bounds check and a memcpy: no file access, no decoding, no
// allocation, and a broken file is reported before the demo starts.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "ports/camera/sources.h"
#include "tools/io/image.h"

namespace lrp {
namespace camera {
namespace {

namespace fs = std::filesystem;

struct StoredImage {
  std::string path;
  int width = 0;
  int height = 0;
  size_t offset = 0;  // into ImageSetSource::pixels_
  size_t bytes() const { return static_cast<size_t>(width) * static_cast<size_t>(height) * 3; }
};

class ImageSetSource final : public FrameSource {
 public:
  ImageSetSource(std::string description, std::vector<StoredImage> images,
                 std::vector<uint8_t> pixels)
      : description_(std::move(description)),
        images_(std::move(images)),
        pixels_(std::move(pixels)) {
    for (const StoredImage& image : images_) {
      max_width_ = std::max(max_width_, image.width);
      max_height_ = std::max(max_height_, image.height);
    }
  }

  int max_width() const override { return max_width_; }
  int max_height() const override { return max_height_; }
  std::string Describe() const override { return description_; }

  Status Next(RgbFrame* frame) override {
    const StoredImage& image = images_[next_];
    if (frame == nullptr || frame->pixels == nullptr || frame->capacity < image.bytes()) {
      return Status(StatusCode::kInvalidArgument,
                    image.path + " is " + std::to_string(image.width) + "x" +
                        std::to_string(image.height) + " and needs " +
                        std::to_string(image.bytes()) + " bytes; the frame buffer holds " +
                        std::to_string(frame == nullptr || frame->pixels == nullptr
                                           ? 0
                                           : frame->capacity));
    }
    std::memcpy(frame->pixels, pixels_.data() + image.offset, image.bytes());
    frame->width = image.width;
    frame->height = image.height;
    frame->sequence = ++delivered_;
    next_ = next_ + 1 == images_.size() ? 0 : next_ + 1;
    return Status::Ok();
  }

 private:
  const std::string description_;
  const std::vector<StoredImage> images_;  // never empty
  const std::vector<uint8_t> pixels_;
  int max_width_ = 0;
  int max_height_ = 0;
  size_t next_ = 0;
  uint64_t delivered_ = 0;
};

// Gray, gray + alpha, RGB or RGBA -> RGB (alpha dropped: the demo shows
// what the camera would see, and the model takes RGB).
void CopyAsRgb(const io::Image& image, uint8_t* rgb) {
  const size_t pixels = static_cast<size_t>(image.width) * static_cast<size_t>(image.height);
  const int channels = image.channels;
  const uint8_t* src = image.pixels.data();
  for (size_t i = 0; i < pixels; ++i, src += channels, rgb += 3) {
    if (channels >= 3) {
      rgb[0] = src[0];
      rgb[1] = src[1];
      rgb[2] = src[2];
    } else {
      rgb[0] = rgb[1] = rgb[2] = src[0];
    }
  }
}

// Decodes `path` and appends it to *images and *pixels, whose total is
// capped at kMaxDecodedImageBytes.
Status DecodeInto(const std::string& path, std::vector<StoredImage>* images,
                  std::vector<uint8_t>* pixels) {
  io::Image image;
  LRP_RETURN_IF_ERROR(io::ReadImage(path, &image));  // its messages start with the path
  StoredImage stored;
  stored.path = path;
  stored.width = image.width;
  stored.height = image.height;
  stored.offset = pixels->size();
  if (stored.offset + stored.bytes() > kMaxDecodedImageBytes) {
    return Status(StatusCode::kInvalidArgument,
                  path + ": the images up to this one decode to more than " +
                      std::to_string(kMaxDecodedImageBytes >> 20) +
                      " MiB of RGB, the limit of an image source");
  }
  pixels->resize(stored.offset + stored.bytes());
  CopyAsRgb(image, pixels->data() + stored.offset);
  images->push_back(std::move(stored));
  return Status::Ok();
}

bool HasImageExtension(const std::string& name) {
  static const char* const kExtensions[] = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm",
                                            ".pgm", ".pnm", ".tga",  ".psd", ".hdr", ".pic"};
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string extension = name.substr(dot);
  for (char& c : extension) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (const char* known : kExtensions) {
    if (extension == known) return true;
  }
  return false;
}

}  // namespace

Status OpenImageFile(const std::string& path, std::unique_ptr<FrameSource>* source) {
  std::vector<StoredImage> images;
  std::vector<uint8_t> pixels;
  LRP_RETURN_IF_ERROR(DecodeInto(path, &images, &pixels));
  const std::string description =
      path + " " + std::to_string(images[0].width) + "x" + std::to_string(images[0].height);
  *source = std::make_unique<ImageSetSource>(description, std::move(images), std::move(pixels));
  return Status::Ok();
}

Status OpenImageDirectory(const std::string& path, std::unique_ptr<FrameSource>* source) {
  std::error_code error;
  if (!fs::is_directory(path, error)) {
    return Status(StatusCode::kIoError,
                  path + (fs::exists(path, error) ? ": not a directory" : ": no such directory"));
  }
  std::vector<std::string> files;
  fs::directory_iterator it(path, error);
  if (error) return Status(StatusCode::kIoError, path + ": cannot list: " + error.message());
  for (; it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || !HasImageExtension(name)) continue;
    std::error_code type_error;
    if (!it->is_regular_file(type_error)) continue;  // also follows symlinks
    files.push_back(it->path().string());
  }
  if (error) return Status(StatusCode::kIoError, path + ": cannot list: " + error.message());
  if (files.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  path + ": no image files (.png, .jpg, .bmp, ...) in the directory");
  }
  if (files.size() > kMaxDirectoryImages) {
    return Status(StatusCode::kInvalidArgument,
                  path + ": " + std::to_string(files.size()) + " images; an image directory holds " +
                      "at most " + std::to_string(kMaxDirectoryImages));
  }
  std::sort(files.begin(), files.end());
  std::vector<StoredImage> images;
  std::vector<uint8_t> pixels;
  images.reserve(files.size());
  for (const std::string& file : files) LRP_RETURN_IF_ERROR(DecodeInto(file, &images, &pixels));
  pixels.shrink_to_fit();
  const std::string description =
      path + " (" + std::to_string(images.size()) + (images.size() == 1 ? " image)" : " images)");
  *source = std::make_unique<ImageSetSource>(description, std::move(images), std::move(pixels));
  return Status::Ok();
}

}  // namespace camera
}  // namespace lrp
