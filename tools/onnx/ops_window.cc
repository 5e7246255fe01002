// Pooling, LRN and BatchNormalization that could not be folded: operators
// on feature maps that keep the channel count.
#include <string>
#include <vector>

#include "tools/onnx/context.h"
#include "tools/onnx/followers.h"
#include "tools/onnx/ops.h"
#include "tools/onnx/window.h"

namespace lrp {
namespace onnx_import {
namespace {

// Only the first output is computed (MaxPool's Indices are not).
Status SingleOutput(const onnx::NodeProto& node) {
  for (int k = 1; k < node.output_size(); ++k) {
    if (!node.output(k).empty()) {
      return Context::Error(node, "output " + std::to_string(k) + " ('" + node.output(k) +
                                      "') is not supported");
    }
  }
  return Status::Ok();
}

// A feature-map input of batch 1 (windows would cross batch items).
Status FeatureMapInput(Context& ctx, const onnx::NodeProto& node, Value* x, bool allow_pad,
                       bool any_batch) {
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, x, allow_pad));
  const bool padded = x->padded;
  const Padding pad = x->pad;
  x->padded = false;
  if (x->dims.size() != 4) {
    return Context::Error(node, "input " + DimsString(x->dims) +
                                    " is not [N, C, H, W]; lrp supports 2-D feature maps only");
  }
  LRP_RETURN_IF_ERROR(ctx.Relayout(node, Layout::kNchw, x));
  if (!any_batch && x->dims[0] != 1) {
    return Context::Error(node, "batch " + std::to_string(x->dims[0]) + " is not supported; "
                                "lrp runs batch 1");
  }
  x->padded = padded;
  x->pad = pad;
  return Status::Ok();
}

void DefineFeatureMap(Context& ctx, const onnx::NodeProto& node, uint32_t tensor, int64_t batch) {
  const Shape& s = ctx.builder().shape(tensor);
  Value y;
  y.tensor = tensor;
  y.layout = Layout::kNchw;
  y.c = s.dims[2];
  y.w = s.dims[1];
  y.h = static_cast<int32_t>(s.dims[0] / batch);
  y.dims = {batch, y.c, y.h, y.w};
  ctx.Define(node.output(0), y);
}

}  // namespace

Status ConvertMaxPool(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(
      node, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order",
             "strides"}));
  LRP_RETURN_IF_ERROR(SingleOutput(node));
  Value x;
  LRP_RETURN_IF_ERROR(FeatureMapInput(ctx, node, &x, false, false));
  LayerParams p;
  bool extra = false;
  LRP_RETURN_IF_ERROR(ReadWindow(node, x.h, x.w, 0, 0, true, &p, &extra));
  const uint32_t t = ctx.builder().MaxPool2D(Context::LayerName(node), x.tensor, p);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineFeatureMap(ctx, node, t, 1);
  return Status::Ok();
}

Status ConvertAveragePool(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(
      node, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"}));
  Value x;
  LRP_RETURN_IF_ERROR(FeatureMapInput(ctx, node, &x, true, false));
  LayerParams p;
  bool extra = false;
  const int32_t in_h = x.h + (x.padded ? x.pad.top + x.pad.bottom : 0);
  const int32_t in_w = x.w + (x.padded ? x.pad.left + x.pad.right : 0);
  LRP_RETURN_IF_ERROR(ReadWindow(node, in_h, in_w, 0, 0, false, &p, &extra));
  int64_t include = 0;
  LRP_RETURN_IF_ERROR(Attributes(node).Int("count_include_pad", 0, &include));
  const bool own_pads = p.padding.top || p.padding.left || p.padding.bottom || p.padding.right;
  if (x.padded) {
    // The zeros of a Pad are real values: they count in every average,
    // which is count_include_pad over the merged padding, as long as the
    // pooling's own padding is counted too (or there is none).
    if (own_pads && include == 0) {
      return Context::Error(node, "cannot merge the preceding Pad: the pooling has its own "
                                  "padding with count_include_pad = 0");
    }
    p.padding.top += x.pad.top;
    p.padding.left += x.pad.left;
    p.padding.bottom += x.pad.bottom;
    p.padding.right += x.pad.right;
    include = 1;
    ctx.notes().push_back("merged a Pad into AveragePool '" + Context::LayerName(node) + "'");
  }
  if (extra && include != 0) {
    return Context::Error(node, "ceil_mode with count_include_pad = 1 is not supported");
  }
  p.count_include_pad = include != 0;
  const uint32_t t = ctx.builder().AvgPool2D(Context::LayerName(node), x.tensor, p);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineFeatureMap(ctx, node, t, 1);
  return Status::Ok();
}

Status ConvertGlobalAveragePool(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {}));
  Value x;
  LRP_RETURN_IF_ERROR(FeatureMapInput(ctx, node, &x, false, false));
  const uint32_t t = ctx.builder().GlobalAvgPool(Context::LayerName(node), x.tensor);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineFeatureMap(ctx, node, t, 1);
  return Status::Ok();
}

Status ConvertLRN(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"alpha", "beta", "bias", "size"}));
  Value x;
  // Across channels only: batch items stay apart in any batch.
  LRP_RETURN_IF_ERROR(FeatureMapInput(ctx, node, &x, false, true));
  Attributes a(node);
  float alpha = 0, beta = 0, bias = 0;
  int64_t size = 0;
  LRP_RETURN_IF_ERROR(a.Float("alpha", 1e-4f, &alpha));
  LRP_RETURN_IF_ERROR(a.Float("beta", 0.75f, &beta));
  LRP_RETURN_IF_ERROR(a.Float("bias", 1.0f, &bias));
  LRP_RETURN_IF_ERROR(a.Int("size", 0, &size));
  if (size < 1 || size > 1024) return Context::Error(node, "size must be between 1 and 1024");
  const uint32_t t = ctx.builder().LRN(Context::LayerName(node), x.tensor,
                                       static_cast<int32_t>(size), alpha, beta, bias);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineFeatureMap(ctx, node, t, x.dims[0]);
  return Status::Ok();
}

// A BatchNormalization whose input is not a Conv or Gemm of its own (e.g.
// after an Add or at the input) stays a layer of its own.
Status ConvertBatchNormalization(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  if (x.dims.size() < 2) return Context::Error(node, "input must have a channel axis");
  // Channels are axis 1: last in the runtime for feature maps and for
  // [N, C] vectors; other ranks would need a transpose.
  if (x.dims.size() == 4) {
    LRP_RETURN_IF_ERROR(ctx.Relayout(node, Layout::kNchw, &x));
  } else if (x.dims.size() != 2 || x.layout != Layout::kPlain) {
    return Context::Error(node, "input " + DimsString(x.dims) + " is not [N, C] or [N, C, H, W]");
  }
  const int32_t channels = static_cast<int32_t>(x.dims[1]);
  std::vector<float> mean, var, gamma, beta;
  float eps = 0;
  LRP_RETURN_IF_ERROR(BatchNormAffine(ctx, node, channels, &mean, &var, &gamma, &beta, &eps));
  LRP_RETURN_IF_ERROR(ctx.Materialize(Context::LayerName(node), &x));
  const uint32_t t = ctx.builder().BatchNorm(Context::LayerName(node), x.tensor, mean, var,
                                             gamma, beta, eps);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  Value y = x;
  y.tensor = t;
  ctx.Define(node.output(0), y);
  return Status::Ok();
}

}  // namespace onnx_import
}  // namespace lrp
