// Heatmap rendering against RULES.md §7 (Zennit's palette and symmetric
// normalization) and a PNG round trip through stb.
#include "tools/render/heatmap.h"

#include <gtest/gtest.h>
#include <stb_image.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

namespace lrp {
namespace render {

// Readable failures: "(253, 253, 255)" instead of a byte dump.
void PrintTo(const Rgb& c, std::ostream* os) {
  *os << "(" << int{c.r} << ", " << int{c.g} << ", " << int{c.b} << ")";
}

namespace {

std::string Tmp(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(LRP_TEST_TMPDIR) + "/heatmap_" + info->name() + "_" + name;
}

TEST(HeatmapTest, PaletteSpotChecksFromRules) {
  const Palette bwr = MakePalette(Colormap::kBwr);
  EXPECT_EQ(bwr[127], (Rgb{253, 253, 255}));
  EXPECT_EQ(bwr[128], (Rgb{255, 255, 255}));
  EXPECT_EQ(bwr[0], (Rgb{0, 0, 255}));
  EXPECT_EQ(bwr[255], (Rgb{255, 0, 0}));

  const Palette cnh = MakePalette(Colormap::kColdnhot);
  EXPECT_EQ(cnh[0], (Rgb{0, 255, 255}));
  EXPECT_EQ(cnh[64], (Rgb{0, 0, 255}));
  EXPECT_EQ(cnh[127], (Rgb{0, 0, 3}));
  EXPECT_EQ(cnh[128], (Rgb{0, 0, 0}));
  EXPECT_EQ(cnh[255], (Rgb{255, 255, 255}));
}

TEST(HeatmapTest, PalettesInterpolateBetweenNodes) {
  // Node colours land exactly on their index; halfway between two nodes
  // the colour is the truncated mean.
  const Palette seismic = MakePalette(Colormap::kSeismic);
  EXPECT_EQ(seismic[0], (Rgb{0, 0, 208}));
  EXPECT_EQ(seismic[128], (Rgb{208, 208, 208}));
  EXPECT_EQ(seismic[255], (Rgb{208, 0, 0}));
  EXPECT_EQ(seismic[64], (Rgb{104, 104, 208}));

  const Palette gray = MakePalette(Colormap::kGray);
  for (int i = 0; i < 256; ++i) {
    const uint8_t v = static_cast<uint8_t>(i);
    EXPECT_EQ(gray[i], (Rgb{v, v, v})) << i;
  }
  const Palette hot = MakePalette(Colormap::kHot);
  EXPECT_EQ(hot[85], (Rgb{255, 0, 0}));
  EXPECT_EQ(hot[170], (Rgb{255, 255, 0}));
  EXPECT_EQ(MakePalette(Colormap::kFrance)[0], (Rgb{0, 85, 164}));
  EXPECT_EQ(MakePalette(Colormap::kWblue)[255], (Rgb{0, 0, 255}));
}

TEST(HeatmapTest, PaletteLevel) {
  // level 2 reaches the ends of the colour map halfway: the lower quarter is
  // pure blue, the upper quarter pure red.
  const Palette sat = MakePalette(Colormap::kBwr, 2.0);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(sat[i], (Rgb{0, 0, 255})) << i;
  for (int i = 192; i < 256; ++i) EXPECT_EQ(sat[i], (Rgb{255, 0, 0})) << i;
  // level 0 collapses every entry onto the centre colour.
  const Palette flat = MakePalette(Colormap::kBwr, 0.0);
  for (int i = 0; i < 256; ++i) EXPECT_EQ(flat[i], flat[0]) << i;
  EXPECT_NE(flat[0], (Rgb{0, 0, 255}));
}

TEST(HeatmapTest, ColormapNames) {
  for (const char* name :
       {"bwr", "coldnhot", "seismic", "gray", "wred", "wblue", "hot", "cold", "france"}) {
    Colormap c;
    ASSERT_TRUE(ParseColormap(name, &c)) << name;
    EXPECT_STREQ(ColormapName(c), name);
    EXPECT_NE(ColormapList().find(name), std::string::npos);
  }
  Colormap c;
  EXPECT_FALSE(ParseColormap("viridis", &c));
  EXPECT_FALSE(ParseColormap("", &c));
}

TEST(HeatmapTest, ZeroRelevanceIsIndex127) {
  EXPECT_EQ(SymmetricIndices({0.0, 1.0, -1.0}), (std::vector<uint8_t>{127, 255, 0}));
  // Also when every value has the same sign: zero stays in the middle.
  EXPECT_EQ(SymmetricIndices({0.0, 4.0}), (std::vector<uint8_t>{127, 255}));
  EXPECT_EQ(SymmetricIndices({-4.0, 0.0}), (std::vector<uint8_t>{0, 127}));
}

TEST(HeatmapTest, SymmetricNormalization) {
  // m = 2: t = 0, 0.75, 0.5, 1, 0.625 -> trunc(255 t).
  const std::vector<double> map = {-2.0, 1.0, 0.0, 2.0, 0.5};
  const std::vector<uint8_t> expected = {0, 191, 127, 255, 159};
  EXPECT_EQ(SymmetricIndices(map), expected);
  // Only relative values matter (powers of two keep every step exact).
  for (double f : {0x1p-100, 0x1p-10, 0x1p20, 0x1p100}) {
    std::vector<double> scaled = map;
    for (double& v : scaled) v *= f;
    EXPECT_EQ(SymmetricIndices(scaled), expected) << f;
  }
}

TEST(HeatmapTest, AllZeroMapIsUniform) {
  EXPECT_EQ(SymmetricIndices({0.0, 0.0, -0.0}), (std::vector<uint8_t>{127, 127, 127}));
  RgbImage image;
  HeatmapOptions options;
  options.scale = 1;
  ASSERT_TRUE(RenderHeatmap({0.0, 0.0}, 1, 2, options, &image).ok());
  EXPECT_EQ(image.at(0, 0), (Rgb{253, 253, 255}));
  EXPECT_EQ(image.at(1, 0), (Rgb{253, 253, 255}));
}

TEST(HeatmapTest, ExtremeMagnitudesStayFinite) {
  const double denorm = std::numeric_limits<float>::denorm_min();
  // float's extremes: (H + m) would overflow in float, not in double.
  EXPECT_EQ(SymmetricIndices({FLT_MAX, -FLT_MAX, 0.0}), (std::vector<uint8_t>{255, 0, 127}));
  EXPECT_EQ(SymmetricIndices({denorm, -denorm, 0.0}), (std::vector<uint8_t>{255, 0, 127}));
  EXPECT_EQ(SymmetricIndices({FLT_MAX, denorm}), (std::vector<uint8_t>{255, 127}));

  // Non-finite relevance is an error, not a picture.
  RgbImage image;
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    Status s = RenderHeatmap({0.0, bad}, 1, 2, HeatmapOptions(), &image);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("(0, 1)"), std::string::npos) << s.message();
  }
}

TEST(HeatmapTest, SumChannelsOverNhwc) {
  // 1 x 2 pixels x 3 channels.
  const float r[] = {1.0f, 2.0f, -4.0f, 0.5f, 0.25f, 0.125f};
  EXPECT_EQ(SumChannels(r, 1, 2, 3), (std::vector<double>{-1.0, 0.875}));
  EXPECT_EQ(SumChannels(r, 2, 3, 1), (std::vector<double>{1.0, 2.0, -4.0, 0.5, 0.25, 0.125}));
}

TEST(HeatmapTest, DefaultScale) {
  EXPECT_EQ(DefaultScale(28, 28), 8);
  EXPECT_EQ(DefaultScale(224, 224), 1);
  EXPECT_EQ(DefaultScale(225, 10), 1);
  EXPECT_EQ(DefaultScale(10, 30), 8);  // 8 * 30 = 240 >= 224 > 7 * 30
  EXPECT_EQ(DefaultScale(7, 7), 32);
  EXPECT_EQ(DefaultScale(1, 1), kMaxScale);
}

TEST(HeatmapTest, RenderUpscalesNearestNeighbour) {
  // 2 rows x 3 columns, scale 2 -> 6 x 4 pixels.
  const std::vector<double> map = {-1.0, 0.0, 1.0, 0.5, -0.5, 0.0};
  HeatmapOptions options;
  options.cmap = Colormap::kColdnhot;
  options.scale = 2;
  RgbImage image;
  ASSERT_TRUE(RenderHeatmap(map, 2, 3, options, &image).ok());
  ASSERT_EQ(image.width, 6u);
  ASSERT_EQ(image.height, 4u);
  ASSERT_EQ(image.pixels.size(), 6u * 4u * 3u);
  const Palette palette = MakePalette(Colormap::kColdnhot);
  const std::vector<uint8_t> idx = SymmetricIndices(map);
  for (size_t y = 0; y < 4; ++y) {
    for (size_t x = 0; x < 6; ++x) {
      EXPECT_EQ(image.at(x, y), palette[idx[(y / 2) * 3 + x / 2]]) << x << "," << y;
    }
  }
  EXPECT_EQ(image.at(0, 0), (Rgb{0, 255, 255}));    // -1: cyan
  EXPECT_EQ(image.at(5, 1), (Rgb{255, 255, 255}));  // +1: white

  options.scale = 0;  // default: 28 x 28 -> 224 x 224
  ASSERT_TRUE(RenderHeatmap(std::vector<double>(28 * 28, 1.0), 28, 28, options, &image).ok());
  EXPECT_EQ(image.width, 224u);
  EXPECT_EQ(image.height, 224u);
}

TEST(HeatmapTest, RenderRejectsBadGeometry) {
  RgbImage image;
  HeatmapOptions options;
  EXPECT_FALSE(RenderHeatmap({}, 0, 0, options, &image).ok());
  EXPECT_FALSE(RenderHeatmap({1.0, 2.0}, 1, 3, options, &image).ok());
  options.scale = kMaxScale + 1;
  EXPECT_FALSE(RenderHeatmap({1.0}, 1, 1, options, &image).ok());
  options.scale = kMaxScale;
  const size_t side = kMaxImageSide / kMaxScale + 1;
  Status s = RenderHeatmap(std::vector<double>(side, 1.0), 1, side, options, &image);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("exceeds"), std::string::npos) << s.message();
}

TEST(HeatmapTest, PngRoundTrip) {
  const std::vector<double> map = {-3.0, -1.0, 0.0, 0.5, 2.0, 3.0};
  HeatmapOptions options;
  options.scale = 3;
  RgbImage image;
  ASSERT_TRUE(RenderHeatmap(map, 2, 3, options, &image).ok());
  const std::string path = Tmp("map.png");
  std::remove(path.c_str());
  Status s = WritePng(path, image);
  ASSERT_TRUE(s.ok()) << s.ToString();

  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load(path.c_str(), &w, &h, &n, 0);
  ASSERT_NE(px, nullptr) << stbi_failure_reason();
  EXPECT_EQ(w, 9);
  EXPECT_EQ(h, 6);
  EXPECT_EQ(n, 3);  // RGB, no alpha
  if (w == 9 && h == 6 && n == 3) {
    EXPECT_EQ(std::vector<uint8_t>(px, px + 9 * 6 * 3), image.pixels);
  }
  stbi_image_free(px);
  // Corners: -3 is the bottom of the palette, +3 the top.
  EXPECT_EQ(image.at(0, 0), (Rgb{0, 0, 255}));
  EXPECT_EQ(image.at(8, 5), (Rgb{255, 0, 0}));
}

TEST(HeatmapTest, PngWriteFailureNamesThePath) {
  RgbImage image;
  ASSERT_TRUE(RenderHeatmap({1.0}, 1, 1, HeatmapOptions(), &image).ok());
  Status s = WritePng(Tmp("no_such_dir/map.png"), image);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("no_such_dir/map.png"), std::string::npos) << s.message();
  EXPECT_FALSE(WritePng(Tmp("empty.png"), RgbImage()).ok());
}

}  // namespace
}  // namespace render
}  // namespace lrp
