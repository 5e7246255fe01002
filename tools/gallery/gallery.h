// The heatmap gallery generator: renders panels (gallery_spec.h) to
// <output_dir>/<panel>.png and writes <output_dir>/README.md (page.h).
// `lrp_gallery` (tools/gallery/main.cc) is a thin command line around
// RunGallery; tools/scripts/make_gallery.sh regenerates docs/gallery/.
#ifndef LRP_TOOLS_GALLERY_GALLERY_H_
#define LRP_TOOLS_GALLERY_GALLERY_H_

#include <string>
#include <vector>

#include "lrp/status.h"
#include "tools/gallery/gallery_spec.h"

namespace lrp {
namespace gallery {

struct GalleryOptions {
  std::string source_dir = ".";     // the source tree: models and images are found here
  std::string output_dir;           // must exist
  std::vector<std::string> panels;  // panel names to render; empty: every default panel
  std::string columns;              // column specs replacing every panel's; empty: defaults
  int tile_scale = kDefaultTileScale;
  std::string command;  // the regenerating command, shown on the page
};

// Renders the panels and writes the PNGs and the page. Every panel's columns
// are checked against its model before anything is written, so a composite
// the build does not know fails the run with the column's name and no
// file changes. `written` receives the paths of the files written.
Status RunGallery(const GalleryOptions& options, std::vector<std::string>* written);

}  // namespace gallery
}  // namespace lrp

#endif  // LRP_TOOLS_GALLERY_GALLERY_H_
