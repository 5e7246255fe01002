#include "runtime/exec/forward_ops.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ports/kernels.h"
#include "runtime/xnn/convolution.h"
#include "runtime/xnn/xnn_init.h"

namespace lrp {
namespace internal {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Range {
  float lo, hi;
};

Range ActivationRange(Activation a) {
  switch (a) {
    case Activation::kRelu: return {0.0f, kInf};
    case Activation::kRelu6: return {0.0f, 6.0f};
    case Activation::kNone: break;
  }
  return {-kInf, kInf};
}

size_t Channels(const Shape& s) { return static_cast<size_t>(s.dims[s.rank - 1]); }

// A per-channel affine map y = x * w + b as a depthwise 1x1 convolution, or
// a constant-weight depthwise KxK one (average pooling that counts padding).
Status CreateDepthwise(const LayerParams& window, size_t channels, const float* weights,
                       const float* bias, size_t in_h, size_t in_w, const float* x, float* y,
                       pthreadpool_t pool, xnn_operator_t* op) {
  ConvolutionSpec spec = ConvolutionOf(window, channels, channels);
  spec.dilation_h = spec.dilation_w = 1;
  spec.groups = channels;
  spec.group_in = spec.group_out = 1;
  return CreateConvolution(spec, weights, bias, in_h, in_w, x, y, pool, op);
}

// Conv2D or Dense from x into y with activation range r.
Status CreateLinear(const Model& model, const LayerDesc& l, Range r, const float* x, float* y,
                    pthreadpool_t pool, xnn_operator_t* op) {
  const Shape& in = model.tensors()[l.inputs[0]].shape;
  const LayerParams& p = l.params;
  if (l.kind == LayerKind::kConv2D) {
    ConvolutionSpec spec = ConvolutionOf(p, Channels(in), static_cast<size_t>(p.out_channels));
    spec.lo = r.lo;
    spec.hi = r.hi;
    return CreateConvolution(spec, l.buffers.data[0], l.buffers.data[1], in.dims[0], in.dims[1],
                             x, y, pool, op);
  }
  const size_t cin = in.elements();
  const size_t cout = static_cast<size_t>(p.out_channels);
  LRP_RETURN_IF_ERROR(FromXnn(
      xnn_create_fully_connected_nc_f32(cin, cout, cin, cout, l.buffers.data[0],
                                        l.buffers.data[1], r.lo, r.hi, 0, op),
      "create fully connected"));
  return FromXnn(xnn_setup_fully_connected_nc_f32(*op, 1, x, y, pool), "setup fully connected");
}

// With `pre`, a Conv2D/Dense writes its pre-activation there and a clamp
// operator (ops[1]) applies the fused activation into the output.
Status Create(const Model& model, const LayerDesc& l, float* const* tensors, float* pre,
              pthreadpool_t pool, xnn_operator_t* ops) {
  const Shape& in = model.tensors()[l.inputs[0]].shape;
  const Shape& out = model.tensors()[l.output].shape;
  const float* x = tensors[l.inputs[0]];
  float* y = tensors[l.output];
  const LayerParams& p = l.params;
  const size_t n = out.elements();
  switch (l.kind) {
    case LayerKind::kConv2D:
    case LayerKind::kDense: {
      const Range r = ActivationRange(p.activation);
      if (!pre) return CreateLinear(model, l, r, x, y, pool, &ops[0]);
      LRP_RETURN_IF_ERROR(CreateLinear(model, l, Range{-kInf, kInf}, x, pre, pool, &ops[0]));
      LRP_RETURN_IF_ERROR(
          FromXnn(xnn_create_clamp_nc_f32(n, n, n, r.lo, r.hi, 0, &ops[1]), "create clamp"));
      return FromXnn(xnn_setup_clamp_nc_f32(ops[1], 1, pre, y, pool), "setup clamp");
    }
    case LayerKind::kRelu:
    case LayerKind::kClamp: {
      const Range r = l.kind == LayerKind::kRelu ? Range{0.0f, kInf}
                                                 : Range{p.clamp_min, p.clamp_max};
      LRP_RETURN_IF_ERROR(
          FromXnn(xnn_create_clamp_nc_f32(n, n, n, r.lo, r.hi, 0, &ops[0]), "create clamp"));
      return FromXnn(xnn_setup_clamp_nc_f32(ops[0], 1, x, y, pool), "setup clamp");
    }
    case LayerKind::kLeakyRelu:
      LRP_RETURN_IF_ERROR(FromXnn(xnn_create_leaky_relu_nc_f32(n, n, n, p.alpha, 0, &ops[0]),
                                  "create leaky relu"));
      return FromXnn(xnn_setup_leaky_relu_nc_f32(ops[0], 1, x, y, pool), "setup leaky relu");
    case LayerKind::kMaxPool2D: {
      const size_t c = Channels(in);
      if (p.kernel_h == 1 && p.kernel_w == 1) {
        // XNNPACK has no 1x1 pooling; it is a strided pick of every channel,
        // i.e. a depthwise 1x1 convolution with weight 1 (exact).
        std::vector<float> ones(c, 1.0f);
        return CreateDepthwise(p, c, ones.data(), nullptr, in.dims[0], in.dims[1], x, y, pool,
                               &ops[0]);
      }
      LRP_RETURN_IF_ERROR(FromXnn(
          xnn_create_max_pooling2d_nhwc_f32(
              static_cast<uint32_t>(p.padding.top), static_cast<uint32_t>(p.padding.right),
              static_cast<uint32_t>(p.padding.bottom), static_cast<uint32_t>(p.padding.left),
              static_cast<uint32_t>(p.kernel_h), static_cast<uint32_t>(p.kernel_w),
              static_cast<uint32_t>(p.stride_h), static_cast<uint32_t>(p.stride_w),
              static_cast<uint32_t>(p.dilation_h), static_cast<uint32_t>(p.dilation_w), c, c, c,
              -kInf, kInf, 0, &ops[0]),
          "create max pooling"));
      return FromXnn(
          xnn_setup_max_pooling2d_nhwc_f32(ops[0], 1, in.dims[0], in.dims[1], x, y, pool),
          "setup max pooling");
    }
    case LayerKind::kAvgPool2D: {
      const size_t c = Channels(in);
      const bool padded = p.padding.top || p.padding.left || p.padding.bottom || p.padding.right;
      if ((p.count_include_pad && padded) || (p.kernel_h == 1 && p.kernel_w == 1)) {
        // XNNPACK's average pooling skips padded taps (and has no 1x1
        // window); counting them is a depthwise convolution with every
        // weight 1/(kh*kw).
        std::vector<float> w(c * p.kernel_h * p.kernel_w,
                             1.0f / static_cast<float>(p.kernel_h * p.kernel_w));
        return CreateDepthwise(p, c, w.data(), nullptr, in.dims[0], in.dims[1], x, y, pool,
                               &ops[0]);
      }
      LRP_RETURN_IF_ERROR(FromXnn(
          xnn_create_average_pooling2d_nhwc_f32(
              static_cast<uint32_t>(p.padding.top), static_cast<uint32_t>(p.padding.right),
              static_cast<uint32_t>(p.padding.bottom), static_cast<uint32_t>(p.padding.left),
              static_cast<uint32_t>(p.kernel_h), static_cast<uint32_t>(p.kernel_w),
              static_cast<uint32_t>(p.stride_h), static_cast<uint32_t>(p.stride_w), c, c, c, -kInf,
              kInf, 0, &ops[0]),
          "create average pooling"));
      return FromXnn(
          xnn_setup_average_pooling2d_nhwc_f32(ops[0], 1, in.dims[0], in.dims[1], x, y, pool),
          "setup average pooling");
    }
    case LayerKind::kGlobalAvgPool: {
      const size_t c = Channels(in);
      LRP_RETURN_IF_ERROR(FromXnn(
          xnn_create_global_average_pooling_nwc_f32(c, c, c, -kInf, kInf, 0, &ops[0]),
          "create global average pooling"));
      return FromXnn(xnn_setup_global_average_pooling_nwc_f32(
                         ops[0], 1, static_cast<size_t>(in.dims[0]) * in.dims[1], x, y, pool),
                     "setup global average pooling");
    }
    case LayerKind::kAdd: {
      const Range r = ActivationRange(p.activation);
      LRP_RETURN_IF_ERROR(FromXnn(xnn_create_add_nd_f32(r.lo, r.hi, 0, &ops[0]), "create add"));
      const size_t shape[1] = {n};
      return FromXnn(xnn_setup_add_nd_f32(ops[0], 1, shape, 1, shape, x, tensors[l.inputs[1]], y,
                                          pool),
                     "setup add");
    }
    case LayerKind::kConcat: {
      // One strided copy per input into its channel slice of the output.
      const size_t total = Channels(out);
      const size_t pixels = n / total;
      size_t offset = 0;
      for (size_t k = 0; k < l.inputs.size(); ++k) {
        const size_t c = Channels(model.tensors()[l.inputs[k]].shape);
        LRP_RETURN_IF_ERROR(
            FromXnn(xnn_create_copy_nc_x32(c, c, total, 0, &ops[k]), "create copy"));
        LRP_RETURN_IF_ERROR(FromXnn(
            xnn_setup_copy_nc_x32(ops[k], pixels, tensors[l.inputs[k]], y + offset, pool),
            "setup copy"));
        offset += c;
      }
      return Status::Ok();
    }
    case LayerKind::kBatchNorm: {
      // y = x * s + (offset - mean * s), s = scale / sqrt(variance + epsilon).
      const size_t c = Channels(in);
      std::vector<float> w(c), b(c);
      for (size_t i = 0; i < c; ++i) {
        w[i] = l.buffers.data[2][i] / std::sqrt(l.buffers.data[1][i] + p.epsilon);
        b[i] = l.buffers.data[3][i] - l.buffers.data[0][i] * w[i];
      }
      // Any rank: the pixels form one column.
      return CreateDepthwise(LayerParams(), c, w.data(), b.data(), n / c, 1, x, y, pool, &ops[0]);
    }
    case LayerKind::kSoftmax: {
      const size_t c = Channels(in);
      LRP_RETURN_IF_ERROR(
          FromXnn(xnn_create_softmax_nc_f32(c, c, c, 0, &ops[0]), "create softmax"));
      return FromXnn(xnn_setup_softmax_nc_f32(ops[0], n / c, x, y, pool), "setup softmax");
    }
    case LayerKind::kReshape:  // shares its input's buffer
    case LayerKind::kLRN:      // ports/ kernel, nothing to create
      return Status::Ok();
  }
  return Status(StatusCode::kInternal, "unknown layer kind");
}

}  // namespace

uint32_t OperatorCount(const LayerDesc& layer, bool pre) {
  if (pre) return 2;
  switch (layer.kind) {
    case LayerKind::kReshape:
    case LayerKind::kLRN:
      return 0;
    case LayerKind::kConcat:
      return static_cast<uint32_t>(layer.inputs.size());
    default:
      return 1;
  }
}

Status PrepareNode(const Model& model, uint32_t layer_index, float* const* tensors,
                   float* pre, pthreadpool_t pool, ExecNode* node) {
  const LayerDesc& l = model.layers()[layer_index];
  node->layer = &l;
  node->input = tensors[l.inputs[0]];
  node->output = tensors[l.output];
  const Shape& out = model.tensors()[l.output].shape;
  node->channels = Channels(out);
  node->pixels = out.elements() / node->channels;
  Status s = Create(model, l, tensors, pre, pool, node->ops);
  if (!s.ok()) {
    return Status(s.code(), "layer " + std::to_string(layer_index) + " '" + l.name + "' (" +
                                LayerKindName(l.kind) + "): " + s.message());
  }
  return Status::Ok();
}

Status RunNode(const ExecNode& node, pthreadpool_t pool) {
  for (uint32_t k = 0; k < node.num_ops; ++k) {
    const xnn_status s = xnn_run_operator(node.ops[k], pool);
    if (s != xnn_status_success) {
      return Status(StatusCode::kBackendError, "layer '" + node.layer->name + "': XNNPACK run failed");
    }
  }
  if (node.layer->kind == LayerKind::kLRN) {
    const LayerParams& p = node.layer->params;
    // The fastest variant for this CPU (LRP_ISA can pick another one).
    ports::BestKernels().lrn(node.pixels, node.channels, node.input, node.output,
                             ports::LrnParams{p.size, p.alpha, p.beta, p.bias});
  }
  return Status::Ok();
}

void ReleaseNode(ExecNode* node) {
  for (uint32_t k = 0; k < node->num_ops; ++k) {
    if (node->ops[k]) xnn_delete_operator(node->ops[k]);
    node->ops[k] = nullptr;
  }
}

}  // namespace internal
}  // namespace lrp
