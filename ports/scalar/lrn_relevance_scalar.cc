#include "ports/scalar/lrn_relevance_scalar.h"

#include <cmath>

#include "ports/scalar/lrn_scalar.h"

namespace lrp {
namespace ports {
namespace {

// v^-beta in double; beta = 0.75 (AlexNet's, ONNX's default) through two
// square roots, several times cheaper than pow.
inline double InversePower(double v, double beta) {
  if (beta == 0.75) {
    const double r = std::sqrt(v);
    return 1.0 / (r * std::sqrt(r));
  }
  return std::pow(v, -beta);
}

}  // namespace

void f32_lrn_taylor_relevance__scalar(size_t pixels, size_t channels, const float* x,
                                      const float* r_out, const LrnParams& params,
                                      bool normalized, float eps, float* work, float* r_in) {
  const ptrdiff_t below = (params.size - 1) / 2;
  const ptrdiff_t above = params.size / 2;
  const ptrdiff_t n = static_cast<ptrdiff_t>(channels);
  const double a = static_cast<double>(params.alpha) / params.size;
  const double beta = params.beta;
  const double bias = params.bias;
  float* own = work;                   // q_kk * t_k: what R_k gives its own input
  float* cross = work + channels;      // 2 A beta x_k s_k^(-beta-1) t_k
  float* sums = work + 2 * channels;   // sum_{i in N(k)} x_i^2
  for (size_t p = 0; p < pixels; ++p) {
    const float* xp = x + p * channels;
    const float* rp = r_out + p * channels;
    float* rin = r_in + p * channels;
    // Pass 1, over outputs k; window sums as in the forward kernel.
    f32_lrn_window_sums__scalar(channels, xp, params.size, 0, channels, sums);
    for (ptrdiff_t k = 0; k < n; ++k) {
      const double xk = xp[k];
      if (xk == 0.0) {  // no share at all (frequent after a ReLU)
        own[k] = 0.0f;
        cross[k] = 0.0f;
        continue;
      }
      const double window = sums[k];
      const double s = bias + a * window;
      const double s_pow = InversePower(s, beta);
      const double q_own = xk * InversePower(bias + a * xk * xk, beta);
      const double g = 2.0 * a * beta * xk * s_pow / s;
      double t = rp[k];
      if (normalized) {
        // sum_j q_jk = q_kk - g * sum_{j in N(k), j != k} x_j^2.
        const double others = window - xk * xk;
        const double den = q_own - g * (others > 0.0 ? others : 0.0);
        const double stab = den >= 0.0 ? den + eps : den - eps;
        t = stab == 0.0 ? 0.0 : t / stab;
      }
      own[k] = static_cast<float>(q_own * t);
      cross[k] = static_cast<float>(g * t);
    }
    // Pass 2, over inputs j: the outputs whose window holds j are
    // K(j) = [j - above, j + below]; R_j gets its own share and
    // -x_j^2 sum_{k in K(j), k != j} cross_k. Summed directly: the cross
    // terms have either sign, so a running sum could cancel badly.
    for (ptrdiff_t j = 0; j < n; ++j) {
      const ptrdiff_t lo = j - above < 0 ? 0 : j - above;
      const ptrdiff_t hi = j + below >= n ? n - 1 : j + below;
      double reach = 0.0;
      for (ptrdiff_t k = lo; k <= hi; ++k) reach += k == j ? 0.0 : double{cross[k]};
      const double xj = xp[j];
      rin[j] += static_cast<float>(own[j] - xj * xj * reach);
    }
  }
}

}  // namespace ports
}  // namespace lrp
