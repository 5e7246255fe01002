#include "tools/demo/frame_result.h"

#include <cstring>

namespace lrp {
namespace demo {

const char* ViewName(View view) {
  switch (view) {
    case View::kFrame:
      return "frame";
    case View::kHeatmap:
      return "heatmap";
    case View::kOverlay:
      return "overlay";
  }
  return "?";
}

bool ParseView(const char* name, View* view) {
  for (int v = 0; v < kNumViews; ++v) {
    if (std::strcmp(name, ViewName(static_cast<View>(v))) == 0) {
      *view = static_cast<View>(v);
      return true;
    }
  }
  return false;
}

}  // namespace demo
}  // namespace lrp
