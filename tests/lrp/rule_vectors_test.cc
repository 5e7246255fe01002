// The test vectors of RULES.md §10 (Zennit 0.5.1, float64), through the
// public API: a one-layer model, an explaining Session whose only weighted
// layer gets the rule by override, Forward, then Explain.
//
// §10 seeds R_out = [1, 2] at a two-output layer; the API seeds one target
// at a time. Every rule is linear in the relevance it receives, so
// R_in = Explain(0, kOne) + 2 * Explain(1, kOne).
//
// Tolerance: the table has 6 decimals (rounded), the runtime computes in
// float32 (relative rounding ~1e-7 per operation): 1e-6 absolute plus 1e-6
// relative covers both.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "lrp/lrp.h"
#include "tests/lrp/explain_harness.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {
namespace {

using oracle::Vec;

constexpr double kAbsTol = 1e-6;
constexpr double kRelTol = 1e-6;

void ExpectTableNear(const Vec& actual, const Vec& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], kAbsTol + kRelTol * std::fabs(expected[i]))
        << what << ", element " << i;
  }
}

double Sum(const Vec& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

Rule MakeRule(RuleKind kind) {
  Rule r;
  r.kind = kind;
  return r;
}

Rule Eps(float e, bool zero_bias = false) {
  Rule r = MakeRule(RuleKind::kEpsilon);
  r.epsilon = e;
  r.zero_bias = zero_bias;
  return r;
}

Rule AlphaBeta(float a, float b) {
  Rule r = MakeRule(RuleKind::kAlphaBeta);
  r.alpha = a;
  r.beta = b;
  return r;
}

Rule ZeroBias(Rule r) {
  r.zero_bias = true;
  return r;
}

Rule ZBox(float low, float high) {
  Rule r = MakeRule(RuleKind::kZBox);
  r.low = {low};
  r.high = {high};
  return r;
}

struct Row {
  const char* name;
  Rule rule;
  Vec r_in;
  double sum;
};

// Dense layer of §10: row k of W = weights of output k.
Status BuildTableModel(Model* model) {
  ModelBuilder b;
  const uint32_t x = b.Input("a", Shape{3});
  b.Dense("fc", x, 2, {1, -2, 0.5f, -1, 0.5f, 2}, {0.5f, -1});
  return FinishModel(b, model);
}

void RunRows(const std::vector<float>& a, const Vec& z, const std::vector<Row>& rows) {
  Model model;
  LRP_ASSERT_OK(BuildTableModel(&model));
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::unique_ptr<Session> session;
    LRP_ASSERT_OK(CreateExplainSession(model, WithOverride("epsilon", "fc", row.rule),
                                       /*keep_relevance=*/true, &session));
    ASSERT_EQ(session->rules().size(), 1u);
    EXPECT_EQ(session->rules()[0].kind, row.rule.kind);
    LRP_ASSERT_OK(session->Forward(a.data(), a.size()));
    ASSERT_EQ(session->output_size(), 2u);
    EXPECT_NEAR(session->output()[0], z[0], 1e-6);
    EXPECT_NEAR(session->output()[1], z[1], 1e-6);

    Vec combined(3, 0.0);
    for (int target = 0; target < 2; ++target) {
      LRP_ASSERT_OK(session->Explain(target, ExplainInit::kOne));
      EXPECT_EQ(session->explained_target(), target);
      const float* r = session->relevance();
      ASSERT_NE(r, nullptr);
      double sum = 0;
      for (size_t j = 0; j < 3; ++j) {
        combined[j] += (target + 1) * static_cast<double>(r[j]);
        sum += r[j];
      }
      // The conservation report holds the same sum as the heatmap.
      const double* sums = session->relevance_sums();
      ASSERT_NE(sums, nullptr);
      EXPECT_NEAR(sums[session->model().input()], sum, 1e-6 * (1 + std::fabs(sum)));
      EXPECT_NEAR(sums[session->logits_tensor()], 1.0, 1e-7);
    }
    ExpectTableNear(combined, row.r_in, "R_in");
    EXPECT_NEAR(Sum(combined), row.sum, 2 * kAbsTol + kRelTol * std::fabs(row.sum));
  }
}

TEST(RuleVectorsTest, DenseCaseAMixedSignInput) {
  RunRows({1, -1, 2}, {4.5, 1.5},
          {
              {"epsilon", Eps(1e-6f), {-1.111111, -0.222222, 5.555552}, 4.222220},
              {"epsilon zero bias", Eps(1e-6f, true), {-0.55, 0.1, 3.449999}, 2.999999},
              {"epsilon 0.25", Eps(0.25f), {-0.932331, -0.150376, 4.781955}, 3.699248},
              {"gamma", MakeRule(RuleKind::kGamma), {-0.577777, 0.044445, 4.222221}, 3.688888},
              {"gamma zero bias",
               ZeroBias(MakeRule(RuleKind::kGamma)),
               {-0.321428, 0.214286, 3.107142},
               2.999999},
              {"zplus", AlphaBeta(1, 0), {0.222222, 0.444444, 2.222222}, 2.888888},
              {"alpha2 beta1", AlphaBeta(2, 1), {-0.355555, 0.488889, 4.444443}, 4.577777},
              {"zbox -3..3", ZBox(-3, 3), {0.583554, 0.705570, 1.710875}, 3.000000},
              {"flat", MakeRule(RuleKind::kFlat), {1.0, 1.0, 1.0}, 2.999999},
              {"wsquare", MakeRule(RuleKind::kWSquare), {0.501818, 0.807273, 1.325454}, 2.634545},
              {"wsquare zero bias",
               ZeroBias(MakeRule(RuleKind::kWSquare)),
               {0.571428, 0.857143, 1.571428},
               2.999999},
          });
}

TEST(RuleVectorsTest, DenseCaseBNonNegativeInput) {
  RunRows({1, 0, 2}, {2.5, 2.0},
          {
              {"epsilon", Eps(1e-6f), {-0.6, 0.0, 4.399998}, 3.799998},
              {"gamma", MakeRule(RuleKind::kGamma), {-0.266667, 0.0, 3.733332}, 3.466666},
              // Both outputs are positive and a >= 0: the classic rule with
              // rho on weights and bias gives the same vector.
              {"gamma classic",
               MakeRule(RuleKind::kGammaClassic),
               {-0.266667, 0.0, 3.733332},
               3.466666},
              {"zplus", AlphaBeta(1, 0), {0.4, 0.0, 2.399999}, 2.799999},
              {"alpha2 beta1", AlphaBeta(2, 1), {-0.2, 0.0, 4.799999}, 4.599999},
              {"zbox 0..2", ZBox(0, 2), {0.566667, 0.666667, 1.766666}, 2.999999},
          });
}

// The same table rows, but the ReLU in front tells the runtime the input is
// non-negative (it may then skip the a- terms): the result must not change.
TEST(RuleVectorsTest, DenseCaseBAfterRelu) {
  ModelBuilder b;
  const uint32_t x = b.Input("a", Shape{3});
  const uint32_t r = b.Relu("relu", x);
  b.Dense("fc", r, 2, {1, -2, 0.5f, -1, 0.5f, 2}, {0.5f, -1});
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  const std::vector<Row> rows = {
      {"gamma", MakeRule(RuleKind::kGamma), {-0.266667, 0.0, 3.733332}, 3.466666},
      {"zplus", AlphaBeta(1, 0), {0.4, 0.0, 2.399999}, 2.799999},
      {"alpha2 beta1", AlphaBeta(2, 1), {-0.2, 0.0, 4.799999}, 4.599999},
  };
  // a = [1, -3, 2] becomes [1, 0, 2] after the ReLU; ReLU passes relevance.
  const std::vector<float> a = {1, -3, 2};
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::unique_ptr<Session> session;
    LRP_ASSERT_OK(
        CreateExplainSession(model, WithOverride("epsilon", "fc", row.rule), false, &session));
    LRP_ASSERT_OK(session->Forward(a.data(), a.size()));
    std::vector<Vec> out;
    LRP_ASSERT_OK(ExplainSeed(session.get(), {1, 2}, {}, &out));
    ExpectTableNear(out[0], row.r_in, "R_in");
  }
}

// z = 0 exactly (RULES.md §9.1-9.3): sign0(0) = +1, so Epsilon divides by
// +eps; LRP-0 and Gamma pass nothing; AlphaBeta's sides are non-empty and
// stay defined. a = [1, 1], w = [1, -1], no bias, R_out = 1.
TEST(RuleVectorsTest, ZeroPreActivation) {
  ModelBuilder b;
  const uint32_t x = b.Input("a", Shape{2});
  b.Dense("fc", x, 1, {1, -1}, {});
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Rule zero = MakeRule(RuleKind::kZero);
  zero.epsilon = 0;  // explicit: LRP-0 whatever the field's default
  const std::vector<Row> rows = {
      {"epsilon 0.25", Eps(0.25f), {4, -4}, 0},
      {"lrp-0", zero, {0, 0}, 0},
      {"gamma", MakeRule(RuleKind::kGamma), {0, 0}, 0},
      {"alpha2 beta1", AlphaBeta(2, 1), {2, -1}, 1},
      {"zplus", AlphaBeta(1, 0), {1, 0}, 1},
  };
  const std::vector<float> a = {1, 1};
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::unique_ptr<Session> session;
    LRP_ASSERT_OK(
        CreateExplainSession(model, WithOverride("epsilon", "fc", row.rule), false, &session));
    LRP_ASSERT_OK(session->Forward(a.data(), a.size()));
    ASSERT_EQ(session->output()[0], 0.0f);
    std::vector<Vec> out;
    LRP_ASSERT_OK(ExplainSeed(session.get(), {1}, {}, &out));
    ExpectTableNear(out[0], row.r_in, "R_in");
    EXPECT_NEAR(Sum(out[0]), row.sum, 1e-5);
  }
}

// LRP-0 has no epsilon (explain.h: "kZero ignores it"): a Rule built in code
// keeps the field's default 1e-6, which must not enter the denominator.
// w = 1, a = 1/1024: z = a, so R_in = a * w * R / z = R exactly.
TEST(RuleVectorsTest, LrpZeroIgnoresTheEpsilonField) {
  ModelBuilder b;
  const uint32_t x = b.Input("a", Shape{1});
  b.Dense("fc", x, 1, {1}, {});
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(
      model, WithOverride("epsilon", "fc", MakeRule(RuleKind::kZero)), false, &session));
  const float a = 1.0f / 1024;
  LRP_ASSERT_OK(session->Forward(&a, 1));
  LRP_ASSERT_OK(session->Explain(0, ExplainInit::kOne));
  EXPECT_NEAR(session->relevance()[0], 1.0, 1e-6);  // Epsilon(1e-6) would give 0.99898
}

// Flat on Conv2d(2 -> 1, 3x3, padding 1), 3x3 input, R_out = ones: each
// input channel gets the count map; corner = 1/8 + 1/12 + 1/12 + 1/18.
TEST(RuleVectorsTest, FlatOnPaddedConv) {
  ModelBuilder b;
  const uint32_t x = b.Input("x", Shape{3, 3, 2});
  LayerParams p = ConvParams(1, 3, 3);
  p.padding = {1, 1, 1, 1};
  Rng rng(10);
  b.Conv2D("conv", x, p, rng.Vector(18, -1, 1), {0.25f});
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(
      model, WithOverride("epsilon", "conv", MakeRule(RuleKind::kFlat)), false, &session));
  const std::vector<float> input = rng.Vector(18, -1, 1);
  LRP_ASSERT_OK(session->Forward(input.data(), input.size()));
  std::vector<Vec> out;
  LRP_ASSERT_OK(ExplainSeed(session.get(), Vec(9, 1.0), {}, &out));
  const double c = 25.0 / 72, e = 5.0 / 9, m = 8.0 / 9;
  const Vec map = {c, e, c, e, m, e, c, e, c};
  for (size_t px = 0; px < 9; ++px) {
    for (size_t ch = 0; ch < 2; ++ch) {
      // "Up to eps": n_k / (n_k + 1e-6) with n_k >= 8.
      EXPECT_NEAR(out[0][px * 2 + ch], map[px], 1e-5 * map[px]) << "pixel " << px << " ch " << ch;
    }
  }
}

// Norm on AvgPool2d(2): a = [[1, 2], [3, 0]], R_out = 5.
TEST(RuleVectorsTest, NormOnAvgPool) {
  ModelBuilder b;
  const uint32_t x = b.Input("x", Shape{2, 2, 1});
  b.AvgPool2D("pool", x, PoolParams(2, 2));
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Composite c;
  c.name = "epsilon";
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(model, c, false, &session));
  EXPECT_EQ(session->rules()[0].kind, RuleKind::kNorm);
  const std::vector<float> a = {1, 2, 3, 0};
  LRP_ASSERT_OK(session->Forward(a.data(), a.size()));
  std::vector<Vec> out;
  LRP_ASSERT_OK(ExplainSeed(session.get(), {5}, {}, &out));
  const double f = 1.5 / (1.5 + 1e-6);
  ExpectTableNear(out[0], {5.0 / 6 * f, 10.0 / 6 * f, 15.0 / 6 * f, 0}, "R_in");
  // kLogit seeds the pooled value itself (1.5): the split scales by 1.5/5.
  LRP_ASSERT_OK(session->Explain(0, ExplainInit::kLogit));
  const float* r = session->relevance();
  EXPECT_NEAR(r[2], 15.0 / 6 * f * 1.5 / 5, 1e-6);
}

// MaxPool2d(2, stride 1), no rule: first maximum wins ties, overlapping
// windows accumulate, an all-zero window routes to its first element.
TEST(RuleVectorsTest, MaxPoolWinnerTakeAll) {
  ModelBuilder b;
  const uint32_t x = b.Input("x", Shape{3, 3, 1});
  b.MaxPool2D("pool", x, PoolParams(2, 1));
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Composite c;
  c.name = "epsilon";
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(model, c, false, &session));
  EXPECT_EQ(session->rules()[0].kind, RuleKind::kWinnerTakeAll);
  const std::vector<float> a = {1, 3, 3, 3, 0, 0, 0, 0, 0};
  LRP_ASSERT_OK(session->Forward(a.data(), a.size()));
  ASSERT_EQ(session->output_size(), 4u);
  EXPECT_EQ(std::vector<float>(session->output(), session->output() + 4),
            std::vector<float>({3, 3, 3, 0}));
  std::vector<Vec> out;
  LRP_ASSERT_OK(ExplainSeed(session.get(), Vec(4, 1.0), {}, &out));
  EXPECT_EQ(out[0], Vec({0, 2, 0, 1, 1, 0, 0, 0, 0}));
}

// ResNet add: identity = [1, -2, 0], residual = [3, 1, 0], R = [1, 1, 1] ->
// R_identity = [0.25, 2, 0], R_residual = [0.75, -1, 0] (x (1 - O(1e-6))).
// The two summands are separate tensors (selection layers from one input)
// so that each one's relevance can be read.
TEST(RuleVectorsTest, ResidualAddSplit) {
  ModelBuilder b;
  const uint32_t x = b.Input("x", Shape{6});
  std::vector<float> pick_first(18, 0.0f), pick_last(18, 0.0f);
  for (int k = 0; k < 3; ++k) {
    pick_first[k * 6 + k] = 1;
    pick_last[k * 6 + 3 + k] = 1;
  }
  const uint32_t identity = b.Dense("identity", x, 3, pick_first, {});
  const uint32_t residual = b.Dense("residual", x, 3, pick_last, {});
  b.Add("add", identity, residual);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Composite c;
  c.name = "epsilon";
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(model, c, /*keep_relevance=*/true, &session));
  EXPECT_EQ(session->rules()[2].kind, RuleKind::kNorm);
  const std::vector<float> a = {1, -2, 0, 3, 1, 0};
  LRP_ASSERT_OK(session->Forward(a.data(), a.size()));
  std::vector<Vec> out;
  LRP_ASSERT_OK(ExplainSeed(session.get(), Vec(3, 1.0), {identity, residual}, &out));
  ExpectTableNear(out[1], {0.25, 2, 0}, "R_identity");
  ExpectTableNear(out[2], {0.75, -1, 0}, "R_residual");
  // The split exceeds |R| with mixed signs, yet sums to it (up to eps).
  EXPECT_NEAR(Sum(out[1]) + Sum(out[2]), 2.0, 1e-5);
}

}  // namespace
}  // namespace test
}  // namespace lrp
