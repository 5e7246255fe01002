// One XNNPACK NHWC convolution (batch 1), created and set up in one call:
// the forward Conv2D, the depthwise forms of pooling and BatchNorm, and the
// relevance pass's modified and transposed convolutions all go through it.
#ifndef LRP_RUNTIME_XNN_CONVOLUTION_H_
#define LRP_RUNTIME_XNN_CONVOLUTION_H_

#include <cstddef>
#include <cstdint>
#include <limits>

#include <pthreadpool.h>
#include <xnnpack.h>

#include "lrp/layer_params.h"
#include "lrp/status.h"

namespace lrp {
namespace internal {

struct ConvolutionSpec {
  Padding padding;
  int32_t kernel_h = 1, kernel_w = 1;
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  size_t groups = 1;
  size_t group_in = 1, group_out = 1;  // channels per group
  float lo = -std::numeric_limits<float>::infinity();  // output clamp
  float hi = std::numeric_limits<float>::infinity();
};

// A Conv2D layer's geometry (window, stride, dilation, padding, groups).
ConvolutionSpec ConvolutionOf(const LayerParams& p, size_t in_channels, size_t out_channels);

// Kernel [groups * group_out, kernel_h, kernel_w, group_in] (packed by
// XNNPACK during the call), bias [groups * group_out] or null; x is
// [in_h, in_w, groups * group_in], y the output.
Status CreateConvolution(const ConvolutionSpec& spec, const float* kernel, const float* bias,
                         size_t in_h, size_t in_w, const float* x, float* y, pthreadpool_t pool,
                         xnn_operator_t* op);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_XNN_CONVOLUTION_H_
