// Plain data the relevance pass runs on, built at Session creation and
// living in the arena. One RelevanceNode per explained layer; the pass walks
// them last to first.
#ifndef LRP_RUNTIME_LRP_RELEVANCE_NODE_H_
#define LRP_RUNTIME_LRP_RELEVANCE_NODE_H_

#include <cstddef>
#include <cstdint>

#include <pthreadpool.h>
#include <xnnpack.h>

#include "lrp/explain.h"
#include "lrp/model.h"
#include "lrp/session.h"

namespace lrp {
namespace internal {

// Scratch shared by all nodes (they run one at a time). Out-sized buffers
// hold max(output elements), in-sized max(input elements), each padded for
// XNNPACK's over-read; s1 and s2 are adjacent, so s1 also holds a pair
// operator's input of 2 x outputs.
struct RelevanceScratch {
  float* s1 = nullptr;   // out-sized: stabilized quotients
  float* s2 = nullptr;   // out-sized
  float* q = nullptr;    // out-sized: forward with modified weights
  float* q2 = nullptr;   // out-sized
  float* c1 = nullptr;   // in-sized: transposed products
  float* c2 = nullptr;   // in-sized
  float* ap = nullptr;   // in-sized: a+ (sign-unknown inputs)
  float* an = nullptr;   // in-sized: a-
};

struct RelevanceNode {
  const LayerDesc* layer = nullptr;
  RuleKind rule = RuleKind::kPass;
  float epsilon = 0, gamma = 0, alpha = 0, beta = 0, stabilizer = 0;
  bool epsilon_rms = false;
  bool zero_bias = false;
  bool nonneg_input = false;  // input proven >= 0 (e.g. after a ReLU)
  Activation activation = Activation::kNone;  // fused, Conv2D/Dense/Add

  const float* a = nullptr;    // input activation (first input)
  const float* y = nullptr;    // output activation
  const float* z = nullptr;    // pre-activation (== y without fused activation)
  const float* bias = nullptr; // Conv2D/Dense bias, may be null
  Shape layer_input_shape, layer_output_shape;
  size_t in_elements = 0, out_elements = 0;
  size_t in_channels = 0, out_channels = 0;

  // XNNPACK operators (Conv2D only; null when the rule needs none):
  xnn_operator_t fwd_pos = nullptr;   // F(W+, a or a+)        -> scratch.q
  xnn_operator_t fwd_neg = nullptr;   // F(W-, a or a-)        -> scratch.q2
  xnn_operator_t t_main = nullptr;    // B(V1, s1), V1 per rule -> scratch.c1
  xnn_operator_t t_second = nullptr;  // B(V2, s2), V2 per rule -> scratch.c1
  xnn_operator_t t_pair = nullptr;    // B(V1, .) + B(V2, .) on the pair
                                      // layout in s1 (sign-unknown input) -> c1

  // Input-independent terms, computed at creation (arena):
  float* constant = nullptr;  // ZBox: F(W+,0,l) + F(W-,0,h); Flat: n; WSquare: S
  float* col = nullptr;       // strided convolutions: per-tap transposed products
  float* low = nullptr;       // ZBox bounds per input channel
  float* high = nullptr;

  // R-LRP branch equalization: this node reads the block input of
  // BranchMerge `branch_merge` on the branch side, so its relevance for that
  // input goes to the merge's accumulator (-1: none).
  int32_t branch_merge = -1;
};

// A residual Add y = skip + branch explained with kRelative, whose branch
// relevance at the block input x is kept apart and rescaled before it joins
// the skip path's (RULES.md section 5.3; runtime/lrp/residual_merge.h).
struct BranchMerge {
  uint32_t add_layer = 0;
  uint32_t block_input = 0;   // x, where the two paths meet
  int32_t merge_before = -1;  // the producer of x: merge before it runs (-1: at the end)
  uint32_t skip_input = 0;    // index (0/1) of the Add input on the skip path
  float* acc = nullptr;       // the branch's relevance at x (x's size)
  // During a pass:
  bool acc_written = false;
  int acc_exponent = 0;
  double sum_skip = 0, sum_branch = 0;  // what the Add gave each input
  // What arrived at x on each side, unscaled (stored x 2^-E), tracked from
  // the writers' own sums so the merge need not re-read x; `tracked` is
  // false once a writer that reports no sum (another rule) wrote x.
  double skip_at_x = 0, branch_at_x = 0;
  bool tracked = true;
};

// Explain-time state of a Session (arena).
struct ExplainState {
  RelevanceNode* nodes = nullptr;
  uint32_t num_nodes = 0;        // explained layers (a final Softmax is cut)
  float** relevance = nullptr;   // per tensor, null if never on the path
  uint8_t* written = nullptr;    // per tensor, during a pass
  double* sums = nullptr;        // per tensor
  int* exponents = nullptr;      // per tensor: stored relevance = 2^E x unscaled
  LayerConservation* conservation = nullptr;  // per layer
  BranchMerge* merges = nullptr;
  uint32_t num_merges = 0;
  RelevanceScratch scratch;
  uint32_t logits = 0;           // tensor the pass starts from
  int target = -1;
  bool gradient_x_input = false;
  bool forward_done = false;
};

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_LRP_RELEVANCE_NODE_H_
