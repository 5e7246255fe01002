// The per-frame work of `lrp demo`: frame -> model input -> Forward ->
// Explain -> heatmap and overlay -> three JPEGs and a status, in buffers
// allocated once by Create().
//
// One explaining Session per composite is prepared at Create(), so
// switching composites from the page costs nothing at run time: the
// memory is the sum of their arenas (`lrp info --composite` prints one),
// plus the fixed buffers listed in the class. After the first Process()
// (which may touch lazily initialized library state), Process() allocates
// nothing: tests/demo/frame_loop_alloc_test.cc counts every malloc and
// operator new while frames run. The JPEG encoder is stb_image_write's,
// which writes baseline JPEG through a callback without heap memory of its
// own (its PNG and HDR writers do allocate; they are not used here).
#ifndef LRP_TOOLS_DEMO_FRAME_PROCESSOR_H_
#define LRP_TOOLS_DEMO_FRAME_PROCESSOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "lrp/status.h"
#include "ports/camera/frame_source.h"
#include "tools/demo/frame_result.h"
#include "tools/render/heatmap.h"

namespace lrp {
namespace demo {

struct ProcessorOptions {
  std::vector<std::string> composites;  // preset names; at least one
  int threads = 1;
  int jpeg_quality = 85;  // 1..100
  int scale = 0;          // view pixels per input pixel; 0: render::DefaultScale
  render::Colormap cmap = render::Colormap::kBwr;
};

class FrameProcessor {
 public:
  // `model` (an image model, io::CheckImageModel) must outlive the
  // processor. Fails naming the composite whose Session cannot be created.
  static Status Create(const Model& model, const ProcessorOptions& options,
                       std::unique_ptr<FrameProcessor>* out);

  // Runs frame (packed RGB, any size) with composite `composite` (an index
  // into composites()) and writes every field of result->status except
  // frame, dropped and fps (the frame loop's), and the three JPEGs.
  Status Process(const camera::RgbFrame& frame, int composite, FrameResult* result);

  const std::vector<std::string>& composites() const { return options_.composites; }
  const Session& session(int composite) const { return *sessions_[composite]; }
  int view_width() const { return view_width_; }
  int view_height() const { return view_height_; }
  // The most bytes a view's JPEG can take (ResultSlot's capacity).
  size_t jpeg_capacity() const;
  // Arena bytes of all Sessions together.
  size_t arena_bytes() const;

 private:
  FrameProcessor(const Model& model, const ProcessorOptions& options)
      : model_(model), options_(options) {}
  // Writes `rgb` (the view size) as a JPEG into *out.
  Status Encode(const uint8_t* rgb, JpegBuffer* out) const;

  const Model& model_;
  ProcessorOptions options_;
  std::vector<std::unique_ptr<Session>> sessions_;  // one per composite
  render::Palette palette_{};
  int in_height_ = 0, in_width_ = 0, in_channels_ = 0, scale_ = 1;
  int view_width_ = 0, view_height_ = 0;
  // Fixed buffers: the frame at the model's size, the channel-summed
  // relevance, and the three views as RGB.
  std::vector<uint8_t> fitted_;
  std::vector<double> map_;
  std::vector<uint8_t> views_[kNumViews];
};

}  // namespace demo
}  // namespace lrp

#endif  // LRP_TOOLS_DEMO_FRAME_PROCESSOR_H_
