// Which variant of the relevance kernels the dispatcher picks, against what
// the build and the CPU offer. relevance_kernels_test runs every variant in
// SupportedKernels(), so a variant that detection loses there simply has no
// test cases and nothing fails; this test fails instead:
//  * ARM builds (aarch64, and armhf, which is compiled for NEON + VFPv4):
//    the NEON variant, also when the tests run under qemu-user
//    (toolchains/README.md), where cpuinfo reads the emulated CPU's
//    features from the auxiliary vector;
//  * x86-64: the best of sse2 / avx2 (with FMA3) / avx512f that cpuinfo
//    reports;
//  * anything else: the scalar reference.
#include <cpuinfo.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ports/kernels.h"

namespace lrp {
namespace ports {
namespace {

// The variant this build on this CPU must choose.
std::string ExpectedIsa() {
#if defined(__aarch64__) || defined(__ARM_NEON)
  return "neon";
#elif defined(__x86_64__)
  if (!cpuinfo_initialize()) return "scalar";
  if (cpuinfo_has_x86_avx512f()) return "avx512f";
  if (cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3()) return "avx2";
  if (cpuinfo_has_x86_sse2()) return "sse2";
  return "scalar";
#else
  return "scalar";
#endif
}

TEST(IsaSelectionTest, CpuinfoDescribesThisCpu) {
  ASSERT_TRUE(cpuinfo_initialize()) << "without cpuinfo only the scalar kernels run";
#if defined(__aarch64__) || defined(__ARM_NEON)
  EXPECT_TRUE(cpuinfo_has_arm_neon());
  EXPECT_TRUE(cpuinfo_has_arm_neon_fma());
#endif
}

TEST(IsaSelectionTest, FastestSupportedIsTheExpectedIsa) {
  const std::vector<const KernelTable*> tables = SupportedKernels();
  ASSERT_FALSE(tables.empty());
  EXPECT_EQ(ExpectedIsa(), tables.back()->isa);
  EXPECT_EQ(ExpectedIsa(), SelectKernels(nullptr).isa);
}

// BestKernels() follows LRP_ISA when it names a supported variant; the
// default (unset) must be the expected one.
TEST(IsaSelectionTest, BestKernelsIsTheExpectedIsa) {
  const char* forced = std::getenv("LRP_ISA");
  std::printf("BestKernels: %s (expected %s, LRP_ISA=%s)\n", BestKernels().isa,
              ExpectedIsa().c_str(), forced != nullptr ? forced : "unset");
  if (forced != nullptr && std::strcmp(forced, ExpectedIsa().c_str()) != 0) {
    EXPECT_EQ(&BestKernels(), &SelectKernels(forced));
    GTEST_SKIP() << "LRP_ISA=" << forced << " forces another variant";
  }
  EXPECT_EQ(ExpectedIsa(), BestKernels().isa);
}

}  // namespace
}  // namespace ports
}  // namespace lrp
