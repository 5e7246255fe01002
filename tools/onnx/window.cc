#include "tools/onnx/window.h"

#include <algorithm>
#include <string>
#include <vector>

namespace lrp {
namespace onnx_import {
namespace {

// Pair attributes (one value per spatial axis); `def` when absent.
Status Pair(const onnx::NodeProto& node, const char* name, int64_t def, int64_t min,
            int64_t out[2]) {
  std::vector<int64_t> v;
  LRP_RETURN_IF_ERROR(Attributes(node).Ints(name, &v));
  if (v.empty()) v = {def, def};
  if (v.size() != 2) {
    return Context::Error(node, std::string(name) + " has " + std::to_string(v.size()) +
                                    " values; lrp supports 2-D windows only");
  }
  for (int i = 0; i < 2; ++i) {
    if (v[i] < min || v[i] > 4096) {
      return Context::Error(node, std::string(name) + " value " + std::to_string(v[i]) +
                                      " is out of range");
    }
    out[i] = v[i];
  }
  return Status::Ok();
}

// Output size along one axis, floor or ceil of the ONNX formula.
int64_t OutputSize(int64_t in, int64_t pads, int64_t extent, int64_t stride, bool ceil) {
  const int64_t span = in + pads - extent;
  if (span < 0) return 0;
  return (ceil ? (span + stride - 1) / stride : span / stride) + 1;
}

}  // namespace

Status ReadWindow(const onnx::NodeProto& node, int32_t in_h, int32_t in_w, int32_t kernel_h,
                  int32_t kernel_w, bool dilations_allowed, LayerParams* p,
                  bool* extra_padding) {
  Attributes a(node);
  int64_t kernel[2] = {kernel_h, kernel_w}, stride[2], dilation[2];
  if (a.Has("kernel_shape") || kernel_h <= 0) {
    LRP_RETURN_IF_ERROR(Pair(node, "kernel_shape", 0, 1, kernel));
    if (kernel_h > 0 && (kernel[0] != kernel_h || kernel[1] != kernel_w)) {
      return Context::Error(node, "kernel_shape does not match the weights");
    }
  }
  LRP_RETURN_IF_ERROR(Pair(node, "strides", 1, 1, stride));
  LRP_RETURN_IF_ERROR(Pair(node, "dilations", 1, 1, dilation));
  if (!dilations_allowed && (dilation[0] != 1 || dilation[1] != 1)) {
    return Context::Error(node, "dilations are not supported for this operator");
  }
  int64_t ceil_mode = 0;
  LRP_RETURN_IF_ERROR(a.Int("ceil_mode", 0, &ceil_mode));
  std::string auto_pad;
  LRP_RETURN_IF_ERROR(a.String("auto_pad", "NOTSET", &auto_pad));
  const int64_t in[2] = {in_h, in_w};
  int64_t begin[2] = {0, 0}, end[2] = {0, 0};
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> pads;
    LRP_RETURN_IF_ERROR(a.Ints("pads", &pads));
    if (!pads.empty() && pads.size() != 4) {
      return Context::Error(node, "pads has " + std::to_string(pads.size()) +
                                      " values; lrp supports 2-D windows only");
    }
    for (int i = 0; i < 2 && !pads.empty(); ++i) {
      begin[i] = pads[i];
      end[i] = pads[i + 2];
    }
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // Output = ceil(in / stride); the odd padding pixel goes to the end
    // for SAME_UPPER and to the beginning for SAME_LOWER.
    for (int i = 0; i < 2; ++i) {
      const int64_t out = (in[i] + stride[i] - 1) / stride[i];
      const int64_t extent = (kernel[i] - 1) * dilation[i] + 1;
      const int64_t total = std::max<int64_t>(0, (out - 1) * stride[i] + extent - in[i]);
      begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end[i] = total - begin[i];
    }
  } else if (auto_pad != "VALID") {
    return Context::Error(node, "auto_pad '" + auto_pad + "' is not supported");
  }
  *extra_padding = false;
  for (int i = 0; i < 2; ++i) {
    if (begin[i] < 0 || end[i] < 0 || begin[i] > 4096 || end[i] > 4096) {
      return Context::Error(node, "pads must be between 0 and 4096");
    }
    if (ceil_mode != 0) {
      const int64_t extent = (kernel[i] - 1) * dilation[i] + 1;
      const int64_t floor_out = OutputSize(in[i], begin[i] + end[i], extent, stride[i], false);
      const int64_t ceil_out = OutputSize(in[i], begin[i] + end[i], extent, stride[i], true);
      if (ceil_out > floor_out) {
        end[i] += (ceil_out - 1) * stride[i] + extent - (in[i] + begin[i] + end[i]);
        *extra_padding = true;
      }
    }
  }
  p->kernel_h = static_cast<int32_t>(kernel[0]);
  p->kernel_w = static_cast<int32_t>(kernel[1]);
  p->stride_h = static_cast<int32_t>(stride[0]);
  p->stride_w = static_cast<int32_t>(stride[1]);
  p->dilation_h = static_cast<int32_t>(dilation[0]);
  p->dilation_w = static_cast<int32_t>(dilation[1]);
  p->padding.top = static_cast<int32_t>(begin[0]);
  p->padding.left = static_cast<int32_t>(begin[1]);
  p->padding.bottom = static_cast<int32_t>(end[0]);
  p->padding.right = static_cast<int32_t>(end[1]);
  return Status::Ok();
}

}  // namespace onnx_import
}  // namespace lrp
