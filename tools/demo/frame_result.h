// What one processed frame of `lrp demo` publishes: a fixed-size status
// (prediction, timings) and one JPEG per view. Everything has its final
// size when the demo starts, so the frame loop fills it without allocating.
#ifndef LRP_TOOLS_DEMO_FRAME_RESULT_H_
#define LRP_TOOLS_DEMO_FRAME_RESULT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lrp {
namespace demo {

// The pictures the page can show.
enum class View : uint8_t { kFrame, kHeatmap, kOverlay };
constexpr int kNumViews = 3;
const char* ViewName(View view);  // "frame", "heatmap", "overlay"
bool ParseView(const char* name, View* view);

constexpr int kStatusTopK = 5;

// Plain data: copied whole to the HTTP threads.
struct FrameStatus {
  uint64_t frame = 0;            // frames processed so far, from 1; 0: none yet
  uint64_t source_sequence = 0;  // the frame source's own count
  uint64_t dropped = 0;          // frames the source delivered that were never processed
  int source_width = 0, source_height = 0;
  int composite = 0;  // index into the composites the demo prepared
  int target = -1;    // the explained class (the top one)
  int top_count = 0;
  int top_index[kStatusTopK] = {};
  float top_score[kStatusTopK] = {};
  bool relevance_finite = true;  // false: non-finite values were drawn as 0
  double fit_ms = 0, forward_ms = 0, explain_ms = 0, render_ms = 0, encode_ms = 0;
  double total_ms = 0;  // fit + forward + explain + render + encode
  double fps = 0;       // frames processed per second, over the last few frames
};

// A JPEG in a buffer of fixed capacity.
struct JpegBuffer {
  std::vector<uint8_t> bytes;  // capacity, sized at start
  size_t size = 0;             // bytes used by the current picture
};

struct FrameResult {
  FrameStatus status;
  JpegBuffer jpeg[kNumViews];
};

}  // namespace demo
}  // namespace lrp

#endif  // LRP_TOOLS_DEMO_FRAME_RESULT_H_
