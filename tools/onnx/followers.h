// Folding what follows a Conv, Gemm or MatMul into it: inference-mode
// BatchNormalization (the canonization LRP rules assume), a constant
// per-channel Add (the bias PyTorch exports separately after MatMul), and a
// final Relu or Clip(0, 6) as the fused activation.
#ifndef LRP_TOOLS_ONNX_FOLLOWERS_H_
#define LRP_TOOLS_ONNX_FOLLOWERS_H_

#include <string>
#include <vector>

#include "tools/onnx/context.h"

namespace lrp {
namespace onnx_import {

struct LinearLayer {
  int32_t channels = 0;        // outputs
  std::vector<float> weights;  // output-major: channels x fan_in
  std::vector<float> bias;     // channels (zeros when there is none)
  bool has_bias = false;
  Activation activation = Activation::kNone;
  std::string output;          // ONNX name of the (last absorbed) output
  // The ONNX dimensions of the output; the channel axis is 1 for feature
  // maps and the last axis otherwise.
  std::vector<int64_t> dims;
  bool feature_map = false;
};

// Absorbs the chain of followers of `layer->output` that can be folded,
// marking their nodes done and advancing `layer->output`.
Status AbsorbFollowers(Context& ctx, LinearLayer* layer);

// A BatchNormalization node's per-channel constants after checking it is
// in inference mode: y = x * scale + shift per channel.
Status BatchNormAffine(Context& ctx, const onnx::NodeProto& node, int32_t channels,
                       std::vector<float>* mean, std::vector<float>* variance,
                       std::vector<float>* gamma, std::vector<float>* beta, float* epsilon);

}  // namespace onnx_import
}  // namespace lrp

#endif  // LRP_TOOLS_ONNX_FOLLOWERS_H_
