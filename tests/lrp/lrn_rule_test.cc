// Relevance through LRN (RULES.md §4.2, §11): the Taylor kernel against an
// independent double-precision oracle that builds the full share matrix
// q_jk from the formulas, the conservation identity of the normalized form,
// the first-order accuracy of the linearization, and the selection of the
// three forms by composite parameter and per-layer override in a Session.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "lrp/lrp.h"
#include "ports/kernels.h"
#include "ports/scalar/lrn_relevance_scalar.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace {

using Matrix = std::vector<std::vector<double>>;

// q[j][k]: the share of input j in output k of one pixel, straight from the
// definitions: q_kk = x_k (K + A x_k^2)^-b, q_jk = x_j dy_k/dx_j for the
// other j in ONNX's window N(k), 0 elsewhere.
Matrix Shares(const std::vector<double>& x, const ports::LrnParams& p) {
  const int c = static_cast<int>(x.size());
  const double a = double{p.alpha} / p.size, b = p.beta, k0 = p.bias;
  Matrix q(c, std::vector<double>(c, 0.0));
  for (int k = 0; k < c; ++k) {
    const int lo = std::max(0, k - (p.size - 1) / 2);
    const int hi = std::min(c - 1, k + p.size / 2);
    double sum = 0;
    for (int i = lo; i <= hi; ++i) sum += x[i] * x[i];
    const double s = k0 + a * sum;
    for (int j = lo; j <= hi; ++j) {
      // dy_k/dx_j = [j == k] s^-b - 2 a b x_j x_k s^(-b-1)
      q[j][k] = j == k ? x[k] * std::pow(k0 + a * x[k] * x[k], -b)
                       : x[j] * (-2.0 * a * b * x[j] * x[k] * std::pow(s, -b - 1));
    }
  }
  return q;
}

double Stab(double z, double eps) { return z >= 0 ? z + eps : z - eps; }

// R_in of one pixel: normalized or not.
std::vector<double> Oracle(const std::vector<double>& x, const std::vector<double>& r,
                           const ports::LrnParams& p, bool normalized, double eps) {
  const Matrix q = Shares(x, p);
  const size_t c = x.size();
  std::vector<double> out(c, 0.0);
  for (size_t k = 0; k < c; ++k) {
    double den = 0;
    for (size_t j = 0; j < c; ++j) den += q[j][k];
    const double t = normalized ? (Stab(den, eps) == 0 ? 0 : r[k] / Stab(den, eps)) : r[k];
    for (size_t j = 0; j < c; ++j) out[j] += q[j][k] * t;
  }
  return out;
}

std::vector<float> Uniform(size_t n, double lo, double hi, uint64_t seed) {
  test::Rng rng(seed);
  return rng.Vector(n, static_cast<float>(lo), static_cast<float>(hi));
}

// Runs the kernel on `pixels` rows; r_in starts at `initial` (it adds).
std::vector<float> Kernel(const std::vector<float>& x, const std::vector<float>& r,
                          size_t channels, const ports::LrnParams& p, bool normalized,
                          float eps, float initial = 0.0f) {
  std::vector<float> out(x.size(), initial), work(3 * channels, -7.0f);
  ports::f32_lrn_taylor_relevance__scalar(x.size() / channels, channels, x.data(), r.data(), p,
                                          normalized, eps, work.data(), out.data());
  return out;
}

TEST(LrnTaylorKernelTest, MatchesOracleForEveryWindowSize) {
  uint64_t seed = 1;
  for (size_t channels : {1, 2, 3, 5, 8, 13}) {
    for (int32_t size = 1; size <= 7; ++size) {
      for (bool normalized : {true, false}) {
        const ports::LrnParams p{size, 2.0f, 0.75f, 1.5f};
        const size_t pixels = 3;
        std::vector<float> x = Uniform(pixels * channels, -2.0, 2.0, seed++);
        for (size_t i = 0; i < x.size(); i += 4) x[i] = 0.0f;  // ReLU zeros: no share
        const std::vector<float> r = Uniform(pixels * channels, -1.0, 1.0, seed++);
        const std::vector<float> got = Kernel(x, r, channels, p, normalized, 1e-6f, 0.5f);
        for (size_t px = 0; px < pixels; ++px) {
          const std::vector<double> xs(x.begin() + px * channels, x.begin() + (px + 1) * channels);
          const std::vector<double> rs(r.begin() + px * channels, r.begin() + (px + 1) * channels);
          const std::vector<double> want = Oracle(xs, rs, p, normalized, 1e-6);
          double scale = 0;
          for (double v : want) scale = std::max(scale, std::fabs(v));
          for (size_t j = 0; j < channels; ++j) {
            // The kernel adds into r_in, which held 0.5.
            EXPECT_NEAR(got[px * channels + j] - 0.5, want[j], 1e-5 * (1 + scale))
                << "C=" << channels << " size=" << size << " normalized=" << normalized
                << " pixel " << px << " channel " << j;
          }
        }
      }
    }
  }
}

TEST(LrnTaylorKernelTest, OtherBetasAndBiases) {
  uint64_t seed = 50;
  for (float beta : {0.5f, 1.0f, 0.3f}) {
    for (float bias : {0.25f, 2.0f}) {
      const size_t channels = 9;
      const ports::LrnParams p{4, 3.0f, beta, bias};
      const std::vector<float> x = Uniform(channels, -1.5, 1.5, seed++);
      const std::vector<float> r = Uniform(channels, -1.0, 1.0, seed++);
      const std::vector<float> got = Kernel(x, r, channels, p, true, 1e-6f);
      const std::vector<double> want = Oracle(std::vector<double>(x.begin(), x.end()),
                                              std::vector<double>(r.begin(), r.end()), p, true,
                                              1e-6);
      for (size_t j = 0; j < channels; ++j) {
        EXPECT_NEAR(got[j], want[j], 1e-5 * (1 + std::fabs(want[j]))) << beta << " " << bias;
      }
    }
  }
}

// Sum_j R_j = Sum_k R_k d_k / stab(d_k), d_k = sum_j q_jk: exact up to the
// stabilizer, per pixel.
TEST(LrnTaylorKernelTest, NormalizedFormConservesUpToTheStabilizer) {
  for (float eps : {1e-6f, 0.05f}) {
    const size_t channels = 11;
    const ports::LrnParams p{5, 1.0f, 0.75f, 1.0f};
    const std::vector<float> x = Uniform(channels, 0.0, 3.0, 9);  // post-ReLU
    const std::vector<float> r = Uniform(channels, 0.0, 1.0, 10);
    const std::vector<float> got = Kernel(x, r, channels, p, true, eps);
    const Matrix q = Shares(std::vector<double>(x.begin(), x.end()), p);
    double in = 0, out = 0, expected = 0;
    for (size_t k = 0; k < channels; ++k) {
      double d = 0;
      for (size_t j = 0; j < channels; ++j) d += q[j][k];
      in += got[k];
      out += r[k];
      expected += r[k] * d / Stab(d, eps);
    }
    EXPECT_NEAR(in, expected, 1e-5 * out) << "eps " << eps;
    if (eps < 1e-5f) {
      EXPECT_NEAR(in, out, 1e-5 * out);
    } else {
      EXPECT_LT(in, out * (1 - 1e-3));  // a real stabilizer absorbs some
    }
  }
}

// For x >= 0 the own share is positive and the neighbours' negative: they
// suppressed y_k.
TEST(LrnTaylorKernelTest, NeighboursOfPositiveInputsGetNegativeShares) {
  const size_t channels = 5;
  const ports::LrnParams p{3, 3.0f, 0.75f, 1.0f};
  const std::vector<float> x = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
  const std::vector<float> r = {0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
  const std::vector<float> got = Kernel(x, r, channels, p, false, 0.0f);
  EXPECT_GT(got[2], 0.0f);
  EXPECT_LT(got[1], 0.0f);
  EXPECT_LT(got[3], 0.0f);
  EXPECT_EQ(got[0], 0.0f);
  EXPECT_EQ(got[4], 0.0f);
}

// sum_j q_jk ~ y_k for small inputs. x_j dy_k/dx_j counts the quadratic
// dependence on a neighbour twice (2 A beta x_j^2 ... where y_k - q_kk has
// A beta x_j^2 ...), so the relative error is beta A S' / s + O((A S')^2),
// S' = sum_{j in N(k), j != k} x_j^2: it vanishes linearly in A x^2 (halving
// the inputs quarters it). The unnormalized form with a one-hot R = e_k
// returns the shares q_jk themselves.
TEST(LrnTaylorKernelTest, LinearizationIsAccurateForSmallInputs) {
  const size_t channels = 7;
  const ports::LrnParams p{5, 1.0f, 0.75f, 1.0f};
  const size_t k = 3;
  double previous = 0;
  for (double scale : {0.4, 0.2, 0.1, 0.05}) {
    std::vector<float> x = Uniform(channels, 0.5 * scale, scale, 77);
    std::vector<float> r(channels, 0.0f);
    r[k] = 1.0f;
    const std::vector<float> shares = Kernel(x, r, channels, p, false, 0.0f);
    double sum = 0;
    for (float v : shares) sum += v;
    std::vector<float> y(channels);
    ports::ScalarKernels().lrn(1, channels, x.data(), y.data(), p);
    const double error = (sum - y[k]) / y[k];
    const double a = 1.0 / 5;
    double others = 0, window = 0;
    for (size_t j = k - 2; j <= k + 2; ++j) {
      window += double{x[j]} * x[j];
      if (j != k) others += double{x[j]} * x[j];
    }
    const double predicted = -0.75 * a * others / (1.0 + a * window);
    EXPECT_LT(error, 0.0) << "the shares overshoot the suppression";
    EXPECT_NEAR(error, predicted, 0.2 * std::fabs(predicted)) << "scale " << scale;
    if (previous != 0) {
      EXPECT_NEAR(previous / error, 4.0, 0.5) << "scale " << scale;
    }
    previous = error;
  }
}

// AlexNet's constants (size 5, alpha 1e-4, beta 0.75, k 1) on x ~ U(0, S):
// RULES.md §4.2 quotes a relative error of 4e-5 at S = 1 and 1 % at S = 30.
TEST(LrnTaylorKernelTest, AlexNetConstantsErrorMatchesTheNotes) {
  const size_t channels = 64;
  const ports::LrnParams p{5, 1e-4f, 0.75f, 1.0f};
  for (double scale : {1.0, 30.0}) {
    const std::vector<float> x = Uniform(channels, 0.0, scale, 5);
    double total = 0;
    int count = 0;
    for (size_t k = 2; k + 2 < channels; ++k) {
      std::vector<float> r(channels, 0.0f);
      r[k] = 1.0f;
      const std::vector<float> shares = Kernel(x, r, channels, p, false, 0.0f);
      std::vector<float> y(channels);
      ports::ScalarKernels().lrn(1, channels, x.data(), y.data(), p);
      double sum = 0;
      for (float v : shares) sum += v;
      total += std::fabs(sum - y[k]) / std::fabs(y[k]);
      ++count;
    }
    const double mean = total / count;
    if (scale == 1.0) {
      EXPECT_GT(mean, 1e-5);
      EXPECT_LT(mean, 1e-4);
    } else {
      EXPECT_GT(mean, 3e-3);
      EXPECT_LT(mean, 3e-2);
    }
  }
}

// ------------------------------------------------------- through a Session

constexpr int kH = 2, kW = 3, kC = 7;

struct Explained {
  std::vector<float> x, r_lrn_out, r_in;
  std::vector<Rule> rules;
};

// input -> LRN(size 4: an even window) -> flatten -> dense(3).
Explained Explain(const std::vector<std::pair<std::string, std::string>>& params,
                  const std::string& layer_rule = "") {
  test::Rng rng(3);
  ModelBuilder b;
  const uint32_t x = b.Input("x", Shape{kH, kW, kC});
  const uint32_t lrn = b.LRN("lrn", x, 4, 2.0f, 0.75f, 1.0f);
  const uint32_t f = b.Flatten("flatten", lrn);
  b.Dense("fc", f, 3, rng.Vector(3 * kH * kW * kC), rng.Vector(3));
  Model model;
  EXPECT_TRUE(test::FinishModel(b, &model).ok());
  SessionOptions options;
  options.mode = Mode::kExplain;
  options.keep_relevance = true;
  options.composite.params = params;
  if (!layer_rule.empty()) {
    LayerSelector sel;
    Rule rule;
    const Status s = ParseLayerRule(layer_rule, &sel, &rule);
    EXPECT_TRUE(s.ok()) << s.ToString();
    options.composite.overrides.push_back({sel, rule});
  }
  std::unique_ptr<Session> session;
  const Status s = Session::Create(model, options, &session);
  EXPECT_TRUE(s.ok()) << s.ToString();
  Explained run;
  if (!s.ok()) return run;
  run.rules = session->rules();
  run.x = rng.Vector(session->input_size(), 0.0f, 2.0f);
  EXPECT_TRUE(session->Forward(run.x.data(), run.x.size()).ok());
  EXPECT_TRUE(session->Explain(1, ExplainInit::kLogit).ok());
  const size_t n = run.x.size();
  run.r_lrn_out.assign(session->tensor_relevance(lrn), session->tensor_relevance(lrn) + n);
  run.r_in.assign(session->relevance(), session->relevance() + n);
  return run;
}

void ExpectOracle(const Explained& run, bool normalized, double eps) {
  const ports::LrnParams p{4, 2.0f, 0.75f, 1.0f};
  ASSERT_EQ(run.r_in.size(), static_cast<size_t>(kH * kW * kC));
  for (int px = 0; px < kH * kW; ++px) {
    const std::vector<double> xs(run.x.begin() + px * kC, run.x.begin() + (px + 1) * kC);
    const std::vector<double> rs(run.r_lrn_out.begin() + px * kC,
                                 run.r_lrn_out.begin() + (px + 1) * kC);
    const std::vector<double> want = Oracle(xs, rs, p, normalized, eps);
    for (int j = 0; j < kC; ++j) {
      EXPECT_NEAR(run.r_in[px * kC + j], want[j], 1e-5 * (1 + std::fabs(want[j])))
          << "pixel " << px << " channel " << j;
    }
  }
}

TEST(LrnRuleSelectionTest, DefaultIsNormalizedTaylor) {
  const Explained run = Explain({});
  ASSERT_EQ(run.rules.size(), 3u);
  EXPECT_EQ(run.rules[0].kind, RuleKind::kLrnTaylor);
  ExpectOracle(run, true, 1e-6);
  double in = 0, out = 0;
  for (size_t i = 0; i < run.r_in.size(); ++i) {
    in += run.r_in[i];
    out += run.r_lrn_out[i];
  }
  EXPECT_NEAR(in, out, 1e-4 * (1 + std::fabs(out)));
}

TEST(LrnRuleSelectionTest, CompositeParameterSelectsEachForm) {
  const Explained unnormalized = Explain({{"lrn", "taylor-unnormalized"}});
  EXPECT_EQ(unnormalized.rules[0].kind, RuleKind::kLrnTaylorUnnormalized);
  ExpectOracle(unnormalized, false, 0);

  const Explained identity = Explain({{"lrn", "identity"}});
  EXPECT_EQ(identity.rules[0].kind, RuleKind::kPass);
  EXPECT_EQ(identity.r_in, identity.r_lrn_out);

  const Explained taylor = Explain({{"lrn", "taylor"}, {"stabilizer", "0.5"}});
  ExpectOracle(taylor, true, 0.5);
  EXPECT_NE(taylor.r_in, identity.r_in);
}

TEST(LrnRuleSelectionTest, PerLayerOverrideWinsOverTheParameter) {
  const Explained by_name = Explain({{"lrn", "identity"}}, "lrn=taylor:stabilizer=0.25");
  EXPECT_EQ(by_name.rules[0].kind, RuleKind::kLrnTaylor);
  ExpectOracle(by_name, true, 0.25);
  const Explained by_index = Explain({}, "0=identity");
  EXPECT_EQ(by_index.rules[0].kind, RuleKind::kPass);
  EXPECT_EQ(by_index.r_in, by_index.r_lrn_out);
  const Explained unnormalized = Explain({}, "lrn=taylor-unnormalized");
  ExpectOracle(unnormalized, false, 0);
}

TEST(LrnRuleSelectionTest, BadValuesAreErrors) {
  ModelBuilder b;
  const uint32_t x = b.Input("x", Shape{1, 1, 4});
  const uint32_t lrn = b.LRN("lrn", x, 3, 1.0f, 0.75f, 1.0f);
  b.Dense("fc", b.Flatten("flatten", lrn), 2, std::vector<float>(8, 0.5f),
          std::vector<float>(2, 0.0f));
  Model model;
  ASSERT_TRUE(test::FinishModel(b, &model).ok());
  std::vector<Rule> rules;
  Composite c;
  c.params = {{"lrn", "taylor2"}};
  Status s = ResolveComposite(model, c, &rules);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("lrn must be"), std::string::npos) << s.ToString();
  // The Taylor rules explain LRN layers only.
  c.params.clear();
  LayerSelector sel;
  Rule rule;
  ASSERT_TRUE(ParseLayerRule("fc=taylor", &sel, &rule).ok());
  c.overrides = {{sel, rule}};
  s = ResolveComposite(model, c, &rules);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot explain"), std::string::npos) << s.ToString();
  // The gradient composites keep the gradient on LRN.
  c.overrides.clear();
  c.name = "gradient";
  ASSERT_TRUE(ResolveComposite(model, c, &rules).ok());
  EXPECT_EQ(rules[1].kind, RuleKind::kGradient);
}

}  // namespace
}  // namespace lrp
