#include "tools/render/render_into.h"

#include <algorithm>
#include <cmath>

#include "tools/io/preprocess.h"
#include "tools/render/overlay.h"

namespace lrp {
namespace render {

double MaxAbsValue(const double* map, size_t count) {
  double m = 0.0;
  for (size_t i = 0; i < count; ++i) m = std::max(m, std::fabs(map[i]));
  return m;
}

void RenderHeatmapInto(const double* map, size_t height, size_t width, size_t scale,
                       double max_abs, const Palette& palette, uint8_t* rgb) {
  const size_t out_width = width * scale;
  for (size_t y = 0; y < height * scale; ++y) {
    uint8_t* row = rgb + y * out_width * 3;
    const double* src = map + (y / scale) * width;
    for (size_t x = 0; x < out_width; ++x) {
      // SymmetricIndices' arithmetic, so the colours match RenderHeatmap.
      const double t = max_abs > 0.0 ? (src[x / scale] + max_abs) / (2.0 * max_abs) : 0.5;
      const Rgb c = palette[static_cast<uint8_t>(std::min(std::max(255.0 * t, 0.0), 255.0))];
      row[3 * x] = c.r;
      row[3 * x + 1] = c.g;
      row[3 * x + 2] = c.b;
    }
  }
}

void RenderOverlayInto(const uint8_t* picture, int channels, const double* map, size_t height,
                       size_t width, size_t scale, double max_abs, const uint8_t* heatmap_rgb,
                       uint8_t* rgb) {
  const size_t out_width = width * scale;
  for (size_t y = 0; y < height * scale; ++y) {
    for (size_t x = 0; x < out_width; ++x) {
      const size_t cell = (y / scale) * width + x / scale;
      const double gray = io::GrayValue(picture + cell * channels, channels);
      const double a = max_abs > 0 ? kOverlayOpacity * (std::fabs(map[cell]) / max_abs) : 0.0;
      const size_t p = (y * out_width + x) * 3;
      for (size_t c = 0; c < 3; ++c) {
        const double v = (1.0 - a) * gray + a * heatmap_rgb[p + c];
        rgb[p + c] = static_cast<uint8_t>(std::lround(v));
      }
    }
  }
}

void RenderPictureInto(const uint8_t* picture, int channels, size_t height, size_t width,
                       size_t scale, uint8_t* rgb) {
  const size_t out_width = width * scale;
  for (size_t y = 0; y < height * scale; ++y) {
    for (size_t x = 0; x < out_width; ++x) {
      const uint8_t* px = picture + ((y / scale) * width + x / scale) * channels;
      uint8_t* out = rgb + (y * out_width + x) * 3;
      const bool colour = channels >= 3;
      out[0] = px[0];
      out[1] = colour ? px[1] : px[0];
      out[2] = colour ? px[2] : px[0];
    }
  }
}

}  // namespace render
}  // namespace lrp
