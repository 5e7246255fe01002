// The two primitives every weighted-layer rule is built from (RULES.md §2.0):
// F(V, x), the layer's product with modified weights V, and B(V, s), the
// transposed product. On Conv2D both are XNNPACK operators whose modified
// weights are packed into the arena at creation; on Dense they are
// streaming kernels (ports/) that read the model's weights in place, so a
// large dense layer never gets a second copy.
#ifndef LRP_RUNTIME_LRP_WEIGHTED_OPS_H_
#define LRP_RUNTIME_LRP_WEIGHTED_OPS_H_

#include <cstddef>

#include <pthreadpool.h>
#include <xnnpack.h>

#include "lrp/status.h"
#include "runtime/lrp/relevance_node.h"

namespace lrp {
namespace internal {

// Modified weights V = f(W).
enum class WeightKind {
  kW,          // W
  kPositive,   // W+
  kNegative,   // W-
  kSquare,     // W^2
  kOnes,       // 1
  kGammaUp,    // W + gamma W+
  kGammaDown,  // W + gamma W-
};

float TransformWeight(float w, WeightKind kind, float gamma);

bool IsConv(const RelevanceNode& n);

// F(V, 0, x) -> y as an XNNPACK convolution (no bias, no clamp).
Status CreateConvForward(const RelevanceNode& n, WeightKind kind, const float* x, float* y,
                         pthreadpool_t pool, xnn_operator_t* op);

// B(V, s) -> c with the layer's stride, padding, dilation and groups, giving
// exactly the input's shape.
Status CreateConvTransposed(const RelevanceNode& n, WeightKind kind, const float* s, float* c,
                            pthreadpool_t pool, xnn_operator_t* op);

// Whether the node's transposed products run as a matrix product into
// scratch.col followed by RunCol2Im (strided, ungrouped convolutions, where
// XNNPACK's deconvolution is slow), and the scratch elements that needs.
bool UsesCol2Im(const RelevanceNode& n);
size_t Col2ImElements(const RelevanceNode& n);
// c = 0, then c[input position of tap t of output p] += col[p][t] (one
// vector of C_in per tap).
void RunCol2Im(const RelevanceNode& n, const float* col, float* c);
// Runs a transposed-product operator (and its col2im step).
void RunTransposedOp(const RelevanceNode& n, const RelevanceScratch& sc, xnn_operator_t op,
                     pthreadpool_t pool);

// B(V1, s1) + B(V2, s2) -> c in one operator over twice the channels; its
// input interleaves the two per pixel and group: [pixel][g][2][C_out/g].
Status CreateConvTransposedPair(const RelevanceNode& n, WeightKind first, WeightKind second,
                                const float* s, float* c, pthreadpool_t pool,
                                xnn_operator_t* op);

// Dense streaming products over all features, parallel over `pool`:
// c = B(V, s) and y = F(V, 0, x) for V in {W, W+, W-, W^2}.
void DenseTransposed(const RelevanceNode& n, pthreadpool_t pool, WeightKind kind, const float* s,
                     float* c);
void DenseForward(const RelevanceNode& n, pthreadpool_t pool, WeightKind kind, const float* x,
                  float* y);

// out[k] = F(V, bias_term, v) for an input equal to per_channel[c] at every
// real position and 0 in the padding (input-independent rule terms).
// bias_term: 0 none, 1 the bias, 2 the squared bias.
void ConstantForward(const RelevanceNode& n, WeightKind kind, const float* per_channel,
                     int bias_term, float* out);
// n_k = number of real taps feeding k times C_in/groups (Flat).
void CountTaps(const RelevanceNode& n, float* out);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_LRP_WEIGHTED_OPS_H_
