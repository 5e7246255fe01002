#include "runtime/lrp/weighted_ops.h"

#include <cstring>
#include <limits>
#include <vector>

#include "ports/kernels.h"
#include "runtime/xnn/convolution.h"
#include "runtime/xnn/xnn_init.h"

namespace lrp {
namespace internal {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

size_t InPerGroup(const RelevanceNode& n) { return n.in_channels / n.layer->params.groups; }
size_t OutPerGroup(const RelevanceNode& n) { return n.out_channels / n.layer->params.groups; }

ports::WeightMod ModOf(WeightKind kind) {
  switch (kind) {
    case WeightKind::kPositive: return ports::WeightMod::kPositive;
    case WeightKind::kNegative: return ports::WeightMod::kNegative;
    case WeightKind::kSquare: return ports::WeightMod::kSquare;
    default: return ports::WeightMod::kIdentity;
  }
}

// Transposed weights for `halves` stacked kinds: forward OHWI
// [g][co][ky][kx][ci] -> [g][ci][ky'][kx'][half][co], spatially flipped when
// `flip` (the convolution form of a stride-1 transposed convolution).
std::vector<float> TransposedWeights(const RelevanceNode& n, const WeightKind* kinds, int halves,
                                     bool flip) {
  const LayerParams& p = n.layer->params;
  const size_t groups = static_cast<size_t>(p.groups);
  const size_t cin_g = InPerGroup(n), cout_g = OutPerGroup(n);
  const size_t kh = static_cast<size_t>(p.kernel_h), kw = static_cast<size_t>(p.kernel_w);
  const size_t width = cout_g * static_cast<size_t>(halves);
  const float* w = n.layer->buffers.data[0];
  std::vector<float> t(n.layer->buffers.size[0] * static_cast<size_t>(halves));
  for (size_t g = 0; g < groups; ++g) {
    for (size_t co = 0; co < cout_g; ++co) {
      for (size_t ky = 0; ky < kh; ++ky) {
        for (size_t kx = 0; kx < kw; ++kx) {
          const size_t ty = flip ? kh - 1 - ky : ky;
          const size_t tx = flip ? kw - 1 - kx : kx;
          for (size_t ci = 0; ci < cin_g; ++ci) {
            const float v = w[(((g * cout_g + co) * kh + ky) * kw + kx) * cin_g + ci];
            float* dst = &t[(((g * cin_g + ci) * kh + ty) * kw + tx) * width + co];
            for (int h = 0; h < halves; ++h) dst[h * cout_g] = TransformWeight(v, kinds[h], n.gamma);
          }
        }
      }
    }
  }
  return t;
}

// The transposed product of a strided, ungrouped convolution as one matrix
// product: col[p][(ky, kx, ci)] = sum_co V[co][ky][kx][ci] s[p][co] for
// every output pixel p; RunCol2Im then adds each tap into its input pixel.
Status CreateTransposedGemm(const RelevanceNode& n, const WeightKind* kinds, int halves,
                            const float* s, float* col, pthreadpool_t pool, xnn_operator_t* op) {
  const LayerParams& p = n.layer->params;
  const size_t cout = n.out_channels, cin = n.in_channels;
  const size_t taps = static_cast<size_t>(p.kernel_h) * p.kernel_w;
  const size_t k_dim = cout * static_cast<size_t>(halves);
  const size_t n_dim = taps * cin;
  const float* w = n.layer->buffers.data[0];
  // Fully-connected weights [n_dim][k_dim]: row (tap, ci), column (half, co).
  std::vector<float> t(n_dim * k_dim);
  for (size_t co = 0; co < cout; ++co) {
    for (size_t tap = 0; tap < taps; ++tap) {
      for (size_t ci = 0; ci < cin; ++ci) {
        const float v = w[(co * taps + tap) * cin + ci];
        for (int h = 0; h < halves; ++h) {
          t[(tap * cin + ci) * k_dim + h * cout + co] = TransformWeight(v, kinds[h], n.gamma);
        }
      }
    }
  }
  LRP_RETURN_IF_ERROR(FromXnn(xnn_create_fully_connected_nc_f32(k_dim, n_dim, k_dim, n_dim,
                                                                t.data(), nullptr, -kInf, kInf,
                                                                0, op),
                              "create transposed product"));
  const size_t pixels = n.out_elements / cout;
  return FromXnn(xnn_setup_fully_connected_nc_f32(*op, pixels, s, col, pool),
                 "setup transposed product");
}

// Shared by the single and paired forms: `halves` kinds stacked along the
// transposed operator's input channels.
Status CreateTransposed(const RelevanceNode& n, const WeightKind* kinds, int halves,
                        const float* s, float* c, pthreadpool_t pool, xnn_operator_t* op) {
  if (UsesCol2Im(n)) return CreateTransposedGemm(n, kinds, halves, s, n.col, pool, op);
  const LayerParams& p = n.layer->params;
  const Shape& in = n.layer_input_shape;
  const Shape& out = n.layer_output_shape;
  const size_t groups = static_cast<size_t>(p.groups);
  const size_t cin_g = InPerGroup(n);
  const size_t width = OutPerGroup(n) * static_cast<size_t>(halves);
  const int32_t reach_h = (p.kernel_h - 1) * p.dilation_h;
  const int32_t reach_w = (p.kernel_w - 1) * p.dilation_w;
  // With stride 1 the transposed convolution is an ordinary convolution with
  // the flipped kernel and padding (k-1)d - p, which XNNPACK runs faster
  // than its deconvolution.
  const bool as_conv = p.stride_h == 1 && p.stride_w == 1 && p.padding.top <= reach_h &&
                       p.padding.bottom <= reach_h && p.padding.left <= reach_w &&
                       p.padding.right <= reach_w;
  const std::vector<float> t = TransposedWeights(n, kinds, halves, as_conv);
  if (as_conv) {
    ConvolutionSpec spec;
    spec.padding = {reach_h - p.padding.top, reach_w - p.padding.left,
                    reach_h - p.padding.bottom, reach_w - p.padding.right};
    spec.kernel_h = p.kernel_h;
    spec.kernel_w = p.kernel_w;
    spec.dilation_h = p.dilation_h;
    spec.dilation_w = p.dilation_w;
    spec.groups = groups;
    spec.group_in = width;
    spec.group_out = cin_g;
    return CreateConvolution(spec, t.data(), nullptr, out.dims[0], out.dims[1], s, c, pool, op);
  }
  // A deconvolution uses the forward's kernel indexing; the adjustment adds
  // the rows/columns the forward's floor division dropped.
  const uint32_t adj_h = static_cast<uint32_t>(
      (in.dims[0] + p.padding.top + p.padding.bottom - reach_h - 1) % p.stride_h);
  const uint32_t adj_w = static_cast<uint32_t>(
      (in.dims[1] + p.padding.left + p.padding.right - reach_w - 1) % p.stride_w);
  LRP_RETURN_IF_ERROR(FromXnn(
      xnn_create_deconvolution2d_nhwc_f32(
          static_cast<uint32_t>(p.padding.top), static_cast<uint32_t>(p.padding.right),
          static_cast<uint32_t>(p.padding.bottom), static_cast<uint32_t>(p.padding.left),
          static_cast<uint32_t>(p.kernel_h), static_cast<uint32_t>(p.kernel_w),
          static_cast<uint32_t>(p.stride_h), static_cast<uint32_t>(p.stride_w),
          static_cast<uint32_t>(p.dilation_h), static_cast<uint32_t>(p.dilation_w),
          static_cast<uint32_t>(groups), width, cin_g, width * groups, n.in_channels, t.data(),
          nullptr, -kInf, kInf, 0, op),
      "create transposed convolution"));
  return FromXnn(xnn_setup_deconvolution2d_nhwc_f32(*op, 1, out.dims[0], out.dims[1], adj_h,
                                                    adj_w, s, c, pool),
                 "setup transposed convolution");
}

struct DenseTask {
  const RelevanceNode* node;
  ports::WeightMod mod;
  const float* in;
  float* out;
};

void DenseTransposedTile(void* context, size_t start, size_t width) {
  const DenseTask& t = *static_cast<const DenseTask*>(context);
  ports::BestKernels().dense_transposed(t.node->out_elements, width, t.node->in_elements,
                                        t.node->layer->buffers.data[0] + start, t.in, t.mod,
                                        t.out + start);
}

void DenseForwardTile(void* context, size_t start, size_t rows) {
  const DenseTask& t = *static_cast<const DenseTask*>(context);
  const size_t cols = t.node->in_elements;
  ports::BestKernels().dense_modified(rows, cols, t.node->layer->buffers.data[0] + start * cols,
                                      t.in, t.mod, t.out + start);
}

}  // namespace

float TransformWeight(float w, WeightKind kind, float gamma) {
  const float pos = w > 0.0f ? w : 0.0f;
  const float neg = w < 0.0f ? w : 0.0f;
  switch (kind) {
    case WeightKind::kW: return w;
    case WeightKind::kPositive: return pos;
    case WeightKind::kNegative: return neg;
    case WeightKind::kSquare: return w * w;
    case WeightKind::kOnes: return 1.0f;
    case WeightKind::kGammaUp: return w + gamma * pos;
    case WeightKind::kGammaDown: return w + gamma * neg;
  }
  return w;
}

bool IsConv(const RelevanceNode& n) { return n.layer->kind == LayerKind::kConv2D; }

bool UsesCol2Im(const RelevanceNode& n) {
  if (!IsConv(n)) return false;
  const LayerParams& p = n.layer->params;
  return p.groups == 1 && (p.stride_h > 1 || p.stride_w > 1);
}

size_t Col2ImElements(const RelevanceNode& n) {
  if (!UsesCol2Im(n)) return 0;
  const LayerParams& p = n.layer->params;
  return n.out_elements / n.out_channels * static_cast<size_t>(p.kernel_h) * p.kernel_w *
         n.in_channels;
}

void RunCol2Im(const RelevanceNode& n, const float* col, float* c) {
  const LayerParams& p = n.layer->params;
  const Shape& in = n.layer_input_shape;
  const Shape& out = n.layer_output_shape;
  const size_t cin = n.in_channels;
  std::memset(c, 0, n.in_elements * sizeof(float));
  for (int32_t oy = 0; oy < out.dims[0]; ++oy) {
    for (int32_t ox = 0; ox < out.dims[1]; ++ox) {
      for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
        const int32_t iy = oy * p.stride_h + ky * p.dilation_h - p.padding.top;
        for (int32_t kx = 0; kx < p.kernel_w; ++kx, col += cin) {
          const int32_t ix = ox * p.stride_w + kx * p.dilation_w - p.padding.left;
          if (iy < 0 || iy >= in.dims[0] || ix < 0 || ix >= in.dims[1]) continue;
          float* dst = c + (static_cast<size_t>(iy) * in.dims[1] + ix) * cin;
          for (size_t ci = 0; ci < cin; ++ci) dst[ci] += col[ci];
        }
      }
    }
  }
}

void RunTransposedOp(const RelevanceNode& n, const RelevanceScratch& sc, xnn_operator_t op,
                     pthreadpool_t pool) {
  xnn_run_operator(op, pool);
  if (UsesCol2Im(n)) RunCol2Im(n, n.col, sc.c1);
}

Status CreateConvForward(const RelevanceNode& n, WeightKind kind, const float* x, float* y,
                         pthreadpool_t pool, xnn_operator_t* op) {
  const LayerParams& p = n.layer->params;
  const Shape& in = n.layer_input_shape;
  std::vector<float> w(n.layer->buffers.size[0]);
  for (size_t i = 0; i < w.size(); ++i) {
    w[i] = TransformWeight(n.layer->buffers.data[0][i], kind, n.gamma);
  }
  return CreateConvolution(ConvolutionOf(p, n.in_channels, n.out_channels), w.data(), nullptr,
                           in.dims[0], in.dims[1], x, y, pool, op);
}

Status CreateConvTransposed(const RelevanceNode& n, WeightKind kind, const float* s, float* c,
                            pthreadpool_t pool, xnn_operator_t* op) {
  return CreateTransposed(n, &kind, 1, s, c, pool, op);
}

Status CreateConvTransposedPair(const RelevanceNode& n, WeightKind first, WeightKind second,
                                const float* s, float* c, pthreadpool_t pool,
                                xnn_operator_t* op) {
  const WeightKind kinds[2] = {first, second};
  return CreateTransposed(n, kinds, 2, s, c, pool, op);
}

void DenseTransposed(const RelevanceNode& n, pthreadpool_t pool, WeightKind kind, const float* s,
                     float* c) {
  DenseTask task{&n, ModOf(kind), s, c};
  pthreadpool_parallelize_1d_tile_1d(pool, DenseTransposedTile, &task, n.in_elements, 512, 0);
}

void DenseForward(const RelevanceNode& n, pthreadpool_t pool, WeightKind kind, const float* x,
                  float* y) {
  DenseTask task{&n, ModOf(kind), x, y};
  pthreadpool_parallelize_1d_tile_1d(pool, DenseForwardTile, &task, n.out_elements, 16, 0);
}

void ConstantForward(const RelevanceNode& n, WeightKind kind, const float* per_channel,
                     int bias_term, float* out) {
  const float* w = n.layer->buffers.data[0];
  const float* b = n.layer->buffers.data[1];
  const size_t cout = n.out_channels;
  auto bias = [&](size_t co) {
    if (!b || bias_term == 0) return 0.0;
    return bias_term == 2 ? double{b[co]} * b[co] : double{b[co]};
  };
  if (!IsConv(n)) {
    const size_t cin = n.in_elements;
    for (size_t k = 0; k < cout; ++k) {
      double sum = bias(k);
      for (size_t j = 0; j < cin; ++j) {
        sum += double{TransformWeight(w[k * cin + j], kind, n.gamma)} * per_channel[j % n.in_channels];
      }
      out[k] = static_cast<float>(sum);
    }
    return;
  }
  const LayerParams& p = n.layer->params;
  const Shape& in = n.layer_input_shape;
  const Shape& o = n.layer_output_shape;
  const size_t cin_g = InPerGroup(n), cout_g = OutPerGroup(n);
  // Per output channel, the sum of each tap's modified weights against the
  // channel values; positions differ only in which taps hit the padding.
  std::vector<double> tap(static_cast<size_t>(p.kernel_h) * p.kernel_w);
  for (size_t co = 0; co < cout; ++co) {
    const size_t g = co / cout_g;
    for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
      for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
        const float* wk = w + ((co * p.kernel_h + ky) * p.kernel_w + kx) * cin_g;
        double sum = 0.0;
        for (size_t ci = 0; ci < cin_g; ++ci) {
          sum += double{TransformWeight(wk[ci], kind, n.gamma)} * per_channel[g * cin_g + ci];
        }
        tap[static_cast<size_t>(ky) * p.kernel_w + kx] = sum;
      }
    }
    for (int32_t oy = 0; oy < o.dims[0]; ++oy) {
      for (int32_t ox = 0; ox < o.dims[1]; ++ox) {
        double sum = bias(co);
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          const int32_t iy = oy * p.stride_h + ky * p.dilation_h - p.padding.top;
          if (iy < 0 || iy >= in.dims[0]) continue;
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t ix = ox * p.stride_w + kx * p.dilation_w - p.padding.left;
            if (ix >= 0 && ix < in.dims[1]) sum += tap[static_cast<size_t>(ky) * p.kernel_w + kx];
          }
        }
        out[(static_cast<size_t>(oy) * o.dims[1] + ox) * cout + co] = static_cast<float>(sum);
      }
    }
  }
}

void CountTaps(const RelevanceNode& n, float* out) {
  std::vector<float> ones(n.in_channels, 1.0f);
  ConstantForward(n, WeightKind::kOnes, ones.data(), 0, out);
}

}  // namespace internal
}  // namespace lrp
