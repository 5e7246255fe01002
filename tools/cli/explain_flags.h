// The flags that choose how a prediction is explained, shared by
// `lrp explain`, `lrp bench --mode explain` and `lrp info`:
//   --composite NAME              a preset (lrp::CompositeNames())
//   --param KEY=VALUE             a preset parameter (repeatable)
//   --rule SELECTOR=RULE[:k=v,..] a per-layer override (repeatable)
// and how the chosen rules are described in reports.
//
// Two kinds of error: a flag that is malformed on its face (a --param
// without '=') is a usage error (exit 2); what the runtime judges (unknown
// composite, parameter, rule or layer, a value out of range) fails the
// command (exit 1), as every other rejected input does.
#ifndef LRP_TOOLS_CLI_EXPLAIN_FLAGS_H_
#define LRP_TOOLS_CLI_EXPLAIN_FLAGS_H_

#include <string>

#include "lrp/explain.h"
#include "lrp/status.h"
#include "tools/cli/args.h"
#include "tools/cli/param_sink.h"

namespace lrp {
namespace cli {

constexpr FlagSpec kCompositeFlag = {"--composite", nullptr, true};
constexpr FlagSpec kParamFlag = {"--param", nullptr, true, true};
constexpr FlagSpec kRuleFlag = {"--rule", nullptr, true, true};

// Help text for the three flags, in the layout of every usage text (a test
// checks that it names every composite the runtime knows).
extern const char kCompositeFlagsHelp[];

// Fills `composite` from --composite (or `default_name` when absent) and
// --param. Returns a usage error for a malformed --param or an empty
// --composite.
Status ReadCompositeFlags(const ParsedArgs& args, const std::string& default_name,
                          Composite* composite);

// Parses every --rule into composite->overrides, in order. A --rule
// without '=' is a usage error (*usage set); anything ParseLayerRule
// rejects is not.
Status ReadRuleFlags(const ParsedArgs& args, Composite* composite, bool* usage);

// "epsilon-gamma-box gamma=0.5": the name and the --param values.
std::string CompositeText(const Composite& composite);

// Feeds the parameters `rule`'s kind reads to `sink`; the stabilizer and
// zero_bias are flagged as defaults at their default values.
void DescribeRule(const Rule& rule, ParamSink* sink);

// "gamma gamma=0.25": the rule's name and its non-default parameters.
std::string RuleText(const Rule& rule);

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_EXPLAIN_FLAGS_H_
