// /status.json of `lrp demo`: the latest frame's prediction and timings.
#ifndef LRP_TOOLS_DEMO_STATUS_JSON_H_
#define LRP_TOOLS_DEMO_STATUS_JSON_H_

#include <string>
#include <vector>

#include "tools/demo/frame_result.h"

namespace lrp {
namespace demo {

// What the page needs besides the frame's own status.
struct DemoInfo {
  std::string model;   // the model file
  std::string source;  // FrameSource::Describe()
  std::vector<std::string> composites;
  std::vector<std::string> labels;  // the model's class names (may be empty)
  int threads = 1;
  int view_width = 0, view_height = 0;
};

// One JSON object:
//   {"ready": bool, "model", "source", "threads", "composites": [...],
//    "composite": name of the active one, "view": {"width", "height"},
//    "frame", "source_sequence", "dropped", "source_size": {"width", "height"},
//    "target", "target_label", "top": [{"index", "label", "score"}, ...],
//    "relevance_finite", "fps",
//    "timings_ms": {"fit", "forward", "explain", "render", "encode", "total"}}
// Before the first frame only ready (false) and the static fields appear.
// `ready` false means `status` is ignored.
std::string StatusJson(const DemoInfo& info, bool ready, const FrameStatus& status);

}  // namespace demo
}  // namespace lrp

#endif  // LRP_TOOLS_DEMO_STATUS_JSON_H_
