#include "ports/scalar/lrn_scalar.h"

#include <cmath>

namespace lrp {
namespace ports {

namespace {

constexpr size_t kChunk = 256;  // window sums buffered per row slice

// A running sum that fell below this fraction of the largest square it has
// held since it was last summed directly is summed directly again: the
// drift (~2^-53 of that square per step) then stays far below its float
// rounding.
constexpr double kResumFraction = 0x1p-24;

// sum_{i in [lo, hi]} x[i]^2 in double; also the largest square.
double DirectSum(const float* x, ptrdiff_t lo, ptrdiff_t hi, double* largest) {
  double sum = 0.0, big = 0.0;
  for (ptrdiff_t i = lo; i <= hi; ++i) {
    const double sq = static_cast<double>(x[i]) * x[i];
    sum += sq;
    big = sq > big ? sq : big;
  }
  *largest = big;
  return sum;
}

}  // namespace

void f32_lrn_window_sums__scalar(size_t channels, const float* x, int32_t size, size_t c_begin,
                                 size_t c_end, float* sums) {
  const ptrdiff_t below = (size - 1) / 2;
  const ptrdiff_t above = size / 2;  // ceil((size-1)/2): ONNX's extra channel
  const ptrdiff_t last = static_cast<ptrdiff_t>(channels) - 1;
  auto lo_of = [&](ptrdiff_t c) { return c - below < 0 ? 0 : c - below; };
  auto hi_of = [&](ptrdiff_t c) { return c + above > last ? last : c + above; };
  const ptrdiff_t begin = static_cast<ptrdiff_t>(c_begin);
  const ptrdiff_t end = static_cast<ptrdiff_t>(c_end);
  double largest = 0.0;
  double acc = DirectSum(x, lo_of(begin), hi_of(begin), &largest);
  for (ptrdiff_t c = begin; c < end; ++c) {
    // inf or NaN in the window (inf - inf would poison later channels), or
    // much larger squares have left it: sum this window directly.
    if (!std::isfinite(acc) || acc < largest * kResumFraction) {
      acc = DirectSum(x, lo_of(c), hi_of(c), &largest);
    }
    sums[c - begin] = static_cast<float>(acc);
    const ptrdiff_t enter = c + 1 + above;
    const ptrdiff_t leave = c - below;
    if (enter <= last) {
      const double sq = static_cast<double>(x[enter]) * x[enter];
      acc += sq;
      largest = sq > largest ? sq : largest;
    }
    if (leave >= 0) acc -= static_cast<double>(x[leave]) * x[leave];
  }
}

void f32_lrn_ukernel__scalar(size_t pixels, size_t channels, const float* x, float* y,
                             const LrnParams& params) {
  const float scale = params.alpha / static_cast<float>(params.size);
  float sums[kChunk];
  for (size_t p = 0; p < pixels; ++p) {
    const float* xp = x + p * channels;
    float* yp = y + p * channels;
    for (size_t c0 = 0; c0 < channels; c0 += kChunk) {
      const size_t n = channels - c0 < kChunk ? channels - c0 : kChunk;
      f32_lrn_window_sums__scalar(channels, xp, params.size, c0, c0 + n, sums);
      for (size_t i = 0; i < n; ++i) {
        const float s = params.bias + scale * sums[i];
        yp[c0 + i] = xp[c0 + i] * LrnInversePower(s, params.beta);
      }
    }
  }
}

}  // namespace ports
}  // namespace lrp
