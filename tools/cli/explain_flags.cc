#include "tools/cli/explain_flags.h"

#include <vector>

namespace lrp {
namespace cli {
namespace {

Status Usage(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }

bool IsWeightedRule(RuleKind kind) {
  switch (kind) {
    case RuleKind::kLrnTaylor:
    case RuleKind::kLrnTaylorUnnormalized:
    case RuleKind::kPass:
    case RuleKind::kNorm:
    case RuleKind::kWinnerTakeAll:
    case RuleKind::kGradient:
    case RuleKind::kRelative:  // ignores the bias: zero_bias means nothing
      return false;
    default:
      return true;
  }
}

}  // namespace

const char kCompositeFlagsHelp[] =
    "  --composite NAME    the rule preset: epsilon, epsilon-plus,\n"
    "                      epsilon-plus-flat, epsilon-gamma-box,\n"
    "                      epsilon-alpha2-beta1, epsilon-alpha2-beta1-flat,\n"
    "                      lrp-cmp, lrp-overview, gradient, gradient-x-input,\n"
    "                      rlrp (R-LRP, our reading of relative LRP: no\n"
    "                      division by pre-activations but at residual Adds,\n"
    "                      conserving up to a reported factor per layer)\n"
    "  --param KEY=VALUE   a preset parameter, repeatable: epsilon, gamma,\n"
    "                      alpha, beta, stabilizer, low, high (comma-separated\n"
    "                      per channel), zero_bias (0/1), rms (0/1), flat (0/1),\n"
    "                      maxpool (wta/avg), lrn (taylor, taylor-unnormalized,\n"
    "                      identity: the LRN layers' rule; default taylor)\n"
    "  --rule SEL=RULE[:K=V,...]\n"
    "                      a per-layer rule, repeatable, applied after the\n"
    "                      preset (later wins); SEL is a layer name, I or I-J;\n"
    "                      RULE is zero, epsilon, gamma, gamma-classic,\n"
    "                      alpha-beta, zplus, zbox, flat, wsquare, pass, norm,\n"
    "                      winner-take-all, gradient or rlrp; on LRN layers taylor,\n"
    "                      taylor-unnormalized or identity\n";

Status ReadCompositeFlags(const ParsedArgs& args, const std::string& default_name,
                          Composite* composite) {
  composite->name = args.Value("--composite", default_name);
  if (composite->name.empty()) return Usage("--composite: expected a value, got ''");
  composite->params.clear();
  for (const std::string& kv : args.Values("--param")) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Usage("--param: expected KEY=VALUE, got '" + kv + "'");
    }
    composite->params.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return Status::Ok();
}

Status ReadRuleFlags(const ParsedArgs& args, Composite* composite, bool* usage) {
  *usage = false;
  composite->overrides.clear();
  for (const std::string& text : args.Values("--rule")) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      *usage = true;
      return Usage("--rule: expected SELECTOR=RULE[:KEY=VALUE,...], got '" + text + "'");
    }
    LayerSelector selector;
    Rule rule;
    Status s = ParseLayerRule(text, &selector, &rule);
    if (!s.ok()) return Status(s.code(), "--rule " + text + ": " + s.message());
    composite->overrides.emplace_back(selector, rule);
  }
  return Status::Ok();
}

std::string CompositeText(const Composite& composite) {
  std::string text = composite.name;
  for (const auto& kv : composite.params) text += " " + kv.first + "=" + kv.second;
  return text;
}

void DescribeRule(const Rule& rule, ParamSink* sink) {
  // A stabilizer at Rule's own default is left out of the text form.
  const bool default_stabilizer = rule.stabilizer == Rule().stabilizer;
  switch (rule.kind) {
    case RuleKind::kEpsilon:
      sink->Float("epsilon", rule.epsilon, false);
      sink->Bool("rms", rule.epsilon_rms, !rule.epsilon_rms);
      break;
    case RuleKind::kGamma:
    case RuleKind::kGammaClassic:
      sink->Float("gamma", rule.gamma, false);
      sink->Float("stabilizer", rule.stabilizer, default_stabilizer);
      break;
    case RuleKind::kAlphaBeta:
      sink->Float("alpha", rule.alpha, false);
      sink->Float("beta", rule.beta, false);
      sink->Float("stabilizer", rule.stabilizer, default_stabilizer);
      break;
    case RuleKind::kZBox:
      sink->Floats("low", rule.low, false);
      sink->Floats("high", rule.high, false);
      sink->Float("stabilizer", rule.stabilizer, default_stabilizer);
      break;
    case RuleKind::kLrnTaylor:
    case RuleKind::kFlat:
    case RuleKind::kWSquare:
    case RuleKind::kNorm:
    case RuleKind::kRelative:  // the stabilizer serves the Add split only
      sink->Float("stabilizer", rule.stabilizer, default_stabilizer);
      break;
    case RuleKind::kLrnTaylorUnnormalized:
    case RuleKind::kZero:
    case RuleKind::kPass:
    case RuleKind::kWinnerTakeAll:
    case RuleKind::kGradient:
      break;
  }
  if (IsWeightedRule(rule.kind)) sink->Bool("zero_bias", rule.zero_bias, !rule.zero_bias);
}

std::string RuleText(const Rule& rule) {
  TextParamSink sink;
  DescribeRule(rule, &sink);
  std::string text = RuleKindName(rule.kind);
  if (!sink.text().empty()) text += " " + sink.text();
  return text;
}

}  // namespace cli
}  // namespace lrp
