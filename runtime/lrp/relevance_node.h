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
};

// Explain-time state of a Session (arena).
struct ExplainState {
  RelevanceNode* nodes = nullptr;
  uint32_t num_nodes = 0;        // explained layers (a final Softmax is cut)
  float** relevance = nullptr;   // per tensor, null if never on the path
  uint8_t* written = nullptr;    // per tensor, during a pass
  double* sums = nullptr;        // per tensor
  RelevanceScratch scratch;
  uint32_t logits = 0;           // tensor the pass starts from
  int target = -1;
  bool gradient_x_input = false;
  bool forward_done = false;
};

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_LRP_RELEVANCE_NODE_H_
