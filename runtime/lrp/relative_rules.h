// R-LRP-P, the project's reading of relative LRP (RULES.md section 5): the
// kRelative rule on every layer kind it explains. No 1/z anywhere except
// the residual Add's split; each layer's factor lambda is measured, never
// divided by; the relevance a layer receives is multiplied by an exact power
// of two chosen by the pass (explain_pass.cc), which keeps relative values
// bit for bit.
#ifndef LRP_RUNTIME_LRP_RELATIVE_RULES_H_
#define LRP_RUNTIME_LRP_RELATIVE_RULES_H_

#include <cstddef>

#include <pthreadpool.h>

#include "lrp/model.h"
#include "runtime/lrp/relevance_node.h"

namespace lrp {
namespace internal {

// The exponent e with max_abs * 2^e in [0.5, 1) (0 for max_abs = 0),
// clamped to [-126, 126] so 2^e itself is a normal float.
int NormalizingExponent(float max_abs);

// Sums for the branch scalar, which divides by them: float only within
// 8 terms (vectorizable), double across blocks.
double AccurateDot(const float* x, const float* y, size_t n);
double AccurateSum(const float* x, size_t n);

// Adds the kRelative relevance of the node's inputs to r_in, using
// r_out * 2^exponent as the relevance received (Add: exponent must be 0; its
// split is scale-free). Returns the relevance given to the inputs, in
// r_out's units (before 2^exponent): lambda = given / sum(r_out). For an
// Add, `merge` (may be null) records what each input received.
// Allocation-free.
double RunRelative(const RelevanceNode& node, const RelevanceScratch& scratch,
                   pthreadpool_t pool, const float* r_out, int exponent, float* const* r_in,
                   const float* const* inputs, BranchMerge* merge);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_LRP_RELATIVE_RULES_H_
