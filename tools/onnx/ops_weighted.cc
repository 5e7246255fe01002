// Conv, Gemm and MatMul: the layers with weights.
#include <string>
#include <vector>

#include "tools/onnx/context.h"
#include "tools/onnx/followers.h"
#include "tools/onnx/ops.h"
#include "tools/onnx/window.h"

namespace lrp {
namespace onnx_import {
namespace {

// Adds the layer and defines the ONNX output.
Status EmitConv(Context& ctx, const onnx::NodeProto& node, const Value& x, LayerParams p,
                LinearLayer& layer) {
  LRP_RETURN_IF_ERROR(AbsorbFollowers(ctx, &layer));
  p.activation = layer.activation;
  const uint32_t t =
      ctx.builder().Conv2D(Context::LayerName(node), x.tensor, p, std::move(layer.weights),
                           layer.has_bias ? std::move(layer.bias) : std::vector<float>());
  LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
  const Shape& s = ctx.builder().shape(t);
  Value y;
  y.tensor = t;
  if (layer.feature_map) {
    y.layout = Layout::kNchw;
    y.c = s.dims[2];
    y.w = s.dims[1];
    y.h = static_cast<int32_t>(s.dims[0] / x.dims[0]);
    y.dims = {x.dims[0], y.c, y.h, y.w};
  } else {
    y.dims = layer.dims;
  }
  ctx.Define(layer.output, y);
  return Status::Ok();
}

// y = x W^T + b for inputs with one row (Dense) or several (a 1x1
// convolution over [rows, 1, K], which applies the same W to every row).
Status EmitLinear(Context& ctx, const onnx::NodeProto& node, Value a, int64_t rows,
                  LinearLayer& layer) {
  if (rows == 1) {
    LRP_RETURN_IF_ERROR(ctx.Materialize(Context::LayerName(node), &a));
    LRP_RETURN_IF_ERROR(AbsorbFollowers(ctx, &layer));
    const uint32_t t = ctx.builder().Dense(
        Context::LayerName(node), a.tensor, layer.channels, std::move(layer.weights),
        layer.has_bias ? std::move(layer.bias) : std::vector<float>(), layer.activation);
    LRP_RETURN_IF_ERROR(ctx.BuilderStatus(node));
    Value y;
    y.tensor = t;
    y.dims = layer.dims;
    ctx.Define(layer.output, y);
    return Status::Ok();
  }
  LRP_RETURN_IF_ERROR(ctx.Relayout(node, Layout::kPlain, &a));
  LayerParams p;
  p.out_channels = layer.channels;
  return EmitConv(ctx, node, a, p, layer);
}

// Reorders Gemm/MatMul columns from ONNX's CHW flattening to the runtime's
// HWC order, so the layer reads the flattened feature map as it is stored.
void PermuteColumns(const Value& a, LinearLayer* layer) {
  if (a.layout != Layout::kFlatChw) return;
  const size_t k = static_cast<size_t>(a.c) * a.h * a.w, hw = static_cast<size_t>(a.h) * a.w;
  std::vector<float> row(k);
  for (int32_t n = 0; n < layer->channels; ++n) {
    float* w = &layer->weights[n * k];
    for (size_t c = 0; c < static_cast<size_t>(a.c); ++c) {
      for (size_t i = 0; i < hw; ++i) row[i * a.c + c] = w[c * hw + i];
    }
    std::copy(row.begin(), row.end(), w);
  }
}

}  // namespace

Status ConvertConv(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(
      node, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}));
  Value x;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &x, /*allow_pad=*/true));
  const Constant* w = nullptr;
  const Constant* b = nullptr;
  LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 1, &w));
  LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 2, &b));
  if (w == nullptr || !w->is_float || w->dims.size() != 4) {
    return Context::Error(node, "W must be a float constant [M, C/group, kH, kW] (2-D conv)");
  }
  const Padding merged = x.pad;
  const bool padded = x.padded;
  x.padded = false;
  LRP_RETURN_IF_ERROR(ctx.Relayout(node, Layout::kNchw, &x));
  int64_t group = 1;
  LRP_RETURN_IF_ERROR(Attributes(node).Int("group", 1, &group));
  const int64_t out = w->dims[0], per_group = w->dims[1];
  if (group < 1 || per_group * group != x.c || out % group != 0) {
    return Context::Error(node, "W " + DimsString(w->dims) + " with group " +
                                    std::to_string(group) + " does not fit " +
                                    std::to_string(x.c) + " input channels");
  }
  LayerParams p;
  bool ceil_unused = false;
  // The window sees the padded input: merged Pad pixels count for auto_pad.
  const int32_t in_h = x.h + (padded ? merged.top + merged.bottom : 0);
  const int32_t in_w = x.w + (padded ? merged.left + merged.right : 0);
  LRP_RETURN_IF_ERROR(ReadWindow(node, in_h, in_w, static_cast<int32_t>(w->dims[2]),
                                 static_cast<int32_t>(w->dims[3]), true, &p, &ceil_unused));
  if (padded) {
    p.padding.top += merged.top;
    p.padding.left += merged.left;
    p.padding.bottom += merged.bottom;
    p.padding.right += merged.right;
  }
  // Rows of different batch items sit on top of each other in the runtime
  // tensor: only a window that never leaves its row keeps them apart.
  const bool pointwise = p.kernel_h == 1 && p.stride_h == 1 && p.padding.top == 0 &&
                         p.padding.bottom == 0;
  if (x.dims[0] != 1 && !pointwise) {
    return Context::Error(node, "batch " + std::to_string(x.dims[0]) +
                                    " is only supported for 1xK convolutions; lrp runs batch 1");
  }
  p.out_channels = static_cast<int32_t>(out);
  p.groups = static_cast<int32_t>(group);

  LinearLayer layer;
  layer.channels = static_cast<int32_t>(out);
  layer.feature_map = true;
  layer.output = node.output(0);
  layer.dims = {x.dims[0], out, 0, 0};
  const size_t kh = w->dims[2], kw = w->dims[3], ci = per_group;
  layer.weights.resize(w->f.size());
  for (size_t o = 0; o < static_cast<size_t>(out); ++o) {  // OIHW -> OHWI
    for (size_t i = 0; i < ci; ++i) {
      for (size_t y = 0; y < kh; ++y) {
        for (size_t xx = 0; xx < kw; ++xx) {
          layer.weights[((o * kh + y) * kw + xx) * ci + i] = w->f[((o * ci + i) * kh + y) * kw + xx];
        }
      }
    }
  }
  layer.bias.assign(out, 0.0f);
  if (b != nullptr) {
    if (!b->is_float || static_cast<int64_t>(b->f.size()) != out) {
      return Context::Error(node, "B must be a float constant of " + std::to_string(out) +
                                      " values");
    }
    layer.bias = b->f;
    layer.has_bias = true;
  }
  return EmitConv(ctx, node, x, p, layer);
}

// Gemm: Y = alpha * A' B' + beta * C, A' = transA ? A^T : A (same for B).
Status ConvertGemm(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {"alpha", "beta", "transA", "transB", "broadcast"}));
  Attributes attrs(node);
  float alpha = 1, beta = 1;
  int64_t trans_a = 0, trans_b = 0;
  LRP_RETURN_IF_ERROR(attrs.Float("alpha", 1.0f, &alpha));
  LRP_RETURN_IF_ERROR(attrs.Float("beta", 1.0f, &beta));
  LRP_RETURN_IF_ERROR(attrs.Int("transA", 0, &trans_a));
  LRP_RETURN_IF_ERROR(attrs.Int("transB", 0, &trans_b));
  Value a;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &a));
  const Constant* b = nullptr;
  const Constant* c = nullptr;
  LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 1, &b));
  LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 2, &c));
  if (a.dims.size() != 2) return Context::Error(node, "A must be 2-D, got " + DimsString(a.dims));
  if (b == nullptr || !b->is_float || b->dims.size() != 2) {
    return Context::Error(node, "B must be a 2-D float constant");
  }
  int64_t rows = a.dims[0], k = a.dims[1];
  if (trans_a != 0) {
    // A^T has A's element order only when it is a single row.
    if (a.dims[1] != 1) return Context::Error(node, "transA = 1 needs A of shape [K, 1]");
    rows = 1;
    k = a.dims[0];
  }
  const int64_t n = trans_b ? b->dims[0] : b->dims[1];
  if ((trans_b ? b->dims[1] : b->dims[0]) != k) {
    return Context::Error(node, "A " + DimsString(a.dims) + " and B " + DimsString(b->dims) +
                                    " do not multiply");
  }
  if (a.layout == Layout::kNchw) LRP_RETURN_IF_ERROR(ctx.Relayout(node, Layout::kPlain, &a));
  LinearLayer layer;
  layer.channels = static_cast<int32_t>(n);
  layer.output = node.output(0);
  layer.dims = {rows, n};
  layer.weights.resize(n * k);
  for (int64_t o = 0; o < n; ++o) {
    for (int64_t i = 0; i < k; ++i) {
      layer.weights[o * k + i] = alpha * (trans_b ? b->f[o * k + i] : b->f[i * n + o]);
    }
  }
  layer.bias.assign(n, 0.0f);
  if (c != nullptr && beta != 0.0f) {
    // C broadcasts to [rows, n]; lrp layers add one bias per output.
    const bool scalar = c->f.size() == 1;
    const bool per_output = static_cast<int64_t>(c->f.size()) == n &&
                            (c->dims.size() == 1 || (c->dims.size() == 2 && c->dims[0] == 1) ||
                             rows == 1);
    if (!c->is_float || !(scalar || per_output)) {
      return Context::Error(node, "C " + DimsString(c->dims) +
                                      " is not one value per output column");
    }
    for (int64_t o = 0; o < n; ++o) layer.bias[o] = beta * c->f[scalar ? 0 : o];
    layer.has_bias = true;
  }
  PermuteColumns(a, &layer);
  if (a.layout == Layout::kFlatChw) a.dims = {1, k};
  return EmitLinear(ctx, node, a, rows, layer);
}

// MatMul with a constant 2-D right-hand side: a Gemm without bias, over all
// leading dimensions of A as rows.
Status ConvertMatMul(Context& ctx, int index) {
  const onnx::NodeProto& node = ctx.node(index);
  LRP_RETURN_IF_ERROR(Context::CheckAttributes(node, {}));
  Value a;
  LRP_RETURN_IF_ERROR(ctx.Input(node, 0, &a));
  const Constant* b = nullptr;
  LRP_RETURN_IF_ERROR(ctx.ConstInput(node, 1, &b));
  if (b == nullptr || !b->is_float || b->dims.size() != 2) {
    return Context::Error(node, "B must be a 2-D float constant");
  }
  if (a.dims.empty() || a.dims.back() != b->dims[0]) {
    return Context::Error(node, "A " + DimsString(a.dims) + " and B " + DimsString(b->dims) +
                                    " do not multiply");
  }
  if (a.layout == Layout::kNchw) LRP_RETURN_IF_ERROR(ctx.Relayout(node, Layout::kPlain, &a));
  const int64_t k = b->dims[0], n = b->dims[1];
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < a.dims.size(); ++i) rows *= a.dims[i];
  LinearLayer layer;
  layer.channels = static_cast<int32_t>(n);
  layer.output = node.output(0);
  layer.dims = a.dims;
  layer.dims.back() = n;
  layer.weights.resize(n * k);
  for (int64_t o = 0; o < n; ++o) {
    for (int64_t i = 0; i < k; ++i) layer.weights[o * k + i] = b->f[i * n + o];
  }
  layer.bias.assign(n, 0.0f);
  PermuteColumns(a, &layer);
  if (a.layout == Layout::kFlatChw) a.dims = {1, k};
  return EmitLinear(ctx, node, a, rows, layer);
}

}  // namespace onnx_import
}  // namespace lrp
