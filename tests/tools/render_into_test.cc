// The non-allocating renderers (tools/render/render_into.h) against the
// allocating ones they stand in for: the same pixels, bit for bit.
#include "tools/render/render_into.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "tools/io/image.h"
#include "tools/render/heatmap.h"
#include "tools/render/overlay.h"

namespace lrp {
namespace render {
namespace {

std::vector<double> RandomMap(size_t n, std::mt19937* rng) {
  std::normal_distribution<double> d(0.0, 3.0);
  std::vector<double> map(n);
  for (double& v : map) v = d(*rng);
  return map;
}

TEST(RenderIntoTest, HeatmapMatchesRenderHeatmap) {
  std::mt19937 rng(7);
  for (const size_t scale : {1u, 3u, 8u}) {
    for (const Colormap cmap : {Colormap::kBwr, Colormap::kColdnhot}) {
      const size_t h = 5, w = 7;
      const std::vector<double> map = RandomMap(h * w, &rng);
      HeatmapOptions options;
      options.cmap = cmap;
      options.scale = static_cast<int>(scale);
      RgbImage expected;
      ASSERT_TRUE(RenderHeatmap(map, h, w, options, &expected).ok());
      std::vector<uint8_t> got(expected.pixels.size());
      RenderHeatmapInto(map.data(), h, w, scale, MaxAbsValue(map.data(), map.size()),
                        MakePalette(cmap), got.data());
      EXPECT_EQ(got, expected.pixels) << "scale " << scale;
    }
  }
}

TEST(RenderIntoTest, AllZeroMapIsTheMiddleColour) {
  const std::vector<double> map(6, 0.0);
  HeatmapOptions options;
  options.scale = 2;
  RgbImage expected;
  ASSERT_TRUE(RenderHeatmap(map, 2, 3, options, &expected).ok());
  std::vector<uint8_t> got(expected.pixels.size());
  RenderHeatmapInto(map.data(), 2, 3, 2, 0.0, MakePalette(Colormap::kBwr), got.data());
  EXPECT_EQ(got, expected.pixels);
}

TEST(RenderIntoTest, OverlayMatchesRenderOverlay) {
  std::mt19937 rng(11);
  for (const int channels : {1, 3, 4}) {
    const size_t h = 4, w = 6, scale = 5;
    io::Image picture;
    picture.width = static_cast<int>(w);
    picture.height = static_cast<int>(h);
    picture.channels = channels;
    picture.pixels.resize(h * w * channels);
    for (uint8_t& p : picture.pixels) p = static_cast<uint8_t>(rng() & 255);
    const std::vector<double> map = RandomMap(h * w, &rng);
    HeatmapOptions options;
    options.scale = static_cast<int>(scale);
    RgbImage heatmap, expected;
    ASSERT_TRUE(RenderHeatmap(map, h, w, options, &heatmap).ok());
    ASSERT_TRUE(RenderOverlay(picture, map, heatmap, &expected).ok());
    std::vector<uint8_t> got(expected.pixels.size());
    RenderOverlayInto(picture.pixels.data(), channels, map.data(), h, w, scale,
                      MaxAbsValue(map.data(), map.size()), heatmap.pixels.data(), got.data());
    EXPECT_EQ(got, expected.pixels) << channels << " channels";
  }
}

TEST(RenderIntoTest, PictureReplicatesGrayAndUpscales) {
  const uint8_t gray[2] = {10, 200};  // 1 x 2
  std::vector<uint8_t> out(2 * 4 * 3);
  RenderPictureInto(gray, 1, 1, 2, 2, out.data());
  const std::vector<uint8_t> expected = {10, 10, 10, 10,  10,  10,  200, 200, 200, 200, 200, 200,
                                         10, 10, 10, 10,  10,  10,  200, 200, 200, 200, 200, 200};
  EXPECT_EQ(out, expected);
  const uint8_t rgba[4] = {1, 2, 3, 99};
  std::vector<uint8_t> one(3);
  RenderPictureInto(rgba, 4, 1, 1, 1, one.data());
  EXPECT_EQ(one, (std::vector<uint8_t>{1, 2, 3}));
}

}  // namespace
}  // namespace render
}  // namespace lrp
