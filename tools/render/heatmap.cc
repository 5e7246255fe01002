#include "tools/render/heatmap.h"

#include <stb_image_write.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace lrp {
namespace render {
namespace {

// A colour map as Zennit defines it: nodes at palette indices 0..255 with
// their colours; between two nodes the colour is interpolated linearly.
// Maps given in Zennit without explicit indices have them spaced evenly and
// truncated to integers (hot: 0, 85, 170, 255).
struct Node {
  int index;
  uint8_t r, g, b;
};

constexpr int kMaxNodes = 6;

struct ColormapDef {
  Colormap cmap;
  const char* name;
  int count;
  Node nodes[kMaxNodes];  // ascending, first at 0, last at 255
};

constexpr ColormapDef kColormaps[] = {
    {Colormap::kBwr, "bwr", 3, {{0, 0, 0, 255}, {128, 255, 255, 255}, {255, 255, 0, 0}}},
    {Colormap::kColdnhot,
     "coldnhot",
     6,
     {{0, 0, 255, 255},
      {64, 0, 0, 255},
      {128, 0, 0, 0},
      {170, 255, 0, 0},
      {212, 255, 255, 0},
      {255, 255, 255, 255}}},
    {Colormap::kSeismic, "seismic", 3, {{0, 0, 0, 208}, {128, 208, 208, 208}, {255, 208, 0, 0}}},
    {Colormap::kGray, "gray", 2, {{0, 0, 0, 0}, {255, 255, 255, 255}}},
    {Colormap::kWred, "wred", 2, {{0, 255, 255, 255}, {255, 255, 0, 0}}},
    {Colormap::kWblue, "wblue", 2, {{0, 255, 255, 255}, {255, 0, 0, 255}}},
    {Colormap::kHot,
     "hot",
     4,
     {{0, 0, 0, 0}, {85, 255, 0, 0}, {170, 255, 255, 0}, {255, 255, 255, 255}}},
    {Colormap::kCold, "cold", 3, {{0, 0, 0, 0}, {127, 0, 0, 255}, {255, 0, 255, 255}}},
    {Colormap::kFrance, "france", 3, {{0, 0, 85, 164}, {128, 255, 255, 255}, {255, 239, 65, 53}}},
};

const ColormapDef& Find(Colormap cmap) {
  for (const ColormapDef& d : kColormaps) {
    if (d.cmap == cmap) return d;
  }
  return kColormaps[0];  // unreachable for a valid enumerator
}

double Clip(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }

// numpy.round(v, 12): half-to-even on the scaled value. It absorbs the last
// bits of interpolation error, so a colour that is mathematically 255 is not
// truncated to 254 below.
double Round12(double v) { return std::nearbyint(v * 1e12) / 1e12; }

// The colour map at t in [0, 1]; channels in [0, 1] as Zennit computes them.
struct Colour {
  double r, g, b;
};
Colour Evaluate(const ColormapDef& map, double t) {
  const double x = Clip(255.0 * t, 0.0, 255.0);
  // i = number of node indices <= x; node 0 sits at 0, so i >= 1. The node
  // after the last one is a sentinel at 256 with the last colour, which
  // keeps x = 255 inside an interval.
  const int n = map.count;
  int i = 0;
  while (i < n && map.nodes[i].index <= x) ++i;
  const Node& lo = map.nodes[i - 1];
  const Node& hi = map.nodes[i < n ? i : n - 1];
  const double hi_index = i < n ? hi.index : 256.0;
  const double alpha = (x - lo.index) / (hi_index - lo.index);
  auto mix = [alpha](uint8_t a, uint8_t b) {
    return (1.0 - alpha) * (a / 255.0) + alpha * (b / 255.0);
  };
  return Colour{mix(lo.r, hi.r), mix(lo.g, hi.g), mix(lo.b, hi.b)};
}

uint8_t ToByte(double unit) {
  return static_cast<uint8_t>(Clip(Round12(255.0 * unit), 0.0, 255.0));
}

}  // namespace

const char* ColormapName(Colormap cmap) { return Find(cmap).name; }

bool ParseColormap(const std::string& name, Colormap* cmap) {
  for (const ColormapDef& d : kColormaps) {
    if (name == d.name) {
      *cmap = d.cmap;
      return true;
    }
  }
  return false;
}

std::string ColormapList() {
  std::string list;
  for (const ColormapDef& d : kColormaps) list += (list.empty() ? "" : ", ") + std::string(d.name);
  return list;
}

Palette MakePalette(Colormap cmap, double level) {
  const ColormapDef& map = Find(cmap);
  Palette palette;
  for (int i = 0; i < 256; ++i) {
    const double x = (-1.0 + 2.0 * i / 255.0) * level;
    const Colour c = Evaluate(map, Clip((x + 1.0) / 2.0, 0.0, 1.0));
    palette[i] = Rgb{ToByte(c.r), ToByte(c.g), ToByte(c.b)};
  }
  return palette;
}

std::vector<double> SumChannels(const float* nhwc, size_t height, size_t width, size_t channels) {
  std::vector<double> map(height * width, 0.0);
  for (size_t p = 0; p < map.size(); ++p) {
    const float* px = nhwc + p * channels;
    double sum = 0.0;
    for (size_t c = 0; c < channels; ++c) sum += px[c];
    map[p] = sum;
  }
  return map;
}

std::vector<uint8_t> SymmetricIndices(const std::vector<double>& map) {
  double m = 0.0;
  for (double v : map) m = std::max(m, std::fabs(v));
  std::vector<uint8_t> idx(map.size());
  for (size_t p = 0; p < map.size(); ++p) {
    // m = 0 means an all-zero map: every pixel is "no relevance".
    const double t = m > 0.0 ? (map[p] + m) / (2.0 * m) : 0.5;
    idx[p] = static_cast<uint8_t>(Clip(255.0 * t, 0.0, 255.0));
  }
  return idx;
}

int DefaultScale(size_t height, size_t width) {
  const size_t side = std::max(height, width);
  if (side == 0) return 1;
  const size_t scale = (kMinLongSide + side - 1) / side;
  return static_cast<int>(std::min<size_t>(std::max<size_t>(scale, 1), kMaxScale));
}

Status RenderHeatmap(const std::vector<double>& map, size_t height, size_t width,
                     const HeatmapOptions& options, RgbImage* image) {
  if (height == 0 || width == 0 || map.size() != height * width) {
    return Status(StatusCode::kInvalidArgument,
                  "heatmap: the relevance map is empty or has " + std::to_string(map.size()) +
                      " values for " + std::to_string(height) + "x" + std::to_string(width));
  }
  for (size_t p = 0; p < map.size(); ++p) {
    if (!std::isfinite(map[p])) {
      return Status(StatusCode::kInvalidArgument,
                    "heatmap: relevance at pixel (" + std::to_string(p / width) + ", " +
                        std::to_string(p % width) + ") is NaN or infinite");
    }
  }
  const int scale = options.scale == 0 ? DefaultScale(height, width) : options.scale;
  if (scale < 1 || scale > kMaxScale) {
    return Status(StatusCode::kInvalidArgument, "heatmap: scale " + std::to_string(scale) +
                                                    " is outside [1, " + std::to_string(kMaxScale) +
                                                    "]");
  }
  const size_t s = static_cast<size_t>(scale);
  if (height * s > kMaxImageSide || width * s > kMaxImageSide) {
    return Status(StatusCode::kInvalidArgument,
                  "heatmap: " + std::to_string(width) + "x" + std::to_string(height) +
                      " scaled by " + std::to_string(scale) + " exceeds " +
                      std::to_string(kMaxImageSide) + " pixels per side");
  }

  const Palette palette = MakePalette(options.cmap, options.level);
  const std::vector<uint8_t> idx = SymmetricIndices(map);
  image->width = width * s;
  image->height = height * s;
  image->pixels.resize(image->width * image->height * 3);
  for (size_t y = 0; y < image->height; ++y) {
    uint8_t* row = &image->pixels[y * image->width * 3];
    for (size_t x = 0; x < image->width; ++x) {
      const Rgb c = palette[idx[(y / s) * width + x / s]];
      row[3 * x] = c.r;
      row[3 * x + 1] = c.g;
      row[3 * x + 2] = c.b;
    }
  }
  return Status::Ok();
}

Status WritePng(const std::string& path, const RgbImage& image) {
  if (image.width == 0 || image.height == 0 || image.width > kMaxImageSide ||
      image.height > kMaxImageSide || image.pixels.size() != image.width * image.height * 3) {
    return Status(StatusCode::kInvalidArgument, "cannot write '" + path + "': malformed image");
  }
  const int w = static_cast<int>(image.width), h = static_cast<int>(image.height);
  errno = 0;
  if (stbi_write_png(path.c_str(), w, h, 3, image.pixels.data(), w * 3) == 0) {
    // stb only reports failure; fopen's errno says why, when it was fopen.
    std::string why = errno != 0 ? std::string(": ") + std::strerror(errno) : "";
    return Status(StatusCode::kIoError, "cannot write '" + path + "'" + why);
  }
  return Status::Ok();
}

}  // namespace render
}  // namespace lrp
