// The oracle itself, before anything is compared with it.
//
// Three independent checks: (1) it reproduces the test vectors of RULES.md
// §10 (computed with Zennit in float64); (2) its term-by-term rules (F and B
// with modified parameters, as §2 writes them) agree with the per-connection
// algebra of the same sections, evaluated on the explicit matrix of each
// layer; (3) its forward pass agrees with the runtime's, layer kind by layer
// kind, so both read shapes, weight layout and padding the same way, and its
// gradient agrees with finite differences of its forward pass.
#include "tests/lrp/oracle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lrp/lrp.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {
namespace {

using oracle::Vec;

// Table values carry 6 decimals.
constexpr double kTableTol = 1.5e-6;

Rule MakeRule(RuleKind kind) {
  Rule r;
  r.kind = kind;
  return r;
}

Rule Eps(double e, bool zero_bias = false) {
  Rule r = MakeRule(RuleKind::kEpsilon);
  r.epsilon = static_cast<float>(e);
  r.zero_bias = zero_bias;
  return r;
}

Rule AlphaBeta(double a, double b) {
  Rule r = MakeRule(RuleKind::kAlphaBeta);
  r.alpha = static_cast<float>(a);
  r.beta = static_cast<float>(b);
  return r;
}

Rule WithZeroBias(Rule r) {
  r.zero_bias = true;
  return r;
}

double Sum(const Vec& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

double MaxAbs(const Vec& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

void ExpectVecNear(const Vec& actual, const Vec& expected, double tol, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], tol) << what << " element " << i;
  }
}

// ---------------------------------------------------------- §10 vectors

// W rows = outputs; b; R_out = [1, 2].
oracle::WeightedLayer TableLayer() {
  oracle::WeightedLayer l;
  l.op = oracle::LinearOp::Dense(3, 2);
  l.w = {1, -2, 0.5, -1, 0.5, 2};
  l.b = {0.5, -1};
  return l;
}

struct TableRow {
  std::string name;
  Rule rule;
  Vec low, high;  // ZBox
  Vec r_in;
  double sum;
};

void CheckTable(const Vec& a, const Vec& z, const std::vector<TableRow>& rows) {
  const oracle::WeightedLayer layer = TableLayer();
  ExpectVecNear(layer.op.Forward(layer.w, layer.b, a), z, 1e-12, "z");
  const Vec r = {1, 2};
  for (const TableRow& row : rows) {
    Vec r_in;
    std::string error;
    const Vec low = row.low.empty() ? Vec(3, 0.0) : Vec(3, row.low[0]);
    const Vec high = row.high.empty() ? Vec(3, 0.0) : Vec(3, row.high[0]);
    ASSERT_TRUE(oracle::WeightedRelevance(layer, row.rule, a, r, low, high, &r_in, &error))
        << row.name << ": " << error;
    ExpectVecNear(r_in, row.r_in, kTableTol, row.name);
    EXPECT_NEAR(Sum(r_in), row.sum, 2 * kTableTol) << row.name;
    EXPECT_NEAR(oracle::ConservationIdentity(layer, row.rule, a, r, low, high), Sum(r_in), 1e-12)
        << row.name;
  }
}

TEST(OracleTableTest, CaseAMixedSignInput) {
  Rule zbox = MakeRule(RuleKind::kZBox);
  Rule gamma = MakeRule(RuleKind::kGamma);
  CheckTable(
      {1, -1, 2}, {4.5, 1.5},
      {
          {"epsilon", Eps(1e-6), {}, {}, {-1.111111, -0.222222, 5.555552}, 4.222220},
          {"epsilon zero bias", Eps(1e-6, true), {}, {}, {-0.55, 0.1, 3.449999}, 2.999999},
          {"epsilon 0.25", Eps(0.25), {}, {}, {-0.932331, -0.150376, 4.781955}, 3.699248},
          {"gamma", gamma, {}, {}, {-0.577777, 0.044445, 4.222221}, 3.688888},
          {"gamma zero bias",
           WithZeroBias(gamma),
           {},
           {},
           {-0.321428, 0.214286, 3.107142},
           2.999999},
          {"zplus", AlphaBeta(1, 0), {}, {}, {0.222222, 0.444444, 2.222222}, 2.888888},
          {"alpha2beta1", AlphaBeta(2, 1), {}, {}, {-0.355555, 0.488889, 4.444443}, 4.577777},
          {"zbox", zbox, {-3}, {3}, {0.583554, 0.705570, 1.710875}, 3.000000},
          {"flat", MakeRule(RuleKind::kFlat), {}, {}, {1.0, 1.0, 1.0}, 2.999999},
          {"wsquare",
           MakeRule(RuleKind::kWSquare),
           {},
           {},
           {0.501818, 0.807273, 1.325454},
           2.634545},
          {"wsquare zero bias",
           WithZeroBias(MakeRule(RuleKind::kWSquare)),
           {},
           {},
           {0.571428, 0.857143, 1.571428},
           2.999999},
      });
}

TEST(OracleTableTest, CaseBNonNegativeInput) {
  Rule gamma = MakeRule(RuleKind::kGamma);
  Rule classic = MakeRule(RuleKind::kGammaClassic);
  CheckTable(
      {1, 0, 2}, {2.5, 2.0},
      {
          {"epsilon", Eps(1e-6), {}, {}, {-0.6, 0.0, 4.399998}, 3.799998},
          {"gamma", gamma, {}, {}, {-0.266667, 0.0, 3.733332}, 3.466666},
          // Both outputs are positive: the classic rule is the same.
          {"gamma classic", classic, {}, {}, {-0.266667, 0.0, 3.733332}, 3.466666},
          {"zplus", AlphaBeta(1, 0), {}, {}, {0.4, 0.0, 2.399999}, 2.799999},
          {"alpha2beta1", AlphaBeta(2, 1), {}, {}, {-0.2, 0.0, 4.799999}, 4.599999},
          {"zbox", MakeRule(RuleKind::kZBox), {0}, {2}, {0.566667, 0.666667, 1.766666}, 2.999999},
      });
}

TEST(OracleTableTest, FlatOnPaddedConv) {
  LayerParams p = ConvParams(1, 3, 3);
  p.padding = {1, 1, 1, 1};
  oracle::WeightedLayer layer;
  layer.op = oracle::LinearOp::Conv(Shape{3, 3, 2}, p);
  layer.w = Vec(18, 0.3);
  Vec r_in;
  std::string error;
  ASSERT_TRUE(oracle::WeightedRelevance(layer, MakeRule(RuleKind::kFlat), Vec(18, 0.7), Vec(9, 1.0),
                                        {}, {}, &r_in, &error))
      << error;
  const double c = 25.0 / 72, e = 5.0 / 9, m = 8.0 / 9;
  const Vec map = {c, e, c, e, m, e, c, e, c};
  for (size_t px = 0; px < 9; ++px) {
    for (size_t ch = 0; ch < 2; ++ch) EXPECT_NEAR(r_in[px * 2 + ch], map[px], 1e-5) << px;
  }
}

TEST(OracleTableTest, NormOnAvgPool) {
  const Vec r_in = oracle::AvgPoolNorm(Shape{2, 2, 1}, PoolParams(2, 2), {1, 2, 3, 0}, {5}, 1e-6);
  const double f = 1.5 / (1.5 + 1e-6);
  ExpectVecNear(r_in, {5.0 / 6 * f, 10.0 / 6 * f, 15.0 / 6 * f, 0}, 1e-12, "avgpool");
}

TEST(OracleTableTest, MaxPoolWinnerTakeAll) {
  const Vec a = {1, 3, 3, 3, 0, 0, 0, 0, 0};
  EXPECT_EQ(oracle::MaxPoolForward(Shape{3, 3, 1}, PoolParams(2, 1), a), Vec({3, 3, 3, 0}));
  EXPECT_EQ(oracle::MaxPoolWinnerTakeAll(Shape{3, 3, 1}, PoolParams(2, 1), a, Vec(4, 1.0)),
            Vec({0, 2, 0, 1, 1, 0, 0, 0, 0}));
}

TEST(OracleTableTest, ResidualAddSplit) {
  Vec r_x, r_y;
  oracle::AddNorm({1, -2, 0}, {3, 1, 0}, {1, 1, 1}, 1e-6, &r_x, &r_y);
  ExpectVecNear(r_x, {0.25, 2, 0}, 1e-5, "identity");
  ExpectVecNear(r_y, {0.75, -1, 0}, 1e-5, "residual");
}

TEST(OracleTableTest, PaddingNeverWinsAndCountIncludePad) {
  // 2x2 window, stride 1, one padded row on top and column on the left:
  // output (0, 0) sees only a[0]; output (1, 1) sees all four values.
  LayerParams p = PoolParams(2, 1);
  p.padding = {1, 1, 0, 0};
  const Vec a = {-4, -3, -2, -1};
  EXPECT_EQ(oracle::MaxPoolForward(Shape{2, 2, 1}, p, a), Vec({-4, -3, -2, -1}));
  EXPECT_EQ(oracle::MaxPoolWinnerTakeAll(Shape{2, 2, 1}, p, a, {1, 2, 4, 8}), Vec({1, 2, 4, 8}));
  p.count_include_pad = false;
  EXPECT_EQ(oracle::AvgPoolForward(Shape{2, 2, 1}, p, a), Vec({-4, -3.5, -3, -2.5}));
  p.count_include_pad = true;
  EXPECT_EQ(oracle::AvgPoolForward(Shape{2, 2, 1}, p, a), Vec({-1, -1.75, -1.5, -2.5}));
}

// ------------------------------------------------ per-connection algebra

// A layer as an explicit matrix: m[k][j] = weight linking input j to output
// k, linked[k][j] whether any weight does (padding links nothing).
struct Matrix {
  size_t rows = 0, cols = 0;
  std::vector<Vec> m;
  std::vector<std::vector<bool>> linked;
};

Matrix ToMatrix(const oracle::WeightedLayer& l) {
  Matrix mx;
  mx.rows = l.op.out_size();
  mx.cols = l.op.in_size();
  mx.m.assign(mx.rows, Vec(mx.cols, 0.0));
  mx.linked.assign(mx.rows, std::vector<bool>(mx.cols, false));
  const Vec ones(l.w.size(), 1.0);
  for (size_t j = 0; j < mx.cols; ++j) {
    Vec e(mx.cols, 0.0);
    e[j] = 1;
    const Vec col = l.op.Forward(l.w, {}, e);
    const Vec link = l.op.Forward(ones, {}, e);
    for (size_t k = 0; k < mx.rows; ++k) {
      mx.m[k][j] = col[k];
      mx.linked[k][j] = link[k] != 0;
    }
  }
  return mx;
}

double Pos(double x) { return x > 0 ? x : 0; }
double Neg(double x) { return x < 0 ? x : 0; }

// R_j of RULES.md §2 written per connection (c_jk = a_j w_jk).
Vec PerConnection(const oracle::WeightedLayer& l, const Rule& rule, const Vec& a, const Vec& r,
                  const Vec& low, const Vec& high) {
  const Matrix mx = ToMatrix(l);
  const size_t channels = l.op.out_channels();
  Vec out(mx.cols, 0.0);
  Vec z_all(mx.rows, 0.0);
  for (size_t k = 0; k < mx.rows; ++k) {
    double z = 0;
    for (size_t j = 0; j < mx.cols; ++j) z += a[j] * mx.m[k][j];
    z_all[k] = z;
  }
  double eps = rule.epsilon;
  if (rule.epsilon_rms) {
    double sq = 0;
    for (size_t k = 0; k < mx.rows; ++k) {
      const double b = (l.b.empty() || rule.zero_bias) ? 0 : l.b[k % channels];
      sq += (z_all[k] + b) * (z_all[k] + b);
    }
    eps = rule.epsilon * std::sqrt(sq / static_cast<double>(mx.rows)) + 1e-9;
  }
  const double st = rule.stabilizer, g = rule.gamma;
  for (size_t k = 0; k < mx.rows; ++k) {
    const double b = l.b.empty() ? 0 : l.b[k % channels];
    const double bp = rule.zero_bias ? 0 : b;
    const Vec& w = mx.m[k];
    auto c = [&](size_t j) { return a[j] * w[j]; };
    double den = 0;
    switch (rule.kind) {
      case RuleKind::kZero:
      case RuleKind::kEpsilon: {
        for (size_t j = 0; j < mx.cols; ++j) den += c(j);
        den += bp;
        const double d = rule.kind == RuleKind::kZero ? den : oracle::Stab(den, eps);
        for (size_t j = 0; j < mx.cols; ++j) out[j] += d == 0 ? 0 : c(j) * r[k] / d;
        break;
      }
      case RuleKind::kGamma: {
        const double z = z_all[k] + b;
        if (z == 0) break;
        const bool up = z > 0;
        auto num = [&](size_t j) { return c(j) + g * (up ? Pos(c(j)) : Neg(c(j))); };
        for (size_t j = 0; j < mx.cols; ++j) den += num(j);
        den += bp + g * (up ? Pos(bp) : Neg(bp));
        for (size_t j = 0; j < mx.cols; ++j) out[j] += num(j) * r[k] / oracle::Stab(den, st);
        break;
      }
      case RuleKind::kGammaClassic: {
        auto num = [&](size_t j) { return a[j] * (w[j] + g * Pos(w[j])); };
        for (size_t j = 0; j < mx.cols; ++j) den += num(j);
        den += bp + g * Pos(bp);
        for (size_t j = 0; j < mx.cols; ++j) out[j] += num(j) * r[k] / oracle::Stab(den, st);
        break;
      }
      case RuleKind::kAlphaBeta: {
        double zp = Pos(bp), zn = Neg(bp);
        for (size_t j = 0; j < mx.cols; ++j) {
          zp += Pos(c(j));
          zn += Neg(c(j));
        }
        for (size_t j = 0; j < mx.cols; ++j) {
          out[j] += (rule.alpha * Pos(c(j)) / oracle::Stab(zp, st) -
                     rule.beta * Neg(c(j)) / oracle::Stab(zn, st)) *
                    r[k];
        }
        break;
      }
      case RuleKind::kZBox: {
        auto num = [&](size_t j) { return c(j) - low[j] * Pos(w[j]) - high[j] * Neg(w[j]); };
        for (size_t j = 0; j < mx.cols; ++j) den += num(j);
        for (size_t j = 0; j < mx.cols; ++j) out[j] += num(j) * r[k] / oracle::Stab(den, st);
        break;
      }
      case RuleKind::kFlat: {
        for (size_t j = 0; j < mx.cols; ++j) den += mx.linked[k][j] ? 1 : 0;
        for (size_t j = 0; j < mx.cols; ++j) {
          if (mx.linked[k][j]) out[j] += r[k] / oracle::Stab(den, st);
        }
        break;
      }
      case RuleKind::kWSquare: {
        for (size_t j = 0; j < mx.cols; ++j) den += w[j] * w[j];
        den += bp * bp;
        for (size_t j = 0; j < mx.cols; ++j) out[j] += w[j] * w[j] * r[k] / oracle::Stab(den, st);
        break;
      }
      case RuleKind::kGradient: {
        const double z = z_all[k] + b;
        double slope = 1;
        if (l.activation == Activation::kRelu) slope = z > 0;
        if (l.activation == Activation::kRelu6) slope = z > 0 && z < 6;
        for (size_t j = 0; j < mx.cols; ++j) out[j] += w[j] * r[k] * slope;
        break;
      }
      default:
        ADD_FAILURE() << "rule not covered";
    }
  }
  return out;
}

struct Geometry {
  std::string name;
  bool dense;
  Shape in;
  LayerParams p;
};

std::vector<Geometry> Geometries() {
  std::vector<Geometry> g;
  g.push_back({"dense", true, Shape{7}, ConvParams(5, 1, 1)});
  g.push_back({"dense_on_map", true, Shape{2, 3, 2}, ConvParams(4, 1, 1)});
  LayerParams same = ConvParams(4, 3, 3);
  same.padding = {1, 1, 1, 1};
  g.push_back({"conv_same", false, Shape{4, 5, 3}, same});
  LayerParams strided = ConvParams(3, 3, 2);
  strided.stride_h = 2;
  strided.stride_w = 3;
  strided.padding = {1, 0, 2, 1};
  g.push_back({"conv_strided_asym_pad", false, Shape{6, 7, 2}, strided});
  LayerParams dilated = ConvParams(2, 2, 3);
  dilated.dilation_h = 2;
  dilated.dilation_w = 2;
  dilated.padding = {2, 1, 0, 2};
  g.push_back({"conv_dilated", false, Shape{5, 6, 3}, dilated});
  LayerParams grouped = ConvParams(6, 3, 3);
  grouped.groups = 2;
  grouped.padding = {1, 1, 1, 1};
  g.push_back({"conv_groups", false, Shape{4, 4, 4}, grouped});
  LayerParams depthwise = ConvParams(6, 3, 3);
  depthwise.groups = 3;
  depthwise.stride_h = depthwise.stride_w = 2;
  depthwise.padding = {1, 1, 1, 1};
  g.push_back({"conv_depthwise_x2", false, Shape{5, 5, 3}, depthwise});
  LayerParams cropped = ConvParams(2, 3, 3);
  cropped.stride_h = cropped.stride_w = 2;
  g.push_back({"conv_stride_leaves_rows", false, Shape{6, 6, 2}, cropped});
  return g;
}

oracle::WeightedLayer RandomLayer(const Geometry& g, Rng* rng, bool bias, Activation act) {
  oracle::WeightedLayer l;
  l.op = g.dense ? oracle::LinearOp::Dense(g.in.elements(), static_cast<size_t>(g.p.out_channels))
                 : oracle::LinearOp::Conv(g.in, g.p);
  l.w = oracle::ToDouble(rng->Vector(l.op.weight_size(), -1, 1));
  if (bias) l.b = oracle::ToDouble(rng->Vector(l.op.out_channels(), -0.5, 0.5));
  l.activation = act;
  return l;
}

std::vector<std::pair<std::string, Rule>> AllWeightedRules() {
  std::vector<std::pair<std::string, Rule>> rules;
  rules.push_back({"zero", MakeRule(RuleKind::kZero)});
  rules.push_back({"epsilon", Eps(1e-6)});
  rules.push_back({"epsilon_0.25_zero_bias", Eps(0.25, true)});
  Rule rms = Eps(0.25);
  rms.epsilon_rms = true;
  rules.push_back({"epsilon_rms", rms});
  rules.push_back({"gamma", MakeRule(RuleKind::kGamma)});
  rules.push_back({"gamma_zero_bias", WithZeroBias(MakeRule(RuleKind::kGamma))});
  Rule classic = MakeRule(RuleKind::kGammaClassic);
  classic.gamma = 0.5f;
  rules.push_back({"gamma_classic", classic});
  rules.push_back({"alpha2beta1", AlphaBeta(2, 1)});
  rules.push_back({"zplus", AlphaBeta(1, 0)});
  rules.push_back({"alpha3beta2_zero_bias", WithZeroBias(AlphaBeta(3, 2))});
  rules.push_back({"zbox", MakeRule(RuleKind::kZBox)});
  rules.push_back({"flat", MakeRule(RuleKind::kFlat)});
  rules.push_back({"wsquare", MakeRule(RuleKind::kWSquare)});
  rules.push_back({"wsquare_zero_bias", WithZeroBias(MakeRule(RuleKind::kWSquare))});
  rules.push_back({"gradient", MakeRule(RuleKind::kGradient)});
  return rules;
}

TEST(OracleAlgebraTest, TermsAgreeWithPerConnectionFormulas) {
  uint64_t seed = 1;
  for (const Geometry& g : Geometries()) {
    for (int variant = 0; variant < 4; ++variant) {
      Rng rng(++seed);
      const bool bias = variant % 2 == 0;
      const Activation act = variant < 2 ? Activation::kNone : Activation::kRelu;
      const oracle::WeightedLayer layer = RandomLayer(g, &rng, bias, act);
      // Mixed-sign input for even variants, non-negative for odd ones.
      const Vec a =
          oracle::ToDouble(rng.Vector(layer.op.in_size(), variant % 2 ? 0.0f : -1.0f, 1.0f));
      const Vec r = oracle::ToDouble(rng.Vector(layer.op.out_size(), -1, 1));
      Vec low(a.size()), high(a.size());
      for (size_t j = 0; j < a.size(); ++j) {
        low[j] = -1.0 - 0.1 * static_cast<double>(j % 3);
        high[j] = 1.0 + 0.2 * static_cast<double>(j % 2);
      }
      for (const auto& [name, rule] : AllWeightedRules()) {
        SCOPED_TRACE(g.name + " variant " + std::to_string(variant) + " rule " + name);
        Vec r_in;
        std::string error;
        ASSERT_TRUE(oracle::WeightedRelevance(layer, rule, a, r, low, high, &r_in, &error))
            << error;
        const Vec expected = PerConnection(layer, rule, a, r, low, high);
        ExpectVecNear(r_in, expected, 1e-10 * std::max(1.0, MaxAbs(expected)), "R_in");
        if (rule.kind != RuleKind::kGradient) {
          const double identity = oracle::ConservationIdentity(layer, rule, a, r, low, high);
          EXPECT_NEAR(Sum(r_in), identity, 1e-10 * std::max(1.0, MaxAbs(expected)));
        }
      }
    }
  }
}

TEST(OracleAlgebraTest, TransposedIsTheAdjointOfForward) {
  uint64_t seed = 100;
  for (const Geometry& g : Geometries()) {
    Rng rng(++seed);
    const oracle::WeightedLayer l = RandomLayer(g, &rng, false, Activation::kNone);
    const Vec u = oracle::ToDouble(rng.Vector(l.op.in_size(), -1, 1));
    const Vec s = oracle::ToDouble(rng.Vector(l.op.out_size(), -1, 1));
    const Vec fu = l.op.Forward(l.w, {}, u);
    const Vec bs = l.op.Transposed(l.w, s);
    ASSERT_EQ(bs.size(), u.size()) << g.name;
    double lhs = 0, rhs = 0;
    for (size_t k = 0; k < s.size(); ++k) lhs += fu[k] * s[k];
    for (size_t j = 0; j < u.size(); ++j) rhs += u[j] * bs[j];
    EXPECT_NEAR(lhs, rhs, 1e-10 * std::max(1.0, std::fabs(lhs))) << g.name;
  }
}

// ------------------------------------------------- forward vs runtime

// Builds a one-layer (or few-layer) model with the builder and compares
// the runtime's forward output with the oracle's forward pass.
void ExpectForwardAgrees(const ModelBuilder& b, uint64_t seed, const std::string& what) {
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  const std::vector<float> input = RandomInput(model, seed);
  std::vector<float> out;
  SessionOptions options;
  LRP_ASSERT_OK(RunForward(model, options, input, &out));
  oracle::NetResult net;
  std::string error;
  ASSERT_TRUE(oracle::Forward(model, input, &net, &error)) << error;
  const Vec& expected = net.act[model.output()];
  ASSERT_EQ(out.size(), expected.size()) << what;
  const double scale = std::max(1.0, MaxAbs(expected));
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_NEAR(out[i], expected[i], 1e-5 * scale) << what << " element " << i;
  }
}

TEST(OracleForwardTest, WeightedLayersMatchTheRuntime) {
  uint64_t seed = 200;
  for (const Geometry& g : Geometries()) {
    for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6}) {
      for (bool bias : {false, true}) {
        Rng rng(++seed);
        ModelBuilder b;
        const uint32_t x = b.Input("x", g.in);
        if (g.dense) {
          const size_t n = g.in.elements() * static_cast<size_t>(g.p.out_channels);
          b.Dense("fc", x, g.p.out_channels, rng.Vector(n, -1, 1),
                  bias ? rng.Vector(static_cast<size_t>(g.p.out_channels), -3, 3)
                       : std::vector<float>(),
                  act);
        } else {
          LayerParams p = g.p;
          p.activation = act;
          AddRandomConv(&b, &rng, "conv", x, p, bias);
        }
        ExpectForwardAgrees(b, seed, g.name);
      }
    }
  }
}

TEST(OracleForwardTest, OtherLayersMatchTheRuntime) {
  Rng rng(300);
  {
    ModelBuilder b;  // every pooling flavour, Add, Concat, Reshape, Relu
    const uint32_t x = b.Input("x", Shape{7, 6, 3});
    LayerParams mp = PoolParams(3, 2);
    mp.padding = {1, 1, 1, 0};
    const uint32_t m = b.MaxPool2D("max", x, mp);
    LayerParams dil = PoolParams(2, 1);
    dil.dilation_h = dil.dilation_w = 2;
    const uint32_t md = b.MaxPool2D("max_dilated", x, dil);
    LayerParams ap = PoolParams(3, 2);
    ap.padding = {1, 1, 1, 0};
    const uint32_t av = b.AvgPool2D("avg_exclude_pad", x, ap);
    ap.count_include_pad = true;
    const uint32_t avi = b.AvgPool2D("avg_include_pad", x, ap);
    const uint32_t sum = b.Add("add", m, av, Activation::kRelu);
    const uint32_t cat = b.Concat("cat", {sum, avi, m});
    const uint32_t g = b.GlobalAvgPool("gap", md);
    const uint32_t r = b.Relu("relu", cat);
    const uint32_t flat = b.Flatten("flat", r);
    const uint32_t gap_flat = b.Reshape("reshape", g, Shape{3});
    const uint32_t d1 = AddRandomDense(&b, &rng, "fc1", flat, 4);
    const uint32_t d2 = AddRandomDense(&b, &rng, "fc2", gap_flat, 4);
    b.Add("out", d1, d2);
    ExpectForwardAgrees(b, 301, "pools");
  }
  {
    ModelBuilder b;
    const uint32_t x = b.Input("x", Shape{5});
    const uint32_t c = b.Clamp("clamp", x, -0.5f, 0.25f);
    const uint32_t l = b.LeakyRelu("leaky", c, 0.2f);
    b.Softmax("softmax", l);
    ExpectForwardAgrees(b, 302, "clamp leaky softmax");
  }
}

// ------------------------------------------------------------ gradient

// Piecewise-linear networks: central differences are exact away from kinks.
TEST(OracleGradientTest, MatchesFiniteDifferences) {
  for (uint64_t seed : {400, 401, 402}) {
    ModelBuilder b;
    BuildResidualNet(seed, &b);
    Model model;
    LRP_ASSERT_OK(FinishModel(b, &model));
    const std::vector<float> input = RandomInput(model, seed);
    Composite c;
    c.name = "gradient";
    oracle::Resolved resolved;
    std::string error;
    ASSERT_TRUE(oracle::ResolveComposite(model, c, &resolved, &error)) << error;
    oracle::NetResult net;
    ASSERT_TRUE(
        oracle::Explain(model, resolved.rules, false, input, 2, ExplainInit::kOne, &net, &error))
        << error;
    const Vec& grad = net.rel[model.input()];
    // Perturb in double through a float input: use steps that are exact.
    const double h = 1.0 / (1 << 20);
    for (size_t j = 0; j < input.size(); j += 13) {
      std::vector<float> up = input, down = input;
      up[j] += static_cast<float>(h);
      down[j] -= static_cast<float>(h);
      oracle::NetResult fu, fd;
      ASSERT_TRUE(oracle::Forward(model, up, &fu, &error));
      ASSERT_TRUE(oracle::Forward(model, down, &fd, &error));
      const double dh = static_cast<double>(up[j]) - static_cast<double>(down[j]);
      const double fdiff = (fu.act[model.output()][2] - fd.act[model.output()][2]) / dh;
      EXPECT_NEAR(grad[j], fdiff, 1e-6 * std::max(1.0, std::fabs(fdiff))) << "input " << j;
    }
  }
}

TEST(OracleGradientTest, LrpZeroIsGradientTimesInputWithoutBias) {
  ModelBuilder b;
  Rng rng(500);
  uint32_t t = b.Input("x", Shape{6, 6, 2});
  LayerParams p = ConvParams(4, 3, 3);
  p.padding = {1, 1, 1, 1};
  p.activation = Activation::kRelu;
  t = AddRandomConv(&b, &rng, "conv1", t, p, false);
  t = b.MaxPool2D("pool", t, PoolParams(2, 2));
  t = b.Flatten("flat", t);
  const size_t n = b.shape(t).elements();
  t = b.Dense("fc1", t, 6, rng.Vector(6 * n, -0.5f, 0.5f), {}, Activation::kRelu);
  b.Dense("fc2", t, 3, rng.Vector(18, -0.5f, 0.5f), {});
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  const std::vector<float> input = RandomInput(model, 501);
  std::string error;
  oracle::Resolved grad, zero;
  Composite gc;
  gc.name = "gradient-x-input";
  ASSERT_TRUE(oracle::ResolveComposite(model, gc, &grad, &error)) << error;
  Composite zc;
  zc.name = "epsilon";
  for (const char* name : {"conv1", "fc1", "fc2"}) {
    LayerSelector s;
    s.name = name;
    zc.overrides.push_back({s, MakeRule(RuleKind::kZero)});
  }
  ASSERT_TRUE(oracle::ResolveComposite(model, zc, &zero, &error)) << error;
  oracle::NetResult g, z;
  ASSERT_TRUE(oracle::Explain(model, grad.rules, grad.times_input, input, 1, ExplainInit::kOne, &g,
                              &error));
  ASSERT_TRUE(oracle::Explain(model, zero.rules, zero.times_input, input, 1, ExplainInit::kLogit,
                              &z, &error));
  ExpectVecNear(z.rel[model.input()], g.rel[model.input()], 1e-12, "LRP-0 vs GxI");
  EXPECT_GT(MaxAbs(g.rel[model.input()]), 0.0);
}

// ------------------------------------------------------ composites

TEST(OracleCompositeTest, OverviewSplitsWeightedLayersByIndex) {
  // 7 weighted layers: floor(0.4*7) = 2, floor(0.8*7) = 5.
  ModelBuilder b;
  BuildDeepSequential(6, 600, &b);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Composite c;
  c.name = "lrp-overview";
  oracle::Resolved r;
  std::string error;
  ASSERT_TRUE(oracle::ResolveComposite(model, c, &r, &error)) << error;
  const std::vector<size_t> w = oracle::WeightedLayers(model);
  ASSERT_EQ(w.size(), 7u);
  const RuleKind expected[] = {RuleKind::kZBox,    RuleKind::kGammaClassic, RuleKind::kGammaClassic,
                               RuleKind::kEpsilon, RuleKind::kEpsilon,      RuleKind::kEpsilon,
                               RuleKind::kZero};
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(r.rules[w[i]].kind, expected[i]) << i;
  EXPECT_TRUE(r.rules[w[3]].epsilon_rms);
  EXPECT_FLOAT_EQ(r.rules[w[3]].epsilon, 0.25f);
  EXPECT_FLOAT_EQ(r.rules[w[1]].gamma, 0.25f);
}

TEST(OracleCompositeTest, FirstLayerChoices) {
  ModelBuilder b;
  Rng rng(700);
  uint32_t t = b.Input("x", Shape{8});
  t = AddRandomDense(&b, &rng, "fc0", t, 8, Activation::kRelu);
  t = b.Reshape("map", t, Shape{2, 2, 2});
  t = AddRandomConv(&b, &rng, "conv", t, ConvParams(3, 1, 1));
  t = b.Flatten("flat", t);
  AddRandomDense(&b, &rng, "fc1", t, 2);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  std::string error;
  oracle::Resolved r;
  Composite c;
  c.name = "epsilon-plus-flat";  // first Conv or Dense
  ASSERT_TRUE(oracle::ResolveComposite(model, c, &r, &error)) << error;
  EXPECT_EQ(r.rules[0].kind, RuleKind::kFlat);
  EXPECT_EQ(r.rules[2].kind, RuleKind::kAlphaBeta);
  c.name = "epsilon-gamma-box";  // first Conv only
  ASSERT_TRUE(oracle::ResolveComposite(model, c, &r, &error)) << error;
  EXPECT_EQ(r.rules[0].kind, RuleKind::kEpsilon);
  EXPECT_EQ(r.rules[2].kind, RuleKind::kZBox);
  EXPECT_EQ(r.rules[4].kind, RuleKind::kEpsilon);
  c.name = "lrp-cmp";
  ASSERT_TRUE(oracle::ResolveComposite(model, c, &r, &error)) << error;
  EXPECT_EQ(r.rules[0].kind, RuleKind::kEpsilon);
  EXPECT_FLOAT_EQ(r.rules[0].epsilon, 0.1f);
  EXPECT_EQ(r.rules[2].kind, RuleKind::kFlat);
}

}  // namespace
}  // namespace test
}  // namespace lrp
