#include "runtime/xnn/convolution.h"

#include "runtime/xnn/xnn_init.h"

namespace lrp {
namespace internal {

ConvolutionSpec ConvolutionOf(const LayerParams& p, size_t in_channels, size_t out_channels) {
  ConvolutionSpec s;
  s.padding = p.padding;
  s.kernel_h = p.kernel_h;
  s.kernel_w = p.kernel_w;
  s.stride_h = p.stride_h;
  s.stride_w = p.stride_w;
  s.dilation_h = p.dilation_h;
  s.dilation_w = p.dilation_w;
  s.groups = static_cast<size_t>(p.groups);
  s.group_in = in_channels / s.groups;
  s.group_out = out_channels / s.groups;
  return s;
}

Status CreateConvolution(const ConvolutionSpec& s, const float* kernel, const float* bias,
                         size_t in_h, size_t in_w, const float* x, float* y, pthreadpool_t pool,
                         xnn_operator_t* op) {
  LRP_RETURN_IF_ERROR(FromXnn(
      xnn_create_convolution2d_nhwc_f32(
          static_cast<uint32_t>(s.padding.top), static_cast<uint32_t>(s.padding.right),
          static_cast<uint32_t>(s.padding.bottom), static_cast<uint32_t>(s.padding.left),
          static_cast<uint32_t>(s.kernel_h), static_cast<uint32_t>(s.kernel_w),
          static_cast<uint32_t>(s.stride_h), static_cast<uint32_t>(s.stride_w),
          static_cast<uint32_t>(s.dilation_h), static_cast<uint32_t>(s.dilation_w),
          static_cast<uint32_t>(s.groups), s.group_in, s.group_out, s.groups * s.group_in,
          s.groups * s.group_out, kernel, bias, s.lo, s.hi, 0, op),
      "create convolution"));
  return FromXnn(xnn_setup_convolution2d_nhwc_f32(*op, 1, in_h, in_w, x, y, pool),
                 "setup convolution");
}

}  // namespace internal
}  // namespace lrp
