#include "tools/demo/frame_processor.h"

#include <stb/stb_image_write.h>

#include <chrono>
#include <cmath>
#include <cstring>

#include "tools/demo/fit_frame.h"
#include "tools/io/preprocess.h"
#include "tools/render/render_into.h"

namespace lrp {
namespace demo {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// stb's callback target: appends to a fixed buffer and remembers overflow
// instead of growing.
struct JpegSink {
  JpegBuffer* buffer;
  bool overflow;
};

void WriteToSink(void* context, void* data, int size) {
  JpegSink* sink = static_cast<JpegSink*>(context);
  const size_t n = static_cast<size_t>(size);
  if (sink->overflow || sink->buffer->size + n > sink->buffer->bytes.size()) {
    sink->overflow = true;
    return;
  }
  std::memcpy(sink->buffer->bytes.data() + sink->buffer->size, data, n);
  sink->buffer->size += n;
}

// The indices of the k highest scores, best first, ties to the lower index
// (TopK's order), into a fixed array.
int TopScores(const float* scores, size_t count, int* index, float* score) {
  const int k = static_cast<int>(count < kStatusTopK ? count : kStatusTopK);
  for (int r = 0; r < k; ++r) {
    int best = -1;
    for (size_t i = 0; i < count; ++i) {
      bool taken = false;
      for (int q = 0; q < r; ++q) taken = taken || index[q] == static_cast<int>(i);
      if (taken) continue;
      // NaN never wins over a number.
      if (best < 0 || scores[i] > scores[best] ||
          (std::isnan(scores[best]) && !std::isnan(scores[i]))) {
        best = static_cast<int>(i);
      }
    }
    index[r] = best;
    score[r] = scores[best];
  }
  return k;
}

}  // namespace

Status FrameProcessor::Create(const Model& model, const ProcessorOptions& options,
                              std::unique_ptr<FrameProcessor>* out) {
  LRP_RETURN_IF_ERROR(io::CheckImageModel(model));
  if (options.composites.empty()) {
    return Status(StatusCode::kInvalidArgument, "demo: no composite to explain with");
  }
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100) {
    return Status(StatusCode::kInvalidArgument, "demo: JPEG quality must be in [1, 100]");
  }
  std::unique_ptr<FrameProcessor> p(new FrameProcessor(model, options));
  const Shape& shape = model.input_shape();
  p->in_height_ = static_cast<int>(shape.dims[0]);
  p->in_width_ = static_cast<int>(shape.dims[1]);
  p->in_channels_ = static_cast<int>(shape.dims[2]);
  p->scale_ = options.scale > 0 ? options.scale
                                 : render::DefaultScale(shape.dims[0], shape.dims[1]);
  if (p->scale_ > render::kMaxScale ||
      static_cast<size_t>(p->in_height_) * p->scale_ > render::kMaxImageSide ||
      static_cast<size_t>(p->in_width_) * p->scale_ > render::kMaxImageSide) {
    return Status(StatusCode::kInvalidArgument,
                  "demo: scale " + std::to_string(p->scale_) + " makes the views too large");
  }
  p->view_width_ = p->in_width_ * p->scale_;
  p->view_height_ = p->in_height_ * p->scale_;
  p->palette_ = render::MakePalette(options.cmap);

  for (const std::string& name : options.composites) {
    SessionOptions so;
    so.mode = Mode::kExplain;
    so.threads = options.threads;
    so.composite.name = name;
    std::unique_ptr<Session> session;
    Status s = Session::Create(model, so, &session);
    if (!s.ok()) return Status(s.code(), "composite " + name + ": " + s.message());
    p->sessions_.push_back(std::move(session));
  }
  const size_t pixels = static_cast<size_t>(p->in_height_) * p->in_width_;
  p->fitted_.resize(pixels * p->in_channels_);
  p->map_.resize(pixels);
  for (std::vector<uint8_t>& view : p->views_) {
    view.resize(static_cast<size_t>(p->view_width_) * p->view_height_ * 3);
  }
  *out = std::move(p);
  return Status::Ok();
}

size_t FrameProcessor::jpeg_capacity() const {
  // Baseline JPEG of noise at quality 100 stays well below twice the raw
  // RGB size; headers and tables add under 1 KiB.
  return static_cast<size_t>(view_width_) * view_height_ * 3 * 2 + 4096;
}

size_t FrameProcessor::arena_bytes() const {
  size_t total = 0;
  for (const auto& session : sessions_) total += session->arena_report().total;
  return total;
}

Status FrameProcessor::Encode(const uint8_t* rgb, JpegBuffer* out) const {
  out->size = 0;
  JpegSink sink{out, false};
  if (!stbi_write_jpg_to_func(WriteToSink, &sink, view_width_, view_height_, 3, rgb,
                              options_.jpeg_quality) ||
      sink.overflow) {
    out->size = 0;
    return Status(StatusCode::kInternal, "demo: JPEG encoding failed or exceeded its buffer");
  }
  return Status::Ok();
}

Status FrameProcessor::Process(const camera::RgbFrame& frame, int composite,
                               FrameResult* result) {
  if (composite < 0 || composite >= static_cast<int>(sessions_.size())) {
    return Status(StatusCode::kInvalidArgument, "demo: composite index out of range");
  }
  if (frame.pixels == nullptr || frame.width <= 0 || frame.height <= 0) {
    return Status(StatusCode::kInvalidArgument, "demo: empty frame");
  }
  Session& session = *sessions_[composite];
  FrameStatus& st = result->status;
  const Clock::time_point t0 = Clock::now();

  FitFrame(frame.pixels, frame.width, frame.height, in_width_, in_height_, in_channels_,
           fitted_.data());
  io::PixelsToModelInput(fitted_.data(), model_, session.input());
  const Clock::time_point t1 = Clock::now();
  LRP_RETURN_IF_ERROR(session.Forward());
  const Clock::time_point t2 = Clock::now();
  LRP_RETURN_IF_ERROR(session.Explain());
  const Clock::time_point t3 = Clock::now();

  const size_t pixels = map_.size();
  const float* relevance = session.relevance();
  st.relevance_finite = true;
  for (size_t p = 0; p < pixels; ++p) {
    double sum = 0;
    for (int c = 0; c < in_channels_; ++c) sum += relevance[p * in_channels_ + c];
    // A breakdown of the rules on this frame shows as no relevance, and the
    // status says so, rather than a picture of NaNs.
    if (!std::isfinite(sum)) {
      sum = 0;
      st.relevance_finite = false;
    }
    map_[p] = sum;
  }
  const double m = render::MaxAbsValue(map_.data(), pixels);
  const size_t h = static_cast<size_t>(in_height_), w = static_cast<size_t>(in_width_);
  const size_t s = static_cast<size_t>(scale_);
  uint8_t* frame_view = views_[static_cast<int>(View::kFrame)].data();
  uint8_t* heatmap_view = views_[static_cast<int>(View::kHeatmap)].data();
  uint8_t* overlay_view = views_[static_cast<int>(View::kOverlay)].data();
  render::RenderPictureInto(fitted_.data(), in_channels_, h, w, s, frame_view);
  render::RenderHeatmapInto(map_.data(), h, w, s, m, palette_, heatmap_view);
  render::RenderOverlayInto(fitted_.data(), in_channels_, map_.data(), h, w, s, m, heatmap_view,
                            overlay_view);
  const Clock::time_point t4 = Clock::now();
  for (int v = 0; v < kNumViews; ++v) {
    LRP_RETURN_IF_ERROR(Encode(views_[v].data(), &result->jpeg[v]));
  }
  const Clock::time_point t5 = Clock::now();

  st.source_sequence = frame.sequence;
  st.source_width = frame.width;
  st.source_height = frame.height;
  st.composite = composite;
  st.target = session.explained_target();
  st.top_count = TopScores(session.output(), session.output_size(), st.top_index, st.top_score);
  st.fit_ms = Ms(t0, t1);
  st.forward_ms = Ms(t1, t2);
  st.explain_ms = Ms(t2, t3);
  st.render_ms = Ms(t3, t4);
  st.encode_ms = Ms(t4, t5);
  st.total_ms = Ms(t0, t5);
  return Status::Ok();
}

}  // namespace demo
}  // namespace lrp
