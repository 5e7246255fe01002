// Relevance through a BatchNorm that could not be folded (RULES.md §3): Pass
// by default, the canonized form (epsilon on the per-channel affine map), or
// the gradient, each checked against the formula in double precision.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lrp/lrp.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace {

constexpr int kH = 3, kW = 2, kC = 4;
const std::vector<float> kMean = {0.5f, -0.25f, 0.0f, 1.0f};
const std::vector<float> kVar = {1.0f, 0.5f, 2.0f, 0.25f};
const std::vector<float> kScale = {1.5f, -0.75f, 0.5f, 2.0f};
const std::vector<float> kOffset = {0.1f, 0.2f, -0.3f, 0.0f};
constexpr float kBnEps = 1e-3f;

struct Explained {
  std::vector<float> input, bn_out, r_bn_out, r_in;
};

Explained Explain(const char* bn_rule, const char* composite) {
  test::Rng rng(5);
  ModelBuilder b;
  const uint32_t x = b.Input("x", Shape{kH, kW, kC});
  const uint32_t bn = b.BatchNorm("bn", x, kMean, kVar, kScale, kOffset, kBnEps);
  const uint32_t f = b.Flatten("flatten", bn);
  b.Dense("fc", f, 3, rng.Vector(3 * kH * kW * kC), rng.Vector(3));
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(b.Finish(&bytes).ok());
  Model model;
  EXPECT_TRUE(Model::FromBytes(bytes, &model).ok());
  SessionOptions options;
  options.mode = Mode::kExplain;
  options.keep_relevance = true;
  options.composite.name = composite;
  if (*bn_rule) {
    Rule rule;
    EXPECT_TRUE(ParseRule(bn_rule, &rule).ok());
    options.composite.overrides.push_back({LayerSelector{"bn", -1, -1}, rule});
  }
  std::unique_ptr<Session> session;
  const Status s = Session::Create(model, options, &session);
  EXPECT_TRUE(s.ok()) << s.ToString();
  Explained run;
  if (!s.ok()) return run;
  run.input = rng.Vector(session->input_size(), -2.0f, 2.0f);
  EXPECT_TRUE(session->Forward(run.input.data(), run.input.size()).ok());
  EXPECT_TRUE(session->Explain(0, ExplainInit::kOne).ok());
  const size_t n = run.input.size();
  run.bn_out.assign(session->tensor(bn), session->tensor(bn) + n);
  run.r_bn_out.assign(session->tensor_relevance(bn), session->tensor_relevance(bn) + n);
  run.r_in.assign(session->relevance(), session->relevance() + n);
  return run;
}

double Weight(size_t channel) {
  return kScale[channel] / std::sqrt(double{kVar[channel]} + kBnEps);
}

TEST(BatchNormRuleTest, PassCopiesRelevance) {
  const Explained run = Explain("", "epsilon");
  for (size_t i = 0; i < run.r_in.size(); ++i) EXPECT_EQ(run.r_in[i], run.r_bn_out[i]) << i;
}

TEST(BatchNormRuleTest, EpsilonOnTheAffineMap) {
  const Explained run = Explain("epsilon:epsilon=0.01", "epsilon");
  for (size_t i = 0; i < run.r_in.size(); ++i) {
    const double y = run.bn_out[i];
    const double den = y >= 0 ? y + 0.01 : y - 0.01;
    const double expected = Weight(i % kC) * run.input[i] * run.r_bn_out[i] / den;
    EXPECT_NEAR(run.r_in[i], expected, 1e-5 * (1 + std::fabs(expected))) << i;
  }
}

TEST(BatchNormRuleTest, GradientScalesByTheChannelWeight) {
  const Explained run = Explain("", "gradient");
  for (size_t i = 0; i < run.r_in.size(); ++i) {
    const double expected = Weight(i % kC) * run.r_bn_out[i];
    EXPECT_NEAR(run.r_in[i], expected, 1e-6 * (1 + std::fabs(expected))) << i;
  }
}

}  // namespace
}  // namespace lrp
