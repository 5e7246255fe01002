// Reading ONNX's serialized test tensors (onnx::TensorProto .pb files) and
// comparing results at the tolerances of ONNX's own backend tests.
//
// Only the two data types the node tests need are decoded: float32 (the
// data) and int64 (shapes, axes, pads). Everything else is reported as
// unsupported, by name, rather than misread.
#ifndef LRP_TESTS_ONNX_TENSOR_PROTO_H_
#define LRP_TESTS_ONNX_TENSOR_PROTO_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lrp/status.h"

namespace onnx {
class TensorProto;
}  // namespace onnx

namespace lrp {
namespace onnx_node {

// A decoded tensor: exactly one of `floats` / `ints` is filled, by data_type.
struct TensorData {
  std::string name;
  int32_t data_type = 0;  // onnx::TensorProto::DataType
  std::vector<int64_t> dims;
  std::vector<float> floats;  // FLOAT
  std::vector<int64_t> ints;  // INT64
  size_t elements() const { return data_type == kInt64 ? ints.size() : floats.size(); }

  static constexpr int32_t kFloat = 1;  // onnx::TensorProto::FLOAT
  static constexpr int32_t kInt64 = 7;  // onnx::TensorProto::INT64
};

// "FLOAT", "UINT8", ... or "data type N" for values ONNX does not define.
std::string DataTypeName(int32_t data_type);

// "[1, 3, 5, 5]".
std::string DimsToString(const std::vector<int64_t>& dims);

// Product of `dims` into *count; false for a negative dimension or a count
// beyond 2^40 elements (no test tensor is near that, a corrupt file may be).
bool ElementCount(const std::vector<int64_t>& dims, size_t* count);

// Decodes a float32 (raw_data little-endian or float_data) or int64
// (raw_data or int64_data) tensor. kUnsupported for other data types and
// external data; kInvalidArgument when the data does not hold exactly the
// elements the dims ask for.
Status DecodeTensor(const onnx::TensorProto& proto, TensorData* out);

// Parses the .pb file at `path` (kIoError if unreadable, kInvalidArgument if
// it is not a complete TensorProto, e.g. truncated).
Status ParseTensorFile(const std::string& path, onnx::TensorProto* proto);

// ParseTensorFile + DecodeTensor.
Status ReadTensorFile(const std::string& path, TensorData* out);

// ONNX's backend tests compare with numpy.testing.assert_allclose at these.
constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-7;

struct Comparison {
  size_t count = 0;      // elements compared
  size_t bad = 0;        // elements out of tolerance
  size_t first_bad = 0;  // index of the first one (when bad > 0)
  float expected_at_first_bad = 0.0f, got_at_first_bad = 0.0f;
  double max_abs_error = 0.0;  // over the pairs where both values are finite
  bool ok() const { return bad == 0; }
  // "3 of 25 values out of tolerance, first at index 7: expected 1.5, got
  // 1.25; max abs error 0.25".
  std::string Describe() const;
};

// Element-wise |got - expected| <= atol + rtol * |expected|, in double, as
// assert_allclose does: NaN must meet NaN, an infinity the same infinity.
Comparison CompareAllClose(const float* got, const float* expected, size_t count,
                           double rtol = kRtol, double atol = kAtol);

}  // namespace onnx_node
}  // namespace lrp

#endif  // LRP_TESTS_ONNX_TENSOR_PROTO_H_
