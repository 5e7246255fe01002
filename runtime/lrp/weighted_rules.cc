#include "runtime/lrp/weighted_rules.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ports/kernels.h"
#include "runtime/xnn/xnn_init.h"

namespace lrp {
namespace internal {
namespace {

using ports::WeightMod;
constexpr float kInf = std::numeric_limits<float>::infinity();

const ports::KernelTable& K() { return ports::BestKernels(); }

bool IsConv(const RelevanceNode& n) { return n.layer->kind == LayerKind::kConv2D; }

float Modify(float w, WeightMod mod) {
  switch (mod) {
    case WeightMod::kPositive: return w > 0.0f ? w : 0.0f;
    case WeightMod::kNegative: return w < 0.0f ? w : 0.0f;
    case WeightMod::kSquare: return w * w;
    case WeightMod::kIdentity: break;
  }
  return w;
}

float Stab(float x, float eps) { return x >= 0.0f ? x + eps : x - eps; }
float SafeDiv(float r, float d) { return d == 0.0f ? 0.0f : r / d; }

// ---------------------------------------------------------------- operators

// Which primitives a rule uses (RULES.md §2, in the algebra of RunWeighted).
struct Needs {
  bool fwd_pos = false;   // F(W+, ...)
  bool fwd_neg = false;   // F(W-, a-)   (sign-unknown input only)
  bool fwd_on_a = false;  // F(W+, a) instead of F(W+, a+)
  bool t_w = false;       // B(W, s1)
  bool t_pos = false;     // B(W+, s2)
  bool t_neg = false;     // B(W-, s1)
  bool t_special = false; // B(1, s1) for Flat, B(W^2, s1) for WSquare
};

Needs NeedsOf(const RelevanceNode& n) {
  Needs k;
  switch (n.rule) {
    case RuleKind::kZero:
    case RuleKind::kEpsilon:
    case RuleKind::kGradient:
      k.t_w = true;
      break;
    case RuleKind::kGamma:
      k.fwd_pos = k.t_w = k.t_pos = true;
      k.fwd_neg = !n.nonneg_input;
      k.fwd_on_a = n.nonneg_input;
      break;
    case RuleKind::kGammaClassic:
      k.fwd_pos = k.t_w = k.t_pos = true;
      k.fwd_on_a = true;  // rho(W) a needs only F(W+, a), whatever the sign of a
      break;
    case RuleKind::kAlphaBeta:
      // Both sides directly (F(W-, a), B(W-, s)): an empty side must give
      // exactly 0, which the z - F(W+, a) algebra would only approximate.
      k.fwd_pos = k.t_pos = true;
      k.fwd_neg = n.beta != 0.0f || !n.nonneg_input;
      k.fwd_on_a = n.nonneg_input;
      k.t_neg = n.beta != 0.0f || !n.nonneg_input;
      break;
    case RuleKind::kZBox:
      k.t_w = k.t_pos = true;
      break;
    case RuleKind::kFlat:
    case RuleKind::kWSquare:
      k.t_special = true;
      break;
    default:
      break;
  }
  return k;
}

size_t ConvInPerGroup(const RelevanceNode& n) { return n.in_channels / n.layer->params.groups; }
size_t ConvOutPerGroup(const RelevanceNode& n) { return n.out_channels / n.layer->params.groups; }

// F(mod W, 0, x) -> y as an XNNPACK convolution (no bias, no clamp).
Status CreateConvForward(const RelevanceNode& n, WeightMod mod, const float* x, float* y,
                         pthreadpool_t pool, xnn_operator_t* op) {
  const LayerParams& p = n.layer->params;
  const Shape& in = n.layer_input_shape;
  std::vector<float> w(n.layer->buffers.size[0]);
  for (size_t i = 0; i < w.size(); ++i) w[i] = Modify(n.layer->buffers.data[0][i], mod);
  LRP_RETURN_IF_ERROR(FromXnn(
      xnn_create_convolution2d_nhwc_f32(
          static_cast<uint32_t>(p.padding.top), static_cast<uint32_t>(p.padding.right),
          static_cast<uint32_t>(p.padding.bottom), static_cast<uint32_t>(p.padding.left),
          static_cast<uint32_t>(p.kernel_h), static_cast<uint32_t>(p.kernel_w),
          static_cast<uint32_t>(p.stride_h), static_cast<uint32_t>(p.stride_w),
          static_cast<uint32_t>(p.dilation_h), static_cast<uint32_t>(p.dilation_w),
          static_cast<uint32_t>(p.groups), ConvInPerGroup(n), ConvOutPerGroup(n), n.in_channels,
          n.out_channels, w.data(), nullptr, -kInf, kInf, 0, op),
      "create modified convolution"));
  return FromXnn(xnn_setup_convolution2d_nhwc_f32(*op, 1, in.dims[0], in.dims[1], x, y, pool),
                 "setup modified convolution");
}

// B(mod W, s) -> c as an XNNPACK deconvolution: the transposed convolution
// with the same stride, padding, dilation and groups, cropped/adjusted to
// exactly the input's shape. `ones` replaces every weight by 1 (Flat).
Status CreateConvTransposed(const RelevanceNode& n, WeightMod mod, bool ones, const float* s,
                            float* c, pthreadpool_t pool, xnn_operator_t* op) {
  const LayerParams& p = n.layer->params;
  const Shape& in = n.layer_input_shape;
  const Shape& out = n.layer_output_shape;
  const size_t groups = static_cast<size_t>(p.groups);
  const size_t cin_g = ConvInPerGroup(n), cout_g = ConvOutPerGroup(n);
  const size_t kh = static_cast<size_t>(p.kernel_h), kw = static_cast<size_t>(p.kernel_w);
  // Forward OHWI [g][co][ky][kx][ci] -> deconvolution [g][ci][ky][kx][co].
  const float* w = n.layer->buffers.data[0];
  std::vector<float> t(n.layer->buffers.size[0]);
  for (size_t g = 0; g < groups; ++g) {
    for (size_t co = 0; co < cout_g; ++co) {
      for (size_t ky = 0; ky < kh; ++ky) {
        for (size_t kx = 0; kx < kw; ++kx) {
          for (size_t ci = 0; ci < cin_g; ++ci) {
            const float v = w[(((g * cout_g + co) * kh + ky) * kw + kx) * cin_g + ci];
            t[(((g * cin_g + ci) * kh + ky) * kw + kx) * cout_g + co] = ones ? 1.0f : Modify(v, mod);
          }
        }
      }
    }
  }
  const int64_t eff_h = (p.kernel_h - 1) * int64_t{p.dilation_h} + 1;
  const int64_t eff_w = (p.kernel_w - 1) * int64_t{p.dilation_w} + 1;
  const uint32_t adj_h = static_cast<uint32_t>(
      (in.dims[0] + p.padding.top + p.padding.bottom - eff_h) % p.stride_h);
  const uint32_t adj_w = static_cast<uint32_t>(
      (in.dims[1] + p.padding.left + p.padding.right - eff_w) % p.stride_w);
  LRP_RETURN_IF_ERROR(FromXnn(
      xnn_create_deconvolution2d_nhwc_f32(
          static_cast<uint32_t>(p.padding.top), static_cast<uint32_t>(p.padding.right),
          static_cast<uint32_t>(p.padding.bottom), static_cast<uint32_t>(p.padding.left),
          static_cast<uint32_t>(kh), static_cast<uint32_t>(kw),
          static_cast<uint32_t>(p.stride_h), static_cast<uint32_t>(p.stride_w),
          static_cast<uint32_t>(p.dilation_h), static_cast<uint32_t>(p.dilation_w),
          static_cast<uint32_t>(groups), cout_g, cin_g, n.out_channels, n.in_channels, t.data(),
          nullptr, -kInf, kInf, 0, op),
      "create transposed convolution"));
  return FromXnn(xnn_setup_deconvolution2d_nhwc_f32(*op, 1, out.dims[0], out.dims[1], adj_h,
                                                    adj_w, s, c, pool),
                 "setup transposed convolution");
}

// ---------------------------------------------------------------- constants

// K[k] = sum over the real taps of output k of mod(w) * v(input channel)
// (+ bias term), i.e. F(mod W, b, v) on an input that is v[c] everywhere
// and 0 in the padding. Input-independent: computed once, naively.
void ConstantForward(const RelevanceNode& n, WeightMod mod, const float* per_channel,
                     float bias_scale, bool square_bias, float* out) {
  const float* w = n.layer->buffers.data[0];
  const float* b = n.layer->buffers.data[1];
  const size_t cout = n.out_channels;
  if (!IsConv(n)) {
    const size_t cin = n.in_elements;
    for (size_t k = 0; k < cout; ++k) {
      double sum = 0.0;
      for (size_t j = 0; j < cin; ++j) {
        sum += double{Modify(w[k * cin + j], mod)} * per_channel[j % n.in_channels];
      }
      if (b) sum += bias_scale * (square_bias ? double{b[k]} * b[k] : b[k]);
      out[k] = static_cast<float>(sum);
    }
    return;
  }
  const LayerParams& p = n.layer->params;
  const Shape& in = n.layer_input_shape;
  const Shape& o = n.layer_output_shape;
  const size_t cin_g = ConvInPerGroup(n), cout_g = ConvOutPerGroup(n);
  for (int32_t oy = 0; oy < o.dims[0]; ++oy) {
    for (int32_t ox = 0; ox < o.dims[1]; ++ox) {
      for (size_t co = 0; co < cout; ++co) {
        const size_t g = co / cout_g;
        double sum = 0.0;
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          const int32_t iy = oy * p.stride_h + ky * p.dilation_h - p.padding.top;
          if (iy < 0 || iy >= in.dims[0]) continue;
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t ix = ox * p.stride_w + kx * p.dilation_w - p.padding.left;
            if (ix < 0 || ix >= in.dims[1]) continue;
            const float* wk = w + ((co * p.kernel_h + ky) * p.kernel_w + kx) * cin_g;
            for (size_t ci = 0; ci < cin_g; ++ci) {
              sum += double{Modify(wk[ci], mod)} * per_channel[g * cin_g + ci];
            }
          }
        }
        if (b) sum += bias_scale * (square_bias ? double{b[co]} * b[co] : b[co]);
        out[(static_cast<size_t>(oy) * o.dims[1] + ox) * cout + co] = static_cast<float>(sum);
      }
    }
  }
}

void ComputeConstant(RelevanceNode* n) {
  const size_t count = WeightedConstantElements(*n);
  if (count == 0) return;
  std::vector<float> ones(n->in_channels, 1.0f);
  if (n->rule == RuleKind::kFlat) {
    // n_k = F(1, 0, 1): the real (non-padded) taps feeding k times C_in/groups.
    const size_t cout = n->out_channels;
    if (!IsConv(*n)) {
      for (size_t k = 0; k < cout; ++k) n->constant[k] = static_cast<float>(n->in_elements);
      return;
    }
    const LayerParams& p = n->layer->params;
    const Shape& in = n->layer_input_shape;
    const Shape& o = n->layer_output_shape;
    const float cin_g = static_cast<float>(ConvInPerGroup(*n));
    for (int32_t oy = 0; oy < o.dims[0]; ++oy) {
      for (int32_t ox = 0; ox < o.dims[1]; ++ox) {
        int taps = 0;
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          const int32_t iy = oy * p.stride_h + ky * p.dilation_h - p.padding.top;
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t ix = ox * p.stride_w + kx * p.dilation_w - p.padding.left;
            taps += iy >= 0 && iy < in.dims[0] && ix >= 0 && ix < in.dims[1];
          }
        }
        for (size_t co = 0; co < cout; ++co) {
          n->constant[(static_cast<size_t>(oy) * o.dims[1] + ox) * cout + co] = taps * cin_g;
        }
      }
    }
  } else if (n->rule == RuleKind::kWSquare) {
    ConstantForward(*n, WeightMod::kSquare, ones.data(), n->zero_bias ? 0.0f : 1.0f, true,
                    n->constant);
  } else if (n->rule == RuleKind::kZBox) {
    std::vector<float> hi(count);
    ConstantForward(*n, WeightMod::kPositive, n->low, 0.0f, false, n->constant);
    ConstantForward(*n, WeightMod::kNegative, n->high, 0.0f, false, hi.data());
    for (size_t k = 0; k < count; ++k) n->constant[k] += hi[k];
  }
}

// ------------------------------------------------------------ dense kernels

struct DenseTask {
  const RelevanceNode* node;
  WeightMod mod;
  const float* in;
  float* out;
};

void DenseTransposedTile(void* context, size_t start, size_t width) {
  const DenseTask& t = *static_cast<const DenseTask*>(context);
  const size_t cols = t.node->in_elements;
  K().dense_transposed(t.node->out_elements, width, cols, t.node->layer->buffers.data[0] + start,
                       t.in, t.mod, t.out + start);
}

void DenseForwardTile(void* context, size_t start, size_t rows) {
  const DenseTask& t = *static_cast<const DenseTask*>(context);
  const size_t cols = t.node->in_elements;
  K().dense_modified(rows, cols, t.node->layer->buffers.data[0] + start * cols, t.in, t.mod,
                     t.out + start);
}

// c = B(mod W, s) over all input features, parallel over column tiles.
void DenseTransposed(const RelevanceNode& n, pthreadpool_t pool, WeightMod mod, const float* s,
                     float* c) {
  DenseTask task{&n, mod, s, c};
  pthreadpool_parallelize_1d_tile_1d(pool, DenseTransposedTile, &task, n.in_elements, 512, 0);
}

// y = F(mod W, 0, x), parallel over row tiles.
void DenseForward(const RelevanceNode& n, pthreadpool_t pool, WeightMod mod, const float* x,
                  float* y) {
  DenseTask task{&n, mod, x, y};
  pthreadpool_parallelize_1d_tile_1d(pool, DenseForwardTile, &task, n.out_elements, 16, 0);
}

// ---------------------------------------------------------- run primitives

// q = F(W+, a or a+) [+ F(W-, a-) into q2, added to q].
void ForwardPositive(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                     bool on_a) {
  if (IsConv(n)) {
    xnn_run_operator(n.fwd_pos, pool);
    if (n.fwd_neg) {
      xnn_run_operator(n.fwd_neg, pool);
      for (size_t k = 0; k < n.out_elements; ++k) sc.q[k] += sc.q2[k];
    }
    return;
  }
  DenseForward(n, pool, WeightMod::kPositive, on_a ? n.a : sc.ap, sc.q);
  if (!on_a) {
    DenseForward(n, pool, WeightMod::kNegative, sc.an, sc.q2);
    for (size_t k = 0; k < n.out_elements; ++k) sc.q[k] += sc.q2[k];
  }
}

enum class Transposed { kW, kPositive, kNegative, kSpecial };

// c1 = B(W, s1) | B(W+, s2) | B(W-, s1) | B(1 or W^2, s1).
void Transpose(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
               Transposed which) {
  if (IsConv(n)) {
    xnn_run_operator(which == Transposed::kW          ? n.t_w
                     : which == Transposed::kPositive ? n.t_pos
                     : which == Transposed::kNegative ? n.t_neg
                                                      : n.t_special,
                     pool);
    return;
  }
  switch (which) {
    case Transposed::kW:
      DenseTransposed(n, pool, WeightMod::kIdentity, sc.s1, sc.c1);
      return;
    case Transposed::kPositive:
      DenseTransposed(n, pool, WeightMod::kPositive, sc.s2, sc.c1);
      return;
    case Transposed::kNegative:
      DenseTransposed(n, pool, WeightMod::kNegative, sc.s1, sc.c1);
      return;
    case Transposed::kSpecial:
      if (n.rule == RuleKind::kWSquare) {
        DenseTransposed(n, pool, WeightMod::kSquare, sc.s1, sc.c1);
      } else {  // Flat: every input gets the sum of s
        float sum = 0.0f;
        for (size_t k = 0; k < n.out_elements; ++k) sum += sc.s1[k];
        for (size_t j = 0; j < n.in_elements; ++j) sc.c1[j] = sum;
      }
      return;
  }
}

float BiasAt(const RelevanceNode& n, size_t k) {
  return n.bias ? n.bias[k % n.out_channels] : 0.0f;
}

// |a| = a+ - a-.
void MulAbsAdd(size_t count, const float* ap, const float* an, const float* c, float* r) {
  for (size_t j = 0; j < count; ++j) r[j] += (ap[j] - an[j]) * c[j];
}

void SplitSigns(const RelevanceNode& n, const RelevanceScratch& sc) {
  for (size_t j = 0; j < n.in_elements; ++j) {
    sc.ap[j] = n.a[j] > 0.0f ? n.a[j] : 0.0f;
    sc.an[j] = n.a[j] < 0.0f ? n.a[j] : 0.0f;
  }
}

void RunEpsilon(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                const float* r_out, float* r_in) {
  const size_t m = n.out_elements;
  const float* d = n.z;
  if (n.zero_bias && n.bias) {
    for (size_t k = 0; k < m; ++k) sc.q[k] = n.z[k] - BiasAt(n, k);
    d = sc.q;
  }
  float eps = n.epsilon;  // LRP-0: 0 unless given; z = 0 then passes nothing
  if (n.epsilon_rms) {
    double sq = 0.0;
    for (size_t k = 0; k < m; ++k) sq += double{d[k]} * d[k];
    eps = static_cast<float>(n.epsilon * std::sqrt(sq / static_cast<double>(m)) + 1e-9);
  }
  K().vstabdiv(m, r_out, d, eps, sc.s1);
  Transpose(n, sc, pool, Transposed::kW);
  K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
}

void RunGamma(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
              const float* r_out, float* r_in) {
  const size_t m = n.out_elements;
  const float g = n.gamma, eps = n.stabilizer;
  if (!n.nonneg_input) SplitSigns(n, sc);
  ForwardPositive(n, sc, pool, n.nonneg_input);
  // q = sum of positive contributions; u, v: Zennit's two denominators.
  float* s_up = sc.q;  // q is consumed in place
  float* s_dn = sc.q2;
  for (size_t k = 0; k < m; ++k) {
    const float b = BiasAt(n, k);
    const float bp = n.zero_bias ? 0.0f : b;
    const float e = n.z[k] - b;
    const float u = e + bp + g * (bp > 0.0f ? bp : 0.0f) + g * sc.q[k];
    const float v = e + bp + g * (bp < 0.0f ? bp : 0.0f) + g * (e - sc.q[k]);
    s_up[k] = n.z[k] > 0.0f ? SafeDiv(r_out[k], Stab(u, eps)) : 0.0f;
    s_dn[k] = n.z[k] < 0.0f ? SafeDiv(r_out[k], Stab(v, eps)) : 0.0f;
  }
  for (size_t k = 0; k < m; ++k) {
    sc.s1[k] = s_up[k] + (1.0f + g) * s_dn[k];
    sc.s2[k] = g * (s_up[k] - s_dn[k]);
  }
  if (n.nonneg_input) {
    Transpose(n, sc, pool, Transposed::kW);
    K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
    Transpose(n, sc, pool, Transposed::kPositive);
    K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
    return;
  }
  Transpose(n, sc, pool, Transposed::kW);
  K().vmuladd(n.in_elements, sc.ap, sc.c1, r_in);
  for (size_t k = 0; k < m; ++k) sc.s1[k] = (1.0f + g) * s_up[k] + s_dn[k];
  Transpose(n, sc, pool, Transposed::kW);
  K().vmuladd(n.in_elements, sc.an, sc.c1, r_in);
  Transpose(n, sc, pool, Transposed::kPositive);
  MulAbsAdd(n.in_elements, sc.ap, sc.an, sc.c1, r_in);
}

void RunGammaClassic(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                     const float* r_out, float* r_in) {
  const size_t m = n.out_elements;
  const float g = n.gamma;
  ForwardPositive(n, sc, pool, /*on_a=*/true);
  for (size_t k = 0; k < m; ++k) {
    const float b = BiasAt(n, k);
    const float bp = n.zero_bias ? 0.0f : b;
    // rho(W) a + rho(b) = (z - b) + gamma F(W+, a) + b' + gamma b'+
    const float u = n.z[k] - b + g * sc.q[k] + bp + g * (bp > 0.0f ? bp : 0.0f);
    sc.s1[k] = SafeDiv(r_out[k], Stab(u, n.stabilizer));
    sc.s2[k] = g * sc.s1[k];
  }
  Transpose(n, sc, pool, Transposed::kW);
  K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
  Transpose(n, sc, pool, Transposed::kPositive);
  K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
}

void RunAlphaBeta(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                  const float* r_out, float* r_in) {
  const size_t m = n.out_elements;
  const float eps = n.stabilizer;
  const bool two_sided = n.beta != 0.0f || !n.nonneg_input;
  // q = sum of positive contributions, q2 = sum of negative ones.
  if (n.nonneg_input) {
    if (IsConv(n)) {
      xnn_run_operator(n.fwd_pos, pool);
      if (n.fwd_neg) xnn_run_operator(n.fwd_neg, pool);
    } else {
      DenseForward(n, pool, WeightMod::kPositive, n.a, sc.q);
      if (two_sided) DenseForward(n, pool, WeightMod::kNegative, n.a, sc.q2);
    }
    if (!two_sided) std::memset(sc.q2, 0, m * sizeof(float));
  } else {
    SplitSigns(n, sc);
    ForwardPositive(n, sc, pool, /*on_a=*/false);
    for (size_t k = 0; k < m; ++k) sc.q2[k] = n.z[k] - BiasAt(n, k) - sc.q[k];
  }
  float* sp = sc.q;   // alpha * s+, in place
  float* sn = sc.q2;  // -beta * s-, in place
  for (size_t k = 0; k < m; ++k) {
    const float bp = n.zero_bias ? 0.0f : BiasAt(n, k);
    const float pos = sc.q[k] + (bp > 0.0f ? bp : 0.0f);
    const float neg = sc.q2[k] + (bp < 0.0f ? bp : 0.0f);
    sp[k] = n.alpha * SafeDiv(r_out[k], Stab(pos, eps));
    sn[k] = -n.beta * SafeDiv(r_out[k], Stab(neg, eps));
  }
  // R = a+ [B(W+, a s+) + B(W-, -b s-)] + a- [B(W-, a s+) + B(W+, -b s-)].
  const float* plus = n.nonneg_input ? n.a : sc.ap;
  std::memcpy(sc.s2, sp, m * sizeof(float));
  Transpose(n, sc, pool, Transposed::kPositive);
  K().vmuladd(n.in_elements, plus, sc.c1, r_in);
  if (!two_sided) return;
  std::memcpy(sc.s1, sn, m * sizeof(float));
  Transpose(n, sc, pool, Transposed::kNegative);
  K().vmuladd(n.in_elements, plus, sc.c1, r_in);
  if (n.nonneg_input) return;
  std::memcpy(sc.s1, sp, m * sizeof(float));
  Transpose(n, sc, pool, Transposed::kNegative);
  K().vmuladd(n.in_elements, sc.an, sc.c1, r_in);
  std::memcpy(sc.s2, sn, m * sizeof(float));
  Transpose(n, sc, pool, Transposed::kPositive);
  K().vmuladd(n.in_elements, sc.an, sc.c1, r_in);
}

void RunZBox(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
             const float* r_out, float* r_in) {
  const size_t m = n.out_elements;
  // z^B = (z - b) - F(W+, l) - F(W-, h); the bias cancels (RULES.md §2.5).
  for (size_t k = 0; k < m; ++k) sc.q[k] = n.z[k] - BiasAt(n, k) - n.constant[k];
  K().vstabdiv(m, r_out, sc.q, n.stabilizer, sc.s1);
  for (size_t k = 0; k < m; ++k) sc.s2[k] = sc.s1[k];
  // R = a B(W,s) - l B(W+,s) - h B(W-,s) = (a - h) B(W,s) + (h - l) B(W+,s).
  const size_t channels = n.in_channels;
  Transpose(n, sc, pool, Transposed::kW);
  for (size_t j = 0; j < n.in_elements; ++j) {
    r_in[j] += (n.a[j] - n.high[j % channels]) * sc.c1[j];
  }
  Transpose(n, sc, pool, Transposed::kPositive);
  for (size_t j = 0; j < n.in_elements; ++j) {
    const size_t c = j % channels;
    r_in[j] += (n.high[c] - n.low[c]) * sc.c1[j];
  }
}

void RunUniform(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                const float* r_out, float* r_in) {
  // Flat / WSquare: R = B(V, R / stab(F(V, b', 1))), no input factor.
  K().vstabdiv(n.out_elements, r_out, n.constant, n.stabilizer, sc.s1);
  Transpose(n, sc, pool, Transposed::kSpecial);
  for (size_t j = 0; j < n.in_elements; ++j) r_in[j] += sc.c1[j];
}

void RunGradient(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                 const float* r_out, float* r_in) {
  const float hi = n.activation == Activation::kRelu6 ? 6.0f : kInf;
  for (size_t k = 0; k < n.out_elements; ++k) {
    const bool pass = n.activation == Activation::kNone || (n.z[k] > 0.0f && n.z[k] < hi);
    sc.s1[k] = pass ? r_out[k] : 0.0f;
  }
  Transpose(n, sc, pool, Transposed::kW);
  for (size_t j = 0; j < n.in_elements; ++j) r_in[j] += sc.c1[j];
}

}  // namespace

size_t WeightedConstantElements(const RelevanceNode& node) {
  switch (node.rule) {
    case RuleKind::kZBox:
    case RuleKind::kFlat:
    case RuleKind::kWSquare:
      return node.out_elements;
    default:
      return 0;
  }
}

Status PrepareWeighted(RelevanceNode* n, const RelevanceScratch& sc, pthreadpool_t pool) {
  ComputeConstant(n);
  if (!IsConv(*n)) return Status::Ok();
  const Needs k = NeedsOf(*n);
  if (k.fwd_pos) {
    LRP_RETURN_IF_ERROR(CreateConvForward(*n, WeightMod::kPositive, k.fwd_on_a ? n->a : sc.ap,
                                          sc.q, pool, &n->fwd_pos));
  }
  if (k.fwd_neg) {
    LRP_RETURN_IF_ERROR(CreateConvForward(*n, WeightMod::kNegative, k.fwd_on_a ? n->a : sc.an,
                                          sc.q2, pool, &n->fwd_neg));
  }
  if (k.t_w) {
    LRP_RETURN_IF_ERROR(
        CreateConvTransposed(*n, WeightMod::kIdentity, false, sc.s1, sc.c1, pool, &n->t_w));
  }
  if (k.t_pos) {
    LRP_RETURN_IF_ERROR(
        CreateConvTransposed(*n, WeightMod::kPositive, false, sc.s2, sc.c1, pool, &n->t_pos));
  }
  if (k.t_neg) {
    LRP_RETURN_IF_ERROR(
        CreateConvTransposed(*n, WeightMod::kNegative, false, sc.s1, sc.c1, pool, &n->t_neg));
  }
  if (k.t_special) {
    const bool flat = n->rule == RuleKind::kFlat;
    LRP_RETURN_IF_ERROR(CreateConvTransposed(*n, WeightMod::kSquare, flat, sc.s1, sc.c1, pool,
                                             &n->t_special));
  }
  return Status::Ok();
}

void RunWeighted(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                 const float* r_out, float* r_in) {
  switch (n.rule) {
    case RuleKind::kZero:
    case RuleKind::kEpsilon:
      return RunEpsilon(n, sc, pool, r_out, r_in);
    case RuleKind::kGamma:
      return RunGamma(n, sc, pool, r_out, r_in);
    case RuleKind::kGammaClassic:
      return RunGammaClassic(n, sc, pool, r_out, r_in);
    case RuleKind::kAlphaBeta:
      return RunAlphaBeta(n, sc, pool, r_out, r_in);
    case RuleKind::kZBox:
      return RunZBox(n, sc, pool, r_out, r_in);
    case RuleKind::kFlat:
    case RuleKind::kWSquare:
      return RunUniform(n, sc, pool, r_out, r_in);
    case RuleKind::kGradient:
      return RunGradient(n, sc, pool, r_out, r_in);
    default:
      return;  // resolution never maps other rules to weighted layers
  }
}

void ReleaseWeighted(RelevanceNode* n) {
  for (xnn_operator_t* op : {&n->fwd_pos, &n->fwd_neg, &n->t_w, &n->t_pos, &n->t_neg,
                             &n->t_special}) {
    if (*op) xnn_delete_operator(*op);
    *op = nullptr;
  }
}

}  // namespace internal
}  // namespace lrp
