// Local response normalization across channels (ONNX semantics, see
// LrnParams in ports/kernels.h), plain C++: the scalar variant of the LRN
// kernel family and the pieces the SIMD variants share with it.
#ifndef LRP_PORTS_SCALAR_LRN_SCALAR_H_
#define LRP_PORTS_SCALAR_LRN_SCALAR_H_

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "ports/kernels.h"

namespace lrp {
namespace ports {

// s^-beta for the LRN base s = bias + alpha/size * sum (> 0). beta = 0.75,
// the AlexNet value and ONNX's default, takes 1 / (sqrt(s) * sqrt(sqrt(s))):
// three correctly rounded operations and a product instead of a pow call,
// within 3 ULP of the exact power; every other beta goes to std::pow.
// The SIMD variants use this for lanes their fast paths do not cover.
inline float LrnInversePower(float s, float beta) {
  if (beta == 0.75f) {
    const float r = std::sqrt(s);
    return 1.0f / (r * std::sqrt(r));
  }
  return std::pow(s, -beta);
}

// LrnFn (ports/kernels.h). The window sum slides along the channels in
// double precision: each square of a float is exact in a double, so adding
// the channel that enters and subtracting the one that leaves costs two
// operations per channel whatever the size. Subtraction drifts by ~2^-53
// of the largest square that passed through, so once the running sum falls
// below 2^-24 of that square (a large value has left), or is inf/NaN, the
// window is summed directly again: the float result stays within about one
// rounding of the exact sum.
void f32_lrn_ukernel__scalar(size_t pixels, size_t channels, const float* x, float* y,
                             const LrnParams& params);

// The window sums of one row for channels [c_begin, c_end), computed as
// above: sums[c - c_begin] = sum_{i in N(c)} x[i]^2 (not scaled).
// The SIMD variants call it for windows too wide to sum lane by lane.
void f32_lrn_window_sums__scalar(size_t channels, const float* x, int32_t size, size_t c_begin,
                                 size_t c_end, float* sums);

}  // namespace ports
}  // namespace lrp

#endif  // LRP_PORTS_SCALAR_LRN_SCALAR_H_
