// The LRN forward kernel family (LrnFn in ports/kernels.h): the scalar
// kernel against the ONNX formula in double precision, and every variant
// this CPU supports against the scalar kernel.
//
// Accuracy contract of a variant, relative to the scalar kernel's result y:
//   |y_variant - y| <= tol * |y|, tol = 2^-23 * (2 + |beta| * size)   (sum)
//                                     + 2^-21 * (2 + |beta * log2 s|)  (beta != 0.75)
//                                     + 2^-23 * 8                      (beta = 0.75, armv7)
// The first term is the window sum: a variant adds `size` float squares
// (non-negative, so within (size - 1) ULP of exact) where the scalar kernel
// rounds an exact double sum once, and s^-beta scales that by |beta|. The
// second is the polynomial log2/exp2 of the general power, whose absolute
// error in the exponent grows with |beta * log2 s|. For beta = 0.75 x86
// and aarch64 run the scalar kernel's own operations (sqrt, divide); armv7
// uses reciprocal-square-root estimates refined by Newton steps.
// Special values (0, -0, subnormals, inf, NaN, overflowing squares) must
// give the same class of result (same zero sign, inf, NaN) within tol.
// Buffers carry NaN guards on both sides and are tested misaligned.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ports/kernels.h"
#include "ports/scalar/lrn_scalar.h"

namespace lrp {
namespace ports {
namespace {

constexpr float kGuard = std::numeric_limits<float>::quiet_NaN();
constexpr size_t kGuardLen = 17;

bool IsArmv7Neon(const KernelTable& k) {
#if defined(__arm__)
  return std::strcmp(k.isa, "neon") == 0;
#else
  (void)k;
  return false;
#endif
}

double Tolerance(const KernelTable& k, const LrnParams& p, double s) {
  const double ulp = std::ldexp(1.0, -23);
  double tol = ulp * (2.0 + std::fabs(p.beta) * p.size);
  if (p.beta != 0.75f) {
    // (Lanes with s outside the normal floats take the scalar expression.)
    const double log2s = std::isfinite(s) && s > 0 ? std::log2(s) : 0.0;
    tol += std::ldexp(1.0, -21) * (2.0 + std::fabs(p.beta * log2s));
  } else if (IsArmv7Neon(k)) {
    tol += 8.0 * ulp;
  }
  return tol;
}

// ONNX LRN in double: window max(0, c - floor((size-1)/2)) ..
// min(C-1, c + ceil((size-1)/2)).
std::vector<double> Formula(const std::vector<float>& x, size_t pixels, size_t channels,
                            const LrnParams& p, std::vector<double>* bases) {
  std::vector<double> y(x.size());
  bases->assign(x.size(), 0.0);
  const long c_count = static_cast<long>(channels);
  for (size_t px = 0; px < pixels; ++px) {
    for (long c = 0; c < c_count; ++c) {
      const long lo = std::max(0L, c - static_cast<long>(std::floor((p.size - 1) / 2.0)));
      const long hi = std::min(c_count - 1, c + static_cast<long>(std::ceil((p.size - 1) / 2.0)));
      double sum = 0;
      for (long i = lo; i <= hi; ++i) {
        const double v = x[px * channels + i];
        sum += v * v;
      }
      const double s = static_cast<double>(p.bias) +
                       static_cast<double>(p.alpha) / p.size * sum;
      (*bases)[px * channels + c] = s;
      y[px * channels + c] = x[px * channels + c] * std::pow(s, -static_cast<double>(p.beta));
    }
  }
  return y;
}

std::vector<float> Random(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& f : v) f = u(rng);
  return v;
}

// Runs `fn` on guarded, optionally misaligned copies; checks the guards.
std::vector<float> RunLrn(LrnFn fn, const std::vector<float>& x, size_t pixels, size_t channels,
                       const LrnParams& p, bool misaligned) {
  const size_t n = x.size();
  const size_t shift = misaligned ? 1 : 0;
  std::vector<float> xin(n + 2 * kGuardLen + 1, kGuard), yout(n + 2 * kGuardLen + 1, kGuard);
  std::memcpy(xin.data() + kGuardLen + shift, x.data(), n * sizeof(float));
  fn(pixels, channels, xin.data() + kGuardLen + shift, yout.data() + kGuardLen + shift, p);
  for (size_t i = 0; i < yout.size(); ++i) {
    const bool inside = i >= kGuardLen + shift && i < kGuardLen + shift + n;
    if (!inside) {
      EXPECT_TRUE(std::isnan(yout[i])) << "wrote outside the output at " << i;
    }
  }
  return std::vector<float>(yout.begin() + kGuardLen + shift, yout.begin() + kGuardLen + shift + n);
}

// Bases in double, for the tolerance of each element.
std::vector<double> Bases(const std::vector<float>& x, size_t pixels, size_t channels,
                          const LrnParams& p) {
  std::vector<double> bases;
  Formula(x, pixels, channels, p, &bases);
  return bases;
}

void ExpectClose(const KernelTable& k, const std::vector<float>& expected,
                 const std::vector<float>& actual, const std::vector<double>& bases,
                 const LrnParams& p, const std::string& what) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const float e = expected[i], a = actual[i];
    if (std::isnan(e) || std::isnan(a)) {
      ASSERT_TRUE(std::isnan(e) && std::isnan(a)) << what << " element " << i << ": " << e
                                                  << " vs " << a;
      continue;
    }
    if (e == 0.0f || a == 0.0f || std::isinf(e) || std::isinf(a)) {
      // Exact classes; a subnormal product may round to zero differently
      // only by the relative tolerance, which is below one subnormal step.
      if (std::fabs(e) < FLT_MIN && std::fabs(a) < FLT_MIN) {
        ASSERT_EQ(std::signbit(e), std::signbit(a)) << what << " element " << i;
        ASSERT_LE(std::fabs(static_cast<double>(e) - a), 2 * std::numeric_limits<float>::denorm_min())
            << what << " element " << i;
        continue;
      }
      ASSERT_EQ(e, a) << what << " element " << i;
      ASSERT_EQ(std::signbit(e), std::signbit(a)) << what << " element " << i;
      continue;
    }
    const double tol = Tolerance(k, p, bases[i]) * std::fabs(static_cast<double>(e)) +
                       std::numeric_limits<float>::denorm_min();
    ASSERT_LE(std::fabs(static_cast<double>(a) - e), tol)
        << what << " element " << i << ": expected " << e << ", got " << a << " (s = "
        << bases[i] << ")";
  }
}

class LrnVariantTest : public testing::TestWithParam<const KernelTable*> {};

std::string VariantName(const testing::TestParamInfo<const KernelTable*>& info) {
  return info.param->isa;
}

const size_t kChannelCounts[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 255, 257, 300};
const float kBetas[] = {0.75f, 0.5f, 1.0f, 0.6f, 2.0f, -0.5f, 0.0f};

TEST_P(LrnVariantTest, MatchesScalarOnOddCountsSizesAndMisalignment) {
  const KernelTable& k = *GetParam();
  ASSERT_NE(k.lrn, nullptr);
  uint32_t seed = 1;
  for (size_t channels : kChannelCounts) {
    for (int32_t size : {1, 2, 3, 4, 5, 6, 7, 16, 17, 21}) {
      for (float beta : kBetas) {
        const size_t pixels = 1 + seed % 3;
        const LrnParams p{size, 0.5f + 0.25f * (seed % 4), beta, 0.5f + (seed % 3)};
        const std::vector<float> x = Random(pixels * channels, -3.0f, 3.0f, seed++);
        const std::vector<float> expected =
            RunLrn(f32_lrn_ukernel__scalar, x, pixels, channels, p, false);
        const std::vector<double> bases = Bases(x, pixels, channels, p);
        for (bool misaligned : {false, true}) {
          const std::vector<float> actual = RunLrn(k.lrn, x, pixels, channels, p, misaligned);
          ExpectClose(k, expected, actual, bases, p,
                      "C=" + std::to_string(channels) + " size=" + std::to_string(size) +
                          " beta=" + std::to_string(beta) +
                          (misaligned ? " misaligned" : ""));
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

// Bases over many orders of magnitude (large alpha, wide inputs) exercise
// the general power's range and its fallback to the scalar expression.
TEST_P(LrnVariantTest, WideRangeOfBases) {
  const KernelTable& k = *GetParam();
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> exponent(-20.0f, 18.0f);
  for (float beta : kBetas) {
    for (float alpha : {1e-4f, 1.0f, 1e6f}) {
      const size_t channels = 37, pixels = 5;
      std::vector<float> x(channels * pixels);
      for (size_t i = 0; i < x.size(); ++i) {
        x[i] = (i % 2 ? -1.0f : 1.0f) * std::pow(10.0f, exponent(rng));
      }
      const LrnParams p{5, alpha, beta, 1e-3f};
      const std::vector<float> expected =
          RunLrn(f32_lrn_ukernel__scalar, x, pixels, channels, p, false);
      ExpectClose(k, expected, RunLrn(k.lrn, x, pixels, channels, p, true),
                  Bases(x, pixels, channels, p), p,
                  "alpha=" + std::to_string(alpha) + " beta=" + std::to_string(beta));
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(LrnVariantTest, SpecialValues) {
  const KernelTable& k = *GetParam();
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float sub = std::numeric_limits<float>::denorm_min() * 1000.0f;
  // Zeros of both signs, subnormals, squares that overflow float (1e20),
  // infinities and a NaN, spread so some windows avoid them.
  const std::vector<float> row = {0.0f,  -0.0f, sub,  -sub,  1.0f, 1e20f, 2.0f, -3.0f, 0.5f,
                                  4.0f,  5.0f,  6.0f, inf,   1.0f, 2.0f,  3.0f, 4.0f,  5.0f,
                                  6.0f,  7.0f,  -inf, 1.0f,  2.0f, 3.0f,  nan,  1.0f,  2.0f,
                                  -1e-30f, 1e-30f, 3.0f, 0.0f};
  for (float beta : kBetas) {
    for (int32_t size : {1, 2, 3, 5, 17}) {
      const LrnParams p{size, 1.0f, beta, 1.0f};
      const std::vector<float> expected =
          RunLrn(f32_lrn_ukernel__scalar, row, 1, row.size(), p, false);
      ExpectClose(k, expected, RunLrn(k.lrn, row, 1, row.size(), p, true),
                  Bases(row, 1, row.size(), p), p,
                  "special size=" + std::to_string(size) + " beta=" + std::to_string(beta));
      if (HasFatalFailure()) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Supported, LrnVariantTest, testing::ValuesIn(SupportedKernels()),
                         VariantName);

// The scalar kernel is the formula: ONNX window placement (an even window's
// extra channel above c), alpha / size, bias, any beta.
TEST(LrnScalarFormulaTest, MatchesDoublePrecisionFormula) {
  uint32_t seed = 100;
  for (size_t channels : {1, 2, 3, 6, 7, 13, 64, 300}) {
    for (int32_t size = 1; size <= 9; ++size) {
      for (float beta : kBetas) {
        const size_t pixels = 2;
        const LrnParams p{size, 0.3f * size, beta, 0.7f};
        const std::vector<float> x = Random(pixels * channels, -2.0f, 2.0f, seed++);
        std::vector<double> bases;
        const std::vector<double> want = Formula(x, pixels, channels, p, &bases);
        const std::vector<float> got = RunLrn(f32_lrn_ukernel__scalar, x, pixels, channels, p, true);
        for (size_t i = 0; i < got.size(); ++i) {
          // The float base is within 2 ULP of exact; pow / sqrt add 3 ULP.
          const double tol = std::ldexp(1.0, -23) * (4.0 + 2.0 * std::fabs(beta)) *
                             std::fabs(want[i]) + 1e-38;
          ASSERT_NEAR(got[i], want[i], tol) << "C=" << channels << " size=" << size
                                            << " beta=" << beta << " element " << i;
        }
      }
    }
  }
}

TEST(LrnScalarFormulaTest, EvenWindowTakesTheExtraChannelAbove) {
  // C = 3, size 2: N(0) = {0, 1}, N(1) = {1, 2}, N(2) = {2}. alpha = size and
  // beta = 1 make y_c = x_c / (1 + sum).
  const std::vector<float> x = {1.0f, 2.0f, 3.0f};
  const LrnParams p{2, 2.0f, 1.0f, 1.0f};
  const std::vector<float> y = RunLrn(f32_lrn_ukernel__scalar, x, 1, 3, p, false);
  EXPECT_FLOAT_EQ(y[0], 1.0f / (1.0f + 1.0f + 4.0f));
  EXPECT_FLOAT_EQ(y[1], 2.0f / (1.0f + 4.0f + 9.0f));
  EXPECT_FLOAT_EQ(y[2], 3.0f / (1.0f + 9.0f));
}

// The sliding double sum stays exact when a huge square leaves the window
// (a float running sum would keep an error of ~1e24 * 2^-24 there).
TEST(LrnScalarFormulaTest, SlidingSumRecoversAfterHugeValues) {
  std::vector<float> x(40, 1e-3f);
  x[3] = 1e12f;
  const LrnParams p{3, 3.0f, 1.0f, 1e-6f};
  const std::vector<float> y = RunLrn(f32_lrn_ukernel__scalar, x, 1, x.size(), p, false);
  const double want = 1e-3 / (1e-6 + 3 * 1e-6);
  for (size_t c = 6; c < x.size() - 1; ++c) {
    EXPECT_NEAR(y[c], want, 1e-6 * want) << "channel " << c;
  }
}

TEST(LrnDispatchTest, EveryVariantHasAnLrnKernel) {
  for (const KernelTable* t : SupportedKernels()) EXPECT_NE(t->lrn, nullptr) << t->isa;
  EXPECT_EQ(ScalarKernels().lrn, &f32_lrn_ukernel__scalar);
}

}  // namespace
}  // namespace ports
}  // namespace lrp
