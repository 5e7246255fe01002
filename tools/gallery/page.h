// The Markdown page next to the gallery's PNGs (docs/gallery/README.md):
// how the pictures were made, the command that regenerates them, what each
// column shows and, per panel, each row's image and predicted class.
// The text depends only on its inputs (no dates, no machine names), so
// regenerating an unchanged gallery gives the same file.
#ifndef LRP_TOOLS_GALLERY_PAGE_H_
#define LRP_TOOLS_GALLERY_PAGE_H_

#include <string>
#include <vector>

#include "tools/gallery/gallery_spec.h"
#include "tools/gallery/panel.h"

namespace lrp {
namespace gallery {

struct PanelReport {
  Panel panel;  // as rendered (columns may differ from the default)
  std::vector<Column> columns;
  std::vector<GalleryImage> images;       // paths relative to the source tree
  std::vector<RowResult> rows;            // one per image
  std::vector<int> same_as;               // PanelResult::same_as
  bool scores_are_probabilities = false;  // the model ends in a Softmax
  size_t width = 0, height = 0;           // the PNG's size
};

std::string GalleryPage(const std::vector<PanelReport>& panels, const std::string& command);

}  // namespace gallery
}  // namespace lrp

#endif  // LRP_TOOLS_GALLERY_PAGE_H_
