// A naive double-precision relevance pass, the reference the LRP tests
// compare the runtime with.
//
// Written from RULES.md alone (the formula of every rule, the composites of
// §6/§11) with plain loops; it shares no code with runtime/ or ports/. Every
// rule for a layer with weights is computed the way §2 writes it, term by
// term through the two primitives F (forward with modified parameters) and
// B (transposed product), rather than in a simplified algebraic form, so a
// test that agrees with it agrees with the document.
//
// Conventions follow the runtime: batch 1, tensors in NHWC without N
// (Shape{H, W, C} or Shape{C}), Conv2D weights OHWI [out, kh, kw, in/groups],
// Dense weights [out, in] over the flattened NHWC input, explicit 4-sided
// padding, fused activations on Conv2D / Dense / Add.
//
// Nothing here is fast; the shapes the tests use are tiny.
#ifndef LRP_TESTS_LRP_ORACLE_H_
#define LRP_TESTS_LRP_ORACLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lrp/explain.h"
#include "lrp/layer_params.h"
#include "lrp/model.h"
#include "lrp/shape.h"

namespace lrp {
namespace test {
namespace oracle {

using Vec = std::vector<double>;

Vec ToDouble(const float* data, size_t n);
Vec ToDouble(const std::vector<float>& v);

// sign0(x) = +1 for x >= 0 (also -0.0), else -1 (RULES.md §1, §9.1).
double Sign0(double x);
// stab_eps(x) = x + eps * sign0(x).
double Stab(double x, double eps);
// r / d, with 0 where d == 0: the guard LRP-0 and a zero epsilon need.
double GuardedDiv(double r, double d);

// Geometry of a layer with weights and its two primitives (RULES.md §1):
//   F(V, beta, u) = forward with weights V, bias beta (empty: none), input u
//   B(V, s)       = V^T s, the transposed product (no bias; input's shape)
class LinearOp {
 public:
  // Dense over `in` values (any input shape, flattened NHWC).
  static LinearOp Dense(size_t in, size_t out);
  // Conv2D on an [H, W, C] input; reads kernel, stride, dilation, padding,
  // groups and out_channels from `p`.
  static LinearOp Conv(const Shape& in, const LayerParams& p);
  // The op of a Conv2D or Dense layer of `model`.
  static LinearOp FromLayer(const Model& model, const LayerDesc& layer);

  size_t in_size() const { return in_size_; }
  size_t out_size() const { return out_size_; }
  size_t weight_size() const;
  // Channels of the output (the bias length).
  size_t out_channels() const { return out_channels_; }
  // Channels of the input (its last dimension; Dense: its length).
  size_t in_channels() const { return in_channels_; }

  Vec Forward(const Vec& w, const Vec& bias, const Vec& u) const;
  Vec Transposed(const Vec& w, const Vec& s) const;

 private:
  bool conv_ = false;
  size_t in_size_ = 0, out_size_ = 0;
  size_t out_channels_ = 0, in_channels_ = 0;
  // Conv2D only.
  int32_t h_ = 0, w_ = 0, oh_ = 0, ow_ = 0;
  LayerParams p_;

  // Calls visit(k, j, weight_index) for every (output, input) pair a
  // weight links; padded taps link nothing.
  template <typename Visit>
  void ForEachLink(Visit visit) const;
};

// A layer with weights, its parameters in double.
struct WeightedLayer {
  LinearOp op;
  Vec w;
  Vec b;  // empty: no bias
  Activation activation = Activation::kNone;
};
WeightedLayer WeightedFromLayer(const Model& model, const LayerDesc& layer);

// Relevance of the input of a Conv2D / Dense layer under `rule`, for
// relevance `r` at its output (after the fused activation: activations pass
// relevance unchanged, RULES.md §3). `a` is the layer input; `low`/`high`
// are the z^B bounds already broadcast to the input's shape (ZBox only).
// kGradient gives the gradient: B(W, r ⊙ f'(z)) with z the pre-activation.
// Returns false (and sets *error) for a rule that does not apply.
bool WeightedRelevance(const WeightedLayer& layer, const Rule& rule, const Vec& a, const Vec& r,
                       const Vec& low, const Vec& high, Vec* r_in, std::string* error);

// Σ R_in predicted by the conservation identities of RULES.md §9.4 (these
// use F only, never B, so they check B independently).
double ConservationIdentity(const WeightedLayer& layer, const Rule& rule, const Vec& a,
                            const Vec& r, const Vec& low, const Vec& high);

// z^B bounds for an input of `shape`: one value, one per channel (the last
// dimension) or one per element. Returns false for any other length.
bool BroadcastBounds(const std::vector<float>& v, const Shape& shape, Vec* out);

// Pooling. `in` is [H, W, C]; `p` holds the window.
Vec AvgPoolForward(const Shape& in, const LayerParams& p, const Vec& a);
// Norm (RULES.md §2.9): R_j = Σ_k a_j R_k / (|P_k| stab(z_k)).
Vec AvgPoolNorm(const Shape& in, const LayerParams& p, const Vec& a, const Vec& r, double eps);
Vec AvgPoolGradient(const Shape& in, const LayerParams& p, const Vec& r);
Vec MaxPoolForward(const Shape& in, const LayerParams& p, const Vec& a);
// Winner-take-all (§2.10): first maximum in row-major order; padding never
// wins; overlapping windows accumulate. Also the gradient.
Vec MaxPoolWinnerTakeAll(const Shape& in, const LayerParams& p, const Vec& a, const Vec& r);
// Proportional alternative (§2.10): R_j = Σ_k a_j R_k / stab(Σ_{P_k} a).
Vec MaxPoolProportional(const Shape& in, const LayerParams& p, const Vec& a, const Vec& r,
                        double eps);
// Global average pooling as a window over the whole map.
LayerParams GlobalPoolWindow(const Shape& in);

// Residual Add, Norm (§3): R_x = x ⊙ R / stab(x + y), R_y likewise.
void AddNorm(const Vec& x, const Vec& y, const Vec& r, double eps, Vec* r_x, Vec* r_y);

// The whole network.
struct NetResult {
  std::vector<Vec> act;  // per tensor (empty where none)
  std::vector<Vec> pre;  // per layer: pre-activation of fused layers
  std::vector<Vec> rel;  // per tensor: relevance (empty: not on the path)
  uint32_t logits = 0;   // tensor the relevance starts from
  int target = -1;       // -1 after ExplainSeeded
};

// Forward pass in double only.
bool Forward(const Model& model, const std::vector<float>& input, NetResult* out,
             std::string* error);

// Forward, then relevance from logit `target` (-1: the largest) seeded as
// `init` says, with rules[i] for layer i. With `times_input` the input
// relevance is multiplied by the input (gradient x input).
bool Explain(const Model& model, const std::vector<Rule>& rules, bool times_input,
             const std::vector<float>& input, int target, ExplainInit init, NetResult* out,
             std::string* error);

// The same for any relevance `seed` at the logits (one value per logit).
bool ExplainSeeded(const Model& model, const std::vector<Rule>& rules, bool times_input,
                   const std::vector<float>& input, const Vec& seed, NetResult* out,
                   std::string* error);

// Composite resolution from RULES.md §6 / §11.
struct Resolved {
  std::vector<Rule> rules;   // one per layer
  bool times_input = false;  // gradient-x-input
};
bool ResolveComposite(const Model& model, const Composite& composite, Resolved* out,
                      std::string* error);

// The weighted (Conv2D / Dense) layers in execution order.
std::vector<size_t> WeightedLayers(const Model& model);

}  // namespace oracle
}  // namespace test
}  // namespace lrp

#endif  // LRP_TESTS_LRP_ORACLE_H_
