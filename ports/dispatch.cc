// Picks the kernel variants for this CPU. Which ISA folders were compiled
// in is a build fact (LRP_PORTS_HAVE_X86 / LRP_PORTS_HAVE_NEON, set by
// ports/CMakeLists.txt); whether this CPU and OS can run them is asked of
// cpuinfo, which also checks that the OS saves the wide registers.
#include <cpuinfo.h>

#include <cstdlib>
#include <cstring>

#include "ports/kernels.h"
#if LRP_PORTS_HAVE_X86
#include "ports/x86/x86_kernels.h"
#endif
#if LRP_PORTS_HAVE_NEON
#include "ports/neon/neon_kernels.h"
#endif

namespace lrp {
namespace ports {

std::vector<const KernelTable*> SupportedKernels() {
  std::vector<const KernelTable*> tables = {&ScalarKernels()};
  // Without CPU information only the reference is safe to run.
  if (!cpuinfo_initialize()) return tables;
#if LRP_PORTS_HAVE_X86
  if (cpuinfo_has_x86_sse2()) tables.push_back(&Sse2Kernels());
  if (cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3()) tables.push_back(&Avx2Kernels());
  if (cpuinfo_has_x86_avx512f()) tables.push_back(&Avx512fKernels());
#endif
#if LRP_PORTS_HAVE_NEON
  // The armv7 code uses VFPv4's fused multiply-add; aarch64 always has it.
  if (cpuinfo_has_arm_neon() && cpuinfo_has_arm_neon_fma()) tables.push_back(&NeonKernels());
#endif
  return tables;
}

const KernelTable& SelectKernels(const char* isa) {
  const std::vector<const KernelTable*> tables = SupportedKernels();
  if (isa != nullptr) {
    for (const KernelTable* table : tables) {
      if (std::strcmp(table->isa, isa) == 0) return *table;
    }
  }
  return *tables.back();
}

const KernelTable& BestKernels() {
  static const KernelTable* const best = &SelectKernels(std::getenv("LRP_ISA"));
  return *best;
}

}  // namespace ports
}  // namespace lrp
