#include "lrp/model.h"

namespace lrp {

const char* LayerKindName(LayerKind kind) {
  switch (kind) {
    case LayerKind::kConv2D: return "conv2d";
    case LayerKind::kDense: return "dense";
    case LayerKind::kRelu: return "relu";
    case LayerKind::kClamp: return "clamp";
    case LayerKind::kLeakyRelu: return "leaky_relu";
    case LayerKind::kMaxPool2D: return "max_pool2d";
    case LayerKind::kAvgPool2D: return "avg_pool2d";
    case LayerKind::kGlobalAvgPool: return "global_avg_pool";
    case LayerKind::kReshape: return "reshape";
    case LayerKind::kAdd: return "add";
    case LayerKind::kConcat: return "concat";
    case LayerKind::kBatchNorm: return "batch_norm";
    case LayerKind::kLRN: return "lrn";
    case LayerKind::kSoftmax: return "softmax";
  }
  return "unknown";
}

size_t LayerDesc::parameters() const {
  size_t n = 0;
  for (size_t s : buffers.size) n += s;
  return n;
}

}  // namespace lrp
