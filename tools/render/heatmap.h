// Relevance heatmaps as RGB PNG images, rendered the way Zennit renders them
// (RULES.md §7) so a heatmap from lrp and one from Zennit compare pixel by
// pixel:
//   1. H[y,x] = sum over channels of R[y,x,c]
//   2. symmetric normalization t = (H + m) / (2m), m = max|H|; m = 0 gives
//      t = 0.5 everywhere
//   3. idx = trunc(clip(255 t, 0, 255)), so zero relevance lands on 127
//   4. RGB = palette(cmap, level)[idx]
// then an optional nearest-neighbour upscale by an integer factor.
//
// Everything here runs on the host after Explain(); it allocates freely.
// Sums and normalization use double, so float relevance of any magnitude
// (denormals up to FLT_MAX) normalizes without overflow or NaN.
#ifndef LRP_TOOLS_RENDER_HEATMAP_H_
#define LRP_TOOLS_RENDER_HEATMAP_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lrp/status.h"

namespace lrp {
namespace render {

// Zennit's built-in colour maps (the subset defined by node tables).
enum class Colormap : uint8_t {
  kBwr,       // blue - white - red (Zennit's default)
  kColdnhot,  // cyan - blue - black - red - yellow - white
  kSeismic,   // dark blue - grey - dark red
  kGray,
  kWred,
  kWblue,
  kHot,
  kCold,
  kFrance,
};

const char* ColormapName(Colormap cmap);  // "bwr", "coldnhot", ...
bool ParseColormap(const std::string& name, Colormap* cmap);
// "bwr, coldnhot, ..." for help texts and error messages.
std::string ColormapList();

struct Rgb {
  uint8_t r, g, b;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!=(const Rgb& o) const { return !(*this == o); }
};
using Palette = std::array<Rgb, 256>;

// Zennit's palette(cmap, level): entry i is the colour map at
// t = clip(((-1 + 2i/255) level + 1) / 2, 0, 1). level > 1 saturates
// earlier, level < 1 narrows the colour range; level must be finite.
Palette MakePalette(Colormap cmap, double level = 1.0);

// H[y,x] = sum_c R[y,x,c] of a height x width x channels array in the
// runtime layout (NHWC without the batch), row-major.
std::vector<double> SumChannels(const float* nhwc, size_t height, size_t width, size_t channels);

// Steps 2 and 3: palette indices of `map` (finite values only; see
// RenderHeatmap for the check).
std::vector<uint8_t> SymmetricIndices(const std::vector<double>& map);

// A row-major 8-bit RGB image.
struct RgbImage {
  size_t width = 0, height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3
  Rgb at(size_t x, size_t y) const {
    const uint8_t* p = &pixels[(y * width + x) * 3];
    return Rgb{p[0], p[1], p[2]};
  }
};

// Limits on the upscaled image; far beyond any heatmap worth looking at, and
// small enough that stb's int strides cannot overflow.
constexpr int kMaxScale = 64;
constexpr size_t kMaxImageSide = 16384;
// Default scale: the smallest integer factor that brings the long side to at
// least this many pixels (224 is the usual ImageNet input size).
constexpr size_t kMinLongSide = 224;

// The smallest factor in [1, kMaxScale] with factor * max(height, width) >=
// kMinLongSide (kMaxScale if none is).
int DefaultScale(size_t height, size_t width);

struct HeatmapOptions {
  Colormap cmap = Colormap::kBwr;
  double level = 1.0;
  int scale = 0;  // 1..kMaxScale; 0 picks DefaultScale()
};

// Renders a height x width map (already channel-summed). Fails with
// kInvalidArgument if the map is empty, holds a NaN or infinity, or the
// scaled image would exceed kMaxImageSide.
Status RenderHeatmap(const std::vector<double>& map, size_t height, size_t width,
                     const HeatmapOptions& options, RgbImage* image);

// Writes `image` as an 8-bit RGB PNG (kIoError naming the path on failure).
Status WritePng(const std::string& path, const RgbImage& image);

}  // namespace render
}  // namespace lrp

#endif  // LRP_TOOLS_RENDER_HEATMAP_H_
