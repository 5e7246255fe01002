// NumPy .npy files (format versions 1.0, 2.0 and 3.0) holding float arrays.
//
// Reading: the file is untrusted. Every way it can be malformed (bad magic,
// header that is not the dict NumPy writes, unsupported dtype, Fortran order,
// negative or overflowing shape, more than kMaxNpyElements elements,
// truncated or over-long data) comes back as a Status naming the problem;
// nothing is allocated before the file size has been checked against the
// header. Accepted dtypes are '<f4' and '<f8' (converted to float; values
// beyond float range become +-inf). Only C order is accepted.
//
// Writing always produces '<f4', C order, version 1.0 unless the header
// needs more than 65535 bytes (then 2.0), as numpy.save does.
#ifndef LRP_TOOLS_IO_NPY_H_
#define LRP_TOOLS_IO_NPY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lrp/status.h"

namespace lrp {
namespace io {

// Upper bound on the element count of an array we read or write (2^31).
// Anything larger is not a network input on an edge device, and keeping
// counts below it means every size computation fits in 64 bits.
constexpr int64_t kMaxNpyElements = int64_t{1} << 31;
// NumPy's own limit on the number of dimensions.
constexpr size_t kMaxNpyRank = 32;

struct NpyArray {
  std::vector<int64_t> shape;  // empty for a 0-d (scalar) array
  std::vector<float> data;     // C order; product(shape) elements
};

// Number of elements of `shape` (1 for an empty shape), or -1 if a dimension
// is negative or the product exceeds kMaxNpyElements.
int64_t NpyElementCount(const std::vector<int64_t>& shape);

// "(1, 3, 224, 224)", "(10,)", "()": the way NumPy prints a shape.
std::string NpyShapeString(const std::vector<int64_t>& shape);

// Parses a complete .npy image held in memory.
Status ParseNpy(const uint8_t* bytes, size_t size, NpyArray* out);

// Reads the .npy file at `path`.
Status ReadNpy(const std::string& path, NpyArray* out);

// Serializes `data` (product(shape) floats, C order) as a .npy image.
Status EncodeNpy(const std::vector<int64_t>& shape, const float* data, std::vector<uint8_t>* bytes);

// Writes `data` (product(shape) floats, C order) to `path`.
Status WriteNpy(const std::string& path, const std::vector<int64_t>& shape, const float* data);

}  // namespace io
}  // namespace lrp

#endif  // LRP_TOOLS_IO_NPY_H_
