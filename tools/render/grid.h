// Equal-sized tiles composed into one labelled picture: `rows` x `columns`
// tiles separated by a margin, a label column on the left (one label per
// row, e.g. the image and its predicted class) and a label under each
// column (e.g. the composite that made the heatmaps above it).
//
//   margin | row labels | margin | tile gap tile gap ... tile | margin
//   ---------------------------------------------------------------
//   margin
//   tiles of row 0, a margin, tiles of row 1, ...
//   margin
//   column labels (every line centred under its tile)
//   margin
//
// Column labels are wrapped to the tile width: lines break at spaces, after
// '-' and at explicit '\n'. If a word still does not fit, every column
// label is drawn at the next smaller text scale, down to 1, where a word
// that is still too long is split wherever the line is full. Row labels
// are never wrapped; their column is as wide as the longest line (or
// `row_label_min_chars` characters, whichever is wider) and each label is
// centred vertically on its row. Host-side code; it allocates freely.
#ifndef LRP_TOOLS_RENDER_GRID_H_
#define LRP_TOOLS_RENDER_GRID_H_

#include <cstddef>
#include <string>
#include <vector>

#include "lrp/status.h"
#include "tools/render/heatmap.h"

namespace lrp {
namespace render {

constexpr int kMaxTextScale = 16;

struct GridSpec {
  size_t tile_width = 0, tile_height = 0;  // pixels, every tile the same
  std::vector<std::string> row_labels;     // one per row ('\n' separates lines)
  std::vector<std::string> column_labels;  // one per column
  int text_scale = 2;                      // 1..kMaxTextScale: the largest scale used
  size_t margin = 8;                       // pixels around and between everything
  size_t row_label_min_chars = 0;          // reserve at least this many characters
  Rgb background{255, 255, 255};
  Rgb text{24, 24, 24};
};

// Where everything goes; all coordinates in pixels of the composed image.
struct GridLayout {
  size_t width = 0, height = 0;
  size_t rows = 0, columns = 0;
  size_t tiles_left = 0, tiles_top = 0;                // top-left corner of tile (0, 0)
  size_t pitch_x = 0, pitch_y = 0;                     // tile size plus margin
  size_t row_label_width = 0;                          // 0: no row labels drawn
  size_t column_labels_top = 0;                        // top of the first column label line
  int column_label_scale = 0;                          // the scale column labels fit at
  std::vector<std::vector<std::string>> column_lines;  // each column label, wrapped
  std::vector<std::vector<std::string>> row_lines;     // each row label, split at '\n'

  size_t TileX(size_t column) const { return tiles_left + column * pitch_x; }
  size_t TileY(size_t row) const { return tiles_top + row * pitch_y; }
};

// Splits `text` into lines of at most `max_chars` characters (>= 1): breaks
// at '\n', at spaces (dropped) and after '-'. Returns false if some word
// had to be split elsewhere because it is longer than a line.
bool WrapLabel(const std::string& text, size_t max_chars, std::vector<std::string>* lines);

// How many characters fit on a line `width` pixels wide at `scale`.
size_t CharsPerLine(size_t width, int scale);

// The layout of `spec` (rows and columns come from the label counts).
// kInvalidArgument if there are no rows or columns, a tile side is 0, the
// text scale is out of range, a tile is too narrow for a single glyph, or
// the picture would be larger than kMaxImageSide on a side.
Status LayoutGrid(const GridSpec& spec, GridLayout* layout);

// Draws the grid. `tiles` holds rows x columns images in row-major order,
// each exactly tile_width x tile_height (kInvalidArgument otherwise).
Status ComposeGrid(const GridSpec& spec, const std::vector<RgbImage>& tiles, RgbImage* out);

}  // namespace render
}  // namespace lrp

#endif  // LRP_TOOLS_RENDER_GRID_H_
