// Tile grids: label wrapping, the layout's arithmetic, tiles copied to their
// places, labels drawn under their columns and beside their rows, shrinking
// long labels, and the errors.
#include "tools/render/grid.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/render/bitmap_font.h"

namespace lrp {
namespace render {
namespace {

using Lines = std::vector<std::string>;

RgbImage Solid(size_t w, size_t h, Rgb c) {
  RgbImage img;
  img.width = w;
  img.height = h;
  for (size_t i = 0; i < w * h; ++i) img.pixels.insert(img.pixels.end(), {c.r, c.g, c.b});
  return img;
}

// Text pixels in a rectangle.
size_t Ink(const RgbImage& img, const GridSpec& spec, size_t x0, size_t y0, size_t x1, size_t y1) {
  size_t n = 0;
  for (size_t y = y0; y < y1 && y < img.height; ++y) {
    for (size_t x = x0; x < x1 && x < img.width; ++x) n += img.at(x, y) == spec.text;
  }
  return n;
}

GridSpec TwoByThree() {
  GridSpec spec;
  spec.tile_width = 60;
  spec.tile_height = 40;
  spec.row_labels = {"first", "second\nrow"};
  spec.column_labels = {"image", "epsilon", "lrp-cmp"};
  spec.text_scale = 1;
  spec.margin = 4;
  return spec;
}

TEST(GridTest, WrapBreaksAtSpacesAndAfterHyphens) {
  Lines lines;
  EXPECT_TRUE(WrapLabel("epsilon-gamma-box", 14, &lines));
  EXPECT_EQ(lines, (Lines{"epsilon-gamma-", "box"}));
  EXPECT_TRUE(WrapLabel("epsilon-gamma-box", 17, &lines));
  EXPECT_EQ(lines, (Lines{"epsilon-gamma-box"}));
  EXPECT_TRUE(WrapLabel("epsilon-gamma-box lrn=identity", 14, &lines));
  EXPECT_EQ(lines, (Lines{"epsilon-gamma-", "box", "lrn=identity"}));
  EXPECT_TRUE(WrapLabel("a b  c", 3, &lines));
  EXPECT_EQ(lines, (Lines{"a b", "c"}));
  EXPECT_TRUE(WrapLabel("one\ntwo", 20, &lines));
  EXPECT_EQ(lines, (Lines{"one", "two"}));
  EXPECT_TRUE(WrapLabel("", 5, &lines));
  EXPECT_EQ(lines, (Lines{""}));
}

TEST(GridTest, WrapSplitsWordsLongerThanALine) {
  Lines lines;
  EXPECT_FALSE(WrapLabel("abcdefgh x", 3, &lines));
  EXPECT_EQ(lines, (Lines{"abc", "def", "gh", "x"}));
  EXPECT_FALSE(WrapLabel("lrn=identity", 5, &lines));
  EXPECT_EQ(lines, (Lines{"lrn=i", "denti", "ty"}));
  for (const std::string& line : lines) EXPECT_LE(line.size(), 5u);
}

TEST(GridTest, CharsPerLine) {
  EXPECT_EQ(CharsPerLine(4, 1), 0u);
  EXPECT_EQ(CharsPerLine(5, 1), 1u);
  EXPECT_EQ(CharsPerLine(10, 1), 1u);
  EXPECT_EQ(CharsPerLine(11, 1), 2u);
  EXPECT_EQ(CharsPerLine(168, 2), 14u);
  for (size_t w = 1; w < 200; ++w) {
    for (int s = 1; s <= 3; ++s) {
      const size_t n = CharsPerLine(w, s);
      EXPECT_LE(TextWidth(n, s), w);
      EXPECT_GT(TextWidth(n + 1, s), w);
    }
  }
}

TEST(GridTest, Layout) {
  const GridSpec spec = TwoByThree();
  GridLayout l;
  ASSERT_TRUE(LayoutGrid(spec, &l).ok());
  EXPECT_EQ(l.rows, 2u);
  EXPECT_EQ(l.columns, 3u);
  EXPECT_EQ(l.row_label_width, TextWidth(6, 1));  // "second"
  EXPECT_EQ(l.tiles_left, 4 + l.row_label_width + 4);
  EXPECT_EQ(l.tiles_top, 4u);
  EXPECT_EQ(l.TileX(2), l.tiles_left + 2 * 64);
  EXPECT_EQ(l.TileY(1), 4u + 44);
  EXPECT_EQ(l.column_labels_top, 4u + 2 * 44);
  EXPECT_EQ(l.column_label_scale, 1);
  EXPECT_EQ(l.width, l.tiles_left + 3 * 64);
  EXPECT_EQ(l.height, l.column_labels_top + TextHeight(1) + 4);
  EXPECT_EQ(l.row_lines[1], (Lines{"second", "row"}));

  // Reserved row label characters widen the label column.
  GridSpec wide = spec;
  wide.row_label_min_chars = 20;
  ASSERT_TRUE(LayoutGrid(wide, &l).ok());
  EXPECT_EQ(l.row_label_width, TextWidth(20, 1));
  // No row label text and nothing reserved: no label column.
  GridSpec bare = spec;
  bare.row_labels = {"", ""};
  ASSERT_TRUE(LayoutGrid(bare, &l).ok());
  EXPECT_EQ(l.row_label_width, 0u);
  EXPECT_EQ(l.tiles_left, 4u);
}

TEST(GridTest, ComposeCopiesTilesAndDrawsLabels) {
  const GridSpec spec = TwoByThree();
  std::vector<RgbImage> tiles;
  for (uint8_t i = 0; i < 6; ++i) {
    tiles.push_back(Solid(60, 40, Rgb{static_cast<uint8_t>(100 + i), 50, static_cast<uint8_t>(i)}));
  }
  // One marked pixel per tile proves orientation.
  tiles[4].pixels[(39 * 60 + 59) * 3] = 7;
  RgbImage img;
  ASSERT_TRUE(ComposeGrid(spec, tiles, &img).ok());
  GridLayout l;
  ASSERT_TRUE(LayoutGrid(spec, &l).ok());
  ASSERT_EQ(img.width, l.width);
  ASSERT_EQ(img.height, l.height);
  for (size_t r = 0; r < 2; ++r) {
    for (size_t c = 0; c < 3; ++c) {
      const Rgb want{static_cast<uint8_t>(100 + r * 3 + c), 50, static_cast<uint8_t>(r * 3 + c)};
      EXPECT_EQ(img.at(l.TileX(c), l.TileY(r)) == want, true) << r << "," << c;
      EXPECT_EQ(img.at(l.TileX(c) + 30, l.TileY(r) + 20) == want, true) << r << "," << c;
      // The gap after each tile is background.
      EXPECT_EQ(img.at(l.TileX(c) + 60, l.TileY(r)), spec.background);
      EXPECT_EQ(img.at(l.TileX(c), l.TileY(r) + 40), spec.background);
    }
  }
  EXPECT_EQ(img.at(l.TileX(1) + 59, l.TileY(1) + 39).r, 7);

  // Every column label lies under its own tile; every row label beside its row.
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_GT(Ink(img, spec, l.TileX(c), l.column_labels_top, l.TileX(c) + 60, img.height), 0u)
        << c;
  }
  EXPECT_EQ(Ink(img, spec, 0, l.column_labels_top, l.tiles_left, img.height), 0u);
  for (size_t r = 0; r < 2; ++r) {
    EXPECT_GT(Ink(img, spec, 0, l.TileY(r), l.tiles_left, l.TileY(r) + 40), 0u) << r;
  }
  // Labels are centred: "image" starts (60 - 29) / 2 pixels into the tile.
  EXPECT_EQ(Ink(img, spec, l.TileX(0), l.column_labels_top, l.TileX(0) + 15, img.height), 0u);
  EXPECT_GT(Ink(img, spec, l.TileX(0) + 15, l.column_labels_top, l.TileX(0) + 17, img.height), 0u);
  // No text over the tiles.
  EXPECT_EQ(Ink(img, spec, l.tiles_left, 0, img.width, l.column_labels_top), 0u);
}

TEST(GridTest, LongColumnLabelsWrapThenShrink) {
  GridSpec spec;
  spec.tile_width = 168;
  spec.tile_height = 10;
  spec.row_labels = {"r"};
  spec.column_labels = {"epsilon", "epsilon-gamma-box lrn=identity"};
  spec.text_scale = 2;
  GridLayout l;
  ASSERT_TRUE(LayoutGrid(spec, &l).ok());
  EXPECT_EQ(l.column_label_scale, 2);
  EXPECT_EQ(l.column_lines[1], (Lines{"epsilon-gamma-", "box", "lrn=identity"}));
  EXPECT_EQ(l.height, l.column_labels_top + 2 * kLineAdvance * 2 + TextHeight(2) + spec.margin);

  // A word too long for the tile at scale 2 but not at 1: every label
  // shrinks to 1, no word is split.
  spec.tile_width = 100;  // 8 characters at scale 2, 16 at scale 1
  spec.column_labels = {"epsilon", "lrn=taylor-unnormalized"};
  ASSERT_TRUE(LayoutGrid(spec, &l).ok());
  EXPECT_EQ(l.column_label_scale, 1);
  EXPECT_EQ(l.column_lines[0], (Lines{"epsilon"}));
  EXPECT_EQ(l.column_lines[1], (Lines{"lrn=taylor-", "unnormalized"}));

  // Too long even at scale 1: split, and still within the tile.
  spec.tile_width = 30;  // 5 characters
  ASSERT_TRUE(LayoutGrid(spec, &l).ok());
  EXPECT_EQ(l.column_label_scale, 1);
  for (const auto& lines : l.column_lines) {
    for (const std::string& line : lines) EXPECT_LE(TextWidth(line, 1), 30u) << line;
  }
  std::vector<RgbImage> tiles(2, Solid(30, 10, Rgb{0, 0, 0}));
  RgbImage img;
  ASSERT_TRUE(ComposeGrid(spec, tiles, &img).ok());
  // Nothing spills into the neighbouring column's gap.
  for (size_t y = l.column_labels_top; y < img.height; ++y) {
    for (size_t x = l.TileX(0) + 30; x < l.TileX(1); ++x) EXPECT_NE(img.at(x, y), spec.text);
  }
}

TEST(GridTest, Errors) {
  GridLayout l;
  GridSpec spec = TwoByThree();
  spec.column_labels.clear();
  EXPECT_EQ(LayoutGrid(spec, &l).code(), StatusCode::kInvalidArgument);
  spec = TwoByThree();
  spec.row_labels.clear();
  EXPECT_EQ(LayoutGrid(spec, &l).code(), StatusCode::kInvalidArgument);
  spec = TwoByThree();
  spec.tile_height = 0;
  EXPECT_EQ(LayoutGrid(spec, &l).code(), StatusCode::kInvalidArgument);
  spec = TwoByThree();
  spec.tile_width = 4;  // narrower than one glyph
  EXPECT_EQ(LayoutGrid(spec, &l).code(), StatusCode::kInvalidArgument);
  spec = TwoByThree();
  spec.text_scale = 0;
  EXPECT_EQ(LayoutGrid(spec, &l).code(), StatusCode::kInvalidArgument);
  spec = TwoByThree();
  spec.tile_width = 9000;  // 3 columns: beyond kMaxImageSide
  EXPECT_EQ(LayoutGrid(spec, &l).code(), StatusCode::kInvalidArgument);

  spec = TwoByThree();
  RgbImage img;
  std::vector<RgbImage> tiles(5, Solid(60, 40, Rgb{1, 2, 3}));
  Status s = ComposeGrid(spec, tiles, &img);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("expected 6 tiles"), std::string::npos) << s.message();
  tiles.push_back(Solid(60, 41, Rgb{1, 2, 3}));
  s = ComposeGrid(spec, tiles, &img);
  EXPECT_NE(s.message().find("tile 5 is 60x41, expected 60x40"), std::string::npos) << s.message();
  EXPECT_TRUE(img.pixels.empty());
}

}  // namespace
}  // namespace render
}  // namespace lrp
