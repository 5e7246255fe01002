// Non-allocating twins of RenderHeatmap and RenderOverlay (heatmap.h,
// overlay.h) for loops that render every frame into buffers allocated once,
// such as `lrp demo`. Same pixels, bit for bit, as the allocating versions
// (tests/render/render_into_test.cc compares them); what they give up is the
// validation: the caller guarantees the sizes and a finite map.
#ifndef LRP_TOOLS_RENDER_RENDER_INTO_H_
#define LRP_TOOLS_RENDER_RENDER_INTO_H_

#include <cstddef>
#include <cstdint>

#include "tools/render/heatmap.h"

namespace lrp {
namespace render {

// max |map[i]| over `count` values (the symmetric normalization's m).
double MaxAbsValue(const double* map, size_t count);

// The heatmap of a height x width channel-summed map, upscaled by `scale`
// (>= 1), into `rgb` (height*scale x width*scale x 3 bytes). `max_abs` is
// MaxAbsValue(map); the palette comes from MakePalette once.
void RenderHeatmapInto(const double* map, size_t height, size_t width, size_t scale,
                       double max_abs, const Palette& palette, uint8_t* rgb);

// The overlay of `heatmap_rgb` (RenderHeatmapInto's output, same scale)
// over `picture` (height x width pixels of `channels` 1 to 4 interleaved
// bytes) into `rgb` (same size as the heatmap).
void RenderOverlayInto(const uint8_t* picture, int channels, const double* map, size_t height,
                       size_t width, size_t scale, double max_abs, const uint8_t* heatmap_rgb,
                       uint8_t* rgb);

// The picture alone in colour (gray replicated), upscaled by `scale`: what
// the demo shows as "frame".
void RenderPictureInto(const uint8_t* picture, int channels, size_t height, size_t width,
                       size_t scale, uint8_t* rgb);

}  // namespace render
}  // namespace lrp

#endif  // LRP_TOOLS_RENDER_RENDER_INTO_H_
