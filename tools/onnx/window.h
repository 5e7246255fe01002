// Window attributes shared by Conv, MaxPool and AveragePool: kernel,
// strides, dilations and the padding (explicit pads, auto_pad, ceil_mode).
#ifndef LRP_TOOLS_ONNX_WINDOW_H_
#define LRP_TOOLS_ONNX_WINDOW_H_

#include "lrp/layer_params.h"
#include "tools/onnx/context.h"

namespace lrp {
namespace onnx_import {

// Reads the window of a 2-D node over an input of `in_h` x `in_w` into `p`
// (kernel, stride, dilation, padding). `kernel_h/w` > 0 give the kernel when
// the node has no kernel_shape (Conv takes it from the weights).
// `ceil_mode` nodes get extra bottom/right padding so the floor formula
// yields ONNX's ceil output size; `extra_padding` reports whether it did.
Status ReadWindow(const onnx::NodeProto& node, int32_t in_h, int32_t in_w, int32_t kernel_h,
                  int32_t kernel_w, bool dilations_allowed, LayerParams* p,
                  bool* extra_padding);

}  // namespace onnx_import
}  // namespace lrp

#endif  // LRP_TOOLS_ONNX_WINDOW_H_
