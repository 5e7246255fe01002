// Image files as model inputs: decoding with stb_image, and telling an image
// from a .npy array.
//
// Formats: whatever Debian's stb_image reads, recognized by their signature:
// PNG (8 and 16 bit; 16-bit samples are reduced to 8 bit), JPEG (baseline
// and progressive), BMP, GIF (the first frame), PSD (the composite), HDR
// (tone-mapped to 8 bit), PIC, and binary PGM/PPM (P5/P6). TGA has no
// signature, so it is read only from files named *.tga.
//
// The files are untrusted. ReadImage caps the file at kMaxImageFileBytes and
// reads the dimensions from the header before anything is decoded: an image
// wider or taller than kMaxImageDim or with more than kMaxImagePixels pixels
// is refused, so a small file cannot claim gigabytes of pixels. Every other
// failure (no known signature, a truncated or corrupt file) is a one-line
// Status naming the file; nothing here crashes or reads out of bounds.
#ifndef LRP_TOOLS_IO_IMAGE_H_
#define LRP_TOOLS_IO_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lrp/status.h"

namespace lrp {
namespace io {

// 8-bit pixels, rows top to bottom, channels interleaved: 1 gray, 2 gray +
// alpha, 3 RGB, 4 RGBA.
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // width * height * channels
};

// Far beyond any network input, and small enough that the decoded pixels
// (at most 4 bytes each, 128 MiB) and stb's int arithmetic stay in bounds.
constexpr size_t kMaxImageFileBytes = size_t{64} << 20;
constexpr int kMaxImageDim = 16384;
constexpr int64_t kMaxImagePixels = int64_t{1} << 25;

enum class ImageFormat : uint8_t {
  kUnknown,
  kPng,
  kJpeg,
  kBmp,
  kGif,
  kPsd,
  kHdr,
  kPic,
  kPnm,
  kTga
};

// "PNG", "JPEG", ..., "unknown".
const char* ImageFormatName(ImageFormat format);

// The format announced by the first bytes of a file (never kTga: TGA has no
// signature).
ImageFormat SniffImageFormat(const uint8_t* bytes, size_t size);

// Decodes an image held in memory. `allow_tga` accepts data without a known
// signature as TGA. Messages do not name a file.
Status DecodeImage(const uint8_t* bytes, size_t size, bool allow_tga, Image* out);

// Reads and decodes the image file at `path`; every message starts with it.
Status ReadImage(const std::string& path, Image* out);

enum class InputFileKind : uint8_t { kNpy, kImage, kUnknown };

// What an --input file holds, from its first bytes: a .npy array if it
// starts with NumPy's magic ("\x93NUMPY") or is named *.npy (so a damaged
// array is reported by the .npy reader), an image if it starts with an
// image signature or is named *.tga, kUnknown otherwise. Fails if the file
// cannot be opened, is not a regular file or is empty.
Status DetectInputKind(const std::string& path, InputFileKind* kind);

}  // namespace io
}  // namespace lrp

#endif  // LRP_TOOLS_IO_IMAGE_H_
