// Element-wise and joining operators: Relu, LeakyRelu, Clip, Add, Concat,
// and Softmax (the model output only).
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "tools/onnx/context.h"
#include "tools/onnx/ops.h"

namespace lrp {
namespace onnx_import {
namespace {

// Defines output `name` as `x` moved to `tensor` (same dims and layout).
void DefineLike(Context& ctx, const std::string& name, Value x, uint32_t tensor) {
  x.tensor = tensor;
  ctx.Define(name, x);
}

// Clip bounds from attributes (before opset 11) or inputs; absent bounds
// are the float range, which clamps nothing finite.
Status ClipBounds(Context& ctx, const onnx::NodeProto& node, float* lo, float* hi) {
  *lo = -FLT_MAX;
  *hi = FLT_MAX;
  if (ctx.opset() < 11) {
    LRP_RETURN_IF_ERROR(Attributes(node).Float("min", -FLT_MAX, lo));
    LRP_RETURN_IF_ERROR(Attributes(node).Float("max", FLT_MAX, hi));
  } else {
    for (int k = 1; k <= 2; ++k) {
      const Constant* c = nullptr;
      LRP_RETURN_IF_ERROR(ctx.ConstInput(node, k, &c));
      if (c == nullptr) continue;
      if (!c->is_float || c->f.size() != 1) {
        return Context::Error(node, std::string(k == 1 ? "min" : "max") + " must be one float");
      }
      (k == 1 ? *lo : *hi) = c->f[0];
    }
  }
  if (std::isnan(*lo) || std::isnan(*hi)) return Context::Error(node, "min/max is NaN");
  *lo = std::fmax(*lo, -FLT_MAX);
  *hi = std::fmin(*hi, FLT_MAX);
  if (*lo > *hi) return Context::Error(node, "min exceeds max");
  return Status::Ok();
}

}  // namespace

Status ConvertRelu(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {}));
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  const uint32_t t = ctx.builder().Relu(Context::LayerName(node), x.tensor);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineLike(ctx, node.output(0), x, t);
  return Status::Ok();
}

Status ConvertLeakyRelu(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"alpha"}));
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  float alpha = 0;
  LRP_RETURN_IF_ERROR(Attributes(node).Float("alpha", 0.01f, &alpha));
  const uint32_t t = ctx.builder().LeakyRelu(Context::LayerName(node), x.tensor, alpha);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineLike(ctx, node.output(0), x, t);
  return Status::Ok();
}

Status ConvertClip(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"min", "max"}));
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  float lo = 0, hi = 0;
  LRP_RETURN_IF_ERROR(ClipBounds(ctx, node, &lo, &hi));
  const std::string name = Context::LayerName(node);
  const uint32_t t = lo == 0.0f && hi == FLT_MAX ? ctx.builder().Relu(name, x.tensor)
                                                 : ctx.builder().Clamp(name, x.tensor, lo, hi);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineLike(ctx, node.output(0), x, t);
  return Status::Ok();
}

// Add of two computed tensors of the same shape (residual connections). A
// following Relu is fused. Constant addends are folded into the producing
// Conv/Gemm/MatMul earlier; any left over cannot be represented.
Status ConvertAdd(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {}));
  for (int k = 0; k < 2; ++k) {
    if (ctx.HasInput(node, k) && ctx.IsConstant(node.input(k))) {
      return Context::Error(node, "adding a constant is supported only as the bias of the Conv, "
                                  "Gemm or MatMul right before it");
    }
  }
  Value a, b;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &a));
  LRP_RETURN_IF_ERROR(ctx.Input(node, 1, &b));
  if (a.dims != b.dims) {
    return Context::Error(node, "shapes " + DimsString(a.dims) + " and " + DimsString(b.dims) +
                                    " differ; broadcasting is not supported");
  }
  if (a.layout == Layout::kFlatChw || b.layout == Layout::kFlatChw) {
    if (a.layout != b.layout) return Context::Error(node, "inputs are laid out differently");
  } else {
    LRP_RETURN_IF_ERROR(ctx.Relayout(node, a.layout, &b));
    LRP_RETURN_IF_ERROR(ctx.Materialize(Context::LayerName(node), &a));
  }
  std::string out = node.output(0);
  Activation act = Activation::kNone;
  const int next = ctx.SoleConsumer(out);
  if (next >= 0 && ctx.node(next).op_type() == "Relu") {
    act = Activation::kRelu;
    ctx.MarkDone(next);
    out = ctx.node(next).output(0);
  }
  const uint32_t t = ctx.builder().Add(Context::LayerName(node), a.tensor, b.tensor, act);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineLike(ctx, out, a, t);
  return Status::Ok();
}

// Concat along the axis the runtime keeps last: channels of feature maps,
// the last axis of other tensors.
Status ConvertConcat(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"axis"}));
  if (node.input_size() < 1) return Context::Error(node, "no inputs");
  std::vector<Value> xs(node.input_size());
  for (int k = 0; k < node.input_size(); ++k) {
    LRP_RETURN_IF_ERROR(ctx.Input(node, k, &xs[k]));
  }
  int64_t axis = 0;
  LRP_RETURN_IF_ERROR(Attributes(node).Int("axis", 1, &axis));
  const int64_t rank = static_cast<int64_t>(xs[0].dims.size());
  if (axis < -rank || axis >= rank) return Context::Error(node, "axis is out of range");
  if (axis < 0) axis += rank;
  const Layout layout = xs[0].layout == Layout::kNchw && axis == 1 ? Layout::kNchw : Layout::kPlain;
  if (layout == Layout::kPlain && axis != rank - 1) {
    return Context::Error(node, "concatenating along axis " + std::to_string(axis) + " of " +
                                    DimsString(xs[0].dims) +
                                    " is not supported (only channels, or the last axis)");
  }
  std::vector<uint32_t> tensors;
  Value y = xs[0];
  y.dims[axis] = 0;
  for (Value& x : xs) {
    if (x.dims.size() != xs[0].dims.size()) return Context::Error(node, "ranks differ");
    for (int64_t i = 0; i < rank; ++i) {
      if (i != axis && x.dims[i] != xs[0].dims[i]) {
        return Context::Error(node, "shapes " + DimsString(xs[0].dims) + " and " +
                                        DimsString(x.dims) + " differ off the axis");
      }
    }
    LRP_RETURN_IF_ERROR(ctx.Relayout(node, layout, &x));
    tensors.push_back(x.tensor);
    y.dims[axis] += x.dims[axis];
  }
  y.layout = layout;
  if (layout == Layout::kNchw) y.c = static_cast<int32_t>(y.dims[1]);
  const uint32_t t = ctx.builder().Concat(Context::LayerName(node), tensors);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineLike(ctx, node.output(0), y, t);
  return Status::Ok();
}

// Softmax over the axis the runtime keeps last and contiguous. Explanations
// start from its input (the logits), so it must be the model output.
Status ConvertSoftmax(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"axis"}));
  if (!ctx.IsGraphOutput(node.output(0))) {
    return Context::Error(node, "Softmax is supported only as the model output");
  }
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  const bool coerce_2d = ctx.opset() < 13;  // older Softmax: over all axes from `axis` on
  int64_t axis = 0;
  LRP_RETURN_IF_ERROR(Attributes(node).Int("axis", coerce_2d ? 1 : -1, &axis));
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    return Context::Error(node, "axis is out of range");
  }
  if (axis < 0) axis += rank;
  Value view = x;
  const bool channels = x.layout == Layout::kNchw && axis == 1 && !coerce_2d;
  if (!channels) {
    // As [outer, inner] rows with the softmax over each row; inner must be
    // the contiguous tail of the tensor.
    int64_t outer = 1, inner = 1, tail = 1;
    for (int64_t i = 0; i < rank; ++i) {
      if (i < axis) outer *= x.dims[i];
      if (i >= axis) inner *= x.dims[i];
      if (i > axis) tail *= x.dims[i];
    }
    if (!coerce_2d && tail != 1) {
      return Context::Error(node, "softmax over axis " + std::to_string(axis) + " of " +
                                      DimsString(x.dims) +
                                      " is not supported (only the last non-trivial axis)");
    }
    LRP_RETURN_IF_ERROR(ctx.Relayout(node, Layout::kPlain, &view));
    view.dims = {outer, inner};
    LRP_RETURN_IF_ERROR(ctx.Materialize(Context::LayerName(node), &view));
  }
  const uint32_t t = ctx.builder().Softmax(Context::LayerName(node), view.tensor);
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  DefineLike(ctx, node.output(0), channels ? x : view, t);
  return Status::Ok();
}

}  // namespace onnx_import
}  // namespace lrp
