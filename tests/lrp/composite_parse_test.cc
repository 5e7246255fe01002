// Parsing rules and resolving composites: what is accepted, and that every
// mistake is a kInvalidArgument whose message names what was wrong (the
// unknown name, the parameter, the layer), so a command-line user can fix it.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lrp/lrp.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {
namespace {

constexpr RuleKind kAllKinds[] = {
    RuleKind::kZero,      RuleKind::kEpsilon, RuleKind::kGamma,         RuleKind::kGammaClassic,
    RuleKind::kAlphaBeta, RuleKind::kZBox,    RuleKind::kFlat,          RuleKind::kWSquare,
    RuleKind::kPass,      RuleKind::kNorm,    RuleKind::kWinnerTakeAll, RuleKind::kGradient};

std::string Name(RuleKind k) { return RuleKindName(k); }

// kInvalidArgument, and the message mentions one of `tokens`.
::testing::AssertionResult IsInvalid(const Status& s, const std::vector<std::string>& tokens) {
  if (s.code() != StatusCode::kInvalidArgument) {
    return ::testing::AssertionFailure() << "expected kInvalidArgument, got " << s.ToString();
  }
  for (const std::string& t : tokens) {
    if (s.message().find(t) != std::string::npos) return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult r = ::testing::AssertionFailure();
  r << "message \"" << s.message() << "\" names none of:";
  for (const std::string& t : tokens) r << " '" << t << "'";
  return r;
}

// ------------------------------------------------------------ ParseRule

TEST(RuleKindTest, NamesAreUniqueAndRoundTrip) {
  std::set<std::string> seen;
  for (RuleKind k : kAllKinds) {
    const std::string name = Name(k);
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    RuleKind parsed = RuleKind::kPass;
    ASSERT_TRUE(ParseRuleKind(name, &parsed)) << name;
    EXPECT_EQ(parsed, k) << name;
  }
  RuleKind parsed;
  EXPECT_FALSE(ParseRuleKind("no-such-rule", &parsed));
  EXPECT_FALSE(ParseRuleKind("", &parsed));
  EXPECT_EQ(Name(RuleKind::kEpsilon), "epsilon");
  EXPECT_EQ(Name(RuleKind::kGammaClassic), "gamma-classic");
}

TEST(ParseRuleTest, ReadsKindAndParameters) {
  Rule r;
  LRP_ASSERT_OK(ParseRule(Name(RuleKind::kEpsilon) + ":epsilon=0.25", &r));
  EXPECT_EQ(r.kind, RuleKind::kEpsilon);
  EXPECT_FLOAT_EQ(r.epsilon, 0.25f);
  EXPECT_FALSE(r.zero_bias);

  r = Rule();
  LRP_ASSERT_OK(ParseRule("gamma:gamma=0.1", &r));
  EXPECT_EQ(r.kind, RuleKind::kGamma);
  EXPECT_FLOAT_EQ(r.gamma, 0.1f);

  r = Rule();
  LRP_ASSERT_OK(ParseRule(Name(RuleKind::kZBox) + ":low=-1,high=1", &r));
  EXPECT_EQ(r.kind, RuleKind::kZBox);
  EXPECT_EQ(r.low, std::vector<float>({-1.0f}));
  EXPECT_EQ(r.high, std::vector<float>({1.0f}));

  r = Rule();
  LRP_ASSERT_OK(ParseRule(Name(RuleKind::kAlphaBeta) + ":alpha=1,beta=0", &r));
  EXPECT_EQ(r.kind, RuleKind::kAlphaBeta);
  EXPECT_FLOAT_EQ(r.alpha, 1.0f);
  EXPECT_FLOAT_EQ(r.beta, 0.0f);

  r = Rule();
  LRP_ASSERT_OK(ParseRule(Name(RuleKind::kWSquare) + ":stabilizer=0.5,zero_bias=1", &r));
  EXPECT_EQ(r.kind, RuleKind::kWSquare);
  EXPECT_FLOAT_EQ(r.stabilizer, 0.5f);
  EXPECT_TRUE(r.zero_bias);

  // No parameters: the Zennit defaults.
  r = Rule();
  r.gamma = 9;
  LRP_ASSERT_OK(ParseRule(Name(RuleKind::kGamma), &r));
  EXPECT_EQ(r.kind, RuleKind::kGamma);
  EXPECT_FLOAT_EQ(r.gamma, 0.25f);
  EXPECT_FLOAT_EQ(r.stabilizer, 1e-6f);
}

TEST(ParseRuleTest, UnknownRuleIsNamed) {
  Rule r;
  EXPECT_TRUE(IsInvalid(ParseRule("no-such-rule", &r), {"no-such-rule"}));
  EXPECT_TRUE(IsInvalid(ParseRule("no-such-rule:epsilon=1", &r), {"no-such-rule"}));
  EXPECT_TRUE(IsInvalid(ParseRule("", &r), {"rule", "empty"}));
}

TEST(ParseRuleTest, UnknownParameterIsNamed) {
  Rule r;
  EXPECT_TRUE(IsInvalid(ParseRule(Name(RuleKind::kEpsilon) + ":bogus=1", &r), {"bogus"}));
  EXPECT_TRUE(IsInvalid(ParseRule(Name(RuleKind::kGamma) + ":gamma=0.1,bogus=2", &r), {"bogus"}));
}

TEST(ParseRuleTest, BadNumbersAreNamed) {
  const std::string eps = Name(RuleKind::kEpsilon);
  Rule r;
  for (const char* bad : {"abc", "", "1e-3x", "0.1.2", "nan", "inf"}) {
    SCOPED_TRACE(std::string("epsilon=") + bad);
    EXPECT_TRUE(IsInvalid(ParseRule(eps + ":epsilon=" + bad, &r), {"epsilon"}));
  }
  EXPECT_TRUE(IsInvalid(ParseRule(eps + ":epsilon", &r), {"epsilon"}));  // no '='
  EXPECT_TRUE(IsInvalid(ParseRule(Name(RuleKind::kZBox) + ":low=-1,high=x", &r), {"high"}));
}

TEST(ParseRuleTest, AlphaBetaMustDifferByOne) {
  const std::string ab = Name(RuleKind::kAlphaBeta);
  Rule r;
  EXPECT_TRUE(IsInvalid(ParseRule(ab + ":alpha=3,beta=1", &r), {"alpha", "beta"}));
  EXPECT_TRUE(IsInvalid(ParseRule(ab + ":alpha=1,beta=1", &r), {"alpha", "beta"}));
  // alpha - beta = 1, but beta < 0 (Zennit requires alpha, beta >= 0).
  EXPECT_TRUE(IsInvalid(ParseRule(ab + ":alpha=0.5,beta=-0.5", &r), {"alpha", "beta"}));
  LRP_EXPECT_OK(ParseRule(ab + ":alpha=3,beta=2", &r));
  EXPECT_FLOAT_EQ(r.alpha, 3.0f);
  EXPECT_FLOAT_EQ(r.beta, 2.0f);
}

// -------------------------------------------------------- ParseLayerRule

TEST(ParseLayerRuleTest, ReadsNamesAndIndexRanges) {
  LayerSelector s;
  Rule r;
  LRP_ASSERT_OK(ParseLayerRule("conv1=" + Name(RuleKind::kEpsilon) + ":epsilon=0.5", &s, &r));
  EXPECT_EQ(s.name, "conv1");
  EXPECT_EQ(r.kind, RuleKind::kEpsilon);
  EXPECT_FLOAT_EQ(r.epsilon, 0.5f);

  s = LayerSelector();
  LRP_ASSERT_OK(ParseLayerRule("3=" + Name(RuleKind::kFlat), &s, &r));
  EXPECT_TRUE(s.name.empty());
  EXPECT_EQ(s.first, 3);
  EXPECT_EQ(s.last, 3);
  EXPECT_EQ(r.kind, RuleKind::kFlat);

  s = LayerSelector();
  LRP_ASSERT_OK(ParseLayerRule("1-4=gamma:gamma=0.5", &s, &r));
  EXPECT_TRUE(s.name.empty());
  EXPECT_EQ(s.first, 1);
  EXPECT_EQ(s.last, 4);
  EXPECT_FLOAT_EQ(r.gamma, 0.5f);
}

TEST(ParseLayerRuleTest, MalformedSelectorsAreInvalid) {
  LayerSelector s;
  Rule r;
  const std::string eps = Name(RuleKind::kEpsilon);
  EXPECT_EQ(ParseLayerRule("conv1", &s, &r).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLayerRule("=" + eps, &s, &r).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLayerRule("4-1=" + eps, &s, &r).code(), StatusCode::kInvalidArgument);
  // Not a range: "1-" can only be a layer name, which resolution then
  // reports if no layer has it.
  s = LayerSelector();
  LRP_EXPECT_OK(ParseLayerRule("1-=" + eps, &s, &r));
  EXPECT_EQ(s.name, "1-");
  EXPECT_EQ(ParseLayerRule("conv1=", &s, &r).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsInvalid(ParseLayerRule("conv1=no-such-rule", &s, &r), {"no-such-rule"}));
  EXPECT_TRUE(IsInvalid(ParseLayerRule("conv1=" + eps + ":bogus=1", &s, &r), {"bogus"}));
}

// ------------------------------------------------------ ResolveComposite

// conv1, pool1, dwconv2, pwconv3, gap, fc (tests/support/test_models.h).
Status SmallCnn(bool bounds, Model* model) {
  ModelBuilder b;
  BuildSmallCnn(5, &b);
  if (bounds) {
    InputDesc d;
    d.source_layout = SourceLayout::kNHWC;
    d.low = {-1, -1, -1};
    d.high = {1, 1, 1};
    b.SetInputDesc(d);
  }
  return FinishModel(b, model);
}

Composite Named(const std::string& name) {
  Composite c;
  c.name = name;
  return c;
}

Composite WithRule(const std::string& name, const LayerSelector& s, const Rule& r) {
  Composite c = Named(name);
  c.overrides.push_back({s, r});
  return c;
}

LayerSelector ByName(const std::string& name) {
  LayerSelector s;
  s.name = name;
  return s;
}

LayerSelector ByRange(int first, int last) {
  LayerSelector s;
  s.first = first;
  s.last = last;
  return s;
}

Rule Kind(RuleKind k) {
  Rule r;
  r.kind = k;
  return r;
}

TEST(CompositeNamesTest, ListsTheDocumentedComposites) {
  const std::vector<std::string>& names = CompositeNames();
  const std::set<std::string> have(names.begin(), names.end());
  EXPECT_EQ(have.size(), names.size()) << "duplicates";
  for (const char* n :
       {"epsilon", "epsilon-plus", "epsilon-plus-flat", "epsilon-gamma-box", "epsilon-alpha2-beta1",
        "epsilon-alpha2-beta1-flat", "lrp-cmp", "lrp-overview", "gradient", "gradient-x-input"}) {
    EXPECT_EQ(have.count(n), 1u) << n;
  }
}

TEST(ResolveCompositeTest, EveryNamedCompositeResolves) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  for (const std::string& name : CompositeNames()) {
    std::vector<Rule> rules;
    LRP_EXPECT_OK(ResolveComposite(model, Named(name), &rules));
    EXPECT_EQ(rules.size(), model.layers().size()) << name;
  }
}

TEST(ResolveCompositeTest, UnknownCompositeIsNamed) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  std::vector<Rule> rules;
  EXPECT_TRUE(IsInvalid(ResolveComposite(model, Named("no-such-composite"), &rules),
                        {"no-such-composite"}));
  EXPECT_TRUE(IsInvalid(ResolveComposite(model, Named(""), &rules), {"composite", "empty"}));
}

TEST(ResolveCompositeTest, UnknownParameterIsNamed) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  Composite c = Named("epsilon");
  c.params.push_back({"bogus", "1"});
  std::vector<Rule> rules;
  EXPECT_TRUE(IsInvalid(ResolveComposite(model, c, &rules), {"bogus"}));
}

TEST(ResolveCompositeTest, BadParameterValuesAreNamed) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> cases = {
      {"epsilon", {"epsilon", "abc"}},
      {"epsilon", {"epsilon", "1e-3x"}},
      {"epsilon", {"epsilon", ""}},
      {"epsilon-gamma-box", {"gamma", "nan"}},
      {"epsilon-gamma-box", {"low", "-1,x,-1"}},
      {"lrp-overview", {"maxpool", "median"}},
      {"lrp-cmp", {"flat", "maybe"}},
  };
  for (const auto& [name, param] : cases) {
    SCOPED_TRACE(name + " " + param.first + "=" + param.second);
    Composite c = Named(name);
    c.params.push_back(param);
    std::vector<Rule> rules;
    EXPECT_TRUE(IsInvalid(ResolveComposite(model, c, &rules), {param.first}));
  }
}

TEST(ResolveCompositeTest, AlphaBetaMustDifferByOne) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  Rule r = Kind(RuleKind::kAlphaBeta);
  r.alpha = 3;
  r.beta = 1;
  std::vector<Rule> rules;
  EXPECT_TRUE(IsInvalid(ResolveComposite(model, WithRule("epsilon", ByName("conv1"), r), &rules),
                        {"alpha", "beta"}));
  Composite c = Named("lrp-cmp");
  c.params = {{"alpha", "3"}, {"beta", "1"}};
  EXPECT_TRUE(IsInvalid(ResolveComposite(model, c, &rules), {"alpha", "beta"}));
}

TEST(ResolveCompositeTest, SelectorNamingNoLayerIsNamed) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  std::vector<Rule> rules;
  EXPECT_TRUE(IsInvalid(
      ResolveComposite(model, WithRule("epsilon", ByName("no_such_layer"), Kind(RuleKind::kFlat)),
                       &rules),
      {"no_such_layer"}));
  // Neither a name nor a range.
  EXPECT_EQ(
      ResolveComposite(model, WithRule("epsilon", LayerSelector(), Kind(RuleKind::kFlat)), &rules)
          .code(),
      StatusCode::kInvalidArgument);
}

TEST(ResolveCompositeTest, IndexRangeOutOfBoundsIsInvalid) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  const int n = static_cast<int>(model.layers().size());
  std::vector<Rule> rules;
  Rule eps = Kind(RuleKind::kEpsilon);
  EXPECT_TRUE(IsInvalid(ResolveComposite(model, WithRule("epsilon", ByRange(0, 1000), eps), &rules),
                        {"1000"}));
  EXPECT_TRUE(IsInvalid(ResolveComposite(model, WithRule("epsilon", ByRange(n, n), eps), &rules),
                        {std::to_string(n)}));
  EXPECT_EQ(ResolveComposite(model, WithRule("epsilon", ByRange(-3, 0), eps), &rules).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveComposite(model, WithRule("epsilon", ByRange(3, 1), eps), &rules).code(),
            StatusCode::kInvalidArgument);
  // In range, and only weighted layers: accepted (conv1 = layer 0).
  LRP_EXPECT_OK(ResolveComposite(model, WithRule("epsilon", ByRange(0, 0), eps), &rules));
}

TEST(ResolveCompositeTest, RuleThatDoesNotFitTheLayerIsNamed) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  std::vector<Rule> rules;
  // A weighted rule on a max-pooling layer.
  EXPECT_TRUE(
      IsInvalid(ResolveComposite(
                    model, WithRule("epsilon", ByName("pool1"), Kind(RuleKind::kEpsilon)), &rules),
                {"pool1"}));
  // Max pooling's rule on a convolution.
  EXPECT_TRUE(IsInvalid(
      ResolveComposite(model, WithRule("epsilon", ByName("conv1"), Kind(RuleKind::kWinnerTakeAll)),
                       &rules),
      {"conv1"}));
}

// A range sets the rule on the layers it fits, so "0-5=gamma" can span the
// pooling layers between convolutions; those keep their own rule.
TEST(ResolveCompositeTest, RangeSetsOnlyTheLayersTheRuleFits) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  std::vector<Rule> rules;
  LRP_ASSERT_OK(
      ResolveComposite(model, WithRule("epsilon", ByRange(0, 2), Kind(RuleKind::kFlat)), &rules));
  EXPECT_EQ(rules[0].kind, RuleKind::kFlat);           // conv1
  EXPECT_EQ(rules[1].kind, RuleKind::kWinnerTakeAll);  // pool1
  EXPECT_EQ(rules[2].kind, RuleKind::kFlat);           // dwconv2
  EXPECT_EQ(rules[3].kind, RuleKind::kEpsilon);        // pwconv3
}

TEST(ResolveCompositeTest, ZBoxBoundsMustFitTheInput) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  std::vector<Rule> rules;
  Rule zbox = Kind(RuleKind::kZBox);
  zbox.low = {-1, -1};  // conv1 reads 3 channels
  zbox.high = {1, 1};
  EXPECT_EQ(ResolveComposite(model, WithRule("epsilon", ByName("conv1"), zbox), &rules).code(),
            StatusCode::kInvalidArgument);
  // No bounds anywhere: z^B has no default (RULES.md §6.1).
  Model unbounded;
  LRP_ASSERT_OK(SmallCnn(false, &unbounded));
  EXPECT_EQ(ResolveComposite(unbounded, Named("epsilon-gamma-box"), &rules).code(),
            StatusCode::kInvalidArgument);
  Composite with_params = Named("epsilon-gamma-box");
  with_params.params = {{"low", "-1"}, {"high", "1"}};
  LRP_EXPECT_OK(ResolveComposite(unbounded, with_params, &rules));
}

TEST(ResolveCompositeTest, LaterOverridesWin) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  Composite c = Named("epsilon");
  c.overrides.push_back({ByName("conv1"), Kind(RuleKind::kFlat)});
  c.overrides.push_back({ByRange(0, 0), Kind(RuleKind::kWSquare)});
  std::vector<Rule> rules;
  LRP_ASSERT_OK(ResolveComposite(model, c, &rules));
  EXPECT_EQ(rules[0].kind, RuleKind::kWSquare);
  EXPECT_EQ(rules[5].kind, RuleKind::kEpsilon);
}

TEST(ResolveCompositeTest, SessionCreationReportsTheSameErrors) {
  Model model;
  LRP_ASSERT_OK(SmallCnn(true, &model));
  SessionOptions options;
  options.mode = Mode::kExplain;
  options.composite = Named("no-such-composite");
  std::unique_ptr<Session> session;
  EXPECT_TRUE(IsInvalid(Session::Create(model, options, &session), {"no-such-composite"}));
  EXPECT_EQ(session, nullptr);
  options.composite = WithRule("epsilon", ByName("no_such_layer"), Kind(RuleKind::kFlat));
  EXPECT_TRUE(IsInvalid(Session::Create(model, options, &session), {"no_such_layer"}));
}

}  // namespace
}  // namespace test
}  // namespace lrp
