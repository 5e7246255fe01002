// Relevance through an LRN layer by the first-order Taylor decomposition of
// Binder et al., "Layer-wise Relevance Propagation for Neural Networks with
// Local Renormalization Layers" (ICANN 2016); RULES.md §4.2.
//
// With y_k = x_k s_k^-beta, s_k = bias + A sum_{i in N(k)} x_i^2, A = alpha /
// size (ONNX window N, see LrnParams), input j's share of output k is
//   q_kk = x_k (bias + A x_k^2)^-beta        y_k with every neighbour zeroed
//   q_jk = -2 A beta x_j^2 x_k s_k^(-beta-1)  j in N(k), j != k: x_j dy_k/dx_j
// (the expansion point keeps only x_k; the cross terms take the Jacobian at
// the actual input). sum_j q_jk ~ y_k to first order in A x^2.
//   normalized   R_j += sum_{k: j in N(k)} q_jk R_k / stab(sum_j' q_j'k),
//                stab(z) = z + eps sign0(z), a zero denominator with eps = 0
//                passing nothing: conservative up to the stabilizer.
//   unnormalized R_j += sum_{k: j in N(k)} q_jk R_k: the authors' Caffe
//                form (lrn_backward_type 1), which scales each R_k by about
//                y_k (the sum of its shares) and is not conservative. For odd sizes
//                {k : j in N(k)} = N(j), exactly the toolbox's sum; for even
//                sizes it is the mirrored window, so every term is the same
//                Taylor share q_jk as in the normalized form.
// Cost O(pixels * channels * min(size, channels)): window sums slide as in
// f32_lrn_ukernel__scalar, the signed sums over {k : j in N(k)} are summed
// directly in double.
#ifndef LRP_PORTS_SCALAR_LRN_RELEVANCE_SCALAR_H_
#define LRP_PORTS_SCALAR_LRN_RELEVANCE_SCALAR_H_

#include <cstddef>

#include "ports/kernels.h"

namespace lrp {
namespace ports {

// Adds into r_in (NHWC rows of `channels`); x is the layer input, r_out the
// relevance of its output. `work` holds 3 * channels floats of scratch the
// caller owns (the Session's arena). r_in must not alias x, r_out or work.
// Allocation-free.
void f32_lrn_taylor_relevance__scalar(size_t pixels, size_t channels, const float* x,
                                      const float* r_out, const LrnParams& params,
                                      bool normalized, float eps, float* work, float* r_in);

}  // namespace ports
}  // namespace lrp

#endif  // LRP_PORTS_SCALAR_LRN_RELEVANCE_SCALAR_H_
