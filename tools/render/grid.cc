#include "tools/render/grid.h"

#include <algorithm>

#include "tools/render/bitmap_font.h"

namespace lrp {
namespace render {
namespace {

Status Bad(const std::string& message) {
  return Status(StatusCode::kInvalidArgument, "grid: " + message);
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (;;) {
    const size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) return lines;
    start = nl + 1;
  }
}

// Height of `lines` lines of text at `scale` (the last line without its gap).
size_t BlockHeight(size_t lines, int scale) {
  if (lines == 0) return 0;
  return (lines - 1) * kLineAdvance * static_cast<size_t>(scale) + TextHeight(scale);
}

// Wraps every column label at `scale`; false if some word did not fit.
bool WrapColumns(const GridSpec& spec, int scale, std::vector<std::vector<std::string>>* out) {
  const size_t max_chars = CharsPerLine(spec.tile_width, scale);
  bool fits = max_chars > 0;
  out->assign(spec.column_labels.size(), {});
  for (size_t c = 0; c < spec.column_labels.size() && max_chars > 0; ++c) {
    fits = WrapLabel(spec.column_labels[c], max_chars, &(*out)[c]) && fits;
  }
  return fits;
}

}  // namespace

size_t CharsPerLine(size_t width, int scale) {
  if (scale < 1) return 0;
  const size_t font_px = width / static_cast<size_t>(scale);
  if (font_px < static_cast<size_t>(kGlyphWidth)) return 0;
  return (font_px - kGlyphWidth) / kGlyphAdvance + 1;
}

bool WrapLabel(const std::string& text, size_t max_chars, std::vector<std::string>* lines) {
  lines->clear();
  bool fits = true;
  for (const std::string& paragraph : SplitLines(text)) {
    std::string line;
    bool space_before = false;  // the next piece follows a space
    size_t i = 0;
    while (i <= paragraph.size()) {
      // The next piece: up to and including a '-', or up to a space or the end.
      size_t end = i;
      while (end < paragraph.size() && paragraph[end] != ' ' && paragraph[end] != '-') ++end;
      const bool hyphen = end < paragraph.size() && paragraph[end] == '-';
      std::string piece = paragraph.substr(i, end - i + (hyphen ? 1 : 0));
      i = end + 1;
      if (piece.empty()) {
        space_before = space_before || !line.empty();
        if (end >= paragraph.size()) break;
        continue;
      }
      const std::string sep = space_before && !line.empty() ? " " : "";
      if (line.size() + sep.size() + piece.size() <= max_chars) {
        line += sep + piece;
      } else {
        if (!line.empty()) lines->push_back(line);
        while (piece.size() > max_chars) {
          lines->push_back(piece.substr(0, max_chars));
          piece.erase(0, max_chars);
          fits = false;
        }
        line = piece;
      }
      space_before = !hyphen;
      if (end >= paragraph.size()) break;
    }
    lines->push_back(line);
  }
  return fits;
}

Status LayoutGrid(const GridSpec& spec, GridLayout* layout) {
  GridLayout l;
  l.rows = spec.row_labels.size();
  l.columns = spec.column_labels.size();
  if (l.rows == 0 || l.columns == 0) return Bad("needs at least one row and one column");
  if (spec.tile_width == 0 || spec.tile_height == 0) return Bad("tiles must not be empty");
  if (spec.text_scale < 1 || spec.text_scale > kMaxTextScale) {
    return Bad("text scale must be 1 to " + std::to_string(kMaxTextScale) + ", got " +
               std::to_string(spec.text_scale));
  }
  if (spec.tile_width > kMaxImageSide || spec.tile_height > kMaxImageSide ||
      spec.margin > kMaxImageSide || spec.row_label_min_chars > kMaxImageSide) {
    return Bad("tile, margin or label size beyond " + std::to_string(kMaxImageSide) + " pixels");
  }
  if (CharsPerLine(spec.tile_width, 1) == 0) {
    return Bad("tiles " + std::to_string(spec.tile_width) + " pixels wide cannot hold a label");
  }

  // The largest scale at which every column label wraps at its breaks.
  l.column_label_scale = 1;
  for (int s = spec.text_scale; s >= 1; --s) {
    if (WrapColumns(spec, s, &l.column_lines) || s == 1) {
      l.column_label_scale = s;
      break;
    }
  }
  size_t label_lines = 0;
  for (const auto& lines : l.column_lines) label_lines = std::max(label_lines, lines.size());

  size_t row_chars = spec.row_label_min_chars;
  for (const std::string& label : spec.row_labels) {
    l.row_lines.push_back(SplitLines(label));
    for (const std::string& line : l.row_lines.back()) row_chars = std::max(row_chars, line.size());
  }
  l.row_label_width = TextWidth(row_chars, spec.text_scale);

  const size_t m = spec.margin;
  l.pitch_x = spec.tile_width + m;
  l.pitch_y = spec.tile_height + m;
  l.tiles_left = m + (l.row_label_width > 0 ? l.row_label_width + m : 0);
  l.tiles_top = m;
  l.column_labels_top = l.tiles_top + l.rows * l.pitch_y;  // the gap after the last row
  l.width = l.tiles_left + l.columns * l.pitch_x;          // the margin after the last column
  l.height = l.column_labels_top + BlockHeight(label_lines, l.column_label_scale) + m;
  // Sizes were bounded above, so these products cannot overflow before the check.
  if (l.columns > kMaxImageSide || l.rows > kMaxImageSide || l.width > kMaxImageSide ||
      l.height > kMaxImageSide) {
    return Bad("the grid would exceed " + std::to_string(kMaxImageSide) + " pixels on a side");
  }
  *layout = std::move(l);
  return Status::Ok();
}

Status ComposeGrid(const GridSpec& spec, const std::vector<RgbImage>& tiles, RgbImage* out) {
  GridLayout l;
  LRP_RETURN_IF_ERROR(LayoutGrid(spec, &l));
  if (tiles.size() != l.rows * l.columns) {
    return Bad("expected " + std::to_string(l.rows * l.columns) + " tiles (" +
               std::to_string(l.rows) + " x " + std::to_string(l.columns) + "), got " +
               std::to_string(tiles.size()));
  }
  for (size_t i = 0; i < tiles.size(); ++i) {
    const RgbImage& t = tiles[i];
    if (t.width != spec.tile_width || t.height != spec.tile_height ||
        t.pixels.size() != t.width * t.height * 3) {
      return Bad("tile " + std::to_string(i) + " is " + std::to_string(t.width) + "x" +
                 std::to_string(t.height) + ", expected " + std::to_string(spec.tile_width) + "x" +
                 std::to_string(spec.tile_height));
    }
  }

  RgbImage img;
  img.width = l.width;
  img.height = l.height;
  img.pixels.resize(img.width * img.height * 3);
  for (size_t i = 0; i < img.width * img.height; ++i) {
    img.pixels[3 * i] = spec.background.r;
    img.pixels[3 * i + 1] = spec.background.g;
    img.pixels[3 * i + 2] = spec.background.b;
  }
  const size_t row_bytes = spec.tile_width * 3;
  for (size_t r = 0; r < l.rows; ++r) {
    for (size_t c = 0; c < l.columns; ++c) {
      const RgbImage& t = tiles[r * l.columns + c];
      for (size_t y = 0; y < t.height; ++y) {
        std::copy_n(&t.pixels[y * row_bytes], row_bytes,
                    &img.pixels[((l.TileY(r) + y) * img.width + l.TileX(c)) * 3]);
      }
    }
  }

  const long line_step = static_cast<long>(kLineAdvance) * spec.text_scale;
  for (size_t r = 0; r < l.rows && l.row_label_width > 0; ++r) {
    const size_t block = BlockHeight(l.row_lines[r].size(), spec.text_scale);
    long y = static_cast<long>(l.TileY(r));
    if (block < spec.tile_height) y += static_cast<long>((spec.tile_height - block) / 2);
    for (const std::string& line : l.row_lines[r]) {
      DrawText(&img, static_cast<long>(spec.margin), y, line, spec.text_scale, spec.text);
      y += line_step;
    }
  }
  const int cs = l.column_label_scale;
  for (size_t c = 0; c < l.columns; ++c) {
    long y = static_cast<long>(l.column_labels_top);
    for (const std::string& line : l.column_lines[c]) {
      const size_t w = TextWidth(line, cs);
      const long x =
          static_cast<long>(l.TileX(c) + (spec.tile_width - std::min(w, spec.tile_width)) / 2);
      DrawText(&img, x, y, line, cs, spec.text);
      y += static_cast<long>(kLineAdvance) * cs;
    }
  }
  *out = std::move(img);
  return Status::Ok();
}

}  // namespace render
}  // namespace lrp
