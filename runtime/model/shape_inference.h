// The contract of every layer kind: which input shapes and hyper-parameters
// it accepts, the shape it produces and the weight buffers it reads.
//
// Used by the loader (to check a file against what its layers imply) and by
// ModelBuilder (to infer shapes as layers are added), so both agree by
// construction. Messages name the offending field; callers prefix the layer.
#ifndef LRP_RUNTIME_MODEL_SHAPE_INFERENCE_H_
#define LRP_RUNTIME_MODEL_SHAPE_INFERENCE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lrp/layer_params.h"
#include "lrp/model.h"
#include "lrp/shape.h"
#include "lrp/status.h"

namespace lrp {
namespace internal {

// Largest tensor lrp accepts, in elements; keeps every byte count far from
// overflow on 32-bit targets.
constexpr size_t kMaxTensorElements = size_t{1} << 28;

// Checks that a stored shape is well-formed (rank 1..4, dims in 1..2^28,
// product <= kMaxTensorElements).
Status CheckShape(const Shape& shape);

// Checks `params` for `kind` given its input shapes and computes the output
// shape. Errors are kInvalidModel with a message naming the field.
Status InferShape(LayerKind kind, const LayerParams& params,
                  const std::vector<Shape>& inputs, Shape* output);

// Number of weight buffers `kind` uses and the exact element count of each
// (0 in `optional_mask` bit i means buffer i is required).
struct BufferSpec {
  int count = 0;
  uint64_t size[4] = {0, 0, 0, 0};  // saturates at UINT64_MAX
  unsigned optional_mask = 0;
};
BufferSpec ExpectedBuffers(LayerKind kind, const LayerParams& params,
                           const std::vector<Shape>& inputs, const Shape& output);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_MODEL_SHAPE_INFERENCE_H_
