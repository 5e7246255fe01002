// IDX files: the format MNIST and Fashion-MNIST ship their images and
// labels in.
//
// Layout: a 4-byte magic (0x00, 0x00, element type, number of dimensions),
// one big-endian 32-bit size per dimension, then the elements in C order.
// Only element type 0x08 (unsigned byte) is read; it is what the image and
// label files of those data sets use. Files may be gzip-compressed, as the
// data sets are distributed; compression is recognized by the gzip magic
// (1f 8b), not by the file name.
//
// The files are untrusted: a bad magic, another element type, no or too
// many dimensions, more than kMaxIdxElements elements, truncated or
// over-long data and corrupt gzip streams come back as a Status naming the
// problem. Memory follows the data actually present, never the sizes the
// header claims: an uncompressed file's length is checked against the
// header before the elements are allocated, and a compressed one's
// elements are allocated as they decompress.
#ifndef LRP_TOOLS_IO_IDX_H_
#define LRP_TOOLS_IO_IDX_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lrp/status.h"

namespace lrp {
namespace io {

// Upper bound on the elements of an array we read (2^31, as for .npy): the
// largest data set of this kind holds 47 million bytes, and keeping counts
// below it keeps every size computation far from overflow.
constexpr int64_t kMaxIdxElements = int64_t{1} << 31;
// The format allows 255 dimensions; data sets use 1 (labels) or 3 (images).
constexpr int kMaxIdxRank = 8;

struct IdxArray {
  std::vector<int64_t> dims;  // one or more sizes, outermost first
  std::vector<uint8_t> data;  // C order; product(dims) bytes
};

// "10000x28x28".
std::string IdxDimsString(const std::vector<int64_t>& dims);

// Parses a complete IDX file held in memory, gzip-compressed or not.
Status ParseIdx(const uint8_t* bytes, size_t size, IdxArray* out);

// Reads the IDX file at `path`; errors start with the path.
Status ReadIdx(const std::string& path, IdxArray* out);

}  // namespace io
}  // namespace lrp

#endif  // LRP_TOOLS_IO_IDX_H_
