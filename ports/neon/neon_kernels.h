// The NEON variant of the relevance kernels (ports/kernels.h), for aarch64
// and for armv7 with NEON + VFPv4 (FMA). The dense kernels are shared; the
// element-wise ones differ per architecture because armv7's NEON has no
// divide and always flushes subnormals to zero:
//   elementwise_neon_aarch64.cc  exact (vdivq_f32, IEEE subnormals),
//   elementwise_neon_armv7.cc    reciprocal + Newton-Raphson division (ULP
//                                bound stated there); vectors where NEON
//                                would differ (subnormals) are recomputed
//                                with VFP, so VMul and VMulAdd stay exact.
// Each function has the contract of the matching KernelTable field.
#ifndef LRP_PORTS_NEON_NEON_KERNELS_H_
#define LRP_PORTS_NEON_NEON_KERNELS_H_

#include <cstddef>

#include "ports/kernels.h"

namespace lrp {
namespace ports {

// Only dispatch.cc hands this out, after cpuinfo has confirmed NEON (and,
// on armv7, VFPv4).
const KernelTable& NeonKernels();

void F32VStabDivNeonU8(size_t n, const float* r, const float* d, float eps, float* s);
void F32VMulNeonU8(size_t n, const float* a, const float* c, float* y);
void F32VMulAddNeonU8(size_t n, const float* a, const float* c, float* y);
void F32DenseTransposedNeonR4(size_t rows, size_t width, size_t stride, const float* w,
                              const float* s, WeightMod mod, float* x);
// LRN forward (LrnFn), ports/neon/lrn_neon.cc.
void F32LrnNeon(size_t pixels, size_t channels, const float* x, float* y,
                const LrnParams& params);
void F32DenseModifiedNeonR4(size_t rows, size_t cols, const float* w, const float* a, WeightMod mod,
                            float* z);

}  // namespace ports
}  // namespace lrp

#endif  // LRP_PORTS_NEON_NEON_KERNELS_H_
