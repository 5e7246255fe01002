// The x86-64 variants of the relevance kernels (ports/kernels.h), one table
// per ISA folder. Each table's code is compiled with that ISA's flags, so
// only dispatch.cc may hand one out, and only after cpuinfo has confirmed
// the CPU (and OS) supports the ISA.
#ifndef LRP_PORTS_X86_X86_KERNELS_H_
#define LRP_PORTS_X86_X86_KERNELS_H_

#include "ports/kernels.h"

namespace lrp {
namespace ports {

const KernelTable& Sse2Kernels();     // ports/x86/sse2/
const KernelTable& Avx2Kernels();     // ports/x86/avx2/, also needs FMA3
const KernelTable& Avx512fKernels();  // ports/x86/avx512f/

// LRN forward (LrnFn), one file per ISA folder: lrn_<isa>.cc.
void F32LrnSse2(size_t pixels, size_t channels, const float* x, float* y,
                const LrnParams& params);
void F32LrnAvx2(size_t pixels, size_t channels, const float* x, float* y,
                const LrnParams& params);
void F32LrnAvx512f(size_t pixels, size_t channels, const float* x, float* y,
                   const LrnParams& params);

}  // namespace ports
}  // namespace lrp

#endif  // LRP_PORTS_X86_X86_KERNELS_H_
