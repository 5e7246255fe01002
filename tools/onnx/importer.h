// ONNX -> lrpm: the importer behind `lrp convert`.
//
// Reads an ONNX ModelProto (Debian's libonnx protobuf classes) and writes an
// lrpm model with ModelBuilder. Weights become constants in the runtime
// layout (Conv OIHW -> OHWI; a Gemm/MatMul after a Flatten of a feature map
// gets its columns reordered from CHW to HWC); BatchNormalization is folded
// into the preceding Conv or Gemm where it can be; Dropout and Identity
// vanish; a zero Pad merges into the next Conv's or AveragePool's padding.
//
// Tensor layouts: an ONNX feature map [N, C, H, W] lives in the runtime as
// [N*H, W, C] (N must be 1 wherever a window crosses rows); any other tensor
// keeps its ONNX element order as [rows, 1, last] or, with one row, [last].
//
// Everything the runtime cannot represent exactly (an operator, attribute,
// data type, dynamic shape, a non-constant weight) fails with one line:
// "node 'NAME' (OP): REASON".
#ifndef LRP_TOOLS_ONNX_IMPORTER_H_
#define LRP_TOOLS_ONNX_IMPORTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lrp/status.h"

namespace onnx {
class ModelProto;
}  // namespace onnx

namespace lrp {
namespace onnx_import {

struct ImportOptions {
  // Range of the raw input before mean/std, per channel or one value
  // (e.g. 0 and 1 for images scaled to [0, 1]). Stored in the model as the
  // bounds of the normalized input, (low - mean) / std and (high - mean) / std.
  std::vector<float> low, high;
  std::vector<float> mean, std;      // preprocessing x' = (x - mean) / std
  std::vector<std::string> labels;   // class names, one per output
  std::string producer;              // defaults to "lrp convert (ONNX opset N)"
};

// How a graph input or output maps between ONNX and the runtime.
struct TensorMapping {
  std::string name;
  std::vector<int64_t> onnx_shape;
  // true: ONNX [N, C, H, W] <-> runtime [N*H, W, C]; false: same element
  // order on both sides.
  bool nchw = false;
};

struct ImportResult {
  std::vector<uint8_t> lrpm;         // the serialized model
  TensorMapping input, output;
  int opset = 0;
  int onnx_nodes = 0;                // nodes in the ONNX graph
  int layers = 0;                    // layers in the lrpm model
  std::vector<std::string> notes;    // what was folded, merged or removed
};

// Converts an in-memory model.
Status ImportModel(const onnx::ModelProto& model, const ImportOptions& options,
                   ImportResult* result);

// Reads and converts the .onnx file at `path` (external data is not
// supported and is reported as such).
Status ImportFile(const std::string& path, const ImportOptions& options, ImportResult* result);

}  // namespace onnx_import
}  // namespace lrp

#endif  // LRP_TOOLS_ONNX_IMPORTER_H_
