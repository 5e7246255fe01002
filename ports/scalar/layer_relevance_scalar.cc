#include "ports/scalar/layer_relevance_scalar.h"

#include <cmath>

namespace lrp {
namespace ports {
namespace {

inline float Stab(float x, float eps) { return x >= 0.0f ? x + eps : x - eps; }

inline float SafeDiv(float r, float d) { return d == 0.0f ? 0.0f : r / d; }

// Calls f(input_index) for every real (non-padded) tap of output position
// (oy, ox), in row-major order. Offsets are pixel indices (times channels
// by the caller).
template <typename F>
void ForEachTap(const Window2D& w, size_t oy, size_t ox, F f) {
  for (int32_t ky = 0; ky < w.kernel_h; ++ky) {
    const ptrdiff_t iy = static_cast<ptrdiff_t>(oy) * w.stride_h + ky * w.dilation_h - w.pad_top;
    if (iy < 0 || iy >= static_cast<ptrdiff_t>(w.in_h)) continue;
    for (int32_t kx = 0; kx < w.kernel_w; ++kx) {
      const ptrdiff_t ix =
          static_cast<ptrdiff_t>(ox) * w.stride_w + kx * w.dilation_w - w.pad_left;
      if (ix < 0 || ix >= static_cast<ptrdiff_t>(w.in_w)) continue;
      f(static_cast<size_t>(iy) * w.in_w + static_cast<size_t>(ix));
    }
  }
}

}  // namespace

void f32_maxpool_wta__scalar(const Window2D& w, const float* a, const float* r_out,
                             float* r_in) {
  // Channels innermost (contiguous in NHWC), in blocks whose running maxima
  // fit on the stack; taps in row-major order, so the first maximum wins.
  constexpr size_t kBlock = 64;
  const size_t c_count = w.channels;
  float best[kBlock];
  size_t where[kBlock];
  for (size_t oy = 0; oy < w.out_h; ++oy) {
    for (size_t ox = 0; ox < w.out_w; ++ox) {
      const size_t k = (oy * w.out_w + ox) * c_count;
      for (size_t c0 = 0; c0 < c_count; c0 += kBlock) {
        const size_t width = c_count - c0 < kBlock ? c_count - c0 : kBlock;
        bool first = true;
        ForEachTap(w, oy, ox, [&](size_t pixel) {
          const float* v = a + pixel * c_count + c0;
          for (size_t c = 0; c < width; ++c) {
            if (first || v[c] > best[c] || (std::isnan(v[c]) && !std::isnan(best[c]))) {
              best[c] = v[c];
              where[c] = pixel;
            }
          }
          first = false;
        });
        if (first) continue;  // a window entirely in the padding
        for (size_t c = 0; c < width; ++c) {
          r_in[where[c] * c_count + c0 + c] += r_out[k + c0 + c];
        }
      }
    }
  }
}

void f32_maxpool_proportional__scalar(const Window2D& w, const float* a, const float* r_out,
                                      float eps, float* r_in) {
  const size_t c_count = w.channels;
  const float area = static_cast<float>(w.kernel_h * w.kernel_w);
  for (size_t oy = 0; oy < w.out_h; ++oy) {
    for (size_t ox = 0; ox < w.out_w; ++ox) {
      const size_t k = (oy * w.out_w + ox) * c_count;
      for (size_t c = 0; c < c_count; ++c) {
        float sum = 0.0f;
        ForEachTap(w, oy, ox, [&](size_t pixel) { sum += a[pixel * c_count + c]; });
        const float s = SafeDiv(r_out[k + c], area * Stab(sum / area, eps));
        ForEachTap(w, oy, ox, [&](size_t pixel) {
          r_in[pixel * c_count + c] += a[pixel * c_count + c] * s;
        });
      }
    }
  }
}

void f32_avgpool_transposed__scalar(const Window2D& w, const float* s, float* c_out) {
  const size_t c_count = w.channels;
  for (size_t oy = 0; oy < w.out_h; ++oy) {
    for (size_t ox = 0; ox < w.out_w; ++ox) {
      size_t taps = 0;
      ForEachTap(w, oy, ox, [&](size_t) { ++taps; });
      const float divisor = w.count_include_pad ? static_cast<float>(w.kernel_h * w.kernel_w)
                                                : static_cast<float>(taps);
      const size_t k = (oy * w.out_w + ox) * c_count;
      ForEachTap(w, oy, ox, [&](size_t pixel) {
        for (size_t c = 0; c < c_count; ++c) c_out[pixel * c_count + c] += s[k + c] / divisor;
      });
    }
  }
}

void f32_gap_transposed__scalar(size_t pixels, size_t channels, const float* s, float* c) {
  const float inv = 1.0f / static_cast<float>(pixels);
  for (size_t p = 0; p < pixels; ++p) {
    for (size_t ch = 0; ch < channels; ++ch) c[p * channels + ch] += s[ch] * inv;
  }
}

void f32_channel_slice_add__scalar(size_t pixels, size_t src_channels, size_t offset,
                                   size_t width, const float* src, float* dst) {
  for (size_t p = 0; p < pixels; ++p) {
    const float* row = src + p * src_channels + offset;
    float* out = dst + p * width;
    for (size_t c = 0; c < width; ++c) out[c] += row[c];
  }
}

void f32_vadd__scalar(size_t n, const float* x, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

void f32_clamp_gradient__scalar(size_t n, const float* x, float lo, float hi,
                                const float* r_out, float* r_in) {
  for (size_t i = 0; i < n; ++i) {
    if (x[i] > lo && x[i] < hi) r_in[i] += r_out[i];
  }
}

void f32_leaky_gradient__scalar(size_t n, const float* x, float slope, const float* r_out,
                                float* r_in) {
  for (size_t i = 0; i < n; ++i) r_in[i] += x[i] > 0.0f ? r_out[i] : slope * r_out[i];
}

void f32_lrn_gradient__scalar(size_t pixels, size_t channels, const float* x,
                              const float* r_out, const LrnParams& params, float* r_in) {
  // y_k = x_k s_k^-b, s_k = bias + A sum_{i in N(k)} x_i^2, A = alpha/size:
  // dy_k/dx_j = [j == k] s_k^-b - 2 A b x_j x_k s_k^(-b-1) for j in N(k).
  const ptrdiff_t below = (params.size - 1) / 2;
  const ptrdiff_t above = params.size / 2;
  const float scale = params.alpha / static_cast<float>(params.size);
  const ptrdiff_t n = static_cast<ptrdiff_t>(channels);
  for (size_t p = 0; p < pixels; ++p) {
    const float* xp = x + p * channels;
    const float* rp = r_out + p * channels;
    float* gp = r_in + p * channels;
    for (ptrdiff_t j = 0; j < n; ++j) {
      float g = 0.0f;
      // Outputs k whose window N(k) = [k - below, k + above] contains j.
      const ptrdiff_t k_lo = j - above < 0 ? 0 : j - above;
      const ptrdiff_t k_hi = j + below >= n ? n - 1 : j + below;
      for (ptrdiff_t k = k_lo; k <= k_hi; ++k) {
        const ptrdiff_t lo = k - below < 0 ? 0 : k - below;
        const ptrdiff_t hi = k + above >= n ? n - 1 : k + above;
        float sum = 0.0f;
        for (ptrdiff_t i = lo; i <= hi; ++i) sum += xp[i] * xp[i];
        const float s = params.bias + scale * sum;
        float d = -2.0f * scale * params.beta * xp[j] * xp[k] * std::pow(s, -params.beta - 1.0f);
        if (k == j) d += std::pow(s, -params.beta);
        g += rp[k] * d;
      }
      gp[j] += g;
    }
  }
}

}  // namespace ports
}  // namespace lrp
