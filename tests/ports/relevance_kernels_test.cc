// Every relevance kernel variant this CPU supports (ports/kernels.h)
// against the scalar reference, and the reference against the formulas
// written out in double precision.
//
// Variants come from SupportedKernels(), so an ISA the CPU lacks is simply
// not instantiated (skipped, not failed). Each family has a tester in the
// XNNPACK style: fluent setters describe one case (size, alignment,
// aliasing, value pattern) and Test(kernels) runs it against ScalarKernels().
//
// Tolerances:
//  * element-wise kernels: bit for bit, signed zeros included; any NaN
//    matches any NaN (which operand's payload a product of two NaNs carries
//    is up to the compiler even in the reference). The exception is armv7
//    NEON's division (reciprocal estimate + Newton-Raphson + one fused
//    correction): kArmv7VStabDivUlps.
//  * dense kernels: they sum in a different order (and with FMA). Summation
//    error is bounded relative to the sum of the terms' magnitudes, not to
//    the (possibly cancelled) result, so output j must be within
//    1e-5 * sum_k |mod(w) * s|_jk of the reference. armv7 NEON also flushes
//    subnormal factors, products and partial sums to zero, each costing at
//    most FLT_MIN * (1 + |other factor|); that is allowed for on top.
// Buffers carry guard values on both sides, which catches any write
// outside [0, n), and can start one float off 16-byte alignment.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ports/kernels.h"

namespace lrp {
namespace ports {
namespace {

// Widest variant step: AVX-512 handles 32 elements per iteration. Sizes
// sweep every length up to three of those plus a remainder.
constexpr size_t kMaxTile = 32;
constexpr size_t kMaxN = 3 * kMaxTile + 7;

#if defined(__arm__)
// Reciprocal estimate, two Newton-Raphson steps and a fused residual
// correction (ports/neon/elementwise_neon_armv7.cc): within 1 ULP of the
// correctly rounded quotient (in practice almost always exact).
constexpr uint32_t kArmv7VStabDivUlps = 1;
#endif

uint32_t Bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

float FromBits(uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// Distance in representable floats; both finite.
uint32_t UlpDistance(float a, float b) {
  auto ordered = [](float v) {
    const int64_t i = static_cast<int32_t>(Bits(v));
    return i < 0 ? INT64_C(-2147483648) - i : i;
  };
  const int64_t d = ordered(a) - ordered(b);
  return static_cast<uint32_t>(d < 0 ? -d : d);
}

uint32_t AllowedVStabDivUlps(const KernelTable& kernels) {
#if defined(__arm__)
  if (std::strcmp(kernels.isa, "neon") == 0) return kArmv7VStabDivUlps;
#endif
  (void)kernels;
  return 0;
}

enum class Values {
  kRandom,         // +-[1e-3, 1e3]
  kZeros,          // +0
  kNegativeZeros,  // -0
  kMixed,          // random, +-0 and subnormals interleaved
  kLarge,          // +-[1e8, 1e10]: even w^2 * s stays finite
  kHuge,           // +-[1e30, FLT_MAX]
  kTiny,           // subnormals and normals up to 1e-30
  kSpecial,        // inf, NaN (several payloads), extremes
};

const char* Name(Values v) {
  switch (v) {
    case Values::kRandom: return "random";
    case Values::kZeros: return "zeros";
    case Values::kNegativeZeros: return "negative zeros";
    case Values::kMixed: return "mixed";
    case Values::kLarge: return "large";
    case Values::kHuge: return "huge";
    case Values::kTiny: return "tiny";
    case Values::kSpecial: return "special";
  }
  return "?";
}

void Fill(Values values, std::mt19937* rng, float* p, size_t n) {
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::uniform_real_distribution<float> exponent(-3.0f, 3.0f);
  std::uniform_int_distribution<uint32_t> subnormal(1, 0x007FFFFFu);
  std::uniform_int_distribution<int> pick(0, 15);
  auto sign = [&] { return unit(*rng) < 0.0f ? -1.0f : 1.0f; };
  auto random = [&] { return unit(*rng) * std::pow(10.0f, exponent(*rng)); };
  // +-inf, three NaNs, +-FLT_MAX, +-FLT_MIN, the smallest subnormal, +-0, 1,
  // -1, 3, -0.5.
  static const uint32_t kSpecialBits[16] = {0x7F800000u, 0xFF800000u, 0x7FC00000u, 0x7FC12345u,
                                            0xFFC00001u, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x00800000u,
                                            0x80800000u, 0x00000001u, 0x00000000u, 0x80000000u,
                                            0x3F800000u, 0xBF800000u, 0x40400000u, 0xBF000000u};
  for (size_t i = 0; i < n; ++i) {
    switch (values) {
      case Values::kRandom: p[i] = random(); break;
      case Values::kZeros: p[i] = 0.0f; break;
      case Values::kNegativeZeros: p[i] = -0.0f; break;
      case Values::kMixed: {
        const int k = pick(*rng) % 4;
        p[i] = k == 0   ? random()
               : k == 1 ? 0.0f
               : k == 2 ? -0.0f
                        : sign() * FromBits(subnormal(*rng));
        break;
      }
      case Values::kLarge:
        p[i] = sign() * std::pow(10.0f, 8.0f + 2.0f * std::fabs(unit(*rng)));
        break;
      case Values::kHuge:
        p[i] = sign() * std::min(FLT_MAX, std::pow(10.0f, 30.0f + 8.6f * std::fabs(unit(*rng))));
        break;
      case Values::kTiny:
        p[i] = pick(*rng) % 2 == 0
                   ? sign() * FromBits(subnormal(*rng))
                   : sign() * std::pow(10.0f, -37.9f + 7.9f * std::fabs(unit(*rng)));
        break;
      case Values::kSpecial: p[i] = FromBits(kSpecialBits[pick(*rng)]); break;
    }
  }
}

// n floats with kGuardLen guard floats on each side, optionally shifted by
// one float so the data is not 16-byte aligned.
class GuardedBuffer {
 public:
  GuardedBuffer(size_t n, bool misaligned)
      : n_(n), begin_(kGuardLen + (misaligned ? 1 : 0)), storage_(n + 2 * kGuardLen + 1, Guard()) {}
  float* data() { return storage_.data() + begin_; }
  const float* data() const { return storage_.data() + begin_; }
  void Assign(const std::vector<float>& v) { std::copy(v.begin(), v.end(), data()); }
  std::vector<float> Contents() const { return std::vector<float>(data(), data() + n_); }
  // Index of the first clobbered guard float, or -1.
  long ClobberedGuard() const {
    for (size_t i = 0; i < storage_.size(); ++i) {
      if ((i < begin_ || i >= begin_ + n_) && Bits(storage_[i]) != Bits(Guard())) {
        return static_cast<long>(i) - static_cast<long>(begin_);
      }
    }
    return -1;
  }

 private:
  static constexpr size_t kGuardLen = 16;
  static float Guard() { return FromBits(0x7FA5A5A5u); }  // a NaN no kernel produces
  size_t n_;
  size_t begin_;
  std::vector<float> storage_;
};

// Bit-for-bit (any NaN for a NaN), or within `ulps` for finite values of
// the same sign.
void ExpectMatches(const std::vector<float>& expected, const std::vector<float>& actual,
                   uint32_t ulps) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const float e = expected[i], a = actual[i];
    if (Bits(e) == Bits(a) || (std::isnan(e) && std::isnan(a))) continue;
    const bool close = ulps > 0 && std::isfinite(e) && std::isfinite(a) &&
                       std::signbit(e) == std::signbit(a) && UlpDistance(e, a) <= ulps;
    ASSERT_TRUE(close) << "element " << i << " of " << expected.size() << ": expected " << e
                       << " (0x" << std::hex << Bits(e) << "), got " << a << " (0x" << Bits(a)
                       << std::dec << ")";
  }
}

double Rho(double w, WeightMod mod) {
  switch (mod) {
    case WeightMod::kIdentity: return w;
    case WeightMod::kPositive: return w > 0.0 ? w : 0.0;
    case WeightMod::kNegative: return w < 0.0 ? w : 0.0;
    case WeightMod::kSquare: return w * w;
  }
  return w;
}

// Accumulates the tolerance of one dot product (see the top of the file)
// term by term.
class DotTolerance {
 public:
  void Add(double factor, double other) {
    const double term = std::fabs(factor * other);
    if (std::isfinite(term)) terms_ += term;
    const double flush = FLT_MIN * (2.0 + std::fabs(factor) + std::fabs(other));
    if (std::isfinite(flush)) flush_ += flush;
  }
  double value() const { return 1e-5 * terms_ + flush_ + FLT_MIN; }

 private:
  double terms_ = 0.0, flush_ = 0.0;
};

// Non-finite values must match in kind.
void ExpectClose(const std::vector<float>& expected, const std::vector<float>& actual,
                 const std::vector<DotTolerance>& tolerances) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const float e = expected[i], a = actual[i];
    const double tolerance = tolerances[i].value();
    if (std::isnan(e)) {
      ASSERT_TRUE(std::isnan(a)) << "element " << i << ": expected NaN, got " << a;
    } else if (std::isinf(e)) {
      ASSERT_EQ(e, a) << "element " << i;
    } else {
      ASSERT_NEAR(e, a, tolerance) << "element " << i << " of " << expected.size();
    }
  }
}

class VStabDivTester {
 public:
  VStabDivTester& n(size_t v) {
    n_ = v;
    return *this;
  }
  VStabDivTester& eps(float v) {
    eps_ = v;
    return *this;
  }
  VStabDivTester& misaligned(bool v) {
    misaligned_ = v;
    return *this;
  }
  VStabDivTester& inplace_r(bool v) {
    inplace_r_ = v;
    return *this;
  }
  VStabDivTester& inplace_d(bool v) {
    inplace_d_ = v;
    return *this;
  }
  VStabDivTester& r_values(Values v) {
    r_values_ = v;
    return *this;
  }
  VStabDivTester& d_values(Values v) {
    d_values_ = v;
    return *this;
  }
  VStabDivTester& seed(uint32_t v) {
    seed_ = v;
    return *this;
  }

  void Test(const KernelTable& kernels) const {
    SCOPED_TRACE(Describe());
    std::mt19937 rng(seed_);
    std::vector<float> r(n_), d(n_), expected(n_);
    Fill(r_values_, &rng, r.data(), n_);
    Fill(d_values_, &rng, d.data(), n_);
    ScalarKernels().vstabdiv(n_, r.data(), d.data(), eps_, expected.data());

    GuardedBuffer rb(n_, misaligned_), db(n_, misaligned_), sb(n_, misaligned_);
    rb.Assign(r);
    db.Assign(d);
    float* s = inplace_r_ ? rb.data() : inplace_d_ ? db.data() : sb.data();
    kernels.vstabdiv(n_, rb.data(), db.data(), eps_, s);

    EXPECT_EQ(rb.ClobberedGuard(), -1);
    EXPECT_EQ(db.ClobberedGuard(), -1);
    EXPECT_EQ(sb.ClobberedGuard(), -1);
    if (!inplace_r_) ExpectMatches(r, rb.Contents(), 0);
    if (!inplace_d_) ExpectMatches(d, db.Contents(), 0);
    const GuardedBuffer& out = inplace_r_ ? rb : inplace_d_ ? db : sb;
    ExpectMatches(expected, out.Contents(), AllowedVStabDivUlps(kernels));
  }

 private:
  std::string Describe() const {
    char text[160];
    std::snprintf(text, sizeof text, "vstabdiv n=%zu eps=%g r=%s d=%s%s%s%s seed=%u", n_, eps_,
                  Name(r_values_), Name(d_values_), misaligned_ ? " misaligned" : "",
                  inplace_r_ ? " s=r" : "", inplace_d_ ? " s=d" : "", seed_);
    return text;
  }

  size_t n_ = 1;
  float eps_ = 1e-6f;
  bool misaligned_ = false, inplace_r_ = false, inplace_d_ = false;
  Values r_values_ = Values::kRandom, d_values_ = Values::kRandom;
  uint32_t seed_ = 1;
};

// VMul (y = a * c) and VMulAdd (y += a * c).
class VMulTester {
 public:
  VMulTester& n(size_t v) {
    n_ = v;
    return *this;
  }
  VMulTester& accumulate(bool v) {
    accumulate_ = v;
    return *this;
  }
  VMulTester& misaligned(bool v) {
    misaligned_ = v;
    return *this;
  }
  VMulTester& inplace_a(bool v) {
    inplace_a_ = v;
    return *this;
  }
  VMulTester& inplace_c(bool v) {
    inplace_c_ = v;
    return *this;
  }
  VMulTester& values(Values v) {
    values_ = v;
    return *this;
  }
  VMulTester& seed(uint32_t v) {
    seed_ = v;
    return *this;
  }

  void Test(const KernelTable& kernels) const {
    SCOPED_TRACE(Describe());
    std::mt19937 rng(seed_);
    std::vector<float> a(n_), c(n_), y(n_);
    Fill(values_, &rng, a.data(), n_);
    Fill(values_, &rng, c.data(), n_);
    Fill(values_, &rng, y.data(), n_);
    std::vector<float> expected = y;
    GuardedBuffer ab(n_, misaligned_), cb(n_, misaligned_), yb(n_, misaligned_);
    ab.Assign(a);
    cb.Assign(c);
    yb.Assign(y);
    if (accumulate_) {
      ScalarKernels().vmuladd(n_, a.data(), c.data(), expected.data());
      kernels.vmuladd(n_, ab.data(), cb.data(), yb.data());
    } else {
      ScalarKernels().vmul(n_, a.data(), c.data(), expected.data());
      float* out = inplace_a_ ? ab.data() : inplace_c_ ? cb.data() : yb.data();
      kernels.vmul(n_, ab.data(), cb.data(), out);
    }
    EXPECT_EQ(ab.ClobberedGuard(), -1);
    EXPECT_EQ(cb.ClobberedGuard(), -1);
    EXPECT_EQ(yb.ClobberedGuard(), -1);
    if (!inplace_a_) ExpectMatches(a, ab.Contents(), 0);
    if (!inplace_c_) ExpectMatches(c, cb.Contents(), 0);
    const GuardedBuffer& out = inplace_a_ ? ab : inplace_c_ ? cb : yb;
    ExpectMatches(expected, out.Contents(), 0);
  }

 private:
  std::string Describe() const {
    char text[160];
    std::snprintf(text, sizeof text, "%s n=%zu values=%s%s%s%s seed=%u",
                  accumulate_ ? "vmuladd" : "vmul", n_, Name(values_),
                  misaligned_ ? " misaligned" : "", inplace_a_ ? " y=a" : "",
                  inplace_c_ ? " y=c" : "", seed_);
    return text;
  }

  size_t n_ = 1;
  bool accumulate_ = false, misaligned_ = false, inplace_a_ = false, inplace_c_ = false;
  Values values_ = Values::kRandom;
  uint32_t seed_ = 1;
};

// DenseTransposed over a column slice [first_column, first_column + width)
// of a rows x stride matrix.
class DenseTransposedTester {
 public:
  DenseTransposedTester& rows(size_t v) {
    rows_ = v;
    return *this;
  }
  DenseTransposedTester& width(size_t v) {
    width_ = v;
    return *this;
  }
  DenseTransposedTester& extra_columns(size_t v) {
    extra_columns_ = v;
    return *this;
  }
  DenseTransposedTester& first_column(size_t v) {
    first_column_ = v;
    return *this;
  }
  DenseTransposedTester& mod(WeightMod v) {
    mod_ = v;
    return *this;
  }
  DenseTransposedTester& misaligned(bool v) {
    misaligned_ = v;
    return *this;
  }
  DenseTransposedTester& w_values(Values v) {
    w_values_ = v;
    return *this;
  }
  DenseTransposedTester& s_values(Values v) {
    s_values_ = v;
    return *this;
  }

  void Test(const KernelTable& kernels) const {
    SCOPED_TRACE(Describe());
    const size_t stride = first_column_ + width_ + extra_columns_;
    std::mt19937 rng(static_cast<uint32_t>(rows_ * 131 + width_));
    std::vector<float> w(rows_ * stride), s(rows_), expected(width_);
    Fill(w_values_, &rng, w.data(), w.size());
    Fill(s_values_, &rng, s.data(), s.size());
    ScalarKernels().dense_transposed(rows_, width_, stride, w.data() + first_column_, s.data(),
                                     mod_, expected.data());

    GuardedBuffer wb(w.size(), misaligned_), sb(rows_, misaligned_), xb(width_, misaligned_);
    wb.Assign(w);
    sb.Assign(s);
    // x starts as NaN: the kernel must overwrite it, not accumulate into it.
    xb.Assign(std::vector<float>(width_, std::numeric_limits<float>::quiet_NaN()));
    kernels.dense_transposed(rows_, width_, stride, wb.data() + first_column_, sb.data(), mod_,
                             xb.data());
    EXPECT_EQ(wb.ClobberedGuard(), -1);
    EXPECT_EQ(sb.ClobberedGuard(), -1);
    EXPECT_EQ(xb.ClobberedGuard(), -1);
    ExpectMatches(w, wb.Contents(), 0);
    std::vector<DotTolerance> tolerances(width_);
    for (size_t k = 0; k < rows_; ++k) {
      for (size_t j = 0; j < width_; ++j) {
        tolerances[j].Add(Rho(w[k * stride + first_column_ + j], mod_), s[k]);
      }
    }
    ExpectClose(expected, xb.Contents(), tolerances);
  }

 private:
  std::string Describe() const {
    char text[160];
    std::snprintf(text, sizeof text,
                  "dense_transposed rows=%zu width=%zu columns %zu+%zu mod=%d w=%s s=%s%s", rows_,
                  width_, first_column_, extra_columns_, static_cast<int>(mod_), Name(w_values_),
                  Name(s_values_), misaligned_ ? " misaligned" : "");
    return text;
  }

  size_t rows_ = 1, width_ = 1, extra_columns_ = 0, first_column_ = 0;
  WeightMod mod_ = WeightMod::kIdentity;
  bool misaligned_ = false;
  Values w_values_ = Values::kRandom, s_values_ = Values::kRandom;
};

class DenseModifiedTester {
 public:
  DenseModifiedTester& rows(size_t v) {
    rows_ = v;
    return *this;
  }
  DenseModifiedTester& cols(size_t v) {
    cols_ = v;
    return *this;
  }
  DenseModifiedTester& mod(WeightMod v) {
    mod_ = v;
    return *this;
  }
  DenseModifiedTester& misaligned(bool v) {
    misaligned_ = v;
    return *this;
  }
  DenseModifiedTester& w_values(Values v) {
    w_values_ = v;
    return *this;
  }
  DenseModifiedTester& a_values(Values v) {
    a_values_ = v;
    return *this;
  }

  void Test(const KernelTable& kernels) const {
    SCOPED_TRACE(Describe());
    std::mt19937 rng(static_cast<uint32_t>(rows_ * 131 + cols_));
    std::vector<float> w(rows_ * cols_), a(cols_), expected(rows_);
    Fill(w_values_, &rng, w.data(), w.size());
    Fill(a_values_, &rng, a.data(), a.size());
    ScalarKernels().dense_modified(rows_, cols_, w.data(), a.data(), mod_, expected.data());

    GuardedBuffer wb(w.size(), misaligned_), ab(cols_, misaligned_), zb(rows_, misaligned_);
    wb.Assign(w);
    ab.Assign(a);
    zb.Assign(std::vector<float>(rows_, std::numeric_limits<float>::quiet_NaN()));
    kernels.dense_modified(rows_, cols_, wb.data(), ab.data(), mod_, zb.data());
    EXPECT_EQ(wb.ClobberedGuard(), -1);
    EXPECT_EQ(ab.ClobberedGuard(), -1);
    EXPECT_EQ(zb.ClobberedGuard(), -1);
    ExpectMatches(w, wb.Contents(), 0);
    std::vector<DotTolerance> tolerances(rows_);
    for (size_t k = 0; k < rows_; ++k) {
      for (size_t j = 0; j < cols_; ++j) tolerances[k].Add(Rho(w[k * cols_ + j], mod_), a[j]);
    }
    ExpectClose(expected, zb.Contents(), tolerances);
  }

 private:
  std::string Describe() const {
    char text[160];
    std::snprintf(text, sizeof text, "dense_modified rows=%zu cols=%zu mod=%d w=%s a=%s%s", rows_,
                  cols_, static_cast<int>(mod_), Name(w_values_), Name(a_values_),
                  misaligned_ ? " misaligned" : "");
    return text;
  }

  size_t rows_ = 1, cols_ = 1;
  WeightMod mod_ = WeightMod::kIdentity;
  bool misaligned_ = false;
  Values w_values_ = Values::kRandom, a_values_ = Values::kRandom;
};

constexpr WeightMod kAllMods[] = {WeightMod::kIdentity, WeightMod::kPositive, WeightMod::kNegative,
                                  WeightMod::kSquare};
constexpr Values kEdgeValues[] = {Values::kZeros,  Values::kNegativeZeros, Values::kMixed,
                                  Values::kLarge,  Values::kHuge,          Values::kTiny,
                                  Values::kSpecial};
// Rows around the row unroll (4) and widths around every vector width.
constexpr size_t kRowCounts[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 13};

// ---------------------------------------------------------------------------
// Variants against the reference.

class KernelVariantTest : public testing::TestWithParam<const KernelTable*> {
 protected:
  const KernelTable& kernels() const { return *GetParam(); }
};

using VStabDivKernelTest = KernelVariantTest;
using VMulKernelTest = KernelVariantTest;
using VMulAddKernelTest = KernelVariantTest;
using DenseTransposedKernelTest = KernelVariantTest;
using DenseModifiedKernelTest = KernelVariantTest;

TEST_P(VStabDivKernelTest, TileRemainders) {
  for (size_t n = 0; n <= kMaxN; ++n) VStabDivTester().n(n).Test(kernels());
  VStabDivTester().n(4099).Test(kernels());
}

TEST_P(VStabDivKernelTest, Misaligned) {
  for (size_t n = 1; n <= kMaxN; ++n) VStabDivTester().n(n).misaligned(true).Test(kernels());
}

TEST_P(VStabDivKernelTest, InPlace) {
  for (size_t n = 1; n <= kMaxN; ++n) {
    VStabDivTester().n(n).inplace_r(true).Test(kernels());
    VStabDivTester().n(n).inplace_d(true).misaligned(true).Test(kernels());
  }
}

TEST_P(VStabDivKernelTest, ZeroDenominatorsWithZeroEpsGiveZero) {
  for (Values d : {Values::kZeros, Values::kNegativeZeros, Values::kMixed}) {
    for (size_t n = 1; n <= kMaxN; n += 5) {
      VStabDivTester().n(n).eps(0.0f).d_values(d).Test(kernels());
    }
  }
  std::vector<float> r = {1.0f, -1.0f, 0.0f, std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN()};
  r.resize(kMaxN, 2.0f);
  std::vector<float> d(r.size()), s(r.size(), 1.0f);
  for (size_t i = 0; i < d.size(); ++i) d[i] = i % 2 ? 0.0f : -0.0f;
  kernels().vstabdiv(r.size(), r.data(), d.data(), 0.0f, s.data());
  for (size_t i = 0; i < s.size(); ++i) ASSERT_EQ(Bits(s[i]), Bits(0.0f)) << "element " << i;
}

TEST_P(VStabDivKernelTest, NegativeZeroTakesPositiveEpsilon) {
  std::vector<float> r(kMaxN, 1.0f), d(kMaxN, -0.0f), s(kMaxN);
  kernels().vstabdiv(kMaxN, r.data(), d.data(), 0.5f, s.data());
  for (size_t i = 0; i < kMaxN; ++i) ASSERT_EQ(s[i], 2.0f) << "element " << i;
}

TEST_P(VStabDivKernelTest, EdgeValues) {
  uint32_t seed = 1;
  for (Values r : kEdgeValues) {
    for (Values d : kEdgeValues) {
      for (float eps : {0.0f, 1e-6f, FLT_MIN, 1e30f}) {
        VStabDivTester().n(kMaxN).eps(eps).r_values(r).d_values(d).seed(seed++).Test(kernels());
      }
    }
    VStabDivTester().n(kMaxN).r_values(r).seed(seed++).Test(kernels());
    VStabDivTester().n(kMaxN).d_values(r).seed(seed++).Test(kernels());
  }
  // A subnormal epsilon.
  VStabDivTester().n(kMaxN).eps(1e-40f).d_values(Values::kTiny).Test(kernels());
}

TEST_P(VMulKernelTest, TileRemainders) {
  for (size_t n = 0; n <= kMaxN; ++n) VMulTester().n(n).Test(kernels());
  VMulTester().n(4099).Test(kernels());
}

TEST_P(VMulKernelTest, MisalignedAndInPlace) {
  for (size_t n = 1; n <= kMaxN; ++n) {
    VMulTester().n(n).misaligned(true).Test(kernels());
    VMulTester().n(n).inplace_a(true).Test(kernels());
    VMulTester().n(n).inplace_c(true).misaligned(true).Test(kernels());
  }
}

TEST_P(VMulKernelTest, EdgeValues) {
  uint32_t seed = 1;
  for (Values v : kEdgeValues) {
    for (size_t n : {kMaxN, size_t{1000}}) VMulTester().n(n).values(v).seed(seed++).Test(kernels());
  }
}

TEST_P(VMulAddKernelTest, TileRemainders) {
  for (size_t n = 0; n <= kMaxN; ++n) VMulTester().accumulate(true).n(n).Test(kernels());
  VMulTester().accumulate(true).n(4099).Test(kernels());
}

TEST_P(VMulAddKernelTest, Misaligned) {
  for (size_t n = 1; n <= kMaxN; ++n) {
    VMulTester().accumulate(true).n(n).misaligned(true).Test(kernels());
  }
}

TEST_P(VMulAddKernelTest, EdgeValues) {
  uint32_t seed = 1;
  for (Values v : kEdgeValues) {
    for (size_t n : {kMaxN, size_t{1000}}) {
      VMulTester().accumulate(true).n(n).values(v).seed(seed++).Test(kernels());
    }
  }
}

TEST_P(DenseTransposedKernelTest, Shapes) {
  for (WeightMod mod : kAllMods) {
    for (size_t rows : kRowCounts) {
      for (size_t width = 1; width <= kMaxN; ++width) {
        DenseTransposedTester().rows(rows).width(width).mod(mod).Test(kernels());
      }
    }
  }
}

TEST_P(DenseTransposedKernelTest, ColumnSlicesAndMisalignment) {
  for (WeightMod mod : kAllMods) {
    for (size_t rows : kRowCounts) {
      for (size_t width : {size_t{1}, size_t{5}, size_t{16}, size_t{37}, kMaxN}) {
        DenseTransposedTester()
            .rows(rows)
            .width(width)
            .first_column(3)
            .extra_columns(5)
            .mod(mod)
            .Test(kernels());
        DenseTransposedTester()
            .rows(rows)
            .width(width)
            .extra_columns(1)
            .misaligned(true)
            .mod(mod)
            .Test(kernels());
      }
    }
  }
  DenseTransposedTester().rows(37).width(1000).first_column(24).extra_columns(9).Test(kernels());
}

TEST_P(DenseTransposedKernelTest, EdgeValues) {
  // Finite patterns only: inf and NaN in a sum depend on its order.
  for (WeightMod mod : kAllMods) {
    for (Values w : {Values::kZeros, Values::kNegativeZeros, Values::kMixed, Values::kTiny}) {
      DenseTransposedTester().rows(9).width(kMaxN).mod(mod).w_values(w).Test(kernels());
      DenseTransposedTester().rows(9).width(kMaxN).mod(mod).s_values(w).Test(kernels());
    }
    DenseTransposedTester()
        .rows(9)
        .width(kMaxN)
        .mod(mod)
        .w_values(Values::kLarge)
        .s_values(Values::kLarge)
        .Test(kernels());
  }
}

TEST_P(DenseModifiedKernelTest, Shapes) {
  for (WeightMod mod : kAllMods) {
    for (size_t rows : kRowCounts) {
      for (size_t cols = 0; cols <= kMaxN; ++cols) {
        DenseModifiedTester().rows(rows).cols(cols).mod(mod).Test(kernels());
      }
    }
  }
}

TEST_P(DenseModifiedKernelTest, MisalignedAndLarge) {
  for (WeightMod mod : kAllMods) {
    for (size_t rows : kRowCounts) {
      for (size_t cols : {size_t{1}, size_t{5}, size_t{16}, size_t{37}, kMaxN}) {
        DenseModifiedTester().rows(rows).cols(cols).misaligned(true).mod(mod).Test(kernels());
      }
    }
    DenseModifiedTester().rows(13).cols(4099).mod(mod).Test(kernels());
  }
}

TEST_P(DenseModifiedKernelTest, EdgeValues) {
  for (WeightMod mod : kAllMods) {
    for (Values w : {Values::kZeros, Values::kNegativeZeros, Values::kMixed, Values::kTiny}) {
      DenseModifiedTester().rows(9).cols(kMaxN).mod(mod).w_values(w).Test(kernels());
      DenseModifiedTester().rows(9).cols(kMaxN).mod(mod).a_values(w).Test(kernels());
    }
    DenseModifiedTester()
        .rows(9)
        .cols(kMaxN)
        .mod(mod)
        .w_values(Values::kLarge)
        .a_values(Values::kLarge)
        .Test(kernels());
  }
}

// NaN and -0.0 weights: kPositive and kNegative drop them (w > 0 and w < 0
// are false), so the sums stay finite.
TEST_P(DenseModifiedKernelTest, SignModsDropNaNWeights) {
  for (WeightMod mod : {WeightMod::kPositive, WeightMod::kNegative}) {
    DenseModifiedTester().rows(9).cols(kMaxN).mod(mod).w_values(Values::kSpecial).Test(kernels());
    DenseTransposedTester()
        .rows(9)
        .width(kMaxN)
        .mod(mod)
        .w_values(Values::kSpecial)
        .Test(kernels());
  }
}

std::string VariantName(const testing::TestParamInfo<const KernelTable*>& info) {
  return info.param->isa;
}

INSTANTIATE_TEST_SUITE_P(Supported, VStabDivKernelTest, testing::ValuesIn(SupportedKernels()),
                         VariantName);
INSTANTIATE_TEST_SUITE_P(Supported, VMulKernelTest, testing::ValuesIn(SupportedKernels()),
                         VariantName);
INSTANTIATE_TEST_SUITE_P(Supported, VMulAddKernelTest, testing::ValuesIn(SupportedKernels()),
                         VariantName);
INSTANTIATE_TEST_SUITE_P(Supported, DenseTransposedKernelTest,
                         testing::ValuesIn(SupportedKernels()), VariantName);
INSTANTIATE_TEST_SUITE_P(Supported, DenseModifiedKernelTest, testing::ValuesIn(SupportedKernels()),
                         VariantName);

// ---------------------------------------------------------------------------
// The scalar reference against the formulas, in double precision.

TEST(ScalarKernelFormulaTest, VStabDiv) {
  const std::vector<float> r = {1.0f, -2.0f, 3.0f, 0.5f, 1.0f, 0.0f, -7.0f, 4.0f};
  const std::vector<float> d = {2.0f, -4.0f, 0.0f, -0.0f, 1e-3f, 0.0f, 0.75f, -0.125f};
  for (float eps : {0.25f, 1e-6f}) {
    std::vector<float> s(r.size());
    ScalarKernels().vstabdiv(r.size(), r.data(), d.data(), eps, s.data());
    for (size_t i = 0; i < r.size(); ++i) {
      // stab(x) = x + eps * sign0(x), sign0(0) = +1.
      const double den = d[i] + (d[i] >= 0.0 ? 1.0 : -1.0) * eps;
      EXPECT_NEAR(s[i], r[i] / den, 1e-6 * std::fabs(r[i] / den)) << "element " << i;
    }
  }
  std::vector<float> s(r.size());
  ScalarKernels().vstabdiv(r.size(), r.data(), d.data(), 0.0f, s.data());
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_DOUBLE_EQ(s[i], d[i] == 0.0f ? 0.0 : static_cast<float>(r[i] / double{d[i]}));
  }
}

TEST(ScalarKernelFormulaTest, VMulAndVMulAdd) {
  const std::vector<float> a = {1.5f, -2.0f, 0.0f, 3.25f, -0.5f};
  const std::vector<float> c = {2.0f, 0.25f, 7.0f, -4.0f, -0.5f};
  std::vector<float> y(a.size());
  ScalarKernels().vmul(a.size(), a.data(), c.data(), y.data());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_DOUBLE_EQ(y[i], double{a[i]} * c[i]);
  std::vector<float> acc = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
  ScalarKernels().vmuladd(a.size(), a.data(), c.data(), acc.data());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_DOUBLE_EQ(acc[i], (i + 1.0) + double{a[i]} * c[i]);
}

TEST(ScalarKernelFormulaTest, DenseTransposedAndModified) {
  // A 3 x 7 matrix; the transposed product reads columns [2, 6).
  const size_t rows = 3, cols = 7, first = 2, width = 4;
  std::vector<float> w(rows * cols);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>((i * 7) % 11) - 1.25f;
  const std::vector<float> s = {0.5f, -1.5f, 2.0f};
  std::vector<float> a(cols);
  for (size_t j = 0; j < cols; ++j) a[j] = 1.0f - 0.375f * static_cast<float>(j);
  for (WeightMod mod : kAllMods) {
    SCOPED_TRACE(static_cast<int>(mod));
    std::vector<float> x(width);
    ScalarKernels().dense_transposed(rows, width, cols, w.data() + first, s.data(), mod, x.data());
    for (size_t j = 0; j < width; ++j) {
      double expected = 0.0;
      for (size_t k = 0; k < rows; ++k) expected += Rho(w[k * cols + first + j], mod) * s[k];
      EXPECT_NEAR(x[j], expected, 1e-6) << "x[" << j << "]";
    }
    std::vector<float> z(rows);
    ScalarKernels().dense_modified(rows, cols, w.data(), a.data(), mod, z.data());
    for (size_t k = 0; k < rows; ++k) {
      double expected = 0.0;
      for (size_t j = 0; j < cols; ++j) expected += Rho(w[k * cols + j], mod) * a[j];
      EXPECT_NEAR(z[k], expected, 1e-6) << "z[" << k << "]";
    }
  }
}

// ---------------------------------------------------------------------------
// Dispatch.

TEST(KernelDispatchTest, ScalarFirstAndNamesDistinct) {
  const std::vector<const KernelTable*> tables = SupportedKernels();
  ASSERT_FALSE(tables.empty());
  EXPECT_EQ(tables.front(), &ScalarKernels());
  for (size_t i = 0; i < tables.size(); ++i) {
    const KernelTable& t = *tables[i];
    EXPECT_TRUE(t.vstabdiv && t.vmul && t.vmuladd && t.dense_transposed && t.dense_modified);
    for (size_t k = 0; k < i; ++k) EXPECT_STRNE(tables[k]->isa, t.isa);
  }
}

TEST(KernelDispatchTest, BestIsSupported) {
  const std::vector<const KernelTable*> tables = SupportedKernels();
  EXPECT_NE(std::find(tables.begin(), tables.end(), &BestKernels()), tables.end())
      << BestKernels().isa;
  std::printf("BestKernels: %s (LRP_ISA=%s); supported:", BestKernels().isa,
              std::getenv("LRP_ISA") ? std::getenv("LRP_ISA") : "unset");
  for (const KernelTable* t : tables) std::printf(" %s", t->isa);
  std::printf("\n");
}

TEST(KernelDispatchTest, SelectKernelsByName) {
  const std::vector<const KernelTable*> tables = SupportedKernels();
  for (const KernelTable* t : tables) EXPECT_EQ(&SelectKernels(t->isa), t);
  EXPECT_EQ(&SelectKernels("scalar"), &ScalarKernels());
  EXPECT_EQ(&SelectKernels(nullptr), tables.back());
  EXPECT_EQ(&SelectKernels(""), tables.back());
  EXPECT_EQ(&SelectKernels("avx1024"), tables.back());
  EXPECT_EQ(&SelectKernels("SCALAR"), tables.back());
}

// LRP_ISA is read once, on BestKernels' first call, so each check runs in a
// child process. GoogleTest runs *DeathTest suites before all others and
// forks the child from a process that has not called BestKernels yet (the
// default "fast" style, which unlike "threadsafe" needs no re-exec and so
// also works under qemu-user without binfmt_misc).
TEST(KernelDispatchDeathTest, LrpIsaScalarForcesScalar) {
  EXPECT_EXIT(
      {
        setenv("LRP_ISA", "scalar", 1);
        std::exit(&BestKernels() == &ScalarKernels() ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

TEST(KernelDispatchDeathTest, UnknownLrpIsaFallsBackToBest) {
  EXPECT_EXIT(
      {
        setenv("LRP_ISA", "no-such-isa", 1);
        std::exit(&BestKernels() == SupportedKernels().back() ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace ports
}  // namespace lrp
