// A relevance heatmap blended over the picture it explains.
//
// The picture is the model's view of the input: the image after it was
// converted to the model's channel count and resized to its H x W (the
// `fitted` picture of io::ImageToModelInput). It is shown in gray, so the
// heatmap's colours stay readable on colour photos, upscaled nearest
// neighbour by the heatmap's factor. Each pixel is then
//
//   out = (1 - a) * gray + a * heatmap,   a = kOverlayOpacity * |2t - 1|
//
// per RGB channel, rounded to the nearest integer, where heatmap is the
// pixel of the Zennit-exact rendering (render/heatmap.h) and
// t = (H + m) / (2m) its normalized value (H the channel-summed relevance,
// m = max|H|), so |2t - 1| = |H| / m. Zero relevance shows the picture
// unchanged; the strongest relevance of either sign shows 85 % heatmap
// colour over 15 % picture, so edges stay visible under the hottest spots.
// An all-zero map shows the picture alone.
#ifndef LRP_TOOLS_RENDER_OVERLAY_H_
#define LRP_TOOLS_RENDER_OVERLAY_H_

#include <vector>

#include "lrp/status.h"
#include "tools/io/image.h"
#include "tools/render/heatmap.h"

namespace lrp {
namespace render {

// The heatmap's opacity at the strongest relevance.
constexpr double kOverlayOpacity = 0.85;

// Blends `heatmap` (RenderHeatmap of `map` at any scale) over `picture`.
// `map` holds picture.height x picture.width channel-summed relevance values
// (row-major, finite); the picture has 1 to 4 channels (alpha is ignored).
// Fails with kInvalidArgument if the sizes do not match: the heatmap must
// be the map's size times one integer factor.
Status RenderOverlay(const io::Image& picture, const std::vector<double>& map,
                     const RgbImage& heatmap, RgbImage* out);

}  // namespace render
}  // namespace lrp

#endif  // LRP_TOOLS_RENDER_OVERLAY_H_
