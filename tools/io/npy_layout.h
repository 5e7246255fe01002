// Conversion between user-facing arrays and runtime tensors.
//
// Users hand lrp arrays the way the source framework laid them out, batch
// included: (1, C, H, W) for a model converted from ONNX (NCHW), (1, H, W, C)
// for NHWC, (1, C) for vectors. The runtime keeps tensors NHWC with the
// batch of 1 implied: Shape{H, W, C} or Shape{C}. The model records which
// source layout its input came from (InputDesc::source_layout); these helpers
// check shapes against it and transpose where needed.
#ifndef LRP_TOOLS_IO_NPY_LAYOUT_H_
#define LRP_TOOLS_IO_NPY_LAYOUT_H_

#include <cstdint>
#include <vector>

#include "lrp/model.h"
#include "lrp/shape.h"
#include "lrp/status.h"
#include "tools/io/npy.h"

namespace lrp {
namespace io {

// "NCHW", "NHWC" or "NC".
const char* LayoutName(SourceLayout layout);

// The user-facing shape, batch included, of a runtime tensor of `shape` when
// the source layout is `layout`. Only rank-3 tensors of an NCHW source are
// transposed; everything else keeps its order and gains the leading 1.
std::vector<int64_t> SourceShape(const Shape& shape, SourceLayout layout);

// Checks `array` against the runtime tensor shape `shape` (accepting the
// source shape with or without its leading 1) and writes the runtime-layout
// data to `nhwc`. A mismatch names both shapes.
Status ToRuntimeLayout(const NpyArray& array, const Shape& shape, SourceLayout layout,
                       std::vector<float>* nhwc);

// The same, against the model's input shape and source layout.
Status ToRuntimeLayout(const NpyArray& array, const Model& model, std::vector<float>* nhwc);

// Builds the user-facing array (SourceShape order and shape) from
// shape.elements() floats in the runtime layout.
void FromRuntimeLayout(const float* data, const Shape& shape, SourceLayout layout, NpyArray* out);

}  // namespace io
}  // namespace lrp

#endif  // LRP_TOOLS_IO_NPY_LAYOUT_H_
