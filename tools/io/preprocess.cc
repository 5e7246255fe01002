#include "tools/io/preprocess.h"

#include <stb/stb_image_resize.h>

#include <string>
#include <utility>

#include "tools/io/npy_layout.h"

namespace lrp {
namespace io {
namespace {

Status Invalid(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }

// The i-th of `count` per-channel values, one value meaning "all channels".
float PerChannel(const std::vector<float>& v, size_t c, float fallback) {
  if (v.empty()) return fallback;
  return v.size() == 1 ? v[0] : v[c];
}

// Prefixes a message with the file it is about.
Status InFile(const std::string& path, const Status& s) {
  return s.ok() ? s : Status(s.code(), path + ": " + s.message());
}

}  // namespace

uint8_t GrayValue(const uint8_t* px, int channels) {
  if (channels < 3) return px[0];
  // Integer weights of 0.299, 0.587, 0.114 scaled by 2^16 (they sum to
  // exactly 2^16, so white stays 255), rounded.
  const uint32_t y = 19595u * px[0] + 38470u * px[1] + 7471u * px[2] + 32768u;
  return static_cast<uint8_t>(y >> 16);
}

Status CheckImageModel(const Model& model) {
  const Shape& s = model.input_shape();
  if (s.rank != 3 || (s.dims[2] != 1 && s.dims[2] != 3)) {
    return Invalid("this model's input " + s.ToString() +
                   " is not an image; images need an input [H, W, 1] or [H, W, 3]");
  }
  return Status::Ok();
}

Status FitImage(const Image& image, int width, int height, int channels, Image* out) {
  if (image.width <= 0 || image.height <= 0 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels) {
    return Invalid("malformed image buffer");
  }
  if (channels != 1 && channels != 3) return Invalid("images convert to 1 or 3 channels");
  // Channels first, at the source size, so the resize filters final values.
  Image converted;
  converted.width = image.width;
  converted.height = image.height;
  converted.channels = channels;
  const size_t n = static_cast<size_t>(image.width) * image.height;
  converted.pixels.resize(n * channels);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* px = &image.pixels[i * image.channels];
    uint8_t* dst = &converted.pixels[i * channels];
    if (channels == 1) {
      dst[0] = GrayValue(px, image.channels);
    } else {
      const bool color = image.channels >= 3;
      for (int c = 0; c < 3; ++c) dst[c] = color ? px[c] : px[0];
    }
  }
  if (image.width == width && image.height == height) {
    *out = std::move(converted);
    return Status::Ok();
  }
  out->width = width;
  out->height = height;
  out->channels = channels;
  out->pixels.assign(static_cast<size_t>(width) * height * channels, 0);
  if (!stbir_resize_uint8(converted.pixels.data(), converted.width, converted.height, 0,
                          out->pixels.data(), width, height, 0, channels)) {
    return Status(StatusCode::kInternal, "image resize failed");
  }
  return Status::Ok();
}

void PixelsToModelInput(const uint8_t* pixels, const Model& model, float* nhwc) {
  const Shape& s = model.input_shape();
  const size_t channels = s.dims[2];
  const size_t n = static_cast<size_t>(s.dims[0]) * s.dims[1];
  const InputDesc& desc = model.input_desc();
  for (size_t c = 0; c < channels; ++c) {
    const float mean = PerChannel(desc.mean, c, 0.0f);
    const float inv_std = 1.0f / PerChannel(desc.std, c, 1.0f);
    for (size_t i = 0; i < n; ++i) {
      const float x = pixels[i * channels + c] * (1.0f / 255.0f);
      nhwc[i * channels + c] = (x - mean) * inv_std;
    }
  }
}

Status ImageToModelInput(const Image& image, const Model& model, std::vector<float>* nhwc,
                         Image* fitted) {
  LRP_RETURN_IF_ERROR(CheckImageModel(model));
  const Shape& s = model.input_shape();
  Image local;
  Image* target = fitted != nullptr ? fitted : &local;
  LRP_RETURN_IF_ERROR(FitImage(image, s.dims[1], s.dims[0], s.dims[2], target));
  nhwc->resize(s.elements());
  PixelsToModelInput(target->pixels.data(), model, nhwc->data());
  return Status::Ok();
}

Status ReadModelInput(const std::string& path, const Model& model, ModelInput* out) {
  InputFileKind kind = InputFileKind::kNpy;
  LRP_RETURN_IF_ERROR(DetectInputKind(path, &kind));
  if (kind == InputFileKind::kUnknown) {
    return Status(StatusCode::kInvalidArgument,
                  path +
                      ": not a .npy file or an image (PNG, JPEG, BMP, GIF, PSD, HDR, PIC, "
                      "binary PGM/PPM, *.tga)");
  }
  out->is_image = kind == InputFileKind::kImage;
  if (!out->is_image) {
    LRP_RETURN_IF_ERROR(ReadNpy(path, &out->array));
    return InFile(path, ToRuntimeLayout(out->array, model, &out->nhwc));
  }
  // The model first: no point decoding a picture it cannot take.
  Status s = CheckImageModel(model);
  if (!s.ok()) {
    return Status(s.code(), path + ": an image was given, but " + s.message() +
                                "; give a .npy array instead");
  }
  Image image;
  LRP_RETURN_IF_ERROR(ReadImage(path, &image));
  out->image_width = image.width;
  out->image_height = image.height;
  out->image_channels = image.channels;
  return InFile(path, ImageToModelInput(image, model, &out->nhwc, &out->fitted));
}

}  // namespace io
}  // namespace lrp
