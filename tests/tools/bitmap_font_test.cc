// The bitmap font: every promised character has a glyph of its own, text
// widths, drawing at a scale, clipping at every edge, unknown characters.
#include "tools/render/bitmap_font.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lrp {
namespace render {
namespace {

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kInk{10, 20, 30};

RgbImage Blank(size_t w, size_t h) {
  RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.assign(w * h * 3, 255);
  return img;
}

size_t CountInk(const RgbImage& img) {
  size_t n = 0;
  for (size_t y = 0; y < img.height; ++y) {
    for (size_t x = 0; x < img.width; ++x) n += img.at(x, y) == kInk;
  }
  return n;
}

size_t CountBits(const GlyphBits& bits) {
  size_t n = 0;
  for (uint8_t row : bits) n += static_cast<size_t>(__builtin_popcount(row));
  return n;
}

const std::string kCovered =
    " abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-=._()/:,+'%!?*#[]<>&";

TEST(BitmapFontTest, EveryPromisedCharacterHasItsOwnGlyph) {
  std::set<GlyphBits> seen;
  for (char c : kCovered) {
    EXPECT_TRUE(HasGlyph(c)) << "'" << c << "'";
    const GlyphBits bits = Glyph(c);
    EXPECT_NE(bits, MissingGlyph()) << "'" << c << "'";
    for (uint8_t row : bits) EXPECT_EQ(row >> kGlyphWidth, 0) << "'" << c << "' is too wide";
    EXPECT_EQ(CountBits(bits) == 0, c == ' ') << "'" << c << "'";
    EXPECT_TRUE(seen.insert(bits).second) << "'" << c << "' looks like another character";
  }
}

TEST(BitmapFontTest, OnlyDescendersReachBelowTheBaseline) {
  const std::string descenders = "gjpqy,_";
  for (char c : kCovered) {
    const GlyphBits bits = Glyph(c);
    const bool below = bits[7] != 0 || bits[8] != 0;
    EXPECT_EQ(below, descenders.find(c) != std::string::npos) << "'" << c << "'";
  }
}

TEST(BitmapFontTest, UnknownCharactersAreABox) {
  for (char c : {'\t', '\n', '~', '@', '\x7f', '\xc3'}) {
    EXPECT_FALSE(HasGlyph(c)) << int{c};
    EXPECT_EQ(Glyph(c), MissingGlyph()) << int{c};
  }
  const GlyphBits box = MissingGlyph();
  EXPECT_EQ(box[0], 0x1f);
  EXPECT_EQ(box[3], 0x11);
  EXPECT_EQ(box[6], 0x1f);
  EXPECT_EQ(box[7], 0);

  // Drawn, the box is a closed outline: 5 + 5 + 2 * 5 font pixels.
  RgbImage img = Blank(10, 12);
  DrawText(&img, 1, 1, "~", 1, kInk);
  EXPECT_EQ(CountInk(img), 20u);
  EXPECT_EQ(img.at(1, 1), kInk);
  EXPECT_EQ(img.at(5, 7), kInk);
  EXPECT_EQ(img.at(3, 4), kWhite);  // hollow
}

TEST(BitmapFontTest, TextWidth) {
  EXPECT_EQ(TextWidth(0, 3), 0u);
  EXPECT_EQ(TextWidth(1, 1), 5u);
  EXPECT_EQ(TextWidth(2, 1), 11u);
  EXPECT_EQ(TextWidth("epsilon", 2), (6u * 6 + 5) * 2);
  EXPECT_EQ(TextWidth("abc", 0), 0u);
  EXPECT_EQ(TextHeight(3), 27u);
}

TEST(BitmapFontTest, DrawsEachFontPixelAsAScaledBlock) {
  for (int scale : {1, 2, 3}) {
    RgbImage img = Blank(40, 40);
    DrawText(&img, 2, 3, "T", scale, kInk);
    // 'T': a full top row and a 6-pixel stem.
    EXPECT_EQ(CountInk(img), 11u * scale * scale) << scale;
    EXPECT_EQ(img.at(2, 3), kInk);
    EXPECT_EQ(img.at(2 + 5 * scale - 1, 3 + scale - 1), kInk);
    EXPECT_EQ(img.at(2 + 5 * scale, 3), kWhite);                // right of the glyph
    EXPECT_EQ(img.at(2 + 2 * scale, 3 + 7 * scale - 1), kInk);  // bottom of the stem
    EXPECT_EQ(img.at(2 + 2 * scale, 3 + 7 * scale), kWhite);
  }
}

TEST(BitmapFontTest, GlyphsFollowTheAdvance) {
  RgbImage one = Blank(30, 12), two = Blank(30, 12);
  DrawText(&one, 0, 0, "I", 1, kInk);
  DrawText(&two, 0, 0, " I", 1, kInk);
  for (size_t y = 0; y < 12; ++y) {
    for (size_t x = 0; x + kGlyphAdvance < 30; ++x) {
      EXPECT_EQ(one.at(x, y), two.at(x + kGlyphAdvance, y)) << x << "," << y;
    }
  }
}

TEST(BitmapFontTest, ClipsAtEveryEdge) {
  // Text hanging over each edge draws exactly its visible part and
  // touches nothing outside the image (the vector would overflow).
  const std::string text = "HH";
  RgbImage full = Blank(40, 30);
  DrawText(&full, 10, 10, text, 2, kInk);
  const size_t total = CountInk(full);
  ASSERT_GT(total, 0u);
  struct Case {
    long x, y;
  };
  for (const Case& c : {Case{-7, 5}, Case{30, 5}, Case{5, -9}, Case{5, 20}, Case{-100, -100},
                        Case{1000, 0}, Case{-3, 25}}) {
    RgbImage img = Blank(40, 30);
    DrawText(&img, c.x, c.y, text, 2, kInk);
    ASSERT_EQ(img.pixels.size(), 40u * 30 * 3);
    // The visible part equals the full drawing shifted and cropped.
    size_t expected = 0;
    for (size_t y = 0; y < 30; ++y) {
      for (size_t x = 0; x < 40; ++x) {
        const long fx = static_cast<long>(x) - c.x + 10, fy = static_cast<long>(y) - c.y + 10;
        const bool ink = fx >= 0 && fy >= 0 && fx < 40 && fy < 30 &&
                         full.at(static_cast<size_t>(fx), static_cast<size_t>(fy)) == kInk;
        expected += ink;
        EXPECT_EQ(img.at(x, y) == kInk, ink) << c.x << "," << c.y << " at " << x << "," << y;
      }
    }
    EXPECT_EQ(CountInk(img), expected);
    EXPECT_LT(expected, total);
  }
}

TEST(BitmapFontTest, NothingToDraw) {
  RgbImage img = Blank(20, 20);
  DrawText(&img, 0, 0, "", 2, kInk);
  DrawText(&img, 0, 0, "abc", 0, kInk);
  DrawText(&img, 0, 0, "   ", 1, kInk);
  EXPECT_EQ(CountInk(img), 0u);
  RgbImage empty;
  DrawText(&empty, 0, 0, "abc", 1, kInk);  // no pixels at all: nothing happens
  EXPECT_TRUE(empty.pixels.empty());
}

}  // namespace
}  // namespace render
}  // namespace lrp
