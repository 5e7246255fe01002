// The kRelative rule (R-LRP-P, RULES.md section 5) per layer kind. Every
// form is "input times a transposed product" of the relevance received, so
// the power-of-two factor is applied once, to the operand of that product,
// and scales the result exactly.
#include "runtime/lrp/relative_rules.h"

#include <cmath>
#include <cstring>

#include "ports/kernels.h"
#include "ports/scalar/layer_relevance_scalar.h"
#include "runtime/lrp/weighted_ops.h"

namespace lrp {
namespace internal {
namespace {

const ports::KernelTable& K() { return ports::BestKernels(); }

// dst = src * 2^exponent, exact for normal values (the caller normalizes).
void ScaleInto(size_t n, const float* src, int exponent, float* dst) {
  const float f = std::ldexp(1.0f, exponent);
  for (size_t i = 0; i < n; ++i) dst[i] = src[i] * f;
}

// One pixel: s = r * f and the lanes of sum_c (z_c - b_c) r_c (b may be
// null). Restrict and fixed-width lanes let the compiler vectorize it.
void ScalePixel(size_t channels, const float* __restrict r, const float* __restrict z,
                const float* __restrict b, float f, float* __restrict s,
                float* __restrict lane) {
  size_t c = 0;
  if (b) {
    for (; c + 8 <= channels; c += 8) {
      for (size_t k = 0; k < 8; ++k) {
        s[c + k] = r[c + k] * f;
        lane[k] += (z[c + k] - b[c + k]) * r[c + k];
      }
    }
    for (; c < channels; ++c) {
      s[c] = r[c] * f;
      lane[0] += (z[c] - b[c]) * r[c];
    }
  } else {
    for (; c + 8 <= channels; c += 8) {
      for (size_t k = 0; k < 8; ++k) {
        s[c + k] = r[c + k] * f;
        lane[k] += z[c + k] * r[c + k];
      }
    }
    for (; c < channels; ++c) {
      s[c] = r[c] * f;
      lane[0] += z[c] * r[c];
    }
  }
}

// s = r * 2^exponent and sum_k (z_k - b_k) r_k in one pass; per pixel in 8
// float lanes, pixels in double.
double ScaleAndWeigh(const RelevanceNode& n, const float* r, int exponent, float* s) {
  const float f = std::ldexp(1.0f, exponent);
  const size_t channels = n.out_channels;
  double given = 0.0;
  for (size_t base = 0; base < n.out_elements; base += channels) {
    float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    ScalePixel(channels, r + base, n.z + base, n.bias, f, s + base, lane);
    given += double{lane[0]} + lane[1] + lane[2] + lane[3] + lane[4] + lane[5] + lane[6] +
             lane[7];
  }
  return given;
}

// Conv2D/Dense: R_in = a * B(W, R) -- the LRP-0 numerator, no 1/z, no bias.
// Gives sum_j a_j sum_k w_jk R_k = sum_k (z_k - b_k) R_k; z equals y where a
// fused ReLU zeroed it only if R is 0 there (relevance_setup.cc ZeroSafe).
double Weighted(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                const float* r_out, int exponent, float* r_in) {
  const double given = ScaleAndWeigh(n, r_out, exponent, sc.s1);
  if (IsConv(n)) {
    RunTransposedOp(n, sc, n.t_main, pool);
  } else {
    DenseTransposed(n, pool, WeightKind::kW, sc.s1, sc.c1);
  }
  K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
  return given;
}

// Standalone BatchNorm y = w x + c per channel, as a weighted layer:
// R_in = a * w R, the offset ignored.
double BatchNorm(const RelevanceNode& n, const float* r_out, int exponent, float* r_in) {
  const LayerDesc& l = *n.layer;
  const float* var = l.buffers.data[1];
  const float* scale = l.buffers.data[2];
  const float f = std::ldexp(1.0f, exponent);
  const size_t channels = n.in_channels;
  double given = 0.0;
  for (size_t c = 0; c < channels; ++c) {
    const float w = scale[c] / std::sqrt(var[c] + l.params.epsilon);
    for (size_t i = c; i < n.in_elements; i += channels) {
      const float contribution = n.a[i] * w * r_out[i];
      given += contribution;
      r_in[i] += n.a[i] * w * (r_out[i] * f);
    }
  }
  return given;
}

ports::Window2D AvgWindow(const RelevanceNode& n) {
  const LayerParams& p = n.layer->params;
  ports::Window2D w;
  w.in_h = static_cast<size_t>(n.layer_input_shape.dims[0]);
  w.in_w = static_cast<size_t>(n.layer_input_shape.dims[1]);
  w.out_h = static_cast<size_t>(n.layer_output_shape.dims[0]);
  w.out_w = static_cast<size_t>(n.layer_output_shape.dims[1]);
  w.channels = n.in_channels;
  w.kernel_h = p.kernel_h;
  w.kernel_w = p.kernel_w;
  w.stride_h = p.stride_h;
  w.stride_w = p.stride_w;
  w.dilation_h = 1;
  w.dilation_w = 1;
  w.pad_top = p.padding.top;
  w.pad_left = p.padding.left;
  w.count_include_pad = p.count_include_pad;
  return w;
}

// AvgPool2D/GlobalAvgPool: R_in = a * J^T R, no division; gives sum_k y_k R_k.
double Pool(const RelevanceNode& n, const RelevanceScratch& sc, const float* r_out,
            int exponent, float* r_in) {
  ScaleInto(n.out_elements, r_out, exponent, sc.s1);
  std::memset(sc.c1, 0, n.in_elements * sizeof(float));
  if (n.layer->kind == LayerKind::kAvgPool2D) {
    ports::f32_avgpool_transposed__scalar(AvgWindow(n), sc.s1, sc.c1);
  } else {
    ports::f32_gap_transposed__scalar(n.in_elements / n.in_channels, n.in_channels, sc.s1,
                                      sc.c1);
  }
  K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
  double given = 0.0;
  for (size_t k = 0; k < n.out_elements; ++k) given += double{n.y[k]} * r_out[k];
  return given;
}

// Add y = u + v (activation applied after): R_u = u R / stab(u + v) and
// likewise R_v, the only per-neuron division of R-LRP.
double Add(const RelevanceNode& n, const RelevanceScratch& sc, const float* r_out,
           float* const* r_in, const float* const* inputs, BranchMerge* merge) {
  const size_t count = n.in_elements;
  const float* u = inputs[0];
  const float* v = inputs[1];
  for (size_t i = 0; i < count; ++i) sc.c1[i] = u[i] + v[i];
  K().vstabdiv(count, r_out, sc.c1, n.stabilizer, sc.c1);
  // What each input receives. Accurately: the branch scalar divides by
  // these sums, which can nearly cancel.
  double given[2] = {AccurateDot(u, sc.c1, count), AccurateDot(v, sc.c1, count)};
  if (r_in[0] == r_in[1]) {  // x + x
    for (size_t i = 0; i < count; ++i) sc.ap[i] = u[i] + v[i];
    K().vmuladd(count, sc.ap, sc.c1, r_in[0]);
  } else {
    K().vmuladd(count, u, sc.c1, r_in[0]);
    K().vmuladd(count, v, sc.c1, r_in[1]);
  }
  if (merge) {
    merge->sum_skip = given[merge->skip_input];
    merge->sum_branch = given[1 - merge->skip_input];
  }
  return given[0] + given[1];
}

}  // namespace

// Blocks of 64 products in 16 float lanes (vectorizable, independent
// chains), blocks in double: float rounding only within 4 terms per lane.
double AccurateDot(const float* x, const float* y, size_t n) {
  double total = 0.0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    float lane[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t j = 0; j < 64; j += 16) {
      for (size_t k = 0; k < 16; ++k) lane[k] += x[i + j + k] * y[i + j + k];
    }
    for (float l : lane) total += l;
  }
  for (; i < n; ++i) total += double{x[i]} * y[i];
  return total;
}

double AccurateSum(const float* x, size_t n) {
  double total = 0.0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    float lane[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t j = 0; j < 64; j += 16) {
      for (size_t k = 0; k < 16; ++k) lane[k] += x[i + j + k];
    }
    for (float l : lane) total += l;
  }
  for (; i < n; ++i) total += x[i];
  return total;
}

int NormalizingExponent(float m) {
  if (m == 0.0f || !std::isfinite(m)) return 0;
  int e = 0;
  std::frexp(m, &e);  // m = f 2^e, f in [0.5, 1)
  e = -e;
  return e < -126 ? -126 : (e > 126 ? 126 : e);
}

double RunRelative(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                   const float* r_out, int exponent, float* const* r_in,
                   const float* const* inputs, BranchMerge* merge) {
  switch (n.layer->kind) {
    case LayerKind::kConv2D:
    case LayerKind::kDense:
      return Weighted(n, sc, pool, r_out, exponent, r_in[0]);
    case LayerKind::kBatchNorm:
      return BatchNorm(n, r_out, exponent, r_in[0]);
    case LayerKind::kAvgPool2D:
    case LayerKind::kGlobalAvgPool:
      return Pool(n, sc, r_out, exponent, r_in[0]);
    case LayerKind::kAdd:
      return Add(n, sc, r_out, r_in, inputs, merge);
    default:
      return 0.0;  // resolution never maps kRelative to other kinds
  }
}

}  // namespace internal
}  // namespace lrp
