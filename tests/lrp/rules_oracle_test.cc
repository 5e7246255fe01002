// Every rule on every layer kind it applies to, and every composite on
// multi-layer networks, against the double-precision oracle
// (tests/lrp/oracle.h, written from RULES.md alone).
//
// Test data are dyadic rationals (tests/lrp/explain_harness.h): the
// runtime's float pre-activations of a single layer are then exact, so both
// sides take every sign decision (ReLU, Gamma's masks, the stabilizer's
// sign, max-pool ties) the same way, and what remains is float rounding of
// divisions and sums. Tolerance: 1e-4 * max|R| (float32 against double).
//
// The relevance for an arbitrary seed at the logits is assembled from
// one-target explanations (every rule is linear in R), so each output of a
// layer receives relevance of either sign in one comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "lrp/lrp.h"
#include "tests/lrp/explain_harness.h"
#include "tests/lrp/oracle.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {
namespace {

using oracle::Vec;

constexpr double kTol = 1e-4;

Rule MakeRule(RuleKind kind, float stabilizer = 1e-6f) {
  Rule r;
  r.kind = kind;
  r.stabilizer = stabilizer;
  return r;
}

Rule Eps(float e) {
  Rule r = MakeRule(RuleKind::kEpsilon);
  r.epsilon = e;
  return r;
}

Rule Gamma(RuleKind kind, float gamma, float stabilizer = 1e-6f) {
  Rule r = MakeRule(kind, stabilizer);
  r.gamma = gamma;
  return r;
}

Rule AlphaBeta(float a, float b, float stabilizer = 1e-6f) {
  Rule r = MakeRule(RuleKind::kAlphaBeta, stabilizer);
  r.alpha = a;
  r.beta = b;
  return r;
}

Rule ZeroBias(Rule r) {
  r.zero_bias = true;
  return r;
}

Rule ZBox(std::vector<float> low, std::vector<float> high, float stabilizer = 1e-6f) {
  Rule r = MakeRule(RuleKind::kZBox, stabilizer);
  r.low = std::move(low);
  r.high = std::move(high);
  return r;
}

double Sum(const Vec& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

double AbsSum(const Vec& v) {
  double s = 0;
  for (double x : v) s += std::fabs(x);
  return s;
}

double MaxAbs(const Vec& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

size_t Channels(const Shape& s) { return static_cast<size_t>(s.dims[s.rank - 1]); }

// Per-channel z^B bounds that enclose inputs in [-1, 1], dyadic.
InputDesc BoundsDesc(size_t channels) {
  InputDesc d;
  d.source_layout = SourceLayout::kNHWC;
  for (size_t c = 0; c < channels; ++c) {
    d.low.push_back(-1.0f - 0.25f * static_cast<float>(c % 3));
    d.high.push_back(1.0f + 0.5f * static_cast<float>(c % 2));
  }
  return d;
}

// Dyadic layers: weights k/64 within +-sqrt(3/fan_in) (unit-variance
// outputs), biases k/16 in [-0.25, 0.25].
uint32_t DyadicConv(ModelBuilder* b, Rng* rng, const std::string& name, uint32_t input,
                    const LayerParams& p, bool bias = true) {
  const size_t cin = Channels(b->shape(input)) / static_cast<size_t>(p.groups);
  const size_t fan_in = cin * static_cast<size_t>(p.kernel_h * p.kernel_w);
  const double bound = std::sqrt(3.0 / static_cast<double>(fan_in));
  const size_t n = static_cast<size_t>(p.out_channels) * fan_in;
  return b->Conv2D(name, input, p, Dyadic(rng, n, -bound, bound, 64),
                   bias ? Dyadic(rng, static_cast<size_t>(p.out_channels), -0.25, 0.25, 16)
                        : std::vector<float>());
}

uint32_t DyadicDense(ModelBuilder* b, Rng* rng, const std::string& name, uint32_t input,
                     int32_t out, Activation act, bool bias = true) {
  const size_t in = b->shape(input).elements();
  const double bound = std::sqrt(3.0 / static_cast<double>(in));
  return b->Dense(
      name, input, out, Dyadic(rng, in * static_cast<size_t>(out), -bound, bound, 64),
      bias ? Dyadic(rng, static_cast<size_t>(out), -0.25, 0.25, 16) : std::vector<float>(), act);
}

LayerParams Conv(int32_t out, int32_t k, int32_t pad, Activation act = Activation::kNone) {
  LayerParams p = ConvParams(out, k, k);
  p.padding = {pad, pad, pad, pad};
  p.activation = act;
  return p;
}

// A seed at the logits: dyadic values of both signs, some zero.
Vec RandomSeed(size_t n, uint64_t seed) {
  Rng rng(seed);
  const std::vector<float> v = Dyadic(&rng, n, -1, 1, 4);
  return Vec(v.begin(), v.end());
}

// ===================================================== one weighted layer

struct LayerCase {
  std::string name;
  bool dense;
  Shape in;
  LayerParams p;
};

std::vector<LayerCase> LayerCases() {
  std::vector<LayerCase> c;
  c.push_back({"dense", true, Shape{7}, ConvParams(5, 1, 1)});
  c.push_back({"dense_on_map", true, Shape{2, 3, 2}, ConvParams(4, 1, 1)});
  c.push_back({"conv_same", false, Shape{5, 5, 3}, Conv(4, 3, 1)});
  LayerParams strided = ConvParams(3, 3, 2);
  strided.stride_h = 2;
  strided.stride_w = 3;
  strided.padding = {1, 0, 2, 1};
  c.push_back({"conv_strided_asym_pad", false, Shape{6, 7, 2}, strided});
  LayerParams dilated = ConvParams(2, 2, 3);
  dilated.dilation_h = dilated.dilation_w = 2;
  dilated.padding = {2, 1, 0, 2};
  c.push_back({"conv_dilated", false, Shape{6, 6, 3}, dilated});
  LayerParams grouped = Conv(6, 3, 1);
  grouped.groups = 2;
  c.push_back({"conv_groups", false, Shape{4, 4, 4}, grouped});
  LayerParams dw = Conv(3, 3, 1);
  dw.groups = 3;
  dw.stride_h = dw.stride_w = 2;
  c.push_back({"depthwise_strided", false, Shape{5, 5, 3}, dw});
  LayerParams dw2 = Conv(6, 3, 1);
  dw2.groups = 3;
  c.push_back({"depthwise_multiplier2", false, Shape{4, 5, 3}, dw2});
  LayerParams pw = ConvParams(3, 1, 1);
  pw.stride_h = pw.stride_w = 2;
  c.push_back({"pointwise_stride2", false, Shape{5, 5, 4}, pw});
  LayerParams crop = ConvParams(2, 3, 3);
  crop.stride_h = crop.stride_w = 2;
  c.push_back({"conv_stride_leaves_rows", false, Shape{6, 6, 2}, crop});
  return c;
}

struct RuleCase {
  std::string name;
  Rule rule;
  bool gradient = false;  // composite "gradient" instead of an override
};

std::vector<RuleCase> RuleCases() {
  std::vector<RuleCase> c;
  c.push_back({"zero", MakeRule(RuleKind::kZero)});
  c.push_back({"epsilon", Eps(1e-6f)});
  c.push_back({"epsilon_0p25", Eps(0.25f)});
  c.push_back({"epsilon_zero_bias", ZeroBias(Eps(0.1f))});
  Rule rms = Eps(0.25f);
  rms.epsilon_rms = true;
  c.push_back({"epsilon_rms", rms});
  c.push_back({"gamma", Gamma(RuleKind::kGamma, 0.25f)});
  c.push_back({"gamma_0p5_zero_bias_stab", ZeroBias(Gamma(RuleKind::kGamma, 0.5f, 0.25f))});
  c.push_back({"gamma_classic", Gamma(RuleKind::kGammaClassic, 0.25f)});
  c.push_back(
      {"gamma_classic_zero_bias_stab", ZeroBias(Gamma(RuleKind::kGammaClassic, 0.1f, 0.25f))});
  c.push_back({"alpha2_beta1", AlphaBeta(2, 1)});
  c.push_back({"zplus", AlphaBeta(1, 0)});
  c.push_back({"alpha3_beta2_zero_bias_stab", ZeroBias(AlphaBeta(3, 2, 0.25f))});
  c.push_back({"zbox_per_channel", ZBox({}, {})});  // filled per layer
  c.push_back({"zbox_scalar_stab", ZBox({-1.5f}, {1.25f}, 0.25f)});
  c.push_back({"zbox_from_model", ZBox({}, {})});
  c.push_back({"flat", MakeRule(RuleKind::kFlat)});
  c.push_back({"flat_stab", MakeRule(RuleKind::kFlat, 0.25f)});
  c.push_back({"wsquare", MakeRule(RuleKind::kWSquare)});
  c.push_back({"wsquare_zero_bias_stab", ZeroBias(MakeRule(RuleKind::kWSquare, 0.25f))});
  c.push_back({"gradient", MakeRule(RuleKind::kGradient), true});
  return c;
}

// kAfterRelu: a ReLU layer in front; kAfterFusedRelu: an identity layer
// with a fused ReLU in front. Either way the runtime knows the layer's input
// is non-negative and may skip the a- terms.
enum class InputKind { kMixed, kNonNegative, kAfterRelu, kAfterFusedRelu };

const char* InputName(InputKind k) {
  switch (k) {
    case InputKind::kMixed:
      return "mixed";
    case InputKind::kNonNegative:
      return "nonneg";
    case InputKind::kAfterRelu:
      return "relu_first";
    case InputKind::kAfterFusedRelu:
      return "fused_relu_first";
  }
  return "?";
}

void PrintTo(InputKind k, std::ostream* os) { *os << InputName(k); }

const char* ActName(Activation a) {
  switch (a) {
    case Activation::kNone:
      return "linear";
    case Activation::kRelu:
      return "relu";
    case Activation::kRelu6:
      return "relu6";
  }
  return "?";
}

struct SingleCase {
  LayerCase layer;
  RuleCase rule;
  InputKind input;
  bool bias;
  Activation act;
  uint64_t seed;
};

std::vector<SingleCase> SingleCases() {
  std::vector<SingleCase> all;
  uint64_t seed = 1000;
  for (const LayerCase& l : LayerCases()) {
    for (const RuleCase& r : RuleCases()) {
      for (InputKind in : {InputKind::kMixed, InputKind::kNonNegative, InputKind::kAfterRelu,
                           InputKind::kAfterFusedRelu}) {
        for (bool bias : {true, false}) {
          for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6}) {
            // A fused ReLU6 only changes the gradient (LRP passes relevance
            // through activations); one LRP rule keeps it covered.
            if (act == Activation::kRelu6 && !r.gradient && r.name != "epsilon") continue;
            all.push_back({l, r, in, bias, act, ++seed});
          }
        }
      }
    }
  }
  return all;
}

// Readable parameters in failure messages (instead of a byte dump).
void PrintTo(const SingleCase& c, std::ostream* os) {
  *os << c.layer.name << " / " << c.rule.name << " / " << InputName(c.input)
      << (c.bias ? " / bias / " : " / no bias / ") << ActName(c.act) << " / seed " << c.seed;
}

class SingleLayerRuleTest : public ::testing::TestWithParam<SingleCase> {};

TEST_P(SingleLayerRuleTest, MatchesOracle) {
  const SingleCase& c = GetParam();
  Rng rng(c.seed);
  ModelBuilder b;
  const uint32_t x = b.Input("x", c.layer.in);
  uint32_t t = x;
  const size_t in_elems = c.layer.in.elements();
  if (c.input == InputKind::kAfterRelu) t = b.Relu("relu", x);
  if (c.input == InputKind::kAfterFusedRelu) {
    if (c.layer.in.rank == 1) {
      std::vector<float> eye(in_elems * in_elems, 0.0f);
      for (size_t i = 0; i < in_elems; ++i) eye[i * in_elems + i] = 1;
      t = b.Dense("pre", x, static_cast<int32_t>(in_elems), eye, {}, Activation::kRelu);
    } else {
      const size_t ch = Channels(c.layer.in);
      std::vector<float> eye(ch * ch, 0.0f);
      for (size_t i = 0; i < ch; ++i) eye[i * ch + i] = 1;
      LayerParams p = ConvParams(static_cast<int32_t>(ch), 1, 1);
      p.activation = Activation::kRelu;
      t = b.Conv2D("pre", x, p, eye, {});
    }
  }
  const int32_t out = c.layer.p.out_channels;
  std::vector<float> w, bias;
  if (c.layer.dense) {
    w = Dyadic(&rng, in_elems * static_cast<size_t>(out), -1, 1, 16);
  } else {
    const size_t per = static_cast<size_t>(c.layer.p.kernel_h * c.layer.p.kernel_w) *
                       (Channels(c.layer.in) / static_cast<size_t>(c.layer.p.groups));
    w = Dyadic(&rng, per * static_cast<size_t>(out), -1, 1, 16);
  }
  if (c.bias) bias = Dyadic(&rng, static_cast<size_t>(out), -1, 1, 8);
  if (c.layer.dense) {
    b.Dense("layer", t, out, w, bias, c.act);
  } else {
    LayerParams p = c.layer.p;
    p.activation = c.act;
    b.Conv2D("layer", t, p, w, bias);
  }
  const InputDesc desc = BoundsDesc(Channels(c.layer.in));
  b.SetInputDesc(desc);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  const size_t layer_index = model.layers().size() - 1;

  Rule rule = c.rule.rule;
  if (c.rule.name == "zbox_per_channel") {
    // Different from the model's bounds, so that using those would show.
    for (size_t ch = 0; ch < Channels(c.layer.in); ++ch) {
      rule.low.push_back(-1.25f + 0.125f * static_cast<float>(ch));
      rule.high.push_back(1.0f + 0.25f * static_cast<float>(ch));
    }
  }
  Composite composite;
  if (c.rule.gradient) {
    composite.name = "gradient";
  } else {
    composite = WithOverride("epsilon", "layer", rule);
  }
  // Behind the identity layer, the relevance to compare is at its output.
  const bool fused = c.input == InputKind::kAfterFusedRelu;
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(model, composite, /*keep_relevance=*/fused, &session));
  ASSERT_EQ(session->rules().size(), model.layers().size());
  EXPECT_EQ(session->rules()[layer_index].kind, rule.kind);

  const std::vector<float> input =
      Dyadic(&rng, in_elems, c.input == InputKind::kNonNegative ? 0.0 : -1.0, 1.0, 16);
  LRP_ASSERT_OK(session->Forward(input.data(), input.size()));
  const Vec seed = RandomSeed(session->output_size(), c.seed + 7);
  std::vector<Vec> got;
  const uint32_t layer_input = model.layers()[layer_index].inputs[0];
  LRP_ASSERT_OK(ExplainSeed(session.get(), seed,
                            fused ? std::vector<uint32_t>{layer_input} : std::vector<uint32_t>{},
                            &got));

  // Oracle: the layer's input is the input, after the ReLU if there is one;
  // relevance passes the fused activation (and the leading ReLU) unchanged,
  // the gradient is masked by them.
  const oracle::WeightedLayer layer = oracle::WeightedFromLayer(model, model.layers()[layer_index]);
  Vec a = oracle::ToDouble(input);
  if (c.input == InputKind::kAfterRelu || fused) {
    for (double& v : a) v = std::max(v, 0.0);
  }
  Vec low, high;
  if (rule.kind == RuleKind::kZBox) {
    const Shape& in_shape = model.tensors()[model.layers()[layer_index].inputs[0]].shape;
    ASSERT_TRUE(oracle::BroadcastBounds(rule.low.empty() ? desc.low : rule.low, in_shape, &low));
    ASSERT_TRUE(
        oracle::BroadcastBounds(rule.high.empty() ? desc.high : rule.high, in_shape, &high));
  }
  Vec expected;
  std::string error;
  ASSERT_TRUE(oracle::WeightedRelevance(layer, rule, a, seed, low, high, &expected, &error))
      << error;
  if (c.rule.gradient && c.input == InputKind::kAfterRelu) {
    for (size_t j = 0; j < expected.size(); ++j) {
      if (!(input[j] > 0)) expected[j] = 0;
    }
  }
  EXPECT_TRUE(NearByMax(got[fused ? 1 : 0], expected, kTol))
      << Describe(session->rules()[layer_index]);
}

INSTANTIATE_TEST_SUITE_P(Rules, SingleLayerRuleTest, ::testing::ValuesIn(SingleCases()),
                         [](const ::testing::TestParamInfo<SingleCase>& info) {
                           const SingleCase& c = info.param;
                           return c.layer.name + "_" + c.rule.name + "_" + InputName(c.input) +
                                  (c.bias ? "_bias_" : "_nobias_") + ActName(c.act);
                         });

// ============================================== networks vs the oracle

// Runs the oracle with the rules the session reports (their resolution is
// checked separately) and compares the input relevance and, with
// keep_relevance, every tensor's relevance on the path.
void CompareWithOracle(Session* session, const std::vector<float>& input, const Vec& seed,
                       bool times_input, double tol) {
  const Model& model = session->model();
  oracle::NetResult net;
  std::string error;
  ASSERT_TRUE(
      oracle::ExplainSeeded(model, session->rules(), times_input, input, seed, &net, &error))
      << error;
  std::vector<uint32_t> tensors;
  if (session->options().keep_relevance) {
    for (uint32_t t = 0; t < model.tensors().size(); ++t) {
      if (t != model.input() && !net.rel[t].empty()) tensors.push_back(t);
    }
  }
  LRP_ASSERT_OK(session->Forward(input.data(), input.size()));
  std::vector<Vec> got;
  LRP_ASSERT_OK(ExplainSeed(session, seed, tensors, &got));
  EXPECT_TRUE(NearByMax(got[0], net.rel[model.input()], tol)) << "input relevance";
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_TRUE(NearByMax(got[i + 1], net.rel[tensors[i]], tol))
        << "tensor " << tensors[i] << " '" << model.tensors()[tensors[i]].name << "'";
  }
}

// ------------------------------------------------------------- pooling

struct PoolCase {
  std::string name;
  LayerKind kind;  // kMaxPool2D, kAvgPool2D, kGlobalAvgPool
  Shape in;
  LayerParams p;
  uint64_t seed = 0;
};

std::vector<PoolCase> PoolCases() {
  std::vector<PoolCase> c;
  c.push_back({"max_2s2", LayerKind::kMaxPool2D, Shape{6, 6, 3}, PoolParams(2, 2)});
  LayerParams m = PoolParams(3, 2);
  m.padding = {1, 1, 1, 0};
  c.push_back({"max_3s2_padded", LayerKind::kMaxPool2D, Shape{7, 6, 2}, m});
  LayerParams overlap = PoolParams(3, 1);
  overlap.padding = {1, 1, 1, 1};
  c.push_back({"max_3s1_overlapping", LayerKind::kMaxPool2D, Shape{5, 5, 2}, overlap});
  LayerParams dil = PoolParams(2, 1);
  dil.dilation_h = dil.dilation_w = 2;
  c.push_back({"max_dilated", LayerKind::kMaxPool2D, Shape{6, 5, 2}, dil});
  LayerParams one = PoolParams(1, 2);
  c.push_back({"max_1x1_s2", LayerKind::kMaxPool2D, Shape{5, 5, 2}, one});
  c.push_back({"avg_2s2", LayerKind::kAvgPool2D, Shape{6, 6, 3}, PoolParams(2, 2)});
  LayerParams a = PoolParams(3, 2);
  a.padding = {1, 1, 1, 0};
  c.push_back({"avg_3s2_exclude_pad", LayerKind::kAvgPool2D, Shape{7, 6, 2}, a});
  a.count_include_pad = true;
  c.push_back({"avg_3s2_include_pad", LayerKind::kAvgPool2D, Shape{7, 6, 2}, a});
  LayerParams b = PoolParams(3, 1);
  b.padding = {1, 0, 0, 1};
  c.push_back({"avg_3s1_asym_exclude_pad", LayerKind::kAvgPool2D, Shape{5, 4, 2}, b});
  b.count_include_pad = true;
  c.push_back({"avg_3s1_asym_include_pad", LayerKind::kAvgPool2D, Shape{5, 4, 2}, b});
  c.push_back({"avg_1x1_s2", LayerKind::kAvgPool2D, Shape{5, 5, 2}, PoolParams(1, 2)});
  c.push_back({"global_avg", LayerKind::kGlobalAvgPool, Shape{4, 5, 3}, LayerParams()});
  for (size_t i = 0; i < c.size(); ++i) c[i].seed = 2000 + i;
  return c;
}

void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.name; }

// Composites for pooling: the default Norm / winner-take-all, Norm with a
// stabilizer large enough to show how the divisor enters, and the gradient
// (where count_include_pad changes the result directly).
enum class PoolComposite { kEpsilon, kLargeStabilizer, kGradient };

const char* PoolCompositeName(PoolComposite c) {
  switch (c) {
    case PoolComposite::kEpsilon:
      return "epsilon";
    case PoolComposite::kLargeStabilizer:
      return "stab0p5";
    case PoolComposite::kGradient:
      return "gradient";
  }
  return "?";
}

// Max pooling gets dyadic inputs and small integers (many exact ties, so the
// first-maximum rule decides). Average pooling gets uniform floats: its
// forward may multiply each tap by a rounded 1/|P|, so a window whose real
// sum is exactly 0 (common with integers) could come out as +-1 ulp and
// flip the stabilizer's sign; continuous values make that case vanish.
enum class PoolValues { kDyadic, kIntegerTies, kUniform };

const char* PoolValuesName(PoolValues v) {
  switch (v) {
    case PoolValues::kDyadic:
      return "dyadic";
    case PoolValues::kIntegerTies:
      return "ties";
    case PoolValues::kUniform:
      return "uniform";
  }
  return "?";
}

void PrintTo(PoolValues v, std::ostream* os) { *os << PoolValuesName(v); }
void PrintTo(PoolComposite c, std::ostream* os) { *os << PoolCompositeName(c); }

using PoolParam = std::tuple<PoolCase, InputKind, PoolValues, PoolComposite>;

std::vector<PoolParam> PoolParamList() {
  std::vector<PoolParam> out;
  for (const PoolCase& pc : PoolCases()) {
    for (InputKind in : {InputKind::kMixed, InputKind::kNonNegative, InputKind::kAfterRelu}) {
      for (PoolComposite c :
           {PoolComposite::kEpsilon, PoolComposite::kLargeStabilizer, PoolComposite::kGradient}) {
        if (pc.kind == LayerKind::kMaxPool2D) {
          out.emplace_back(pc, in, PoolValues::kDyadic, c);
          out.emplace_back(pc, in, PoolValues::kIntegerTies, c);
        } else {
          out.emplace_back(pc, in, PoolValues::kUniform, c);
        }
      }
    }
  }
  return out;
}

class PoolRuleTest : public ::testing::TestWithParam<PoolParam> {};

TEST_P(PoolRuleTest, MatchesOracle) {
  const auto& [pc, input_kind, values, which] = GetParam();
  ModelBuilder b;
  const uint32_t x = b.Input("x", pc.in);
  uint32_t t = input_kind == InputKind::kAfterRelu ? b.Relu("relu", x) : x;
  if (pc.kind == LayerKind::kMaxPool2D) {
    b.MaxPool2D("pool", t, pc.p);
  } else if (pc.kind == LayerKind::kAvgPool2D) {
    b.AvgPool2D("pool", t, pc.p);
  } else {
    b.GlobalAvgPool("pool", t);
  }
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Composite c;
  c.name = which == PoolComposite::kGradient ? "gradient" : "epsilon";
  if (which == PoolComposite::kLargeStabilizer) c.params.push_back({"stabilizer", "0.5"});
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(model, c, true, &session));
  if (which == PoolComposite::kGradient) {
    EXPECT_EQ(session->rules().back().kind, RuleKind::kGradient);
  } else {
    EXPECT_EQ(session->rules().back().kind,
              pc.kind == LayerKind::kMaxPool2D ? RuleKind::kWinnerTakeAll : RuleKind::kNorm);
  }
  Rng rng(pc.seed + 100 * static_cast<uint64_t>(values) + 10 * static_cast<uint64_t>(input_kind));
  const double lo = input_kind == InputKind::kNonNegative ? 0.0 : -1.0;
  const size_t n = pc.in.elements();
  std::vector<float> input;
  switch (values) {
    case PoolValues::kDyadic:
      input = Dyadic(&rng, n, lo, 1, 64);
      break;
    case PoolValues::kIntegerTies:
      input = Dyadic(&rng, n, lo * 3, 3, 1);
      break;
    case PoolValues::kUniform:
      input = rng.Vector(n, static_cast<float>(lo), 1.0f);
      break;
  }
  CompareWithOracle(session.get(), input, RandomSeed(session->output_size(), 5), false, kTol);
}

INSTANTIATE_TEST_SUITE_P(Pools, PoolRuleTest, ::testing::ValuesIn(PoolParamList()),
                         [](const ::testing::TestParamInfo<PoolParam>& info) {
                           return std::get<0>(info.param).name + "_" +
                                  InputName(std::get<1>(info.param)) + "_" +
                                  PoolValuesName(std::get<2>(info.param)) + "_" +
                                  PoolCompositeName(std::get<3>(info.param));
                         });

// Max pooling with the proportional rule of the overview (maxpool=avg).
TEST(MaxPoolRuleTest, ProportionalVariantMatchesOracle) {
  ModelBuilder b;
  Rng rng(90);
  const uint32_t x = b.Input("x", Shape{6, 6, 2});
  uint32_t t = DyadicConv(&b, &rng, "conv", x, Conv(3, 3, 1, Activation::kRelu));
  t = b.MaxPool2D("pool", t, PoolParams(2, 2));
  t = b.Flatten("flat", t);
  DyadicDense(&b, &rng, "fc", t, 3, Activation::kNone);
  b.SetInputDesc(BoundsDesc(2));
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Composite c;
  c.name = "lrp-overview";
  c.params.push_back({"maxpool", "avg"});
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(model, c, true, &session));
  EXPECT_TRUE(session->rules()[1].proportional_max) << Describe(session->rules()[1]);
  const std::vector<float> input = Dyadic(&rng, 72, -1, 1, 16);
  CompareWithOracle(session.get(), input, RandomSeed(3, 9), false, kTol);
}

// -------------------------------------------- Add, Concat, Reshape, Flatten

using StructureBuilder = void (*)(Rng*, ModelBuilder*);

struct StructureCase {
  std::string name;
  StructureBuilder build;
  uint64_t seed;
};

void ResidualAddLinear(Rng* rng, ModelBuilder* b) {
  const uint32_t x = b->Input("x", Shape{4, 4, 3});
  b->SetInputDesc(BoundsDesc(3));
  const uint32_t branch = DyadicConv(b, rng, "branch", x, Conv(3, 3, 1));
  b->Add("add", x, branch);
}

void ResidualAddRelu(Rng* rng, ModelBuilder* b) {
  const uint32_t x = b->Input("x", Shape{4, 4, 3});
  b->SetInputDesc(BoundsDesc(3));
  const uint32_t stem = DyadicConv(b, rng, "stem", x, Conv(4, 3, 1, Activation::kRelu));
  uint32_t r = DyadicConv(b, rng, "conv_a", stem, Conv(4, 3, 1, Activation::kRelu));
  r = DyadicConv(b, rng, "conv_b", r, Conv(4, 3, 1));
  const uint32_t sum = b->Add("add", stem, r, Activation::kRelu);
  const uint32_t g = b->GlobalAvgPool("gap", sum);
  DyadicDense(b, rng, "fc", g, 3, Activation::kNone);
}

void AddSameTensorTwice(Rng* rng, ModelBuilder* b) {
  const uint32_t x = b->Input("x", Shape{3, 3, 2});
  b->SetInputDesc(BoundsDesc(2));
  const uint32_t c = DyadicConv(b, rng, "conv", x, Conv(2, 3, 1));
  b->Add("double", c, c, Activation::kRelu);
}

void ConcatMaps(Rng* rng, ModelBuilder* b) {
  const uint32_t x = b->Input("x", Shape{4, 4, 2});
  b->SetInputDesc(BoundsDesc(2));
  const uint32_t a = DyadicConv(b, rng, "conv_a", x, Conv(3, 3, 1, Activation::kRelu));
  const uint32_t c = DyadicConv(b, rng, "conv_b", x, Conv(2, 1, 0));
  const uint32_t cat = b->Concat("cat", {a, x, c});
  DyadicConv(b, rng, "mix", cat, Conv(2, 1, 0));
}

void ConcatVectors(Rng* rng, ModelBuilder* b) {
  const uint32_t x = b->Input("x", Shape{6});
  b->SetInputDesc(BoundsDesc(6));
  const uint32_t a = DyadicDense(b, rng, "fc_a", x, 3, Activation::kRelu);
  const uint32_t c = DyadicDense(b, rng, "fc_b", x, 2, Activation::kNone);
  const uint32_t cat = b->Concat("cat", {c, a});
  DyadicDense(b, rng, "fc_out", cat, 3, Activation::kNone);
}

void ReshapeAndFlatten(Rng* rng, ModelBuilder* b) {
  const uint32_t x = b->Input("x", Shape{2, 3, 4});
  // One value: the reshape changes the channel count the first conv sees.
  b->SetInputDesc(BoundsDesc(1));
  const uint32_t r = b->Reshape("to_4x3x2", x, Shape{4, 3, 2});
  const uint32_t c = DyadicConv(b, rng, "conv", r, Conv(3, 2, 0, Activation::kRelu));
  const uint32_t f = b->Flatten("flat", c);
  const uint32_t v = b->Reshape("to_rank2", f, Shape{3, 6});
  DyadicDense(b, rng, "fc", v, 4, Activation::kNone);
}

std::vector<StructureCase> StructureCases() {
  return {{"residual_add_linear", ResidualAddLinear, 3001},
          {"residual_add_relu", ResidualAddRelu, 3002},
          {"add_same_tensor_twice", AddSameTensorTwice, 3003},
          {"concat_maps", ConcatMaps, 3004},
          {"concat_vectors", ConcatVectors, 3005},
          {"reshape_flatten", ReshapeAndFlatten, 3006}};
}

void PrintTo(const StructureCase& c, std::ostream* os) { *os << c.name; }

using StructureParam = std::tuple<StructureCase, std::string>;

class StructureRuleTest : public ::testing::TestWithParam<StructureParam> {};

TEST_P(StructureRuleTest, MatchesOracle) {
  const auto& [sc, composite_name] = GetParam();
  Rng rng(sc.seed);
  ModelBuilder b;
  sc.build(&rng, &b);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Composite c;
  c.name = composite_name;
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(model, c, true, &session));
  const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
  CompareWithOracle(session.get(), input, RandomSeed(session->output_size(), 11),
                    composite_name == "gradient-x-input", kTol);
}

INSTANTIATE_TEST_SUITE_P(Structures, StructureRuleTest,
                         ::testing::Combine(::testing::ValuesIn(StructureCases()),
                                            ::testing::Values("epsilon", "epsilon-gamma-box",
                                                              "gradient")),
                         [](const ::testing::TestParamInfo<StructureParam>& info) {
                           std::string n =
                               std::get<0>(info.param).name + "_" + std::get<1>(info.param);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// The RMS of the overview's epsilon runs over the layer's pre-activations z
// (RULES.md §2.2, z = Wa + b), also when a fused ReLU follows and the next
// layer's rule makes the clipped outputs irrelevant otherwise.
TEST(EpsilonRmsRuleTest, UsesPreActivationsBehindAFusedRelu) {
  ModelBuilder b;
  const uint32_t x = b.Input("x", Shape{4});
  // Rows of fc1: two outputs negative for the input below, four positive.
  const uint32_t h = b.Dense(
      "fc1", x, 6, {1, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, {},
      Activation::kRelu);
  b.Dense("fc2", h, 2, {1, 1, 1, 1, 1, 1, 1, -1, 1, -1, 1, -1}, {});
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Rule rms = Eps(0.25f);
  rms.epsilon_rms = true;
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(CreateExplainSession(model, WithOverride("epsilon", "fc1", rms), false, &session));
  const std::vector<float> input = {2, 3, 0.5f, 1};  // z1 = [2, -2, 3, -3, 0.5, 1]
  CompareWithOracle(session.get(), input, {1, 0.5}, false, kTol);
}

// ================================================= composites on networks

// conv -> relu -> pool -> conv(relu) -> flatten -> dense -> relu -> dense.
void BuildVgg(uint64_t seed, bool bias, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t t = b->Input("image", Shape{8, 8, 3});
  t = DyadicConv(b, &rng, "conv1", t, Conv(6, 3, 1), bias);
  t = b->Relu("relu1", t);
  t = b->MaxPool2D("pool1", t, PoolParams(2, 2));
  t = DyadicConv(b, &rng, "conv2", t, Conv(8, 3, 1, Activation::kRelu), bias);
  t = b->Flatten("flatten", t);
  t = DyadicDense(b, &rng, "fc1", t, 10, Activation::kNone, bias);
  t = b->Relu("relu3", t);
  DyadicDense(b, &rng, "fc2", t, 4, Activation::kNone, bias);
  b->SetInputDesc(BoundsDesc(3));
}

// Seven weighted layers, so lrp-overview uses all four of its rules.
void BuildDeep(uint64_t seed, bool bias, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t t = b->Input("image", Shape{8, 8, 2});
  t = DyadicConv(b, &rng, "conv1", t, Conv(4, 3, 1, Activation::kRelu), bias);
  LayerParams down = Conv(6, 3, 1, Activation::kRelu);
  down.stride_h = down.stride_w = 2;
  t = DyadicConv(b, &rng, "conv2", t, down, bias);
  t = DyadicConv(b, &rng, "conv3", t, Conv(6, 3, 1, Activation::kRelu), bias);
  t = b->MaxPool2D("pool", t, PoolParams(2, 2));
  t = DyadicConv(b, &rng, "conv4", t, Conv(8, 1, 0, Activation::kRelu), bias);
  t = b->Flatten("flatten", t);
  t = DyadicDense(b, &rng, "fc1", t, 12, Activation::kRelu, bias);
  t = DyadicDense(b, &rng, "fc2", t, 8, Activation::kRelu, bias);
  DyadicDense(b, &rng, "fc3", t, 3, Activation::kNone, bias);
  b->SetInputDesc(BoundsDesc(2));
}

void BuildResidual(uint64_t seed, bool bias, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t t = b->Input("image", Shape{6, 6, 3});
  t = DyadicConv(b, &rng, "stem", t, Conv(4, 3, 1, Activation::kRelu), bias);
  for (int block = 0; block < 2; ++block) {
    const std::string p = "block" + std::to_string(block) + "_";
    uint32_t r = DyadicConv(b, &rng, p + "conv_a", t, Conv(4, 3, 1, Activation::kRelu), bias);
    r = DyadicConv(b, &rng, p + "conv_b", r, Conv(4, 3, 1), bias);
    t = b->Add(p + "add", t, r, Activation::kRelu);
  }
  t = b->AvgPool2D("pool", t, PoolParams(2, 2));
  t = b->Flatten("flatten", t);
  DyadicDense(b, &rng, "fc", t, 4, Activation::kNone, bias);
  b->SetInputDesc(BoundsDesc(3));
}

// Depthwise, ReLU6, global average pooling (the shape of BuildSmallCnn).
void BuildMobile(uint64_t seed, bool bias, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t t = b->Input("image", Shape{8, 8, 3});
  t = DyadicConv(b, &rng, "conv1", t, Conv(6, 3, 1, Activation::kRelu), bias);
  t = b->MaxPool2D("pool1", t, PoolParams(2, 2));
  LayerParams dw = Conv(6, 3, 1);
  dw.groups = 6;
  t = DyadicConv(b, &rng, "dwconv", t, dw, bias);
  LayerParams pw = ConvParams(8, 1, 1);
  pw.activation = Activation::kRelu6;
  t = DyadicConv(b, &rng, "pwconv", t, pw, bias);
  t = b->GlobalAvgPool("gap", t);
  DyadicDense(b, &rng, "fc", t, 5, Activation::kNone, bias);
  b->SetInputDesc(BoundsDesc(3));
}

void BuildMlp(uint64_t seed, bool bias, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t t = b->Input("features", Shape{12});
  t = DyadicDense(b, &rng, "fc1", t, 10, Activation::kRelu, bias);
  t = DyadicDense(b, &rng, "fc2", t, 8, Activation::kNone, bias);
  t = b->Relu("relu2", t);
  DyadicDense(b, &rng, "fc3", t, 3, Activation::kNone, bias);
  b->SetInputDesc(BoundsDesc(12));
}

void BuildInception(uint64_t seed, bool bias, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t t = b->Input("image", Shape{6, 6, 2});
  t = DyadicConv(b, &rng, "stem", t, Conv(4, 3, 1, Activation::kRelu), bias);
  const uint32_t a = DyadicConv(b, &rng, "branch_1x1", t, Conv(3, 1, 0, Activation::kRelu), bias);
  const uint32_t c = DyadicConv(b, &rng, "branch_3x3", t, Conv(3, 3, 1, Activation::kRelu), bias);
  t = b->Concat("cat", {a, c});
  t = b->GlobalAvgPool("gap", t);
  DyadicDense(b, &rng, "fc", t, 3, Activation::kNone, bias);
  b->SetInputDesc(BoundsDesc(2));
}

using NetBuilder = void (*)(uint64_t, bool, ModelBuilder*);

struct NetCase {
  std::string name;
  NetBuilder build;
};

std::vector<NetCase> NetCases() {
  return {{"vgg", BuildVgg},       {"deep", BuildDeep}, {"residual", BuildResidual},
          {"mobile", BuildMobile}, {"mlp", BuildMlp},   {"inception", BuildInception}};
}

void PrintTo(const NetCase& c, std::ostream* os) { *os << c.name; }

struct CompositeCase {
  std::string label;
  Composite composite;
};

void PrintTo(const CompositeCase& c, std::ostream* os) { *os << c.label; }

// Every composite the runtime names, with its defaults, plus parameter
// variants that move each parameter away from its default.
std::vector<CompositeCase> CompositeCases() {
  std::vector<CompositeCase> out;
  for (const std::string& name : CompositeNames()) {
    if (name == "rlrp") continue;  // R-LRP has its own oracle (rlrp_test.cc)
    Composite c;
    c.name = name;
    out.push_back({name, c});
  }
  auto variant = [&](const std::string& label, const std::string& name,
                     std::vector<std::pair<std::string, std::string>> params) {
    Composite c;
    c.name = name;
    c.params = std::move(params);
    out.push_back({label, c});
  };
  variant("epsilon_eps0p5", "epsilon", {{"epsilon", "0.5"}});
  variant("epsilon_plus_zero_bias", "epsilon-plus", {{"zero_bias", "1"}});
  variant("epsilon_alpha2_beta1_stab", "epsilon-alpha2-beta1", {{"stabilizer", "0.1"}});
  variant("epsilon_gamma_box_params", "epsilon-gamma-box",
          {{"gamma", "0.5"}, {"low", "-2,-1.5,-1"}, {"high", "1,1.5,2"}});
  variant("lrp_cmp_alpha2_beta1", "lrp-cmp", {{"alpha", "2"}, {"beta", "1"}});
  variant("lrp_cmp_no_flat", "lrp-cmp", {{"flat", "0"}, {"epsilon", "0.01"}});
  variant("lrp_overview_gamma", "lrp-overview", {{"gamma", "0.1"}});
  return out;
}

std::string ParamName(std::string s) {
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

using CompositeParam = std::tuple<NetCase, CompositeCase>;

class CompositeNetTest : public ::testing::TestWithParam<CompositeParam> {
 protected:
  void SetUp() override {
    const auto& [net, cc] = GetParam();
    ModelBuilder b;
    net.build(seed_, true, &b);
    LRP_ASSERT_OK(FinishModel(b, &model_));
    // Per-channel bounds given as parameters fit 3-channel inputs only.
    for (const auto& [key, value] : cc.composite.params) {
      if (key == "low" && Channels(model_.input_shape()) != 3) {
        GTEST_SKIP() << "the bounds parameter is for 3 channels";
      }
    }
    LRP_ASSERT_OK(CreateExplainSession(model_, cc.composite, true, &session_));
    Rng rng(seed_ + 1);
    input_ = Dyadic(&rng, model_.input_shape().elements(), -1, 1, 16);
  }

  bool times_input() const { return std::get<1>(GetParam()).composite.name == "gradient-x-input"; }

  const uint64_t seed_ = 4242;
  Model model_;
  std::unique_ptr<Session> session_;
  std::vector<float> input_;
};

TEST_P(CompositeNetTest, InputRelevanceMatchesOracle) {
  LRP_ASSERT_OK(session_->Forward(input_.data(), input_.size()));
  oracle::NetResult net;
  std::string error;
  for (ExplainInit init : {ExplainInit::kLogit, ExplainInit::kOne}) {
    for (int target : {-1, 0, static_cast<int>(session_->output_size()) - 1}) {
      SCOPED_TRACE("target " + std::to_string(target) +
                   (init == ExplainInit::kOne ? " one" : " logit"));
      LRP_ASSERT_OK(session_->Explain(target, init));
      ASSERT_TRUE(oracle::Explain(model_, session_->rules(), times_input(), input_, target, init,
                                  &net, &error))
          << error;
      EXPECT_EQ(session_->explained_target(), net.target);
      EXPECT_TRUE(NearByMax(oracle::ToDouble(session_->relevance(), input_.size()),
                            net.rel[model_.input()], kTol));
    }
  }
}

TEST_P(CompositeNetTest, EveryTensorMatchesOracleForMixedSeed) {
  CompareWithOracle(session_.get(), input_, RandomSeed(session_->output_size(), 17), times_input(),
                    kTol);
}

// §9.4 layer by layer: the relevance_sums() entry of each tensor equals the
// identity of every layer that reads it, computed (with F only) from the
// runtime's own activations and its relevance at that layer's output.
TEST_P(CompositeNetTest, RelevanceSumsFollowTheConservationIdentities) {
  const std::string& name = std::get<1>(GetParam()).composite.name;
  if (name == "gradient" || name == "gradient-x-input") GTEST_SKIP() << "no identity";
  LRP_ASSERT_OK(session_->Forward(input_.data(), input_.size()));
  LRP_ASSERT_OK(session_->Explain(-1, ExplainInit::kLogit));
  const double* sums = session_->relevance_sums();
  ASSERT_NE(sums, nullptr);
  const auto& tensors = model_.tensors();
  const auto& layers = model_.layers();
  auto act = [&](uint32_t t) {
    return oracle::ToDouble(session_->tensor(t), tensors[t].shape.elements());
  };
  auto rel = [&](uint32_t t) {
    const float* r = session_->tensor_relevance(t);
    return r ? oracle::ToDouble(r, tensors[t].shape.elements()) : Vec();
  };
  std::vector<double> predicted(tensors.size(), 0.0), scale(tensors.size(), 0.0);
  std::vector<bool> reached(tensors.size(), false);
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerDesc& l = layers[i];
    const Rule& rule = session_->rules()[i];
    const Vec r = rel(l.output);
    ASSERT_FALSE(r.empty()) << "tensor_relevance of " << tensors[l.output].name;
    const Vec x = act(l.inputs[0]);
    double contribution = 0;
    switch (l.kind) {
      case LayerKind::kConv2D:
      case LayerKind::kDense: {
        const oracle::WeightedLayer wl = oracle::WeightedFromLayer(model_, l);
        Vec low, high;
        if (rule.kind == RuleKind::kZBox) {
          const Shape& s = tensors[l.inputs[0]].shape;
          ASSERT_TRUE(oracle::BroadcastBounds(rule.low.empty() ? model_.input_desc().low : rule.low,
                                              s, &low));
          ASSERT_TRUE(oracle::BroadcastBounds(
              rule.high.empty() ? model_.input_desc().high : rule.high, s, &high));
        }
        contribution = oracle::ConservationIdentity(wl, rule, x, r, low, high);
        break;
      }
      case LayerKind::kAvgPool2D:
      case LayerKind::kGlobalAvgPool: {
        const LayerParams window = l.kind == LayerKind::kAvgPool2D
                                       ? l.params
                                       : oracle::GlobalPoolWindow(tensors[l.inputs[0]].shape);
        const Vec z = oracle::AvgPoolForward(tensors[l.inputs[0]].shape, window, x);
        for (size_t k = 0; k < z.size(); ++k) {
          contribution += r[k] * z[k] / oracle::Stab(z[k], rule.stabilizer);
        }
        break;
      }
      case LayerKind::kAdd: {
        // Each summand's share; Σ of both = Σ_k R_k z_k / stab(z_k).
        const Vec y = act(l.inputs[1]);
        Vec r_x, r_y;
        oracle::AddNorm(x, y, r, rule.stabilizer, &r_x, &r_y);
        predicted[l.inputs[1]] += Sum(r_y);
        scale[l.inputs[1]] += AbsSum(r_y);
        reached[l.inputs[1]] = true;
        contribution = Sum(r_x);
        break;
      }
      case LayerKind::kConcat: {
        const size_t total = Channels(tensors[l.output].shape);
        size_t offset = 0;
        for (uint32_t in : l.inputs) {
          const size_t c = Channels(tensors[in].shape);
          double part = 0, part_abs = 0;
          for (size_t k = 0; k < r.size(); ++k) {
            const size_t ch = k % total;
            if (ch >= offset && ch < offset + c) {
              part += r[k];
              part_abs += std::fabs(r[k]);
            }
          }
          predicted[in] += part;
          scale[in] += part_abs;
          reached[in] = true;
          offset += c;
        }
        continue;
      }
      default:  // Pass, winner-take-all, reshape: Σ unchanged
        contribution = Sum(r);
        break;
    }
    predicted[l.inputs[0]] += contribution;
    scale[l.inputs[0]] += AbsSum(r);
    reached[l.inputs[0]] = true;
  }
  for (uint32_t t = 0; t < tensors.size(); ++t) {
    if (!reached[t]) continue;
    const Vec r =
        t == model_.input() ? oracle::ToDouble(session_->relevance(), input_.size()) : rel(t);
    const double tol = 1e-4 * (scale[t] + AbsSum(r)) + 1e-12;
    EXPECT_NEAR(sums[t], predicted[t], tol) << "tensor " << t << " '" << tensors[t].name << "'";
    // The report is the sum of the relevance the session exposes.
    EXPECT_NEAR(sums[t], Sum(r), 1e-5 * AbsSum(r) + 1e-12) << "tensor " << tensors[t].name;
  }
}

// The rule the runtime binds to each layer is the one RULES.md §6 / §11 and
// the composite's parameters call for.
TEST_P(CompositeNetTest, ResolutionFollowsRulesDocument) {
  const Composite& composite = std::get<1>(GetParam()).composite;
  oracle::Resolved expected;
  std::string error;
  ASSERT_TRUE(oracle::ResolveComposite(model_, composite, &expected, &error)) << error;
  const std::vector<Rule>& actual = session_->rules();
  ASSERT_EQ(actual.size(), expected.rules.size());
  const bool overview = composite.name == "lrp-overview";
  for (size_t i = 0; i < actual.size(); ++i) {
    const LayerDesc& l = model_.layers()[i];
    const Rule& a = actual[i];
    const Rule& e = expected.rules[i];
    SCOPED_TRACE("layer " + std::to_string(i) + " '" + l.name + "': got " + Describe(a) +
                 "; expected " + Describe(e));
    if (l.kind == LayerKind::kReshape || l.kind == LayerKind::kConcat) {
      // Relevance is moved, not computed: pass and gradient are the same.
      EXPECT_TRUE(a.kind == RuleKind::kPass || a.kind == RuleKind::kGradient);
      continue;
    }
    EXPECT_EQ(a.kind, e.kind);
    if (a.kind != e.kind) continue;
    switch (e.kind) {
      case RuleKind::kEpsilon:
        EXPECT_FLOAT_EQ(a.epsilon, e.epsilon);
        EXPECT_EQ(a.epsilon_rms, e.epsilon_rms);
        EXPECT_EQ(a.zero_bias, e.zero_bias);
        break;
      case RuleKind::kGamma:
      case RuleKind::kGammaClassic:
        EXPECT_FLOAT_EQ(a.gamma, e.gamma);
        EXPECT_EQ(a.zero_bias, e.zero_bias);
        if (!overview) {
          EXPECT_FLOAT_EQ(a.stabilizer, e.stabilizer);
        }
        break;
      case RuleKind::kAlphaBeta:
        EXPECT_FLOAT_EQ(a.alpha, e.alpha);
        EXPECT_FLOAT_EQ(a.beta, e.beta);
        EXPECT_EQ(a.zero_bias, e.zero_bias);
        EXPECT_FLOAT_EQ(a.stabilizer, e.stabilizer);
        break;
      case RuleKind::kZBox:
        if (!e.low.empty()) {
          EXPECT_EQ(a.low, e.low);
          EXPECT_EQ(a.high, e.high);
        } else {
          // Empty means "the model's bounds"; a copy of them is the same.
          EXPECT_TRUE(a.low.empty() || a.low == model_.input_desc().low);
          EXPECT_TRUE(a.high.empty() || a.high == model_.input_desc().high);
        }
        if (!overview) {
          EXPECT_FLOAT_EQ(a.stabilizer, e.stabilizer);
        }
        break;
      case RuleKind::kFlat:
      case RuleKind::kWSquare:
      case RuleKind::kNorm:
        EXPECT_FLOAT_EQ(a.stabilizer, e.stabilizer);
        break;
      case RuleKind::kWinnerTakeAll:
        EXPECT_EQ(a.proportional_max, e.proportional_max);
        break;
      default:
        break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Composites, CompositeNetTest,
                         ::testing::Combine(::testing::ValuesIn(NetCases()),
                                            ::testing::ValuesIn(CompositeCases())),
                         [](const ::testing::TestParamInfo<CompositeParam>& info) {
                           return std::get<0>(info.param).name + "_" +
                                  ParamName(std::get<1>(info.param).label);
                         });

// ============================================================ properties

Status BuildNet(NetBuilder build, uint64_t seed, bool bias, Model* model) {
  ModelBuilder b;
  build(seed, bias, &b);
  return FinishModel(b, model);
}

// §9.4: bias-free ReLU net, z^B or Flat first, ZPlus / Gamma / small eps
// elsewhere, winner-take-all max pooling: Σ R_input = R_target.
TEST(LrpConservationTest, BiasFreeNetsConserveEndToEnd) {
  struct Case {
    const char* composite;
    std::vector<std::pair<std::string, std::string>> params;
  };
  // Each layer loses O(eps / |z|) (§9.4); with the defaults (1e-6) that
  // adds up to ~2e-5 over these nets in exact arithmetic, so the check uses
  // eps = 1e-9, below float32 resolution of the z involved.
  const std::vector<std::pair<std::string, std::string>> tiny = {{"epsilon", "1e-9"},
                                                                 {"stabilizer", "1e-9"}};
  const std::vector<Case> cases = {{"epsilon-gamma-box", tiny},
                                   {"epsilon-plus-flat", tiny},
                                   {"epsilon-plus", tiny},
                                   {"lrp-cmp", tiny}};
  for (const NetCase& net_case : NetCases()) {
    // ReLU networks only: "mobile" has a linear depthwise layer, whose
    // negative outputs can carry relevance into outputs with an empty
    // positive side (z+ = 0), which ZPlus drops by definition.
    if (net_case.name != "vgg" && net_case.name != "deep" && net_case.name != "mlp") continue;
    Model model;
    LRP_ASSERT_OK(BuildNet(net_case.build, 31, /*bias=*/false, &model));
    Rng rng(32);
    const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(c.composite) + " on " + net_case.name);
      Composite composite;
      composite.name = c.composite;
      composite.params = c.params;
      std::unique_ptr<Session> session;
      LRP_ASSERT_OK(CreateExplainSession(model, composite, false, &session));
      LRP_ASSERT_OK(session->Forward(input.data(), input.size()));
      for (ExplainInit init : {ExplainInit::kOne, ExplainInit::kLogit}) {
        LRP_ASSERT_OK(session->Explain(-1, init));
        const double logit = session->output()[session->explained_target()];
        // Precondition: eps / |logit| must be far below the tolerance.
        ASSERT_GT(std::fabs(logit), 0.05);
        const double target_r = init == ExplainInit::kOne ? 1.0 : logit;
        const Vec r = oracle::ToDouble(session->relevance(), input.size());
        EXPECT_NEAR(Sum(r), target_r, 1e-5 * std::fabs(target_r));
        // The oracle conserves too (else the setup, not the runtime, is off).
        oracle::NetResult net;
        std::string error;
        ASSERT_TRUE(oracle::Explain(model, session->rules(), false, input, -1, init, &net, &error))
            << error;
        EXPECT_NEAR(Sum(net.rel[model.input()]), target_r, 1e-7 * std::fabs(target_r));
      }
    }
  }
}

// On bias-free ReLU networks LRP-0 is gradient x input (§2.1), with the
// relevance seeded by the logit (LRP) and by 1 (gradient).
TEST(LrpConservationTest, LrpZeroIsGradientTimesInputOnBiasFreeNets) {
  for (const NetCase& net_case : NetCases()) {
    // ReLU6 clips: its gradient is 0 above 6 where LRP passes relevance.
    if (net_case.name == "mobile") continue;
    Model model;
    LRP_ASSERT_OK(BuildNet(net_case.build, 41, /*bias=*/false, &model));
    Composite zero;
    zero.name = "epsilon";
    // The proportional Add split is LRP-0 only without its stabilizer.
    zero.params.push_back({"stabilizer", "1e-20"});
    for (size_t i : oracle::WeightedLayers(model)) {
      LayerSelector s;
      s.name = model.layers()[i].name;
      Rule r;
      r.kind = RuleKind::kZero;
      zero.overrides.push_back({s, r});
    }
    Composite gxi;
    gxi.name = "gradient-x-input";
    std::unique_ptr<Session> lrp0, grad;
    LRP_ASSERT_OK(CreateExplainSession(model, zero, false, &lrp0));
    LRP_ASSERT_OK(CreateExplainSession(model, gxi, false, &grad));
    Rng rng(42);
    const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
    LRP_ASSERT_OK(lrp0->Forward(input.data(), input.size()));
    LRP_ASSERT_OK(grad->Forward(input.data(), input.size()));
    for (int target = 0; target < static_cast<int>(lrp0->output_size()); ++target) {
      SCOPED_TRACE(net_case.name + " target " + std::to_string(target));
      LRP_ASSERT_OK(lrp0->Explain(target, ExplainInit::kLogit));
      LRP_ASSERT_OK(grad->Explain(target, ExplainInit::kOne));
      const Vec g = oracle::ToDouble(grad->relevance(), input.size());
      EXPECT_TRUE(NearByMax(oracle::ToDouble(lrp0->relevance(), input.size()), g, kTol));
      EXPECT_GT(MaxAbs(g), 0.0);
    }
  }
}

// Relevance is linear in the seed: kLogit = logit x kOne.
TEST(ExplainApiTest, LogitInitScalesOneInit) {
  Model model;
  LRP_ASSERT_OK(BuildNet(BuildVgg, 51, true, &model));
  for (const std::string& name : CompositeNames()) {
    SCOPED_TRACE(name);
    Composite c;
    c.name = name;
    std::unique_ptr<Session> s;
    LRP_ASSERT_OK(CreateExplainSession(model, c, false, &s));
    Rng rng(52);
    const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
    LRP_ASSERT_OK(s->Forward(input.data(), input.size()));
    LRP_ASSERT_OK(s->Explain(2, ExplainInit::kOne));
    const Vec one = oracle::ToDouble(s->relevance(), input.size());
    const int e_one = s->relevance_exponent(model.input());
    LRP_ASSERT_OK(s->Explain(2, ExplainInit::kLogit));
    const Vec logit = oracle::ToDouble(s->relevance(), input.size());
    // R-LRP stores 2^E x the relevance; E is 0 for every other composite.
    const int e_logit = s->relevance_exponent(model.input());
    Vec scaled = one;
    for (double& v : scaled) v = std::ldexp(v * s->output()[2], e_logit - e_one);
    EXPECT_TRUE(NearByMax(logit, scaled, 1e-5));
  }
}

// Several targets after one Forward give what separate Forwards give, in
// any order: Explain leaves no state behind that a later call reads.
TEST(ExplainApiTest, SeveralTargetsAfterOneForwardEqualSeparateForwards) {
  for (NetBuilder build : {BuildVgg, BuildResidual, BuildInception}) {
    Model model;
    LRP_ASSERT_OK(BuildNet(build, 61, true, &model));
    Rng rng(62);
    const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
    const std::vector<float> other = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
    for (const std::string& name : CompositeNames()) {
      SCOPED_TRACE(name + " on net with " + std::to_string(model.layers().size()) + " layers");
      Composite c;
      c.name = name;
      std::unique_ptr<Session> once, each;
      LRP_ASSERT_OK(CreateExplainSession(model, c, true, &once));
      LRP_ASSERT_OK(CreateExplainSession(model, c, true, &each));
      const int n = static_cast<int>(once->output_size());
      LRP_ASSERT_OK(once->Forward(input.data(), input.size()));
      std::vector<std::vector<float>> first(static_cast<size_t>(n));
      for (int t = 0; t < n; ++t) {
        LRP_ASSERT_OK(once->Explain(t, ExplainInit::kLogit));
        first[t].assign(once->relevance(), once->relevance() + input.size());
      }
      // Backwards, after another input went through the second session.
      LRP_ASSERT_OK(each->Forward(other.data(), other.size()));
      LRP_ASSERT_OK(each->Explain(0, ExplainInit::kOne));
      for (int t = n - 1; t >= 0; --t) {
        LRP_ASSERT_OK(each->Forward(input.data(), input.size()));
        LRP_ASSERT_OK(each->Explain(t, ExplainInit::kLogit));
        EXPECT_EQ(std::vector<float>(each->relevance(), each->relevance() + input.size()), first[t])
            << "target " << t;
      }
      // And the first session, asked again, repeats itself.
      LRP_ASSERT_OK(once->Explain(0, ExplainInit::kLogit));
      EXPECT_EQ(std::vector<float>(once->relevance(), once->relevance() + input.size()), first[0]);
    }
  }
}

TEST(ExplainApiTest, DefaultTargetIsTheLargestLogit) {
  Model model;
  LRP_ASSERT_OK(BuildNet(BuildVgg, 71, true, &model));
  Composite c;
  c.name = "epsilon";
  std::unique_ptr<Session> s;
  LRP_ASSERT_OK(CreateExplainSession(model, c, false, &s));
  Rng rng(72);
  for (int trial = 0; trial < 5; ++trial) {
    const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
    LRP_ASSERT_OK(s->Forward(input.data(), input.size()));
    LRP_ASSERT_OK(s->Explain());
    const float* out = s->output();
    const int best = static_cast<int>(std::max_element(out, out + s->output_size()) - out);
    EXPECT_EQ(s->explained_target(), best);
    const std::vector<float> r(s->relevance(), s->relevance() + input.size());
    LRP_ASSERT_OK(s->Explain(best, ExplainInit::kLogit));
    EXPECT_EQ(std::vector<float>(s->relevance(), s->relevance() + input.size()), r);
  }
}

// A final Softmax is not explained: relevance starts at its input, and
// kLogit seeds the logit, not the probability.
TEST(ExplainApiTest, FinalSoftmaxIsCutOff) {
  ModelBuilder b;
  BuildVgg(81, true, &b);
  Model plain;
  LRP_ASSERT_OK(FinishModel(b, &plain));
  const uint32_t logits_tensor = plain.output();
  b.Softmax("softmax", logits_tensor);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  Composite c;
  c.name = "epsilon-gamma-box";
  std::unique_ptr<Session> with, without;
  LRP_ASSERT_OK(CreateExplainSession(model, c, false, &with));
  LRP_ASSERT_OK(CreateExplainSession(plain, c, false, &without));
  EXPECT_EQ(with->logits_tensor(), logits_tensor);
  EXPECT_EQ(with->rules().back().kind, RuleKind::kPass);
  Rng rng(82);
  const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
  LRP_ASSERT_OK(with->Forward(input.data(), input.size()));
  LRP_ASSERT_OK(without->Forward(input.data(), input.size()));
  LRP_ASSERT_OK(with->Explain(-1, ExplainInit::kLogit));
  LRP_ASSERT_OK(without->Explain(-1, ExplainInit::kLogit));
  EXPECT_EQ(with->explained_target(), without->explained_target());
  EXPECT_EQ(std::vector<float>(with->relevance(), with->relevance() + input.size()),
            std::vector<float>(without->relevance(), without->relevance() + input.size()));
  // The probabilities are not on the relevance path; the logits are.
  EXPECT_TRUE(std::isnan(with->relevance_sums()[model.output()]));
  const double logit = with->tensor(logits_tensor)[with->explained_target()];
  EXPECT_NEAR(with->relevance_sums()[logits_tensor], logit, 1e-6 * (1 + std::fabs(logit)));
}

// Without keep_relevance only the input's relevance is readable.
TEST(ExplainApiTest, KeepRelevanceDecidesWhatIsReadable) {
  Model model;
  LRP_ASSERT_OK(BuildNet(BuildVgg, 85, true, &model));
  Composite c;
  c.name = "epsilon";
  std::unique_ptr<Session> lean, kept;
  LRP_ASSERT_OK(CreateExplainSession(model, c, false, &lean));
  LRP_ASSERT_OK(CreateExplainSession(model, c, true, &kept));
  Rng rng(86);
  const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
  for (Session* s : {lean.get(), kept.get()}) {
    LRP_ASSERT_OK(s->Forward(input.data(), input.size()));
    LRP_ASSERT_OK(s->Explain(1, ExplainInit::kLogit));
  }
  ASSERT_NE(lean->tensor_relevance(model.input()), nullptr);
  EXPECT_EQ(std::vector<float>(lean->tensor_relevance(model.input()),
                               lean->tensor_relevance(model.input()) + input.size()),
            std::vector<float>(lean->relevance(), lean->relevance() + input.size()));
  EXPECT_EQ(std::vector<float>(lean->relevance(), lean->relevance() + input.size()),
            std::vector<float>(kept->relevance(), kept->relevance() + input.size()));
  for (uint32_t t = 0; t < model.tensors().size(); ++t) {
    if (t == model.input()) continue;
    EXPECT_EQ(lean->tensor_relevance(t), nullptr) << "tensor " << t;
    EXPECT_NE(kept->tensor_relevance(t), nullptr) << "tensor " << t;
  }
}

TEST(ExplainApiTest, ThreadsDoNotChangeTheResult) {
  Model model;
  LRP_ASSERT_OK(BuildNet(BuildResidual, 91, true, &model));
  Rng rng(92);
  const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
  for (const std::string& name : CompositeNames()) {
    SCOPED_TRACE(name);
    SessionOptions one, two;
    one.mode = two.mode = Mode::kExplain;
    one.composite.name = two.composite.name = name;
    two.threads = 2;
    std::unique_ptr<Session> s1, s2;
    LRP_ASSERT_OK(Session::Create(model, one, &s1));
    LRP_ASSERT_OK(Session::Create(model, two, &s2));
    LRP_ASSERT_OK(s1->Forward(input.data(), input.size()));
    LRP_ASSERT_OK(s2->Forward(input.data(), input.size()));
    LRP_ASSERT_OK(s1->Explain(1, ExplainInit::kLogit));
    LRP_ASSERT_OK(s2->Explain(1, ExplainInit::kLogit));
    EXPECT_TRUE(NearByMax(oracle::ToDouble(s2->relevance(), input.size()),
                          oracle::ToDouble(s1->relevance(), input.size()), 1e-5));
  }
}

// ------------------------------------------------------- no NaN, no Inf

enum class Stress { kZeroInput, kHugeInput, kDeadRelu };

const char* StressName(Stress s) {
  switch (s) {
    case Stress::kZeroInput:
      return "zero_input";
    case Stress::kHugeInput:
      return "huge_input";
    case Stress::kDeadRelu:
      return "dead_relu";
  }
  return "?";
}

// The network of `build` with every bias set to -100: every ReLU is dead.
Status BuildDead(NetBuilder build, uint64_t seed, Model* model) {
  Model plain;
  LRP_RETURN_IF_ERROR(BuildNet(build, seed, false, &plain));
  ModelBuilder b;
  std::vector<uint32_t> map(plain.tensors().size(), 0);
  map[plain.input()] = b.Input(plain.tensors()[plain.input()].name, plain.input_shape());
  for (const LayerDesc& l : plain.layers()) {
    const uint32_t in = map[l.inputs[0]];
    std::vector<float> w(l.buffers.data[0], l.buffers.data[0] + l.buffers.size[0]);
    switch (l.kind) {
      case LayerKind::kConv2D:
        map[l.output] =
            b.Conv2D(l.name, in, l.params, w,
                     std::vector<float>(static_cast<size_t>(l.params.out_channels), -100.0f));
        break;
      case LayerKind::kDense:
        map[l.output] =
            b.Dense(l.name, in, l.params.out_channels, w,
                    std::vector<float>(static_cast<size_t>(l.params.out_channels), -100.0f),
                    l.params.activation);
        break;
      case LayerKind::kRelu:
        map[l.output] = b.Relu(l.name, in);
        break;
      case LayerKind::kMaxPool2D:
        map[l.output] = b.MaxPool2D(l.name, in, l.params);
        break;
      case LayerKind::kAvgPool2D:
        map[l.output] = b.AvgPool2D(l.name, in, l.params);
        break;
      case LayerKind::kGlobalAvgPool:
        map[l.output] = b.GlobalAvgPool(l.name, in);
        break;
      case LayerKind::kReshape:
        map[l.output] = b.Reshape(l.name, in, l.params.shape);
        break;
      case LayerKind::kAdd:
        map[l.output] = b.Add(l.name, in, map[l.inputs[1]], l.params.activation);
        break;
      case LayerKind::kConcat: {
        std::vector<uint32_t> ins;
        for (uint32_t t : l.inputs) ins.push_back(map[t]);
        map[l.output] = b.Concat(l.name, ins);
        break;
      }
      default:
        return Status(StatusCode::kInternal, "layer kind not copied");
    }
  }
  b.SetInputDesc(plain.input_desc());
  return FinishModel(b, model);
}

void PrintTo(Stress s, std::ostream* os) { *os << StressName(s); }

using StressParam = std::tuple<NetCase, Stress, std::string>;

class ExplainNonFiniteTest : public ::testing::TestWithParam<StressParam> {};

TEST_P(ExplainNonFiniteTest, RelevanceStaysFinite) {
  const auto& [net, stress, name] = GetParam();
  Model model;
  if (stress == Stress::kDeadRelu) {
    LRP_ASSERT_OK(BuildDead(net.build, 101, &model));
  } else {
    LRP_ASSERT_OK(BuildNet(net.build, 101, true, &model));
  }
  Composite c;
  c.name = name;
  std::unique_ptr<Session> s;
  LRP_ASSERT_OK(CreateExplainSession(model, c, true, &s));
  const size_t n = model.input_shape().elements();
  std::vector<float> input(n, 0.0f);
  Rng rng(102);
  if (stress == Stress::kHugeInput) {
    for (float& v : input) v = rng.Bool() ? 1e6f : -1e6f;
  } else if (stress == Stress::kDeadRelu) {
    input = Dyadic(&rng, n, -1, 1, 16);
  }
  LRP_ASSERT_OK(s->Forward(input.data(), input.size()));
  for (int target = 0; target < static_cast<int>(s->output_size()); ++target) {
    for (ExplainInit init : {ExplainInit::kLogit, ExplainInit::kOne}) {
      SCOPED_TRACE("target " + std::to_string(target));
      LRP_ASSERT_OK(s->Explain(target, init));
      EXPECT_TRUE(AllFinite(s->relevance(), n));
      for (uint32_t t = 0; t < model.tensors().size(); ++t) {
        const float* r = s->tensor_relevance(t);
        if (r) {
          EXPECT_TRUE(AllFinite(r, model.tensors()[t].shape.elements())) << "tensor " << t;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Stress, ExplainNonFiniteTest,
    ::testing::Combine(::testing::Values(NetCases()[0], NetCases()[2], NetCases()[3]),
                       ::testing::Values(Stress::kZeroInput, Stress::kHugeInput, Stress::kDeadRelu),
                       ::testing::ValuesIn(CompositeNames())),
    [](const ::testing::TestParamInfo<StressParam>& info) {
      return std::get<0>(info.param).name + "_" + StressName(std::get<1>(info.param)) + "_" +
             ParamName(std::get<2>(info.param));
    });

// ----------------------------------------------------------- misuse

TEST(ExplainErrorTest, TargetOutOfRangeIsInvalidArgument) {
  Model model;
  LRP_ASSERT_OK(BuildNet(BuildVgg, 111, true, &model));
  Composite c;
  c.name = "epsilon";
  std::unique_ptr<Session> s;
  LRP_ASSERT_OK(CreateExplainSession(model, c, false, &s));
  Rng rng(112);
  const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
  LRP_ASSERT_OK(s->Forward(input.data(), input.size()));
  const int n = static_cast<int>(s->output_size());
  for (int bad : {n, n + 1, 1 << 30, -2, std::numeric_limits<int>::min()}) {
    const Status st = s->Explain(bad, ExplainInit::kLogit);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad << ": " << st.ToString();
    EXPECT_FALSE(st.message().empty());
  }
  // The session still works afterwards.
  LRP_EXPECT_OK(s->Explain(n - 1, ExplainInit::kOne));
  EXPECT_TRUE(AllFinite(s->relevance(), input.size()));
}

TEST(ExplainErrorTest, ExplainBeforeForwardIsAnError) {
  Model model;
  LRP_ASSERT_OK(BuildNet(BuildResidual, 121, true, &model));
  for (const std::string& name : CompositeNames()) {
    Composite c;
    c.name = name;
    std::unique_ptr<Session> s;
    LRP_ASSERT_OK(CreateExplainSession(model, c, false, &s));
    const Status st = s->Explain(0, ExplainInit::kLogit);
    EXPECT_FALSE(st.ok()) << name;
    EXPECT_FALSE(st.message().empty()) << name;
  }
}

TEST(ExplainErrorTest, ExplainInForwardModeIsAnError) {
  Model model;
  LRP_ASSERT_OK(BuildNet(BuildVgg, 131, true, &model));
  SessionOptions options;  // Mode::kForward
  std::unique_ptr<Session> s;
  LRP_ASSERT_OK(Session::Create(model, options, &s));
  Rng rng(132);
  const std::vector<float> input = Dyadic(&rng, model.input_shape().elements(), -1, 1, 16);
  LRP_ASSERT_OK(s->Forward(input.data(), input.size()));
  const Status st = s->Explain(0, ExplainInit::kLogit);
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(st.message().empty());
}

}  // namespace
}  // namespace test
}  // namespace lrp
