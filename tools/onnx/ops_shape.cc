// Operators that only rename or reshape: Flatten, Reshape, Squeeze,
// Unsqueeze, Identity, Dropout, and Pad (kept pending until the Conv or
// AveragePool that reads it takes the padding over).
#include <string>
#include <vector>

#include "tools/onnx/context.h"
#include "tools/onnx/ops.h"

namespace lrp {
namespace onnx_import {
namespace {

// Defines the node's output as `x` holding `dims` elements in ONNX order.
Status Reshaped(Context& ctx, const onnx::NodeProto& node, Value x,
                const std::vector<int64_t>& dims) {
  if (ElementCount(dims) != ElementCount(x.dims)) {
    return Context::Error(node, "cannot reshape " + DimsString(x.dims) + " to " + DimsString(dims));
  }
  const bool flat = dims.size() == 1 || (dims.size() == 2 && dims[0] == 1);
  if (x.layout != Layout::kPlain) {
    const bool same_order = x.c == 1 || static_cast<int64_t>(x.h) * x.w == 1;
    if (same_order) {
      x.layout = Layout::kPlain;
    } else if (flat && (x.layout == Layout::kFlatChw || x.dims[0] == 1)) {
      // Flattening a feature map: the runtime keeps HWC order and the
      // Gemm/MatMul that reads it reorders its weights instead.
      x.layout = Layout::kFlatChw;
    } else {
      return Context::Error(node, "reshaping the feature map " + DimsString(x.dims) + " to " +
                                      DimsString(dims) +
                                      " would need a transpose (lrp keeps channels last)");
    }
  }
  x.dims = dims;
  const Shape want = RuntimeShape(x);
  if (ctx.builder().shape(x.tensor) != want) {
    x.tensor = ctx.builder().Reshape(Context::LayerName(node), x.tensor, want);
    LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  }
  ctx.Define(node.output(0), x);
  return Status::Ok();
}

// Axes from the attribute (before opset 13) or the second input.
Status Axes(Context& ctx, const onnx::NodeProto& node, std::vector<int64_t>* axes) {
  if (ctx.opset() < 13) return Attributes(node).Ints("axes", axes);
  const Constant* c = nullptr;
  LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 1, &c));
  axes->clear();
  if (c != nullptr) {
    if (c->is_float) return Context::Error(node, "axes must be int64");
    *axes = c->i;
  }
  return Status::Ok();
}

Status NormalizeAxis(const onnx::NodeProto& node, int64_t rank, int64_t* axis) {
  if (*axis < -rank || *axis >= rank) {
    return Context::Error(node, "axis " + std::to_string(*axis) + " is out of range for rank " +
                                    std::to_string(rank));
  }
  if (*axis < 0) *axis += rank;
  return Status::Ok();
}

}  // namespace

Status ConvertFlatten(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"axis"}));
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  int64_t axis = 1;
  LRP_RETURN_IF_ERROR(Attributes(node).Int("axis", 1, &axis));
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  if (axis != rank) LRP_RETURN_IF_ERROR(NormalizeAxis(node, rank, &axis));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) (i < axis ? outer : inner) *= x.dims[i];
  return Reshaped(ctx, node, x, {outer, inner});
}

Status ConvertReshape(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"allowzero"}));
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  const Constant* shape = nullptr;
  LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 1, &shape));
  if (shape == nullptr || shape->is_float) {
    return Context::Error(node, "shape must be an int64 constant");
  }
  int64_t allow_zero = 0;
  LRP_RETURN_IF_ERROR(Attributes(node).Int("allowzero", 0, &allow_zero));
  std::vector<int64_t> dims = shape->i;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0 && allow_zero == 0) {
      if (i >= x.dims.size()) return Context::Error(node, "shape copies a missing dimension");
      dims[i] = x.dims[i];
    }
    if (dims[i] == -1) {
      if (infer >= 0) return Context::Error(node, "shape has more than one -1");
      infer = static_cast<int>(i);
      continue;
    }
    if (dims[i] <= 0) {
      return Context::Error(node, "shape " + DimsString(shape->i) +
                                      " has a dimension lrp cannot hold (zero-size or negative)");
    }
    known *= dims[i];
  }
  if (infer >= 0) {
    const int64_t n = ElementCount(x.dims);
    if (known <= 0 || n % known != 0) {
      return Context::Error(node, "cannot infer -1 reshaping " + DimsString(x.dims));
    }
    dims[infer] = n / known;
  }
  return Reshaped(ctx, node, x, dims);
}

Status ConvertSqueeze(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"axes"}));
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  std::vector<int64_t> axes;
  LRP_RETURN_IF_ERROR(Axes(ctx, node, &axes));
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  std::vector<bool> drop(rank, false);
  for (int64_t a : axes) {
    LRP_RETURN_IF_ERROR(NormalizeAxis(node, rank, &a));
    if (x.dims[a] != 1) return Context::Error(node, "axis " + std::to_string(a) + " is not 1");
    drop[a] = true;
  }
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < rank; ++i) {
    const bool squeeze = axes.empty() ? x.dims[i] == 1 : drop[i];
    if (!squeeze) dims.push_back(x.dims[i]);
  }
  return Reshaped(ctx, node, x, dims);
}

Status ConvertUnsqueeze(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"axes"}));
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  std::vector<int64_t> axes;
  LRP_RETURN_IF_ERROR(Axes(ctx, node, &axes));
  if (axes.empty()) return Context::Error(node, "axes are required");
  const int64_t rank = static_cast<int64_t>(x.dims.size() + axes.size());
  std::vector<bool> inserted(rank, false);
  for (int64_t a : axes) {
    LRP_RETURN_IF_ERROR(NormalizeAxis(node, rank, &a));
    if (inserted[a]) return Context::Error(node, "axis " + std::to_string(a) + " repeats");
    inserted[a] = true;
  }
  std::vector<int64_t> dims;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i) dims.push_back(inserted[i] ? 1 : x.dims[next++]);
  return Reshaped(ctx, node, x, dims);
}

Status ConvertIdentity(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {}));
  if (ctx.IsConstant(node.input(0))) {
    const Constant* c = nullptr;
    LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 0, &c));
    ctx.DefineConstant(node.output(0), *c);
    return Status::Ok();
  }
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x, /*allow_pad=*/true));
  ctx.Define(node.output(0), x);
  return Status::Ok();
}

// Dropout at inference is the identity; the mask output is not computed.
Status ConvertDropout(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"ratio", "seed", "is_test", "consumed_inputs"}));
  if (node.output_size() > 1 && !node.output(1).empty()) {
    return Context::Error(node, "the mask output is not supported");
  }
  if (ctx.HasInput(node, 2)) {
    const Constant* training = nullptr;
    LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 2, &training));
    const Constant* ratio = nullptr;
    LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 1, &ratio));
    const bool drops = ratio == nullptr || !ratio->is_float || ratio->f.empty() ||
                       ratio->f[0] != 0.0f;
    if (!training->i.empty() && training->i[0] != 0 && drops) {
      return Context::Error(node, "training_mode = true is not inference");
    }
  }
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x));
  ctx.Define(node.output(0), x);
  return Status::Ok();
}

// A zero constant Pad over H and W, merged into the next Conv or
// AveragePool (PyTorch exports count_include_pad pooling this way).
Status ConvertPad(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"mode", "pads", "value"}));
  std::string mode;
  LRP_RETURN_IF_ERROR(Attributes(node).String("mode", "constant", &mode));
  if (mode != "constant") {
    return Context::Error(node, "mode '" + mode + "' is not supported (only constant zeros)");
  }
  std::vector<int64_t> pads;
  float value = 0;
  if (ctx.opset() < 11) {
    LRP_RETURN_IF_ERROR(Attributes(node).Ints("pads", &pads));
    LRP_RETURN_IF_ERROR(Attributes(node).Float("value", 0.0f, &value));
  } else {
    const Constant* p = nullptr;
    const Constant* v = nullptr;
    LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 1, &p));
    LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 2, &v));
    if (p == nullptr || p->is_float) return Context::Error(node, "pads must be an int64 constant");
    pads = p->i;
    if (v != nullptr) {
      if (!v->is_float || v->f.size() != 1) return Context::Error(node, "constant_value must be one float");
      value = v->f[0];
    }
    if (ctx.HasInput(node, 3)) return Context::Error(node, "the axes input is not supported");
  }
  if (value != 0.0f) return Context::Error(node, "only zero padding is supported");
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x, /*allow_pad=*/true));
  if (x.dims.size() != 4 || pads.size() != 8) {
    return Context::Error(node, "only [N, C, H, W] inputs padded along H and W are supported");
  }
  for (int64_t v : pads) {
    if (v < 0 || v > 4096) return Context::Error(node, "pads must be between 0 and 4096");
  }
  if (pads[0] || pads[1] || pads[4] || pads[5]) {
    return Context::Error(node, "padding the batch or channel axis is not supported");
  }
  const bool was_padded = x.padded;
  x.padded = false;
  LRP_RETURN_IF_ERROR(ctx.Relayout(node, Layout::kNchw, &x));
  if (!was_padded) x.pad = Padding();
  x.padded = true;
  x.pad.top += static_cast<int32_t>(pads[2]);
  x.pad.left += static_cast<int32_t>(pads[3]);
  x.pad.bottom += static_cast<int32_t>(pads[6]);
  x.pad.right += static_cast<int32_t>(pads[7]);
  ctx.Define(node.output(0), x);
  return Status::Ok();
}

}  // namespace onnx_import
}  // namespace lrp
