// Picks the YUYV to RGB variant for this CPU, as ports/dispatch.cc does for
// the relevance kernels: which variants exist is a build fact
// (LRP_CAMERA_HAVE_X86 / LRP_CAMERA_HAVE_NEON, set by
// ports/camera/CMakeLists.txt), whether the CPU runs them is asked of cpuinfo.
#include <cpuinfo.h>

#include <cstdlib>
#include <cstring>

#include "ports/camera/yuyv_to_rgb.h"
#include "ports/camera/yuyv_variants.h"

namespace lrp {
namespace camera {
namespace {

constexpr size_t kMaxVariants = 3;

constexpr YuyvToRgbKernel kScalar = {"scalar", YuyvToRgbRowScalar};
#if LRP_CAMERA_HAVE_X86
constexpr YuyvToRgbKernel kSse2 = {"sse2", YuyvToRgbRowSse2U16};
constexpr YuyvToRgbKernel kAvx2 = {"avx2", YuyvToRgbRowAvx2U32};
#endif
#if LRP_CAMERA_HAVE_NEON
constexpr YuyvToRgbKernel kNeon = {"neon", YuyvToRgbRowNeonU16};
#endif

// Scalar first, fastest last; returns the count. A caller's array, not a
// vector, so that BestYuyvToRgb's first call allocates nothing of its own.
size_t CollectSupported(const YuyvToRgbKernel* (&kernels)[kMaxVariants]) {
  size_t count = 0;
  kernels[count++] = &kScalar;
  // Without CPU information only the reference is safe to run.
  if (!cpuinfo_initialize()) return count;
#if LRP_CAMERA_HAVE_X86
  if (cpuinfo_has_x86_sse2()) kernels[count++] = &kSse2;
  if (cpuinfo_has_x86_avx2()) kernels[count++] = &kAvx2;
#endif
#if LRP_CAMERA_HAVE_NEON
  if (cpuinfo_has_arm_neon()) kernels[count++] = &kNeon;
#endif
  return count;
}

}  // namespace

const YuyvToRgbKernel& ScalarYuyvToRgb() { return kScalar; }

std::vector<const YuyvToRgbKernel*> SupportedYuyvToRgb() {
  const YuyvToRgbKernel* kernels[kMaxVariants];
  const size_t count = CollectSupported(kernels);
  return std::vector<const YuyvToRgbKernel*>(kernels, kernels + count);
}

const YuyvToRgbKernel& SelectYuyvToRgb(const char* isa) {
  const YuyvToRgbKernel* kernels[kMaxVariants];
  const size_t count = CollectSupported(kernels);
  if (isa != nullptr) {
    for (size_t i = 0; i < count; ++i) {
      if (std::strcmp(kernels[i]->isa, isa) == 0) return *kernels[i];
    }
  }
  return *kernels[count - 1];
}

const YuyvToRgbKernel& BestYuyvToRgb() {
  static const YuyvToRgbKernel* const best = &SelectYuyvToRgb(std::getenv("LRP_ISA"));
  return *best;
}

}  // namespace camera
}  // namespace lrp
