// What `lrp explain` prints after a relevance pass, as text or JSON.
#ifndef LRP_TOOLS_CLI_EXPLAIN_REPORT_H_
#define LRP_TOOLS_CLI_EXPLAIN_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lrp/explain.h"
#include "lrp/model.h"
#include "lrp/session.h"
#include "tools/cli/top_k.h"
#include "tools/render/heatmap.h"

namespace lrp {
namespace cli {

// Everything the report needs besides the Session, which holds the logits,
// the rules and the relevance sums of the pass it ran last.
struct ExplainReport {
  std::string model_path;
  std::string input_path;
  std::vector<int64_t> input_shape;  // as read from the file; for an image,
                                     // the model input's source shape
  bool input_image = false;          // the input file was an image
  int image_width = 0, image_height = 0, image_channels = 0;  // as decoded
  Composite composite;
  std::vector<std::string> rule_flags;  // the --rule values as given
  ExplainInit init = ExplainInit::kLogit;
  bool top1 = true;  // the target was chosen as the highest logit
  int threads = 1;
  size_t top_k = kTopK;  // how many of the highest scores to list
  // Written files; empty paths were not requested.
  std::string relevance_path;
  std::vector<int64_t> relevance_shape;
  std::string heatmap_path;
  size_t heatmap_width = 0, heatmap_height = 0;
  int heatmap_scale = 0;
  render::Colormap cmap = render::Colormap::kBwr;
  std::string overlay_path;  // same size, scale and cmap as the heatmap
};

void PrintExplainText(const ExplainReport& report, const Session& session);
void PrintExplainJson(const ExplainReport& report, const Session& session);

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_EXPLAIN_REPORT_H_
