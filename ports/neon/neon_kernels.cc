// The NEON kernel table; the functions live in the files neon_kernels.h
// lists.
#include "ports/neon/neon_kernels.h"

namespace lrp {
namespace ports {

const KernelTable& NeonKernels() {
  static const KernelTable table = {
      "neon",           F32VStabDivNeonU8,        F32VMulNeonU8,
      F32VMulAddNeonU8, F32DenseTransposedNeonR4, F32DenseModifiedNeonR4,
      F32LrnNeon};
  return table;
}

}  // namespace ports
}  // namespace lrp
