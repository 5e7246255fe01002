// What the heatmap gallery under docs/gallery/ shows: its panels (one grid
// PNG per model), the images (one row each) and the columns (one per
// explanation), as data, so the generator and the test that checks the
// committed files read the same lists.
//
// A column is written as a spec:
//   image                          the input picture itself
//   COMPOSITE                      a heatmap by that composite, e.g. epsilon
//   COMPOSITE:KEY=VALUE[,KEY=VALUE...]  with parameters, e.g.
//                                  epsilon-gamma-box:lrn=identity
// Parsing checks only the form; whether the runtime knows the composite
// and its parameters is checked against the model before anything is
// rendered (gallery.h), so a column the build cannot explain fails the run.
#ifndef LRP_TOOLS_GALLERY_GALLERY_SPEC_H_
#define LRP_TOOLS_GALLERY_GALLERY_SPEC_H_

#include <cstddef>
#include <string>
#include <vector>

#include "lrp/explain.h"
#include "lrp/status.h"
#include "tools/render/grid.h"

namespace lrp {
namespace gallery {

struct Column {
  std::string spec;       // as written
  bool is_image = false;  // the input picture instead of a heatmap
  Composite composite;    // name and params (heatmap columns)

  // The text under the column: the composite and its parameters,
  // "epsilon-gamma-box lrn=identity"; "image" for the picture.
  std::string Label() const;
};

// Parses one column spec (kInvalidArgument naming the spec if malformed).
Status ParseColumn(const std::string& spec, Column* column);
// Parses whitespace-separated column specs; at least one.
Status ParseColumnList(const std::string& list, std::vector<Column>* columns);

// One row of a panel: a picture and the class it shows.
struct GalleryImage {
  std::string path;   // relative to the source tree's root
  std::string label;  // the true class, as the data set names it
};

// One grid PNG: a model and its columns.
struct Panel {
  std::string name;                  // file name without .png, also the --panel name
  std::string title;                 // the heading on the Markdown page
  std::string model_path;            // relative to the source tree's root
  std::vector<std::string> columns;  // column specs
  std::string note;                  // what is particular to this panel (Markdown), may be empty
};

// The gallery as committed: the shipped CNN and its LRN variant.
const std::vector<Panel>& DefaultPanels();
// The rows of every panel: shipped test images of different classes.
const std::vector<GalleryImage>& DefaultImages();

// Output pixels per input pixel of every tile (28 x 28 inputs -> 168 px).
constexpr int kDefaultTileScale = 6;
// Column labels are drawn at this scale when they fit (grid.h shrinks them).
constexpr int kLabelTextScale = 2;

// One sentence on what a column shows, for the Markdown page.
std::string ColumnDescription(const Column& column);

// The row label: the true class, then the predicted class.
std::string RowLabel(const std::string& true_label, const std::string& predicted_label);
// Characters reserved for row labels so that every possible prediction
// among `class_labels` fits: the panel's size does not depend on what the
// model predicts.
size_t RowLabelChars(const std::vector<GalleryImage>& images,
                     const std::vector<std::string>& class_labels);

// The grid of one panel with square tiles `tile_side` pixels wide.
render::GridSpec PanelGridSpec(const std::vector<Column>& columns,
                               const std::vector<std::string>& row_labels, size_t tile_side,
                               size_t row_label_chars);

}  // namespace gallery
}  // namespace lrp

#endif  // LRP_TOOLS_GALLERY_GALLERY_SPEC_H_
