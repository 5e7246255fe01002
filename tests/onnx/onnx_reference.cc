// The double-precision ONNX reference (onnx_reference.h).
#include "tests/onnx/onnx_reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

namespace lrp {
namespace onnx_test {

Tensor::Tensor(std::vector<int64_t> d) : dims(std::move(d)), v(Count(dims), 0.0) {}

Tensor::Tensor(std::vector<int64_t> d, const std::vector<float>& values)
    : dims(std::move(d)), v(values.begin(), values.end()) {
  EXPECT_EQ(v.size(), Count(dims));
}

size_t Tensor::Count(const std::vector<int64_t>& d) {
  size_t n = 1;
  for (int64_t x : d) n *= static_cast<size_t>(x);
  return n;
}

std::vector<float> RandomFloats(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

Tensor RandomTensor(const std::vector<int64_t>& dims, uint32_t seed, float lo, float hi) {
  return Tensor(dims, RandomFloats(Tensor::Count(dims), seed, lo, hi));
}

std::vector<float> Floats(const Tensor& t) { return std::vector<float>(t.v.begin(), t.v.end()); }

Window MakeWindow(std::array<int64_t, 2> k, std::array<int64_t, 2> s,
                  std::array<int64_t, 4> pads, std::array<int64_t, 2> d, bool ceil) {
  Window w;
  w.kh = k[0];
  w.kw = k[1];
  w.sh = s[0];
  w.sw = s[1];
  w.dh = d[0];
  w.dw = d[1];
  w.top = pads[0];
  w.left = pads[1];
  w.bottom = pads[2];
  w.right = pads[3];
  w.ceil = ceil;
  return w;
}

// ONNX's output size: floor (or ceil) of (in + pads - extent) / stride, + 1.
int64_t OutSize(int64_t in, int64_t pads, int64_t k, int64_t s, int64_t d, bool ceil) {
  const int64_t span = in + pads - ((k - 1) * d + 1);
  return (ceil ? (span + s - 1) / s : span / s) + 1;
}

// Conv: the kernel comes from W [M, C/group, kH, kW]; `win` gives the rest.
Tensor RefConv(const Tensor& x, const Tensor& w, const std::vector<float>& bias, Window win,
               int64_t group) {
  win.kh = w.dims[2];
  win.kw = w.dims[3];
  const int64_t n_ = x.dims[0], h = x.dims[2], wd = x.dims[3];
  const int64_t m_ = w.dims[0], cg = w.dims[1];
  const int64_t oh = OutSize(h, win.top + win.bottom, win.kh, win.sh, win.dh, false);
  const int64_t ow = OutSize(wd, win.left + win.right, win.kw, win.sw, win.dw, false);
  Tensor y({n_, m_, oh, ow});
  const int64_t per_group = m_ / group;
  for (int64_t n = 0; n < n_; ++n) {
    for (int64_t m = 0; m < m_; ++m) {
      const int64_t g = m / per_group;
      for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t ox = 0; ox < ow; ++ox) {
          double s = bias.empty() ? 0.0 : bias[m];
          for (int64_t ci = 0; ci < cg; ++ci) {
            for (int64_t i = 0; i < win.kh; ++i) {
              for (int64_t j = 0; j < win.kw; ++j) {
                const int64_t iy = oy * win.sh - win.top + i * win.dh;
                const int64_t ix = ox * win.sw - win.left + j * win.dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += x.at(n, g * cg + ci, iy, ix) * w.at(m, ci, i, j);
              }
            }
          }
          y.at(n, m, oy, ox) = s;
        }
      }
    }
  }
  return y;
}

Tensor RefPool(const Tensor& x, const Window& win, Pool kind) {
  const int64_t h = x.dims[2], wd = x.dims[3];
  const int64_t oh = OutSize(h, win.top + win.bottom, win.kh, win.sh, win.dh, win.ceil);
  const int64_t ow = OutSize(wd, win.left + win.right, win.kw, win.sw, win.dw, win.ceil);
  Tensor y({x.dims[0], x.dims[1], oh, ow});
  for (int64_t n = 0; n < x.dims[0]; ++n) {
    for (int64_t c = 0; c < x.dims[1]; ++c) {
      for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t ox = 0; ox < ow; ++ox) {
          double best = -INFINITY, sum = 0;
          int count = 0;
          for (int64_t i = 0; i < win.kh; ++i) {
            for (int64_t j = 0; j < win.kw; ++j) {
              const int64_t iy = oy * win.sh - win.top + i * win.dh;
              const int64_t ix = ox * win.sw - win.left + j * win.dw;
              const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
              // count_include_pad counts the explicit pads, not what
              // ceil_mode reaches beyond them.
              const bool in_pads = iy >= -win.top && iy < h + win.bottom && ix >= -win.left &&
                                   ix < wd + win.right;
              if (inside) {
                best = std::max(best, x.at(n, c, iy, ix));
                sum += x.at(n, c, iy, ix);
              }
              if (kind == Pool::kAverageIncludePad ? in_pads : inside) ++count;
            }
          }
          y.at(n, c, oy, ox) = kind == Pool::kMax ? best : sum / count;
        }
      }
    }
  }
  return y;
}

Tensor RefGlobalAveragePool(const Tensor& x) {
  Tensor y({x.dims[0], x.dims[1], 1, 1});
  for (int64_t n = 0; n < x.dims[0]; ++n) {
    for (int64_t c = 0; c < x.dims[1]; ++c) {
      double s = 0;
      for (int64_t i = 0; i < x.dims[2]; ++i) {
        for (int64_t j = 0; j < x.dims[3]; ++j) s += x.at(n, c, i, j);
      }
      y.at(n, c, 0, 0) = s / static_cast<double>(x.dims[2] * x.dims[3]);
    }
  }
  return y;
}

// Zero padding of H and W.
Tensor RefPad(const Tensor& x, int64_t top, int64_t left, int64_t bottom, int64_t right) {
  Tensor y({x.dims[0], x.dims[1], x.dims[2] + top + bottom, x.dims[3] + left + right});
  for (int64_t n = 0; n < x.dims[0]; ++n) {
    for (int64_t c = 0; c < x.dims[1]; ++c) {
      for (int64_t i = 0; i < x.dims[2]; ++i) {
        for (int64_t j = 0; j < x.dims[3]; ++j) y.at(n, c, i + top, j + left) = x.at(n, c, i, j);
      }
    }
  }
  return y;
}

// Per-channel affine map along axis 1, any rank >= 2.
Tensor RefBatchNorm(const Tensor& x, const std::vector<float>& gamma,
                    const std::vector<float>& beta, const std::vector<float>& mean,
                    const std::vector<float>& var, double eps) {
  Tensor y = x;
  const size_t channels = static_cast<size_t>(x.dims[1]);
  size_t inner = 1;
  for (size_t i = 2; i < x.dims.size(); ++i) inner *= static_cast<size_t>(x.dims[i]);
  for (size_t k = 0; k < y.v.size(); ++k) {
    const size_t c = (k / inner) % channels;
    y.v[k] = (x.v[k] - mean[c]) / std::sqrt(var[c] + eps) * gamma[c] + beta[c];
  }
  return y;
}

Tensor RefLrn(const Tensor& x, int64_t size, double alpha, double beta, double bias) {
  Tensor y = x;
  const int64_t channels = x.dims[1];
  const int64_t below = (size - 1) / 2, above = size - 1 - below;
  for (int64_t n = 0; n < x.dims[0]; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t i = 0; i < x.dims[2]; ++i) {
        for (int64_t j = 0; j < x.dims[3]; ++j) {
          double sq = 0;
          for (int64_t k = std::max<int64_t>(0, c - below); k <= std::min(channels - 1, c + above);
               ++k) {
            sq += x.at(n, k, i, j) * x.at(n, k, i, j);
          }
          y.at(n, c, i, j) = x.at(n, c, i, j) / std::pow(bias + alpha / size * sq, beta);
        }
      }
    }
  }
  return y;
}

// Y = alpha * A' B' + beta * C (C broadcast to [M, N]); C may be null.
Tensor RefGemm(const Tensor& a, const Tensor& b, const Tensor* c, double alpha, double beta,
               bool trans_a, bool trans_b) {
  const int64_t m_ = trans_a ? a.dims[1] : a.dims[0], k_ = trans_a ? a.dims[0] : a.dims[1];
  const int64_t n_ = trans_b ? b.dims[0] : b.dims[1];
  Tensor y({m_, n_});
  for (int64_t m = 0; m < m_; ++m) {
    for (int64_t n = 0; n < n_; ++n) {
      double s = 0;
      for (int64_t k = 0; k < k_; ++k) {
        const double av = trans_a ? a.v[k * m_ + m] : a.v[m * k_ + k];
        const double bv = trans_b ? b.v[n * k_ + k] : b.v[k * n_ + n];
        s += av * bv;
      }
      double cv = 0;
      if (c != nullptr) {
        const size_t rank = c->dims.size();
        const int64_t cm = rank == 2 ? c->dims[0] : 1, cn = rank >= 1 ? c->dims[rank - 1] : 1;
        cv = c->v[(cm == 1 ? 0 : m) * cn + (cn == 1 ? 0 : n)];
      }
      y.v[m * n_ + n] = alpha * s + beta * cv;
    }
  }
  return y;
}

// MatMul of A [..., K] by a 2-D B [K, N].
Tensor RefMatMul(const Tensor& a, const Tensor& b) {
  std::vector<int64_t> dims = a.dims;
  const int64_t k_ = b.dims[0], n_ = b.dims[1];
  dims.back() = n_;
  Tensor y(dims);
  const size_t rows = a.v.size() / static_cast<size_t>(k_);
  for (size_t r = 0; r < rows; ++r) {
    for (int64_t n = 0; n < n_; ++n) {
      double s = 0;
      for (int64_t k = 0; k < k_; ++k) s += a.v[r * k_ + k] * b.v[k * n_ + n];
      y.v[r * n_ + n] = s;
    }
  }
  return y;
}

// Softmax over `axis` (the ONNX opset 13 definition).
Tensor RefSoftmax(const Tensor& x, size_t axis) {
  size_t outer = 1, inner = 1;
  for (size_t i = 0; i < axis; ++i) outer *= static_cast<size_t>(x.dims[i]);
  for (size_t i = axis + 1; i < x.dims.size(); ++i) inner *= static_cast<size_t>(x.dims[i]);
  const size_t n = static_cast<size_t>(x.dims[axis]);
  Tensor y = x;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      double mx = -INFINITY, sum = 0;
      for (size_t j = 0; j < n; ++j) mx = std::max(mx, x.v[(o * n + j) * inner + i]);
      for (size_t j = 0; j < n; ++j) sum += std::exp(x.v[(o * n + j) * inner + i] - mx);
      for (size_t j = 0; j < n; ++j) {
        y.v[(o * n + j) * inner + i] = std::exp(x.v[(o * n + j) * inner + i] - mx) / sum;
      }
    }
  }
  return y;
}

Tensor Map(Tensor t, const std::function<double(double)>& f) {
  for (double& x : t.v) x = f(x);
  return t;
}

double Relu(double x) { return x > 0 ? x : 0; }

Tensor Add(Tensor a, const Tensor& b) {
  for (size_t i = 0; i < a.v.size(); ++i) a.v[i] += b.v[i];
  return a;
}

// Adds one value per channel (axis 1).
Tensor AddPerChannel(Tensor x, const std::vector<float>& bias) {
  const size_t inner = x.v.size() / static_cast<size_t>(x.dims[0] * x.dims[1]);
  for (size_t k = 0; k < x.v.size(); ++k) x.v[k] += bias[(k / inner) % bias.size()];
  return x;
}

Tensor ConcatChannels(const Tensor& a, const Tensor& b) {
  Tensor y({a.dims[0], a.dims[1] + b.dims[1], a.dims[2], a.dims[3]});
  for (int64_t n = 0; n < a.dims[0]; ++n) {
    for (int64_t c = 0; c < y.dims[1]; ++c) {
      for (int64_t i = 0; i < a.dims[2]; ++i) {
        for (int64_t j = 0; j < a.dims[3]; ++j) {
          y.at(n, c, i, j) = c < a.dims[1] ? a.at(n, c, i, j) : b.at(n, c - a.dims[1], i, j);
        }
      }
    }
  }
  return y;
}

Tensor Reshaped(Tensor t, std::vector<int64_t> dims) {
  t.dims = std::move(dims);
  return t;
}

}  // namespace onnx_test
}  // namespace lrp
