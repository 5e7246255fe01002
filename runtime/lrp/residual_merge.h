// Where R-LRP equalizes residual branches (RULES.md section 5.3).
//
// For an Add y = u + v explained with kRelative, the two inputs' paths meet
// at the block input x (their nearest common ancestor). The input with
// fewer layers between x and itself is the skip path (an identity skip has
// none), the other the branch. The branch's relevance at x is accumulated
// apart and, once every path is done, multiplied by the scalar that gives
// the branch the same factor as the skip path before it joins x. An Add
// is equalized only when the branch is a closed region (its tensors feed
// nothing outside it but the Add) entered from x by layers that are not
// Reshapes and that no other equalized Add claims; otherwise it is a plain
// split.
#ifndef LRP_RUNTIME_LRP_RESIDUAL_MERGE_H_
#define LRP_RUNTIME_LRP_RESIDUAL_MERGE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lrp/explain.h"
#include "lrp/model.h"

namespace lrp {
namespace internal {

struct MergePlan {
  uint32_t add_layer = 0;
  uint32_t block_input = 0;
  int32_t merge_before = -1;           // the producer of x (-1: the model input)
  uint32_t skip_input = 0;             // 0 or 1
  std::vector<uint32_t> branch_readers;  // layers reading x on the branch side
  size_t elements = 0;                 // of x
  size_t slot = 0;                     // accumulator buffer (shared when lifetimes allow)
};

struct MergeLayout {
  std::vector<MergePlan> merges;
  std::vector<size_t> slot_elements;  // per accumulator buffer
};

MergeLayout PlanBranchMerges(const Model& model, const std::vector<Rule>& rules,
                             size_t explained);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_LRP_RESIDUAL_MERGE_H_
