// The rules of the parameter-free layers (RULES.md §2.8-2.10, §3): Pass for
// activations, Norm for average pools and residual Adds, winner-take-all for
// max pooling, the gradient for Concat/Reshape, and the gradient of every
// kind for the baselines. Each adds into the relevance of its inputs.
#ifndef LRP_RUNTIME_LRP_LAYER_RULES_H_
#define LRP_RUNTIME_LRP_LAYER_RULES_H_

#include "lrp/model.h"
#include "runtime/lrp/relevance_node.h"

namespace lrp {
namespace internal {

// r_in[k] is the relevance of the layer's k-th input, inputs[k] its
// activation. Allocation-free.
void RunLayerRule(const Model& model, const RelevanceNode& node, const RelevanceScratch& scratch,
                  const float* r_out, float* const* r_in, const float* const* inputs);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_LRP_LAYER_RULES_H_
