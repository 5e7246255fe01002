#include "tools/cli/layer_params_printer.h"

namespace lrp {
namespace cli {
namespace {

void Window(const LayerParams& p, bool with_dilation, ParamSink* sink) {
  sink->Ints("kernel", {p.kernel_h, p.kernel_w}, false);
  sink->Ints("stride", {p.stride_h, p.stride_w}, p.stride_h == 1 && p.stride_w == 1);
  if (with_dilation) {
    sink->Ints("dilation", {p.dilation_h, p.dilation_w}, p.dilation_h == 1 && p.dilation_w == 1);
  }
  const Padding& pad = p.padding;
  sink->Ints("padding", {pad.top, pad.left, pad.bottom, pad.right},
             pad.top == 0 && pad.left == 0 && pad.bottom == 0 && pad.right == 0);
}

void FusedActivation(const LayerParams& p, ParamSink* sink) {
  sink->String("activation", ActivationName(p.activation), p.activation == Activation::kNone);
}

}  // namespace

const char* ActivationName(Activation activation) {
  switch (activation) {
    case Activation::kNone:
      return "none";
    case Activation::kRelu:
      return "relu";
    case Activation::kRelu6:
      return "relu6";
  }
  return "unknown";
}

void DescribeLayerParams(const LayerDesc& layer, ParamSink* sink) {
  const LayerParams& p = layer.params;
  switch (layer.kind) {
    case LayerKind::kConv2D:
      sink->Int("out_channels", p.out_channels, false);
      Window(p, /*with_dilation=*/true, sink);
      sink->Int("groups", p.groups, p.groups == 1);
      sink->Bool("bias", layer.buffers.data[1] != nullptr, false);
      FusedActivation(p, sink);
      break;
    case LayerKind::kDense:
      sink->Int("out_features", p.out_channels, false);
      sink->Bool("bias", layer.buffers.data[1] != nullptr, false);
      FusedActivation(p, sink);
      break;
    case LayerKind::kClamp:
      sink->Float("min", p.clamp_min, false);
      sink->Float("max", p.clamp_max, false);
      break;
    case LayerKind::kLeakyRelu:
      sink->Float("alpha", p.alpha, false);
      break;
    case LayerKind::kMaxPool2D:
      Window(p, /*with_dilation=*/true, sink);
      break;
    case LayerKind::kAvgPool2D:
      Window(p, /*with_dilation=*/false, sink);
      sink->Bool("count_include_pad", p.count_include_pad, !p.count_include_pad);
      break;
    case LayerKind::kReshape: {
      std::vector<int64_t> dims(p.shape.dims, p.shape.dims + p.shape.rank);
      sink->Ints("shape", dims, false);
      break;
    }
    case LayerKind::kAdd:
      FusedActivation(p, sink);
      break;
    case LayerKind::kBatchNorm:
      sink->Float("epsilon", p.epsilon, false);
      break;
    case LayerKind::kLRN:
      sink->Int("size", p.size, false);
      sink->Float("alpha", p.alpha, false);
      sink->Float("beta", p.beta, false);
      sink->Float("bias", p.bias, false);
      break;
    case LayerKind::kRelu:
    case LayerKind::kGlobalAvgPool:
    case LayerKind::kConcat:
    case LayerKind::kSoftmax:
      break;
  }
}

}  // namespace cli
}  // namespace lrp
