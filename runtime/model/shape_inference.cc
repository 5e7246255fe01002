#include "runtime/model/shape_inference.h"

#include <cmath>
#include <string>

namespace lrp {
namespace internal {
namespace {

constexpr int32_t kMaxDim = int32_t{1} << 28;
constexpr int32_t kMaxWindow = 1 << 16;  // kernel, stride, dilation, padding

Status Invalid(const std::string& msg) {
  return Status(StatusCode::kInvalidModel, msg);
}

Status CheckRange(const char* field, int32_t value, int32_t lo, int32_t hi) {
  if (value < lo || value > hi) {
    return Invalid(std::string(field) + " = " + std::to_string(value) +
                   " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return Status::Ok();
}

Status CheckFinite(const char* field, float value) {
  if (!std::isfinite(value)) return Invalid(std::string(field) + " is not finite");
  return Status::Ok();
}

Status ExpectInputs(const std::vector<Shape>& inputs, size_t n) {
  if (inputs.size() != n) {
    return Invalid("expects " + std::to_string(n) + " input(s), has " +
                   std::to_string(inputs.size()));
  }
  return Status::Ok();
}

Status ExpectRank3(const Shape& s, const char* what) {
  if (s.rank != 3) {
    return Invalid(std::string(what) + " must be a [H, W, C] feature map, is " + s.ToString());
  }
  return Status::Ok();
}

// Output extent of a sliding window; the window must fit the padded input.
Status WindowExtent(const char* axis, int32_t in, int32_t kernel, int32_t stride,
                    int32_t dilation, int32_t pad_lo, int32_t pad_hi, int32_t* out) {
  int64_t padded = int64_t{in} + pad_lo + pad_hi;
  int64_t effective = int64_t{kernel - 1} * dilation + 1;
  if (padded < effective) {
    return Invalid(std::string("window along ") + axis + " (" + std::to_string(effective) +
                   ") is larger than the padded input (" + std::to_string(padded) + ")");
  }
  *out = static_cast<int32_t>((padded - effective) / stride + 1);
  return Status::Ok();
}

// a * b, saturating instead of wrapping, so absurd shapes cannot alias a
// small buffer size.
uint64_t MulSat(uint64_t a, uint64_t b) {
  if (a != 0 && b > UINT64_MAX / a) return UINT64_MAX;
  return a * b;
}

Status CheckWindow(const LayerParams& p, bool dilated) {
  LRP_RETURN_IF_ERROR(CheckRange("kernel_h", p.kernel_h, 1, kMaxWindow));
  LRP_RETURN_IF_ERROR(CheckRange("kernel_w", p.kernel_w, 1, kMaxWindow));
  LRP_RETURN_IF_ERROR(CheckRange("stride_h", p.stride_h, 1, kMaxWindow));
  LRP_RETURN_IF_ERROR(CheckRange("stride_w", p.stride_w, 1, kMaxWindow));
  LRP_RETURN_IF_ERROR(CheckRange("dilation_h", p.dilation_h, 1, dilated ? kMaxWindow : 1));
  LRP_RETURN_IF_ERROR(CheckRange("dilation_w", p.dilation_w, 1, dilated ? kMaxWindow : 1));
  LRP_RETURN_IF_ERROR(CheckRange("padding.top", p.padding.top, 0, kMaxWindow));
  LRP_RETURN_IF_ERROR(CheckRange("padding.left", p.padding.left, 0, kMaxWindow));
  LRP_RETURN_IF_ERROR(CheckRange("padding.bottom", p.padding.bottom, 0, kMaxWindow));
  LRP_RETURN_IF_ERROR(CheckRange("padding.right", p.padding.right, 0, kMaxWindow));
  return Status::Ok();
}

Status WindowOutput(const LayerParams& p, const Shape& in, int32_t channels, Shape* out) {
  int32_t oh = 0, ow = 0;
  LRP_RETURN_IF_ERROR(WindowExtent("height", in.dims[0], p.kernel_h, p.stride_h,
                                   p.dilation_h, p.padding.top, p.padding.bottom, &oh));
  LRP_RETURN_IF_ERROR(WindowExtent("width", in.dims[1], p.kernel_w, p.stride_w,
                                   p.dilation_w, p.padding.left, p.padding.right, &ow));
  *out = Shape{oh, ow, channels};
  return CheckShape(*out);
}

// Pooling windows must overlap real input: padding smaller than the window.
Status CheckPoolPadding(const LayerParams& p) {
  if (p.padding.top >= p.kernel_h || p.padding.bottom >= p.kernel_h ||
      p.padding.left >= p.kernel_w || p.padding.right >= p.kernel_w) {
    return Invalid("padding must be smaller than the pooling window");
  }
  return Status::Ok();
}

Status CheckActivation(Activation a) {
  if (a != Activation::kNone && a != Activation::kRelu && a != Activation::kRelu6) {
    return Invalid("activation has an unknown value");
  }
  return Status::Ok();
}

}  // namespace

Status CheckShape(const Shape& shape) {
  if (shape.rank < 1 || shape.rank > kMaxRank) {
    return Invalid("shape rank " + std::to_string(shape.rank) + " is outside [1, 4]");
  }
  uint64_t n = 1;
  for (int i = 0; i < shape.rank; ++i) {
    if (shape.dims[i] < 1 || shape.dims[i] > kMaxDim) {
      return Invalid("shape " + shape.ToString() + " has a dimension outside [1, 2^28]");
    }
    n *= static_cast<uint64_t>(shape.dims[i]);
    if (n > kMaxTensorElements) {
      return Invalid("shape " + shape.ToString() + " has more than 2^28 elements");
    }
  }
  return Status::Ok();
}

Status InferShape(LayerKind kind, const LayerParams& p, const std::vector<Shape>& inputs,
                  Shape* out) {
  for (const Shape& s : inputs) LRP_RETURN_IF_ERROR(CheckShape(s));
  switch (kind) {
    case LayerKind::kConv2D: {
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      LRP_RETURN_IF_ERROR(ExpectRank3(inputs[0], "input"));
      LRP_RETURN_IF_ERROR(CheckWindow(p, /*dilated=*/true));
      LRP_RETURN_IF_ERROR(CheckActivation(p.activation));
      LRP_RETURN_IF_ERROR(CheckRange("out_channels", p.out_channels, 1, kMaxDim));
      LRP_RETURN_IF_ERROR(CheckRange("groups", p.groups, 1, kMaxDim));
      const int32_t c = inputs[0].dims[2];
      if (c % p.groups != 0 || p.out_channels % p.groups != 0) {
        return Invalid("groups = " + std::to_string(p.groups) + " must divide input channels (" +
                       std::to_string(c) + ") and out_channels (" +
                       std::to_string(p.out_channels) + ")");
      }
      return WindowOutput(p, inputs[0], p.out_channels, out);
    }
    case LayerKind::kDense:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      LRP_RETURN_IF_ERROR(CheckActivation(p.activation));
      LRP_RETURN_IF_ERROR(CheckRange("out_features", p.out_channels, 1, kMaxDim));
      *out = Shape{p.out_channels};
      return Status::Ok();
    case LayerKind::kClamp:
      LRP_RETURN_IF_ERROR(CheckFinite("min", p.clamp_min));
      LRP_RETURN_IF_ERROR(CheckFinite("max", p.clamp_max));
      if (!(p.clamp_min <= p.clamp_max)) return Invalid("min must not exceed max");
      [[fallthrough]];
    case LayerKind::kRelu:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      *out = inputs[0];
      return Status::Ok();
    case LayerKind::kLeakyRelu:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      LRP_RETURN_IF_ERROR(CheckFinite("alpha", p.alpha));
      *out = inputs[0];
      return Status::Ok();
    case LayerKind::kSoftmax:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      *out = inputs[0];
      return Status::Ok();
    case LayerKind::kMaxPool2D:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      LRP_RETURN_IF_ERROR(ExpectRank3(inputs[0], "input"));
      LRP_RETURN_IF_ERROR(CheckWindow(p, /*dilated=*/true));
      LRP_RETURN_IF_ERROR(CheckPoolPadding(p));
      return WindowOutput(p, inputs[0], inputs[0].dims[2], out);
    case LayerKind::kAvgPool2D:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      LRP_RETURN_IF_ERROR(ExpectRank3(inputs[0], "input"));
      LRP_RETURN_IF_ERROR(CheckWindow(p, /*dilated=*/false));
      LRP_RETURN_IF_ERROR(CheckPoolPadding(p));
      return WindowOutput(p, inputs[0], inputs[0].dims[2], out);
    case LayerKind::kGlobalAvgPool:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      LRP_RETURN_IF_ERROR(ExpectRank3(inputs[0], "input"));
      *out = Shape{1, 1, inputs[0].dims[2]};
      return Status::Ok();
    case LayerKind::kReshape:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      LRP_RETURN_IF_ERROR(CheckShape(p.shape));
      if (p.shape.elements() != inputs[0].elements()) {
        return Invalid("shape " + p.shape.ToString() + " does not hold the " +
                       std::to_string(inputs[0].elements()) + " elements of the input " +
                       inputs[0].ToString());
      }
      *out = p.shape;
      return Status::Ok();
    case LayerKind::kAdd:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 2));
      LRP_RETURN_IF_ERROR(CheckActivation(p.activation));
      if (inputs[0] != inputs[1]) {
        return Invalid("inputs have different shapes " + inputs[0].ToString() + " and " +
                       inputs[1].ToString());
      }
      *out = inputs[0];
      return Status::Ok();
    case LayerKind::kConcat: {
      if (inputs.empty() || inputs.size() > 64) return Invalid("expects 1 to 64 inputs");
      Shape s = inputs[0];
      const int last = s.rank - 1;
      uint64_t channels = 0;
      for (const Shape& in : inputs) {
        bool same = in.rank == s.rank;
        for (int i = 0; same && i < last; ++i) same = in.dims[i] == s.dims[i];
        if (!same) {
          return Invalid("inputs " + s.ToString() + " and " + in.ToString() +
                         " differ outside the channel axis");
        }
        channels += static_cast<uint64_t>(in.dims[last]);
      }
      if (channels > static_cast<uint64_t>(kMaxDim)) return Invalid("too many channels");
      s.dims[last] = static_cast<int32_t>(channels);
      *out = s;
      return CheckShape(s);
    }
    case LayerKind::kBatchNorm:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      LRP_RETURN_IF_ERROR(CheckFinite("epsilon", p.epsilon));
      if (p.epsilon < 0) return Invalid("epsilon must not be negative");
      *out = inputs[0];
      return Status::Ok();
    case LayerKind::kLRN:
      LRP_RETURN_IF_ERROR(ExpectInputs(inputs, 1));
      LRP_RETURN_IF_ERROR(ExpectRank3(inputs[0], "input"));
      LRP_RETURN_IF_ERROR(CheckRange("size", p.size, 1, kMaxWindow));
      LRP_RETURN_IF_ERROR(CheckFinite("alpha", p.alpha));
      LRP_RETURN_IF_ERROR(CheckFinite("beta", p.beta));
      LRP_RETURN_IF_ERROR(CheckFinite("bias", p.bias));
      // Keeps the base of the power positive: no NaN for any input.
      if (p.alpha < 0 || p.bias <= 0) return Invalid("alpha must be >= 0 and bias > 0");
      *out = inputs[0];
      return Status::Ok();
  }
  return Invalid("unknown layer kind");
}

BufferSpec ExpectedBuffers(LayerKind kind, const LayerParams& p,
                           const std::vector<Shape>& inputs, const Shape& output) {
  BufferSpec spec;
  switch (kind) {
    case LayerKind::kConv2D: {
      const uint64_t in_per_group = static_cast<uint64_t>(inputs[0].dims[2] / p.groups);
      spec.count = 2;
      spec.size[0] = MulSat(MulSat(MulSat(static_cast<uint64_t>(p.out_channels), p.kernel_h),
                                   p.kernel_w), in_per_group);
      spec.size[1] = static_cast<uint64_t>(p.out_channels);
      spec.optional_mask = 2;
      break;
    }
    case LayerKind::kDense:
      spec.count = 2;
      spec.size[0] = MulSat(static_cast<uint64_t>(p.out_channels), inputs[0].elements());
      spec.size[1] = static_cast<uint64_t>(p.out_channels);
      spec.optional_mask = 2;
      break;
    case LayerKind::kBatchNorm:
      spec.count = 4;
      for (uint64_t& s : spec.size) s = static_cast<uint64_t>(output.dims[output.rank - 1]);
      break;
    default:
      break;
  }
  return spec;
}

}  // namespace internal
}  // namespace lrp
