// The rules of layers with weights (Conv2D, Dense): RULES.md §2.
//
// Each rule is written with two primitives, as in RULES.md §2.0: F(mod W, a)
// (a forward product with modified weights) and B(mod W, s) (the transposed
// product). On Conv2D they are XNNPACK convolution / deconvolution operators
// with the modified weights packed into the arena at creation; on Dense they
// are streaming kernels (ports/) that read the model's weights in place, so
// large dense layers never get a second copy. Algebra keeps the number of
// convolution-sized passes low: the stored pre-activation z is reused, and
// z, F(W+, a) give every positive/negative split (e.g. (W + gW+)a =
// z - b + g F(W+, a)).
#ifndef LRP_RUNTIME_LRP_WEIGHTED_RULES_H_
#define LRP_RUNTIME_LRP_WEIGHTED_RULES_H_

#include <cstddef>

#include <pthreadpool.h>

#include "lrp/model.h"
#include "lrp/status.h"
#include "runtime/lrp/relevance_node.h"

namespace lrp {
namespace internal {

// Elements of node->constant the rule needs (0 if none).
size_t WeightedConstantElements(const RelevanceNode& node);

// Creates the node's operators (bound to `scratch`) and computes its
// constants. Runs at Session creation; XNNPACK allocates from the arena.
Status PrepareWeighted(RelevanceNode* node, const RelevanceScratch& scratch, pthreadpool_t pool);

// Adds the relevance of the node's input to r_in. Allocation-free.
void RunWeighted(const RelevanceNode& node, const RelevanceScratch& scratch, pthreadpool_t pool,
                 const float* r_out, float* r_in);

// Deletes the node's operators.
void ReleaseWeighted(RelevanceNode* node);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_LRP_WEIGHTED_RULES_H_
