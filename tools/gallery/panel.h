// One panel of the gallery: a model explained on a list of images by a list
// of columns, composed into one grid (tools/render/grid.h).
//
// Every heatmap explains the class the model predicts for its image (the
// top-1 output), seeded with 1 at that class (ExplainInit::kOne, so the maps
// do not depend on the score's scale), and is rendered with the default
// colour map (bwr, symmetric normalization, tools/render/heatmap.h). The
// picture column shows the image as the model sees it: at its input size
// and channel count, in gray.
#ifndef LRP_TOOLS_GALLERY_PANEL_H_
#define LRP_TOOLS_GALLERY_PANEL_H_

#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/status.h"
#include "tools/gallery/gallery_spec.h"
#include "tools/render/heatmap.h"

namespace lrp {
namespace gallery {

// What the model made of one image.
struct RowResult {
  int predicted = -1;           // the top-1 class
  std::string predicted_label;  // its label ("class N" if the model has none)
  float score = 0.0f;           // the model output at that class
};

struct PanelResult {
  render::RgbImage grid;
  std::vector<RowResult> rows;  // one per image
  // Per column: the first earlier column whose tiles are the same pixels
  // in every row, or -1. A parameter at its default value shows up here,
  // and the page says so instead of leaving the reader to spot it.
  std::vector<int> same_as;
};

// Ok if the runtime can explain `model` with every heatmap column; else
// kInvalidArgument naming the first column it cannot (unknown composite or
// parameter, a rule that does not fit a layer).
Status CheckColumns(const Model& model, const std::vector<Column>& columns);

// Renders `columns` x `images` with tiles `tile_scale` pixels per input
// pixel. `images[i].path` is opened as given (the caller resolves it).
// Before anything is rendered the columns are checked (CheckColumns). Fails
// as well if the model does not take images, an image cannot be read, or a
// heatmap is not finite.
Status RenderPanel(const Model& model, const std::vector<GalleryImage>& images,
                   const std::vector<Column>& columns, int tile_scale, PanelResult* out);

}  // namespace gallery
}  // namespace lrp

#endif  // LRP_TOOLS_GALLERY_PANEL_H_
