#include "tools/render/overlay.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/io/preprocess.h"

namespace lrp {
namespace render {
namespace {

Status Invalid(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }

std::string Size(size_t width, size_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

}  // namespace

Status RenderOverlay(const io::Image& picture, const std::vector<double>& map,
                     const RgbImage& heatmap, RgbImage* out) {
  if (picture.width <= 0 || picture.height <= 0 || picture.channels < 1 || picture.channels > 4 ||
      picture.pixels.size() !=
          static_cast<size_t>(picture.width) * picture.height * picture.channels) {
    return Invalid("overlay: malformed picture");
  }
  const size_t w = static_cast<size_t>(picture.width), h = static_cast<size_t>(picture.height);
  if (map.size() != w * h) {
    return Invalid("overlay: the relevance map has " + std::to_string(map.size()) +
                   " values, the picture " + Size(w, h) + " pixels");
  }
  if (heatmap.pixels.size() != heatmap.width * heatmap.height * 3 || heatmap.width == 0 ||
      heatmap.width % w != 0 || heatmap.height % h != 0 ||
      heatmap.width / w != heatmap.height / h) {
    return Invalid("overlay: a " + Size(heatmap.width, heatmap.height) +
                   " heatmap is not an integer upscale of the " + Size(w, h) + " picture");
  }
  const size_t scale = heatmap.width / w;

  double m = 0;
  for (double v : map) {
    if (!std::isfinite(v)) return Invalid("overlay: the relevance map holds NaN or infinity");
    m = std::fmax(m, std::fabs(v));
  }
  // Per input pixel: the picture's gray value and the heatmap's opacity,
  // kOverlayOpacity * |2t - 1| = kOverlayOpacity * |H| / m.
  std::vector<uint8_t> gray(w * h);
  std::vector<double> alpha(w * h, 0.0);
  for (size_t i = 0; i < w * h; ++i) {
    gray[i] = io::GrayValue(&picture.pixels[i * picture.channels], picture.channels);
    if (m > 0) alpha[i] = kOverlayOpacity * (std::fabs(map[i]) / m);
  }

  out->width = heatmap.width;
  out->height = heatmap.height;
  out->pixels.resize(heatmap.pixels.size());
  for (size_t y = 0; y < out->height; ++y) {
    for (size_t x = 0; x < out->width; ++x) {
      const size_t cell = (y / scale) * w + x / scale;
      const size_t p = (y * out->width + x) * 3;
      const double a = alpha[cell];
      for (size_t c = 0; c < 3; ++c) {
        const double v = (1.0 - a) * gray[cell] + a * heatmap.pixels[p + c];
        out->pixels[p + c] = static_cast<uint8_t>(std::lround(v));
      }
    }
  }
  return Status::Ok();
}

}  // namespace render
}  // namespace lrp
