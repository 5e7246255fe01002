// A Conv2D/Dense with a fused activation stores its pre-activation z only
// where a rule can see the difference between z and the output y (see
// runtime/lrp/relevance_setup.cc). Whatever the runtime decides, a fused
// layer must explain exactly like the same layer followed by a separate
// activation layer, which always keeps z as its own tensor.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lrp/lrp.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace {

struct Case {
  const char* name;
  Activation activation;   // fused into the conv
  const char* after;       // "clamp" (range 1..6) or "" : the layer that follows
  const char* conv_rule;   // rule of the conv (empty: the composite's)
  const char* next_rule;   // rule of the dense layer after it
  const char* composite = "epsilon";
};

std::vector<float> Explain(const Case& c, bool fused, uint64_t seed) {
  test::Rng rng(seed);
  ModelBuilder b;
  const uint32_t x = b.Input("x", Shape{5, 4, 3});
  LayerParams p;
  p.out_channels = 4;
  p.kernel_h = p.kernel_w = 3;
  p.padding = {1, 1, 1, 1};
  p.activation = fused ? c.activation : Activation::kNone;
  uint32_t t = b.Conv2D("conv", x, p, rng.Vector(4 * 9 * 3), rng.Vector(4, -0.5f, 0.5f));
  if (!fused) {
    t = c.activation == Activation::kRelu6 ? b.Clamp("act", t, 0.0f, 6.0f) : b.Relu("act", t);
  }
  if (std::string(c.after) == "clamp") t = b.Clamp("clamp", t, 1.0f, 6.0f);
  t = b.Flatten("flatten", t);
  b.Dense("fc", t, 3, rng.Vector(3 * 5 * 4 * 4), rng.Vector(3));
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(b.Finish(&bytes).ok());
  Model model;
  EXPECT_TRUE(Model::FromBytes(bytes, &model).ok());

  SessionOptions options;
  options.mode = Mode::kExplain;
  options.composite.name = c.composite;
  Rule rule;
  if (*c.conv_rule) {
    EXPECT_TRUE(ParseRule(c.conv_rule, &rule).ok());
    options.composite.overrides.push_back({LayerSelector{"conv", -1, -1}, rule});
  }
  EXPECT_TRUE(ParseRule(c.next_rule, &rule).ok());
  options.composite.overrides.push_back({LayerSelector{"fc", -1, -1}, rule});
  std::unique_ptr<Session> session;
  const Status s = Session::Create(model, options, &session);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return {};
  // Inputs large enough that some pre-activations exceed 6 (ReLU6).
  const std::vector<float> input = rng.Vector(session->input_size(), -4.0f, 4.0f);
  EXPECT_TRUE(session->Forward(input.data(), input.size()).ok());
  EXPECT_TRUE(session->Explain(1, ExplainInit::kOne).ok());
  return std::vector<float>(session->relevance(), session->relevance() + input.size());
}

class PreActivationTest : public ::testing::TestWithParam<Case> {};

TEST_P(PreActivationTest, FusedExplainsLikeSeparateActivation) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<float> fused = Explain(GetParam(), true, seed);
    const std::vector<float> separate = Explain(GetParam(), false, seed);
    ASSERT_EQ(fused.size(), separate.size());
    // In float: GCC 12's aarch64 vectorizer crashes on a widening fmax
    // reduction at -O3 (tools/cli/explain_report.cc, MaxAbs).
    float scale = 0.0f;
    for (float v : separate) scale = std::fmax(scale, std::fabs(v));
    ASSERT_GT(scale, 0.0) << "the case explains nothing; it could not fail";
    for (size_t i = 0; i < fused.size(); ++i) {
      EXPECT_NEAR(fused[i], separate[i], 1e-5 * scale) << "element " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PreActivationTest,
    ::testing::Values(
        // Every reader multiplies by y: z may be dropped.
        Case{"relu_epsilon", Activation::kRelu, "", "", "epsilon"},
        Case{"relu_gamma", Activation::kRelu, "", "gamma", "alpha-beta"},
        // A clamp to [1, 6] turns y = 0 into 1: relevance reaches z <= 0.
        Case{"relu_then_clamp", Activation::kRelu, "clamp", "", "epsilon"},
        // Flat gives relevance to y = 0 as well.
        Case{"relu_then_flat", Activation::kRelu, "", "", "flat"},
        // ReLU6 hides z > 6.
        Case{"relu6_epsilon", Activation::kRelu6, "", "", "epsilon"},
        // The RMS epsilon is a statistic over every z.
        Case{"relu_epsilon_rms", Activation::kRelu, "", "epsilon:epsilon=0.25,rms=1", "epsilon"},
        // The gradient masks with the activation's derivative.
        Case{"relu_gradient", Activation::kRelu, "", "", "gradient", "gradient"},
        Case{"relu6_gradient", Activation::kRelu6, "", "", "gradient", "gradient"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lrp
