#include "runtime/lrp/layer_rules.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "ports/kernels.h"
#include "ports/scalar/layer_relevance_scalar.h"
#include "ports/scalar/lrn_relevance_scalar.h"

namespace lrp {
namespace internal {
namespace {

ports::Window2D WindowOf(const RelevanceNode& n) {
  const LayerParams& p = n.layer->params;
  const Shape& in = n.layer_input_shape;
  const Shape& out = n.layer_output_shape;
  ports::Window2D w;
  w.in_h = static_cast<size_t>(in.dims[0]);
  w.in_w = static_cast<size_t>(in.dims[1]);
  w.out_h = static_cast<size_t>(out.dims[0]);
  w.out_w = static_cast<size_t>(out.dims[1]);
  w.channels = n.in_channels;
  w.kernel_h = p.kernel_h;
  w.kernel_w = p.kernel_w;
  w.stride_h = p.stride_h;
  w.stride_w = p.stride_w;
  w.dilation_h = n.layer->kind == LayerKind::kMaxPool2D ? p.dilation_h : 1;
  w.dilation_w = n.layer->kind == LayerKind::kMaxPool2D ? p.dilation_w : 1;
  w.pad_top = p.padding.top;
  w.pad_left = p.padding.left;
  w.count_include_pad = p.count_include_pad;
  return w;
}

// R_in += a * J^T (R / stab(y)) with J^T given by `transposed` (Norm).
template <typename Transposed>
void Norm(const RelevanceNode& n, const RelevanceScratch& sc, const float* r_out, float* r_in,
          Transposed transposed) {
  ports::BestKernels().vstabdiv(n.out_elements, r_out, n.y, n.stabilizer, sc.s1);
  std::memset(sc.c1, 0, n.in_elements * sizeof(float));
  transposed(sc.s1, sc.c1);
  ports::BestKernels().vmuladd(n.in_elements, n.a, sc.c1, r_in);
}

}  // namespace

void RunLayerRule(const Model& model, const RelevanceNode& n, const RelevanceScratch& sc,
                  const float* r_out, float* const* r_in, const float* const* inputs) {
  const LayerDesc& l = *n.layer;
  const LayerParams& p = l.params;
  const size_t count = n.in_elements;
  const bool gradient = n.rule == RuleKind::kGradient;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  switch (l.kind) {
    case LayerKind::kRelu:
    case LayerKind::kClamp:
    case LayerKind::kLeakyRelu:
      if (!gradient) break;  // Pass
      if (l.kind == LayerKind::kLeakyRelu) {
        ports::f32_leaky_gradient__scalar(count, n.a, p.alpha, r_out, r_in[0]);
      } else {
        const float lo = l.kind == LayerKind::kRelu ? 0.0f : p.clamp_min;
        const float hi = l.kind == LayerKind::kRelu ? kInf : p.clamp_max;
        ports::f32_clamp_gradient__scalar(count, n.a, lo, hi, r_out, r_in[0]);
      }
      return;
    case LayerKind::kMaxPool2D: {
      const ports::Window2D w = WindowOf(n);
      if (n.rule == RuleKind::kNorm) {
        ports::f32_maxpool_proportional__scalar(w, n.a, r_out, n.stabilizer, r_in[0]);
      } else {
        ports::f32_maxpool_wta__scalar(w, n.a, r_out, r_in[0]);
      }
      return;
    }
    case LayerKind::kAvgPool2D: {
      const ports::Window2D w = WindowOf(n);
      auto transposed = [&](const float* s, float* c) {
        ports::f32_avgpool_transposed__scalar(w, s, c);
      };
      if (gradient) {
        transposed(r_out, r_in[0]);
      } else {
        Norm(n, sc, r_out, r_in[0], transposed);
      }
      return;
    }
    case LayerKind::kGlobalAvgPool: {
      const size_t pixels = count / n.in_channels;
      auto transposed = [&](const float* s, float* c) {
        ports::f32_gap_transposed__scalar(pixels, n.in_channels, s, c);
      };
      if (gradient) {
        transposed(r_out, r_in[0]);
      } else {
        Norm(n, sc, r_out, r_in[0], transposed);
      }
      return;
    }
    case LayerKind::kAdd: {
      const float* b = inputs[1];
      if (!gradient) {  // Norm: split by each summand's share of a + b
        const ports::KernelTable& k = ports::BestKernels();
        for (size_t i = 0; i < count; ++i) sc.c1[i] = n.a[i] + b[i];
        k.vstabdiv(count, r_out, sc.c1, n.stabilizer, sc.c1);
        if (r_in[0] == r_in[1]) {  // x + x
          for (size_t i = 0; i < count; ++i) sc.ap[i] = n.a[i] + b[i];
          k.vmuladd(count, sc.ap, sc.c1, r_in[0]);
          return;
        }
        k.vmuladd(count, n.a, sc.c1, r_in[0]);
        k.vmuladd(count, b, sc.c1, r_in[1]);
        return;
      }
      const float hi = n.activation == Activation::kRelu6 ? 6.0f : kInf;
      for (size_t i = 0; i < count; ++i) {
        const float z = n.a[i] + b[i];
        const bool pass = n.activation == Activation::kNone || (z > 0.0f && z < hi);
        if (pass) {
          r_in[0][i] += r_out[i];
          r_in[1][i] += r_out[i];
        }
      }
      return;
    }
    case LayerKind::kConcat: {
      const size_t total = n.out_channels;
      const size_t pixels = n.out_elements / total;
      size_t offset = 0;
      for (size_t k = 0; k < l.inputs.size(); ++k) {
        const Shape& s = model.tensors()[l.inputs[k]].shape;
        const size_t width = static_cast<size_t>(s.dims[s.rank - 1]);
        ports::f32_channel_slice_add__scalar(pixels, total, offset, width, r_out, r_in[k]);
        offset += width;
      }
      return;
    }
    case LayerKind::kBatchNorm: {
      if (n.rule == RuleKind::kPass) break;
      // y = w x + (offset - mean w), w = scale / sqrt(var + eps), per channel.
      const float* var = l.buffers.data[1];
      const float* scale = l.buffers.data[2];
      const size_t c_count = n.in_channels;
      for (size_t c = 0; c < c_count; ++c) {
        const float w = scale[c] / std::sqrt(var[c] + p.epsilon);
        for (size_t i = c; i < count; i += c_count) {
          if (gradient) {
            r_in[0][i] += w * r_out[i];
          } else {  // Epsilon on the per-channel affine map
            const float y = n.y[i];
            const float den = y >= 0.0f ? y + n.epsilon : y - n.epsilon;
            r_in[0][i] += den == 0.0f ? 0.0f : w * n.a[i] * r_out[i] / den;
          }
        }
      }
      return;
    }
    case LayerKind::kLRN: {
      const ports::LrnParams lrn{p.size, p.alpha, p.beta, p.bias};
      const size_t pixels = count / n.in_channels;
      if (n.rule == RuleKind::kLrnTaylor || n.rule == RuleKind::kLrnTaylorUnnormalized) {
        // c1 holds 3 x channels floats for any LRN layer (MeasureExplain).
        ports::f32_lrn_taylor_relevance__scalar(pixels, n.in_channels, n.a, r_out, lrn,
                                                n.rule == RuleKind::kLrnTaylor, n.stabilizer,
                                                sc.c1, r_in[0]);
        return;
      }
      if (!gradient) break;  // identity (RULES.md §4.2 a)
      ports::f32_lrn_gradient__scalar(pixels, n.in_channels, n.a, r_out, lrn, r_in[0]);
      return;
    }
    case LayerKind::kReshape:
    case LayerKind::kSoftmax:
    case LayerKind::kConv2D:
    case LayerKind::kDense:
      break;
  }
  // Pass / identity.
  if (r_in[0] != r_out) ports::f32_vadd__scalar(count, r_out, r_in[0]);
}

}  // namespace internal
}  // namespace lrp
