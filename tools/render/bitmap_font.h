// A tiny fixed-width bitmap font for labelling pictures (stb has no text).
//
// Every glyph is 5 pixels wide and 9 tall: rows 0-6 hold capitals, digits
// and ascenders (the baseline is under row 6), rows 7-8 the descenders of
// g, j, p, q, y and ','. The font covers the space, a-z, A-Z, 0-9 and
// - = . _ ( ) / : , + ' % ! ? * # [ ] < > &. A character without a glyph is
// drawn as a hollow box (rows 0-6), so a missing glyph is visible instead of
// silently dropped.
//
// Text is drawn at an integer scale (each font pixel becomes scale x scale
// image pixels), one glyph every kGlyphAdvance font pixels. Host-side code;
// it allocates freely.
#ifndef LRP_TOOLS_RENDER_BITMAP_FONT_H_
#define LRP_TOOLS_RENDER_BITMAP_FONT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tools/render/heatmap.h"

namespace lrp {
namespace render {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 9;
constexpr int kGlyphAdvance = kGlyphWidth + 1;  // one blank column between glyphs
constexpr int kLineAdvance = kGlyphHeight + 2;  // two blank rows between lines

// One glyph: row r is bits[r], bit (kGlyphWidth - 1 - x) set = pixel x on.
using GlyphBits = std::array<uint8_t, kGlyphHeight>;

// True if the font has a glyph for `c` (the space included).
bool HasGlyph(char c);

// The glyph of `c`, or the hollow box for a character without one.
GlyphBits Glyph(char c);

// The box drawn for characters without a glyph.
GlyphBits MissingGlyph();

// Width in image pixels of one line of `chars` characters at `scale`: the
// advance of every glyph but the last, plus the last glyph's width (no
// trailing gap); 0 for no characters.
size_t TextWidth(size_t chars, int scale);
inline size_t TextWidth(const std::string& text, int scale) {
  return TextWidth(text.size(), scale);
}
// Height of one line of text in image pixels (descenders included).
inline size_t TextHeight(int scale) { return static_cast<size_t>(kGlyphHeight) * scale; }

// Draws one line of `text` with its top-left corner at (x, y), in `color`,
// over what the image holds (font pixels that are off leave it unchanged).
// x and y may be negative and the text may run past any edge: pixels
// outside the image are clipped. A scale below 1 draws nothing.
void DrawText(RgbImage* image, long x, long y, const std::string& text, int scale, Rgb color);

}  // namespace render
}  // namespace lrp

#endif  // LRP_TOOLS_RENDER_BITMAP_FONT_H_
