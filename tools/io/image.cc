#include "tools/io/image.h"

#include "tools/io/file.h"

#include <stb/stb_image.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace lrp {
namespace io {
namespace {

Status Invalid(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }


struct StbiFree {
  void operator()(stbi_uc* p) const { stbi_image_free(p); }
};

bool StartsWith(const uint8_t* bytes, size_t size, const char* prefix, size_t n) {
  return size >= n && std::memcmp(bytes, prefix, n) == 0;
}

bool EndsWithLower(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = s[s.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

uint32_t BigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// stb's header probe gives up on PNG dimensions it cannot decode and then
// only says "unknown image type"; reading IHDR directly lets an absurd size
// be reported as such. False if the IHDR is not where PNG puts it.
bool PeekPngSize(const uint8_t* bytes, size_t size, uint32_t* width, uint32_t* height) {
  if (size < 24 || std::memcmp(bytes + 12, "IHDR", 4) != 0) return false;
  *width = BigEndian32(bytes + 16);
  *height = BigEndian32(bytes + 20);
  return true;
}

// The caps, checked on header dimensions before any pixel is decoded.
Status CheckSize(uint64_t width, uint64_t height) {
  if (width == 0 || height == 0) {
    return Invalid("image is " + std::to_string(width) + "x" + std::to_string(height) +
                   " pixels; it has no pixels");
  }
  if (width > static_cast<uint64_t>(kMaxImageDim) || height > static_cast<uint64_t>(kMaxImageDim) ||
      width * height > static_cast<uint64_t>(kMaxImagePixels)) {
    return Invalid("image is " + std::to_string(width) + "x" + std::to_string(height) +
                   " pixels; the limit is " + std::to_string(kMaxImageDim) + " pixels a side and " +
                   std::to_string(kMaxImagePixels) + " pixels in all");
  }
  return Status::Ok();
}

// The file cap, checked before a byte is read into memory.
Status CheckFileSize(size_t size) {
  if (size == 0) return Invalid("empty file, not an image");
  if (size > kMaxImageFileBytes) {
    return Invalid("file is " + std::to_string(size) + " bytes; images are limited to " +
                   std::to_string(kMaxImageFileBytes >> 20) + " MiB");
  }
  return Status::Ok();
}

}  // namespace

const char* ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kBmp:
      return "BMP";
    case ImageFormat::kGif:
      return "GIF";
    case ImageFormat::kPsd:
      return "PSD";
    case ImageFormat::kHdr:
      return "HDR";
    case ImageFormat::kPic:
      return "PIC";
    case ImageFormat::kPnm:
      return "PGM/PPM";
    case ImageFormat::kTga:
      return "TGA";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

ImageFormat SniffImageFormat(const uint8_t* bytes, size_t size) {
  if (StartsWith(bytes, size, "\x89PNG\r\n\x1a\n", 8)) return ImageFormat::kPng;
  if (StartsWith(bytes, size, "\xff\xd8\xff", 3)) return ImageFormat::kJpeg;
  if (StartsWith(bytes, size, "BM", 2)) return ImageFormat::kBmp;
  if (StartsWith(bytes, size, "GIF8", 4)) return ImageFormat::kGif;
  if (StartsWith(bytes, size, "8BPS", 4)) return ImageFormat::kPsd;
  if (StartsWith(bytes, size, "#?RADIANCE", 10) || StartsWith(bytes, size, "#?RGBE", 6)) {
    return ImageFormat::kHdr;
  }
  if (StartsWith(bytes, size, "\x53\x80\xf6\x34", 4)) return ImageFormat::kPic;
  // stb reads the binary variants only; ASCII P2/P3 fall through to unknown.
  if (StartsWith(bytes, size, "P5", 2) || StartsWith(bytes, size, "P6", 2)) {
    return ImageFormat::kPnm;
  }
  return ImageFormat::kUnknown;
}

Status DecodeImage(const uint8_t* bytes, size_t size, bool allow_tga, Image* out) {
  // stb takes an int length; the file cap keeps far below INT_MAX.
  LRP_RETURN_IF_ERROR(CheckFileSize(size));
  ImageFormat format = SniffImageFormat(bytes, size);
  if (format == ImageFormat::kUnknown) {
    if (!allow_tga) {
      return Invalid(
          "not an image, or an unsupported format (PNG, JPEG, BMP, GIF, PSD, HDR, PIC, "
          "binary PGM/PPM and *.tga files are read)");
    }
    format = ImageFormat::kTga;
  }
  const char* name = ImageFormatName(format);
  const int len = static_cast<int>(size);

  uint32_t png_w = 0, png_h = 0;
  if (format == ImageFormat::kPng && PeekPngSize(bytes, size, &png_w, &png_h)) {
    LRP_RETURN_IF_ERROR(CheckSize(png_w, png_h));
  }
  int w = 0, h = 0, n = 0;
  if (!stbi_info_from_memory(bytes, len, &w, &h, &n)) {
    // stb's reason is always "unknown image type" here, so it is left out.
    return Invalid(std::string("corrupt or truncated ") + name + " header");
  }
  LRP_RETURN_IF_ERROR(CheckSize(static_cast<uint64_t>(w), static_cast<uint64_t>(h)));

  int dw = 0, dh = 0, dn = 0;
  std::unique_ptr<stbi_uc, StbiFree> pixels(stbi_load_from_memory(bytes, len, &dw, &dh, &dn, 0));
  if (!pixels) {
    const char* why = stbi_failure_reason();
    return Invalid(std::string("corrupt or truncated ") + name +
                   " data (stb_image: " + (why != nullptr ? why : "no reason given") + ")");
  }
  // The decoder re-reads the header; it must agree with the checked one.
  if (dw != w || dh != h || dn < 1 || dn > 4) {
    return Invalid(std::string("corrupt ") + name + " file: the header says " + std::to_string(w) +
                   "x" + std::to_string(h) + ", the decoder gave " + std::to_string(dw) + "x" +
                   std::to_string(dh) + "x" + std::to_string(dn));
  }
  out->width = dw;
  out->height = dh;
  out->channels = dn;
  const size_t count = static_cast<size_t>(dw) * static_cast<size_t>(dh) * static_cast<size_t>(dn);
  out->pixels.assign(pixels.get(), pixels.get() + count);
  return Status::Ok();
}

Status ReadImage(const std::string& path, Image* out) {
  FilePtr f;
  uint64_t size = 0;
  LRP_RETURN_IF_ERROR(OpenRegularFile(path, &f, &size));
  Status s = CheckFileSize(static_cast<size_t>(size));
  std::vector<uint8_t> bytes;
  if (s.ok()) {
    LRP_RETURN_IF_ERROR(ReadAll(f.get(), path, size, &bytes));
    s = DecodeImage(bytes.data(), bytes.size(), EndsWithLower(path, ".tga"), out);
  }
  if (!s.ok()) return Status(s.code(), path + ": " + s.message());
  return Status::Ok();
}

Status DetectInputKind(const std::string& path, InputFileKind* kind) {
  FilePtr f;
  uint64_t size = 0;
  LRP_RETURN_IF_ERROR(OpenRegularFile(path, &f, &size));
  // Enough for every signature SniffImageFormat knows.
  uint8_t head[16] = {};
  const size_t got = std::fread(head, 1, sizeof(head), f.get());
  if (got == 0) return Invalid(path + ": empty file");
  if (StartsWith(head, got, "\x93NUMPY", 6) || EndsWithLower(path, ".npy")) {
    *kind = InputFileKind::kNpy;
  } else if (SniffImageFormat(head, got) != ImageFormat::kUnknown || EndsWithLower(path, ".tga")) {
    *kind = InputFileKind::kImage;
  } else {
    *kind = InputFileKind::kUnknown;
  }
  return Status::Ok();
}

}  // namespace io
}  // namespace lrp
