// Local response normalization across channels (ONNX semantics), plain C++.
// The reference every faster LRN variant is tested against.
#ifndef LRP_PORTS_SCALAR_LRN_SCALAR_H_
#define LRP_PORTS_SCALAR_LRN_SCALAR_H_

#include <cstddef>
#include <cstdint>

namespace lrp {
namespace ports {

struct LrnParams {
  int32_t size;  // window, in channels
  float alpha;   // divided by size, as ONNX does
  float beta;
  float bias;
};

// y[p, c] = x[p, c] / (bias + alpha/size * sum_{i in window(c)} x[p, i]^2)^beta
// for `pixels` rows of `channels` values (NHWC), window
// max(0, c - floor((size-1)/2)) .. min(C-1, c + ceil((size-1)/2)).
// x and y must not overlap.
void f32_lrn_ukernel__scalar(size_t pixels, size_t channels, const float* x, float* y,
                             const LrnParams& params);

}  // namespace ports
}  // namespace lrp

#endif  // LRP_PORTS_SCALAR_LRN_SCALAR_H_
