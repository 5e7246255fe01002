// Picks the kernel variants for this CPU. Which ISA folders were compiled
// in is a build fact (LRP_PORTS_HAVE_X86 / LRP_PORTS_HAVE_NEON, set by
// ports/CMakeLists.txt); whether this CPU and OS can run them is asked of
// cpuinfo, which also checks that the OS saves the wide registers.
#include <cpuinfo.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ports/kernels.h"
#if LRP_PORTS_HAVE_X86
#include "ports/x86/x86_kernels.h"
#endif
#if LRP_PORTS_HAVE_NEON
#include "ports/neon/neon_kernels.h"
#endif

namespace lrp {
namespace ports {

namespace {

constexpr size_t kMaxVariants = 5;

// Scalar first, fastest last; returns the count. Fills a caller's array
// rather than a vector so that BestKernels' first call allocates nothing
// (the runtime may make it on the no-allocation Explain path).
size_t CollectSupported(const KernelTable* (&tables)[kMaxVariants]) {
  size_t count = 0;
  tables[count++] = &ScalarKernels();
  // Without CPU information only the reference is safe to run.
  if (!cpuinfo_initialize()) return count;
#if LRP_PORTS_HAVE_X86
  if (cpuinfo_has_x86_sse2()) tables[count++] = &Sse2Kernels();
  if (cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3()) tables[count++] = &Avx2Kernels();
  if (cpuinfo_has_x86_avx512f()) tables[count++] = &Avx512fKernels();
#endif
#if LRP_PORTS_HAVE_NEON
  // The armv7 code uses VFPv4's fused multiply-add; aarch64 always has it.
  if (cpuinfo_has_arm_neon() && cpuinfo_has_arm_neon_fma()) tables[count++] = &NeonKernels();
#endif
  return count;
}

}  // namespace

std::vector<const KernelTable*> SupportedKernels() {
  const KernelTable* tables[kMaxVariants];
  const size_t count = CollectSupported(tables);
  return std::vector<const KernelTable*>(tables, tables + count);
}

const KernelTable& SelectKernels(const char* isa) {
  const KernelTable* tables[kMaxVariants];
  const size_t count = CollectSupported(tables);
  if (isa != nullptr) {
    for (size_t i = 0; i < count; ++i) {
      if (std::strcmp(tables[i]->isa, isa) == 0) return *tables[i];
    }
  }
  return *tables[count - 1];
}

const KernelTable& BestKernels() {
  static const KernelTable* const best = &SelectKernels(std::getenv("LRP_ISA"));
  return *best;
}

}  // namespace ports
}  // namespace lrp
