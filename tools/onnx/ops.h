// The operator converters, grouped by file: ops_weighted.cc (Conv, Gemm,
// MatMul), ops_window.cc (pooling, LRN, standalone BatchNormalization),
// ops_shape.cc (Flatten, Reshape, Squeeze, Unsqueeze, Pad, Identity,
// Dropout), ops_elementwise.cc (Relu, LeakyRelu, Clip, Add, Concat,
// Softmax). Each converts the node at `index` or fails with
// Context::Error.
#ifndef LRP_TOOLS_ONNX_OPS_H_
#define LRP_TOOLS_ONNX_OPS_H_

#include "tools/onnx/context.h"

namespace lrp {
namespace onnx_import {

Status ConvertConv(Context& ctx, int index);
Status ConvertGemm(Context& ctx, int index);
Status ConvertMatMul(Context& ctx, int index);

Status ConvertMaxPool(Context& ctx, int index);
Status ConvertAveragePool(Context& ctx, int index);
Status ConvertGlobalAveragePool(Context& ctx, int index);
Status ConvertLRN(Context& ctx, int index);
Status ConvertBatchNormalization(Context& ctx, int index);

Status ConvertFlatten(Context& ctx, int index);
Status ConvertReshape(Context& ctx, int index);
Status ConvertSqueeze(Context& ctx, int index);
Status ConvertUnsqueeze(Context& ctx, int index);
Status ConvertPad(Context& ctx, int index);
Status ConvertIdentity(Context& ctx, int index);
Status ConvertDropout(Context& ctx, int index);

Status ConvertRelu(Context& ctx, int index);
Status ConvertLeakyRelu(Context& ctx, int index);
Status ConvertClip(Context& ctx, int index);
Status ConvertAdd(Context& ctx, int index);
Status ConvertConcat(Context& ctx, int index);
Status ConvertSoftmax(Context& ctx, int index);

}  // namespace onnx_import
}  // namespace lrp

#endif  // LRP_TOOLS_ONNX_OPS_H_
