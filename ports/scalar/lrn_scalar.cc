#include "ports/scalar/lrn_scalar.h"

#include <cmath>

namespace lrp {
namespace ports {

void f32_lrn_ukernel__scalar(size_t pixels, size_t channels, const float* x, float* y,
                             const LrnParams& params) {
  const ptrdiff_t below = (params.size - 1) / 2;
  const ptrdiff_t above = params.size / 2;  // ceil((size-1)/2)
  const float scale = params.alpha / static_cast<float>(params.size);
  const ptrdiff_t c_count = static_cast<ptrdiff_t>(channels);
  for (size_t p = 0; p < pixels; ++p) {
    const float* xp = x + p * channels;
    float* yp = y + p * channels;
    for (ptrdiff_t c = 0; c < c_count; ++c) {
      const ptrdiff_t lo = c - below < 0 ? 0 : c - below;
      const ptrdiff_t hi = c + above >= c_count ? c_count - 1 : c + above;
      float sum = 0.0f;
      for (ptrdiff_t i = lo; i <= hi; ++i) sum += xp[i] * xp[i];
      yp[c] = xp[c] * std::pow(params.bias + scale * sum, -params.beta);
    }
  }
}

}  // namespace ports
}  // namespace lrp
