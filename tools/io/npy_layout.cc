#include "tools/io/npy_layout.h"

#include <cstddef>
#include <string>

namespace lrp {
namespace io {
namespace {

bool IsChannelsFirst(const Shape& shape, SourceLayout layout) {
  return shape.rank == 3 && layout == SourceLayout::kNCHW;
}

}  // namespace

const char* LayoutName(SourceLayout layout) {
  switch (layout) {
    case SourceLayout::kNCHW:
      return "NCHW";
    case SourceLayout::kNHWC:
      return "NHWC";
    case SourceLayout::kNC:
      return "NC";
  }
  return "unknown";
}

std::vector<int64_t> SourceShape(const Shape& shape, SourceLayout layout) {
  std::vector<int64_t> out = {1};
  if (IsChannelsFirst(shape, layout)) {
    out.insert(out.end(), {shape.dims[2], shape.dims[0], shape.dims[1]});
  } else {
    for (int i = 0; i < shape.rank; ++i) out.push_back(shape.dims[i]);
  }
  return out;
}

Status ToRuntimeLayout(const NpyArray& array, const Shape& shape, SourceLayout layout,
                       std::vector<float>* nhwc) {
  std::vector<int64_t> expected = SourceShape(shape, layout);
  std::vector<int64_t> unbatched(expected.begin() + 1, expected.end());
  if (array.shape != expected && array.shape != unbatched) {
    return Status(StatusCode::kInvalidArgument,
                  "input shape " + NpyShapeString(array.shape) +
                      " does not match the model input " + shape.ToString() + ": expected " +
                      NpyShapeString(expected) + " or " + NpyShapeString(unbatched) + " (" +
                      LayoutName(layout) + ")");
  }
  size_t n = shape.elements();
  if (array.data.size() != n) {
    return Status(StatusCode::kInvalidArgument,
                  "input array holds " + std::to_string(array.data.size()) +
                      " values, its shape needs " + std::to_string(n));
  }
  if (!IsChannelsFirst(shape, layout)) {
    nhwc->assign(array.data.begin(), array.data.end());
    return Status::Ok();
  }
  size_t h = shape.dims[0], w = shape.dims[1], c = shape.dims[2];
  nhwc->resize(n);
  for (size_t ci = 0; ci < c; ++ci) {
    const float* plane = array.data.data() + ci * h * w;
    for (size_t p = 0; p < h * w; ++p) (*nhwc)[p * c + ci] = plane[p];
  }
  return Status::Ok();
}

Status ToRuntimeLayout(const NpyArray& array, const Model& model, std::vector<float>* nhwc) {
  return ToRuntimeLayout(array, model.input_shape(), model.input_desc().source_layout, nhwc);
}

void FromRuntimeLayout(const float* data, const Shape& shape, SourceLayout layout, NpyArray* out) {
  out->shape = SourceShape(shape, layout);
  size_t n = shape.elements();
  if (!IsChannelsFirst(shape, layout)) {
    out->data.assign(data, data + n);
    return;
  }
  size_t h = shape.dims[0], w = shape.dims[1], c = shape.dims[2];
  out->data.resize(n);
  for (size_t ci = 0; ci < c; ++ci) {
    float* plane = out->data.data() + ci * h * w;
    for (size_t p = 0; p < h * w; ++p) plane[p] = data[p * c + ci];
  }
}

}  // namespace io
}  // namespace lrp
