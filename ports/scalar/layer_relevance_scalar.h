// Relevance kernels of the parameter-free layers (pooling, Add, Concat, the
// gradient of activations and LRN). Plain C++; every kernel ADDS into its
// destination (the caller zeroes a relevance buffer when it is first
// written), so layers that share an input accumulate naturally.
#ifndef LRP_PORTS_SCALAR_LAYER_RELEVANCE_SCALAR_H_
#define LRP_PORTS_SCALAR_LAYER_RELEVANCE_SCALAR_H_

#include <cstddef>
#include <cstdint>

#include "ports/scalar/lrn_scalar.h"

namespace lrp {
namespace ports {

// A 2-D window over an NHWC map: input [in_h, in_w, channels], output
// [out_h, out_w, channels].
struct Window2D {
  size_t in_h, in_w, out_h, out_w, channels;
  int32_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_top, pad_left;
  bool count_include_pad;  // average pooling divisor
};

// Max pooling, winner-take-all: r_in[first maximum of window k] += r_out[k].
// The first maximum in row-major order wins ties; NaN always wins; padding
// never does.
void f32_maxpool_wta__scalar(const Window2D& w, const float* a, const float* r_out,
                             float* r_in);

// Max pooling explained as the average pooling over the same window (Norm):
// r_in[j] += a[j] * r_out[k] / (|P| * stab(sum_{P_k} a / |P|)), |P| = kh*kw.
void f32_maxpool_proportional__scalar(const Window2D& w, const float* a, const float* r_out,
                                      float eps, float* r_in);

// The transposed average pooling: c[j] += sum_{k: j in P_k} s[k] / divisor_k.
void f32_avgpool_transposed__scalar(const Window2D& w, const float* s, float* c);

// The transposed global average pooling: c[p, ch] += s[ch] / pixels.
void f32_gap_transposed__scalar(size_t pixels, size_t channels, const float* s, float* c);

// dst[p, :] += src[p, offset : offset + width] for p < pixels; src rows have
// src_channels values (Concat's gradient).
void f32_channel_slice_add__scalar(size_t pixels, size_t src_channels, size_t offset,
                                   size_t width, const float* src, float* dst);

// y[i] += x[i].
void f32_vadd__scalar(size_t n, const float* x, float* y);

// Gradient of an activation: r_in[i] += r_out[i] * f'(x[i]), where f' is
// [lo < x < hi] for clamps (ReLU: lo = 0, hi = inf) and 1 / slope for x > 0
// / x <= 0 for LeakyReLU.
void f32_clamp_gradient__scalar(size_t n, const float* x, float lo, float hi,
                                const float* r_out, float* r_in);
void f32_leaky_gradient__scalar(size_t n, const float* x, float slope, const float* r_out,
                                float* r_in);

// Gradient of LRN (ONNX semantics, see lrn_scalar.h): r_in += J^T r_out.
void f32_lrn_gradient__scalar(size_t pixels, size_t channels, const float* x,
                              const float* r_out, const LrnParams& params, float* r_in);

}  // namespace ports
}  // namespace lrp

#endif  // LRP_PORTS_SCALAR_LAYER_RELEVANCE_SCALAR_H_
