// Which converter handles which ONNX operator.
#include <cstring>

#include "tools/onnx/context.h"
#include "tools/onnx/ops.h"

namespace lrp {
namespace onnx_import {
namespace {

struct Entry {
  const char* op;
  Converter convert;
};

constexpr Entry kConverters[] = {
    {"Conv", ConvertConv},
    {"Gemm", ConvertGemm},
    {"MatMul", ConvertMatMul},
    {"Relu", ConvertRelu},
    {"Clip", ConvertClip},
    {"LeakyRelu", ConvertLeakyRelu},
    {"MaxPool", ConvertMaxPool},
    {"AveragePool", ConvertAveragePool},
    {"GlobalAveragePool", ConvertGlobalAveragePool},
    {"Flatten", ConvertFlatten},
    {"Reshape", ConvertReshape},
    {"Squeeze", ConvertSqueeze},
    {"Unsqueeze", ConvertUnsqueeze},
    {"Add", ConvertAdd},
    {"Concat", ConvertConcat},
    {"BatchNormalization", ConvertBatchNormalization},
    {"LRN", ConvertLRN},
    {"Dropout", ConvertDropout},
    {"Identity", ConvertIdentity},
    {"Pad", ConvertPad},
    {"Softmax", ConvertSoftmax},
};

}  // namespace

Converter FindConverter(const std::string& op_type) {
  for (const Entry& e : kConverters) {
    if (op_type == e.op) return e.convert;
  }
  return nullptr;
}

std::string SupportedOps() {
  std::string list;
  for (const Entry& e : kConverters) list += (list.empty() ? "" : ", ") + std::string(e.op);
  return list;
}

const std::vector<std::string>& SpatialOps() {
  static const std::vector<std::string> ops = {
      "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "LRN", "Pad"};
  return ops;
}

}  // namespace onnx_import
}  // namespace lrp
