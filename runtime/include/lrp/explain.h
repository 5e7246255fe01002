// LRP rules and composites: which rule explains which layer.
//
// The math of every rule is in RULES.md (shared design notes); names follow
// Zennit 0.5.1 so results compare one to one. A Composite names a preset
// and its parameters; ResolveComposite() turns it into one Rule per layer,
// once, when an explaining Session is created.
#ifndef LRP_EXPLAIN_H_
#define LRP_EXPLAIN_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lrp/model.h"
#include "lrp/status.h"

namespace lrp {

enum class RuleKind : uint8_t {
  kZero,           // LRP-0: R_j = sum_k a_j w_jk R_k / z_k; z_k = 0 passes nothing
  kEpsilon,        // LRP-eps: z + eps*sign0(z); eps fixed or eps*RMS(z)
  kGamma,          // Zennit's generalized gamma (5 terms, sign-aware)
  kGammaClassic,   // overview's gamma: rho(w) = w + gamma*w+ on every output
  kAlphaBeta,      // alpha*positive - beta*negative parts, alpha - beta = 1
  kZBox,           // z^B with per-channel bounds low/high
  kFlat,           // uniform spread over the receptive field
  kWSquare,        // w^2
  kPass,           // R_in = R_out
  kNorm,           // proportional split by the layer's own forward (pools, Add)
  kWinnerTakeAll,  // max pooling: all to the first maximum (Zennit's default)
  kGradient,       // the plain gradient (baselines)
  // LRN layers (Binder et al. 2016, RULES.md §4.2; identity is kPass, also
  // spelled "identity"). Shares of input j in output k from the first-order
  // Taylor expansion: q_kk = x_k (bias + A x_k^2)^-beta, q_jk = x_j dy_k/dx_j
  // (ports/scalar/lrn_relevance_scalar.h).
  kLrnTaylor,              // "taylor": R_j = sum_k q_jk R_k / stab(sum_j' q_j'k);
                           // conservative up to `stabilizer`
  kLrnTaylorUnnormalized,  // "taylor-unnormalized": sum_k q_jk R_k, the
                           // authors' Caffe form (not conservative)
  kRelative,       // R-LRP-P, our reading of R-LRP (RULES.md section 5): see below
};
// kRelative ("rlrp") is the project's reading of Nyiri & Gibaru's relative
// LRP, not a copy of the paper (whose full definition was not available):
//   Conv2D/Dense, standalone BatchNorm: R_in = a * W^T R -- the LRP-0
//     numerator without 1/z; the bias is ignored and there is no epsilon.
//   AvgPool2D/GlobalAvgPool: R_in = a * J^T R (no division).
//   Add y = u + v: R_u = u R / stab(y), R_v = v R / stab(y) (stabilizer,
//     default 1e-6) -- the only per-neuron division; then the branch's
//     relevance at the block input is multiplied by one scalar so the
//     branch carries the same factor as the skip path.
// Such a layer conserves relevance up to its factor lambda = sum R_in /
// sum R_out (reported per layer, never divided by), and rescales the
// relevance it receives by an exact power of two so float32 neither
// overflows nor underflows on deep networks: relative values are unchanged
// bit for bit (see Session::layer_conservation and relevance_exponent).
const char* RuleKindName(RuleKind kind);  // "epsilon", "gamma-classic", ...
bool ParseRuleKind(const std::string& name, RuleKind* kind);

struct Rule {
  RuleKind kind = RuleKind::kEpsilon;
  float epsilon = 1e-6f;      // kEpsilon (kZero always uses 0)
  bool epsilon_rms = false;   // eps_used = epsilon * sqrt(mean(z^2)) + 1e-9
  float gamma = 0.25f;        // kGamma, kGammaClassic
  float alpha = 2.0f;         // kAlphaBeta
  float beta = 1.0f;
  float stabilizer = 1e-6f;   // every other rule's stabilizer (incl. kNorm)
  bool zero_bias = false;     // Zennit zero_params=['bias']
  std::vector<float> low;     // kZBox, per input channel or one value;
  std::vector<float> high;    //   empty: the model's input description
  bool proportional_max = false;  // max pooling as avg-pool Norm (overview)
};

// Which layers an override applies to: a layer name, or an inclusive range
// of layer indices.
struct LayerSelector {
  std::string name;
  int first = -1;
  int last = -1;
};

struct Composite {
  // epsilon, epsilon-plus, epsilon-plus-flat, epsilon-gamma-box,
  // epsilon-alpha2-beta1, epsilon-alpha2-beta1-flat, lrp-cmp, lrp-overview,
  // gradient, gradient-x-input, rlrp (kRelative on Conv2D/Dense, BatchNorm,
  // average pools and Add; Pass on activations, winner-take-all on max
  // pooling, routing on Concat/Reshape; no parameters besides the Add's
  // stabilizer)
  std::string name = "epsilon";
  // Parameter overrides, "key" -> "value": epsilon, gamma, alpha, beta,
  // stabilizer, low, high (comma-separated per channel), zero_bias (0/1),
  // flat (0/1, lrp-cmp), maxpool (wta/avg), lrn (taylor, the default /
  // taylor-unnormalized / identity: the rule of every LRN layer; rlrp
  // defaults to identity, the gradient composites always take the
  // gradient).
  std::vector<std::pair<std::string, std::string>> params;
  // Per-layer rules, applied after the preset in order (later wins).
  std::vector<std::pair<LayerSelector, Rule>> overrides;
};

const std::vector<std::string>& CompositeNames();

// One rule per layer of `model` (layers after the explained output, i.e. a
// final Softmax, get kPass). Unknown names, parameters or layers, and rules
// that do not fit a layer kind, are kInvalidArgument errors.
Status ResolveComposite(const Model& model, const Composite& composite,
                        std::vector<Rule>* rules);

// Parses "RULE[:key=value,...]" (e.g. "gamma:gamma=0.1", "zbox:low=-1,high=1").
Status ParseRule(const std::string& text, Rule* rule);
// Parses "SELECTOR=RULE[:...]" where SELECTOR is a layer name or "I" or "I-J".
Status ParseLayerRule(const std::string& text, LayerSelector* selector, Rule* rule);

// How the relevance at the explained output is seeded.
enum class ExplainInit : uint8_t {
  kLogit,  // R = f_target(x) at the target, 0 elsewhere
  kOne,    // R = 1 at the target (Zennit's one-hot attr_output)
};

}  // namespace lrp

#endif  // LRP_EXPLAIN_H_
