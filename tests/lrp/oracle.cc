#include "tests/lrp/oracle.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

namespace lrp {
namespace test {
namespace oracle {
namespace {

Vec Map(const Vec& v, double (*f)(double)) {
  Vec out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = f(v[i]);
  return out;
}

double Pos(double x) { return x > 0 ? x : 0.0; }
double Neg(double x) { return x < 0 ? x : 0.0; }
double Square(double x) { return x * x; }
double One(double) { return 1.0; }

Vec Add(const Vec& x, const Vec& y) {
  Vec out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] + y[i];
  return out;
}

Vec Sub(const Vec& x, const Vec& y) {
  Vec out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] - y[i];
  return out;
}

Vec Mul(const Vec& x, const Vec& y) {
  Vec out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] * y[i];
  return out;
}

Vec Scale(const Vec& x, double c) {
  Vec out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = c * x[i];
  return out;
}

// x + c * y, elementwise.
Vec AddScaled(const Vec& x, double c, const Vec& y) {
  Vec out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] + c * y[i];
  return out;
}

// The bias a modified copy of the layer uses (b' of RULES.md §1).
Vec BiasPrime(const WeightedLayer& layer, const Rule& rule) {
  if (layer.b.empty() || rule.zero_bias) return Vec(layer.op.out_channels(), 0.0);
  return layer.b;
}

Vec BiasOrZero(const WeightedLayer& layer) {
  return layer.b.empty() ? Vec(layer.op.out_channels(), 0.0) : layer.b;
}

double BiasAt(const Vec& b, size_t k) { return b.empty() ? 0.0 : b[k % b.size()]; }

double ActivationValue(double z, Activation a) {
  switch (a) {
    case Activation::kRelu:
      return z > 0 ? z : 0.0;
    case Activation::kRelu6:
      return z > 0 ? (z < 6 ? z : 6.0) : 0.0;
    case Activation::kNone:
      break;
  }
  return z;
}

// d activation / dz, as PyTorch's threshold / hardtanh backward define it
// (0 at the kinks).
double ActivationSlope(double z, Activation a) {
  switch (a) {
    case Activation::kRelu:
      return z > 0 ? 1.0 : 0.0;
    case Activation::kRelu6:
      return (z > 0 && z < 6) ? 1.0 : 0.0;
    case Activation::kNone:
      break;
  }
  return 1.0;
}

// Epsilon actually added for this layer: fixed, or scaled by the RMS of the
// layer's pre-activations (the overview's "0.25 std").
double EpsilonUsed(const Rule& rule, const Vec& z) {
  if (!rule.epsilon_rms) return rule.epsilon;
  double sum = 0;
  for (double v : z) sum += v * v;
  return rule.epsilon * std::sqrt(sum / static_cast<double>(z.size())) + 1e-9;
}

// Everything a rule computes before B: the modified forwards of §2.
struct Terms {
  Vec z;           // F(W, b, a) with the original bias (Gamma mask)
  Vec zp;          // z with b' (Epsilon, LRP-0)
  Vec u, v;        // Gamma: boosted positive / negative sums
  Vec bu, bd;      // Gamma: b↑, b↓
  Vec wu, wd;      // Gamma: W↑, W↓
  Vec zc, wc, bc;  // GammaClassic: z, rho(W), rho(b)
  Vec zpos, zneg;  // AlphaBeta: z+, z-
  Vec zbox;        // ZBox denominator before stab
  Vec n;           // Flat: number of taps
  Vec s2, b2, w2;  // WSquare
};

Terms ComputeTerms(const WeightedLayer& layer, const Rule& rule, const Vec& a, const Vec& low,
                   const Vec& high) {
  const LinearOp& op = layer.op;
  const Vec& w = layer.w;
  const Vec bp = BiasPrime(layer, rule);
  const Vec ap = Map(a, Pos), an = Map(a, Neg);
  const Vec wp = Map(w, Pos), wn = Map(w, Neg);
  const Vec none;
  Terms t;
  t.z = op.Forward(w, BiasOrZero(layer), a);
  switch (rule.kind) {
    case RuleKind::kZero:
    case RuleKind::kEpsilon:
      t.zp = op.Forward(w, bp, a);
      break;
    case RuleKind::kGamma: {
      const double g = rule.gamma;
      t.wu = AddScaled(w, g, wp);
      t.wd = AddScaled(w, g, wn);
      t.bu = AddScaled(bp, g, Map(bp, Pos));
      t.bd = AddScaled(bp, g, Map(bp, Neg));
      t.u = Add(op.Forward(t.wu, t.bu, ap), op.Forward(t.wd, none, an));
      t.v = Add(op.Forward(t.wd, t.bd, ap), op.Forward(t.wu, none, an));
      break;
    }
    case RuleKind::kGammaClassic:
      t.wc = AddScaled(w, rule.gamma, wp);
      t.bc = AddScaled(bp, rule.gamma, Map(bp, Pos));
      t.zc = op.Forward(t.wc, t.bc, a);
      break;
    case RuleKind::kAlphaBeta:
      t.zpos = Add(op.Forward(wp, Map(bp, Pos), ap), op.Forward(wn, none, an));
      t.zneg = Add(op.Forward(wn, Map(bp, Neg), ap), op.Forward(wp, none, an));
      break;
    case RuleKind::kZBox:
      // Written with the biases as §2.5 does; they cancel.
      t.zbox = Sub(Sub(op.Forward(w, bp, a), op.Forward(wp, Map(bp, Pos), low)),
                   op.Forward(wn, Map(bp, Neg), high));
      break;
    case RuleKind::kFlat:
      t.n = op.Forward(Map(w, One), none, Vec(op.in_size(), 1.0));
      break;
    case RuleKind::kWSquare:
      t.w2 = Map(w, Square);
      t.b2 = Map(bp, Square);
      t.s2 = op.Forward(t.w2, t.b2, Vec(op.in_size(), 1.0));
      break;
    default:
      break;
  }
  return t;
}

Vec StabDiv(const Vec& r, const Vec& d, double eps) {
  Vec s(r.size());
  for (size_t k = 0; k < r.size(); ++k) s[k] = GuardedDiv(r[k], Stab(d[k], eps));
  return s;
}

// Output extent of a window along one axis.
int32_t Extent(int32_t in, int32_t kernel, int32_t stride, int32_t dilation, int32_t pad_lo,
               int32_t pad_hi) {
  return (in + pad_lo + pad_hi - ((kernel - 1) * dilation + 1)) / stride + 1;
}

// Calls visit(k, taps) for every pooling output k, where taps lists the
// input indices of its window that are real (not padding), row-major.
template <typename Visit>
void ForEachWindow(const Shape& in, const LayerParams& p, Visit visit) {
  const int32_t h = in.dims[0], w = in.dims[1], c = in.dims[2];
  const int32_t oh =
      Extent(h, p.kernel_h, p.stride_h, p.dilation_h, p.padding.top, p.padding.bottom);
  const int32_t ow =
      Extent(w, p.kernel_w, p.stride_w, p.dilation_w, p.padding.left, p.padding.right);
  std::vector<size_t> taps;
  for (int32_t oy = 0; oy < oh; ++oy) {
    for (int32_t ox = 0; ox < ow; ++ox) {
      for (int32_t ch = 0; ch < c; ++ch) {
        taps.clear();
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          const int32_t iy = oy * p.stride_h - p.padding.top + ky * p.dilation_h;
          if (iy < 0 || iy >= h) continue;
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t ix = ox * p.stride_w - p.padding.left + kx * p.dilation_w;
            if (ix < 0 || ix >= w) continue;
            taps.push_back((static_cast<size_t>(iy) * w + ix) * c + ch);
          }
        }
        const size_t k = (static_cast<size_t>(oy) * ow + ox) * c + ch;
        visit(k, taps);
      }
    }
  }
}

size_t PoolOutputSize(const Shape& in, const LayerParams& p) {
  size_t n = 0;
  ForEachWindow(in, p, [&](size_t, const std::vector<size_t>&) { ++n; });
  return n;
}

double AvgDivisor(const LayerParams& p, size_t real_taps) {
  return p.count_include_pad ? static_cast<double>(p.kernel_h) * p.kernel_w
                             : static_cast<double>(real_taps);
}

// Index of the first maximum of the window (strictly greater replaces).
size_t ArgMax(const Vec& a, const std::vector<size_t>& taps) {
  size_t best = taps[0];
  for (size_t t : taps) {
    if (a[t] > a[best]) best = t;
  }
  return best;
}

bool Fail(std::string* error, const std::string& msg) {
  if (error) *error = msg;
  return false;
}

std::string LayerLabel(size_t i, const LayerDesc& l) {
  return "layer " + std::to_string(i) + " '" + l.name + "' (" + LayerKindName(l.kind) + ")";
}

const float* Buffer(const LayerDesc& l, int i) { return l.buffers.data[i]; }

}  // namespace

Vec ToDouble(const float* data, size_t n) { return Vec(data, data + n); }
Vec ToDouble(const std::vector<float>& v) { return Vec(v.begin(), v.end()); }

double Sign0(double x) { return x >= 0 ? 1.0 : -1.0; }
double Stab(double x, double eps) { return x + eps * Sign0(x); }
double GuardedDiv(double r, double d) { return d == 0 ? 0.0 : r / d; }

// ---------------------------------------------------------------- LinearOp

LinearOp LinearOp::Dense(size_t in, size_t out) {
  LinearOp op;
  op.in_size_ = in;
  op.out_size_ = out;
  op.out_channels_ = out;
  op.in_channels_ = in;
  return op;
}

LinearOp LinearOp::Conv(const Shape& in, const LayerParams& p) {
  LinearOp op;
  op.conv_ = true;
  op.p_ = p;
  op.h_ = in.dims[0];
  op.w_ = in.dims[1];
  op.in_channels_ = static_cast<size_t>(in.dims[2]);
  op.out_channels_ = static_cast<size_t>(p.out_channels);
  op.oh_ = Extent(op.h_, p.kernel_h, p.stride_h, p.dilation_h, p.padding.top, p.padding.bottom);
  op.ow_ = Extent(op.w_, p.kernel_w, p.stride_w, p.dilation_w, p.padding.left, p.padding.right);
  op.in_size_ = static_cast<size_t>(op.h_) * op.w_ * op.in_channels_;
  op.out_size_ = static_cast<size_t>(op.oh_) * op.ow_ * op.out_channels_;
  return op;
}

LinearOp LinearOp::FromLayer(const Model& model, const LayerDesc& layer) {
  const Shape& in = model.tensors()[layer.inputs[0]].shape;
  if (layer.kind == LayerKind::kConv2D) return Conv(in, layer.params);
  return Dense(in.elements(), static_cast<size_t>(layer.params.out_channels));
}

size_t LinearOp::weight_size() const {
  if (!conv_) return in_size_ * out_size_;
  return out_channels_ * static_cast<size_t>(p_.kernel_h) * p_.kernel_w *
         (in_channels_ / static_cast<size_t>(p_.groups));
}

template <typename Visit>
void LinearOp::ForEachLink(Visit visit) const {
  if (!conv_) {
    for (size_t k = 0; k < out_size_; ++k) {
      for (size_t j = 0; j < in_size_; ++j) visit(k, j, k * in_size_ + j);
    }
    return;
  }
  const size_t cin_g = in_channels_ / static_cast<size_t>(p_.groups);
  const size_t cout_g = out_channels_ / static_cast<size_t>(p_.groups);
  for (int32_t oy = 0; oy < oh_; ++oy) {
    for (int32_t ox = 0; ox < ow_; ++ox) {
      for (size_t o = 0; o < out_channels_; ++o) {
        const size_t group = o / cout_g;
        const size_t k = (static_cast<size_t>(oy) * ow_ + ox) * out_channels_ + o;
        for (int32_t ky = 0; ky < p_.kernel_h; ++ky) {
          const int32_t iy = oy * p_.stride_h - p_.padding.top + ky * p_.dilation_h;
          if (iy < 0 || iy >= h_) continue;  // padded tap: links nothing
          for (int32_t kx = 0; kx < p_.kernel_w; ++kx) {
            const int32_t ix = ox * p_.stride_w - p_.padding.left + kx * p_.dilation_w;
            if (ix < 0 || ix >= w_) continue;
            for (size_t ci = 0; ci < cin_g; ++ci) {
              const size_t j =
                  (static_cast<size_t>(iy) * w_ + ix) * in_channels_ + group * cin_g + ci;
              const size_t widx =
                  ((o * static_cast<size_t>(p_.kernel_h) + ky) * p_.kernel_w + kx) * cin_g + ci;
              visit(k, j, widx);
            }
          }
        }
      }
    }
  }
}

Vec LinearOp::Forward(const Vec& w, const Vec& bias, const Vec& u) const {
  Vec z(out_size_, 0.0);
  for (size_t k = 0; k < out_size_; ++k) z[k] = BiasAt(bias, k);
  ForEachLink([&](size_t k, size_t j, size_t widx) { z[k] += w[widx] * u[j]; });
  return z;
}

Vec LinearOp::Transposed(const Vec& w, const Vec& s) const {
  Vec x(in_size_, 0.0);
  ForEachLink([&](size_t k, size_t j, size_t widx) { x[j] += w[widx] * s[k]; });
  return x;
}

WeightedLayer WeightedFromLayer(const Model& model, const LayerDesc& layer) {
  WeightedLayer wl;
  wl.op = LinearOp::FromLayer(model, layer);
  wl.w = ToDouble(Buffer(layer, 0), layer.buffers.size[0]);
  if (Buffer(layer, 1) != nullptr && layer.buffers.size[1] > 0) {
    wl.b = ToDouble(Buffer(layer, 1), layer.buffers.size[1]);
  }
  wl.activation = layer.params.activation;
  return wl;
}

// ------------------------------------------------------------------- rules

bool WeightedRelevance(const WeightedLayer& layer, const Rule& rule, const Vec& a, const Vec& r,
                       const Vec& low, const Vec& high, Vec* r_in, std::string* error) {
  const LinearOp& op = layer.op;
  const Vec& w = layer.w;
  const double st = rule.stabilizer;
  const Vec ap = Map(a, Pos), an = Map(a, Neg);
  if (rule.kind == RuleKind::kZBox && (low.size() != a.size() || high.size() != a.size())) {
    return Fail(error, "zbox: bounds do not match the input");
  }
  const Terms t = ComputeTerms(layer, rule, a, low, high);
  switch (rule.kind) {
    case RuleKind::kZero: {
      Vec s(r.size());
      for (size_t k = 0; k < r.size(); ++k) s[k] = GuardedDiv(r[k], t.zp[k]);
      *r_in = Mul(a, op.Transposed(w, s));
      return true;
    }
    case RuleKind::kEpsilon: {
      const Vec s = StabDiv(r, t.zp, EpsilonUsed(rule, t.zp));
      *r_in = Mul(a, op.Transposed(w, s));
      return true;
    }
    case RuleKind::kGamma: {
      Vec s_up(r.size(), 0.0), s_down(r.size(), 0.0);
      for (size_t k = 0; k < r.size(); ++k) {
        if (t.z[k] > 0) s_up[k] = GuardedDiv(r[k], Stab(t.u[k], st));
        if (t.z[k] < 0) s_down[k] = GuardedDiv(r[k], Stab(t.v[k], st));
      }
      // The four B-terms of §2.3, literally.
      Vec sum = Mul(ap, op.Transposed(t.wu, s_up));
      sum = Add(sum, Mul(an, op.Transposed(t.wd, s_up)));
      sum = Add(sum, Mul(ap, op.Transposed(t.wd, s_down)));
      sum = Add(sum, Mul(an, op.Transposed(t.wu, s_down)));
      *r_in = sum;
      return true;
    }
    case RuleKind::kGammaClassic: {
      const Vec s = StabDiv(r, t.zc, st);
      *r_in = Mul(a, op.Transposed(t.wc, s));
      return true;
    }
    case RuleKind::kAlphaBeta: {
      const Vec wp = Map(w, Pos), wn = Map(w, Neg);
      const Vec sp = StabDiv(r, t.zpos, st);
      const Vec sn = StabDiv(r, t.zneg, st);
      const Vec pos = Add(Mul(ap, op.Transposed(wp, sp)), Mul(an, op.Transposed(wn, sp)));
      const Vec neg = Add(Mul(ap, op.Transposed(wn, sn)), Mul(an, op.Transposed(wp, sn)));
      *r_in = Sub(Scale(pos, rule.alpha), Scale(neg, rule.beta));
      return true;
    }
    case RuleKind::kZBox: {
      const Vec wp = Map(w, Pos), wn = Map(w, Neg);
      const Vec s = StabDiv(r, t.zbox, st);
      *r_in = Sub(Sub(Mul(a, op.Transposed(w, s)), Mul(low, op.Transposed(wp, s))),
                  Mul(high, op.Transposed(wn, s)));
      return true;
    }
    case RuleKind::kFlat:
      *r_in = op.Transposed(Map(w, One), StabDiv(r, t.n, st));
      return true;
    case RuleKind::kWSquare:
      *r_in = op.Transposed(t.w2, StabDiv(r, t.s2, st));
      return true;
    case RuleKind::kGradient: {
      Vec g(r.size());
      for (size_t k = 0; k < r.size(); ++k) g[k] = r[k] * ActivationSlope(t.z[k], layer.activation);
      *r_in = op.Transposed(w, g);
      return true;
    }
    default:
      break;
  }
  return Fail(error, "rule does not apply to a layer with weights");
}

double ConservationIdentity(const WeightedLayer& layer, const Rule& rule, const Vec& a,
                            const Vec& r, const Vec& low, const Vec& high) {
  const Terms t = ComputeTerms(layer, rule, a, low, high);
  const Vec bp = BiasPrime(layer, rule);
  const double st = rule.stabilizer;
  double sum = 0;
  for (size_t k = 0; k < r.size(); ++k) {
    switch (rule.kind) {
      case RuleKind::kZero:
        sum += GuardedDiv(r[k] * (t.zp[k] - BiasAt(bp, k)), t.zp[k]);
        break;
      case RuleKind::kEpsilon:
        sum += r[k] * (t.zp[k] - BiasAt(bp, k)) / Stab(t.zp[k], EpsilonUsed(rule, t.zp));
        break;
      case RuleKind::kGamma:
        if (t.z[k] > 0) sum += r[k] * (t.u[k] - BiasAt(t.bu, k)) / Stab(t.u[k], st);
        if (t.z[k] < 0) sum += r[k] * (t.v[k] - BiasAt(t.bd, k)) / Stab(t.v[k], st);
        break;
      case RuleKind::kGammaClassic:
        sum += r[k] * (t.zc[k] - BiasAt(t.bc, k)) / Stab(t.zc[k], st);
        break;
      case RuleKind::kAlphaBeta:
        sum += r[k] * (rule.alpha * (t.zpos[k] - Pos(BiasAt(bp, k))) / Stab(t.zpos[k], st) -
                       rule.beta * (t.zneg[k] - Neg(BiasAt(bp, k))) / Stab(t.zneg[k], st));
        break;
      case RuleKind::kZBox:
        sum += r[k] * t.zbox[k] / Stab(t.zbox[k], st);
        break;
      case RuleKind::kFlat:
        sum += r[k] * t.n[k] / Stab(t.n[k], st);
        break;
      case RuleKind::kWSquare:
        sum += r[k] * (t.s2[k] - BiasAt(t.b2, k)) / Stab(t.s2[k], st);
        break;
      default:
        return std::numeric_limits<double>::quiet_NaN();
    }
  }
  return sum;
}

bool BroadcastBounds(const std::vector<float>& v, const Shape& shape, Vec* out) {
  const size_t n = shape.elements();
  const size_t c = static_cast<size_t>(shape.dims[shape.rank - 1]);
  out->assign(n, 0.0);
  if (v.size() == 1) {
    for (double& x : *out) x = v[0];
  } else if (v.size() == c) {
    for (size_t i = 0; i < n; ++i) (*out)[i] = v[i % c];
  } else if (v.size() == n) {
    for (size_t i = 0; i < n; ++i) (*out)[i] = v[i];
  } else {
    return false;
  }
  return true;
}

// ----------------------------------------------------------------- pooling

Vec AvgPoolForward(const Shape& in, const LayerParams& p, const Vec& a) {
  Vec z(PoolOutputSize(in, p), 0.0);
  ForEachWindow(in, p, [&](size_t k, const std::vector<size_t>& taps) {
    double sum = 0;
    for (size_t j : taps) sum += a[j];
    z[k] = sum / AvgDivisor(p, taps.size());
  });
  return z;
}

Vec AvgPoolNorm(const Shape& in, const LayerParams& p, const Vec& a, const Vec& r, double eps) {
  const Vec z = AvgPoolForward(in, p, a);
  Vec out(a.size(), 0.0);
  ForEachWindow(in, p, [&](size_t k, const std::vector<size_t>& taps) {
    const double den = AvgDivisor(p, taps.size()) * Stab(z[k], eps);
    for (size_t j : taps) out[j] += a[j] * r[k] / den;
  });
  return out;
}

Vec AvgPoolGradient(const Shape& in, const LayerParams& p, const Vec& r) {
  Vec out(in.elements(), 0.0);
  ForEachWindow(in, p, [&](size_t k, const std::vector<size_t>& taps) {
    for (size_t j : taps) out[j] += r[k] / AvgDivisor(p, taps.size());
  });
  return out;
}

Vec MaxPoolForward(const Shape& in, const LayerParams& p, const Vec& a) {
  Vec z(PoolOutputSize(in, p), 0.0);
  ForEachWindow(in, p,
                [&](size_t k, const std::vector<size_t>& taps) { z[k] = a[ArgMax(a, taps)]; });
  return z;
}

Vec MaxPoolWinnerTakeAll(const Shape& in, const LayerParams& p, const Vec& a, const Vec& r) {
  Vec out(a.size(), 0.0);
  ForEachWindow(in, p,
                [&](size_t k, const std::vector<size_t>& taps) { out[ArgMax(a, taps)] += r[k]; });
  return out;
}

Vec MaxPoolProportional(const Shape& in, const LayerParams& p, const Vec& a, const Vec& r,
                        double eps) {
  Vec out(a.size(), 0.0);
  ForEachWindow(in, p, [&](size_t k, const std::vector<size_t>& taps) {
    double sum = 0;
    for (size_t j : taps) sum += a[j];
    const double den = Stab(sum, eps);
    for (size_t j : taps) out[j] += a[j] * r[k] / den;
  });
  return out;
}

LayerParams GlobalPoolWindow(const Shape& in) {
  LayerParams p;
  p.kernel_h = in.dims[0];
  p.kernel_w = in.dims[1];
  return p;
}

void AddNorm(const Vec& x, const Vec& y, const Vec& r, double eps, Vec* r_x, Vec* r_y) {
  r_x->assign(x.size(), 0.0);
  r_y->assign(y.size(), 0.0);
  for (size_t i = 0; i < x.size(); ++i) {
    const double den = Stab(x[i] + y[i], eps);
    (*r_x)[i] = x[i] * r[i] / den;
    (*r_y)[i] = y[i] * r[i] / den;
  }
}

// ----------------------------------------------------------------- network

bool Forward(const Model& model, const std::vector<float>& input, NetResult* out,
             std::string* error) {
  const auto& tensors = model.tensors();
  const auto& layers = model.layers();
  out->act.assign(tensors.size(), Vec());
  out->pre.assign(layers.size(), Vec());
  out->rel.assign(tensors.size(), Vec());
  if (input.size() != model.input_shape().elements()) return Fail(error, "input size");
  out->act[model.input()] = ToDouble(input);
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerDesc& l = layers[i];
    const Vec& x = out->act[l.inputs[0]];
    const Shape& in = tensors[l.inputs[0]].shape;
    const LayerParams& p = l.params;
    Vec y;
    switch (l.kind) {
      case LayerKind::kConv2D:
      case LayerKind::kDense: {
        const WeightedLayer wl = WeightedFromLayer(model, l);
        out->pre[i] = wl.op.Forward(wl.w, wl.b, x);
        y = out->pre[i];
        for (double& v : y) v = ActivationValue(v, p.activation);
        break;
      }
      case LayerKind::kRelu:
        y = Map(x, Pos);
        break;
      case LayerKind::kClamp:
        y = x;
        for (double& v : y) v = std::min(std::max(v, double{p.clamp_min}), double{p.clamp_max});
        break;
      case LayerKind::kLeakyRelu:
        y = x;
        for (double& v : y) v = v >= 0 ? v : p.alpha * v;
        break;
      case LayerKind::kMaxPool2D:
        y = MaxPoolForward(in, p, x);
        break;
      case LayerKind::kAvgPool2D:
        y = AvgPoolForward(in, p, x);
        break;
      case LayerKind::kGlobalAvgPool:
        y = AvgPoolForward(in, GlobalPoolWindow(in), x);
        break;
      case LayerKind::kReshape:
        y = x;
        break;
      case LayerKind::kAdd:
        out->pre[i] = Add(x, out->act[l.inputs[1]]);
        y = out->pre[i];
        for (double& v : y) v = ActivationValue(v, p.activation);
        break;
      case LayerKind::kConcat: {
        const Shape& os = tensors[l.output].shape;
        const size_t total = static_cast<size_t>(os.dims[os.rank - 1]);
        const size_t pixels = os.elements() / total;
        y.assign(os.elements(), 0.0);
        size_t offset = 0;
        for (uint32_t t : l.inputs) {
          const Shape& s = tensors[t].shape;
          const size_t c = static_cast<size_t>(s.dims[s.rank - 1]);
          for (size_t px = 0; px < pixels; ++px) {
            for (size_t ch = 0; ch < c; ++ch)
              y[px * total + offset + ch] = out->act[t][px * c + ch];
          }
          offset += c;
        }
        break;
      }
      case LayerKind::kBatchNorm: {
        const size_t c = static_cast<size_t>(in.dims[in.rank - 1]);
        y = x;
        for (size_t j = 0; j < y.size(); ++j) {
          const size_t ch = j % c;
          const double scale = Buffer(l, 2)[ch] / std::sqrt(double{Buffer(l, 1)[ch]} + p.epsilon);
          y[j] = (x[j] - Buffer(l, 0)[ch]) * scale + Buffer(l, 3)[ch];
        }
        break;
      }
      case LayerKind::kSoftmax: {
        const size_t c = static_cast<size_t>(in.dims[in.rank - 1]);
        y = x;
        for (size_t row = 0; row < y.size(); row += c) {
          double m = -std::numeric_limits<double>::infinity();
          for (size_t j = 0; j < c; ++j) m = std::max(m, x[row + j]);
          double sum = 0;
          for (size_t j = 0; j < c; ++j) sum += (y[row + j] = std::exp(x[row + j] - m));
          for (size_t j = 0; j < c; ++j) y[row + j] /= sum;
        }
        break;
      }
      case LayerKind::kLRN:
        return Fail(error, LayerLabel(i, l) + ": not in the oracle");
    }
    out->act[l.output] = std::move(y);
  }
  out->logits = model.output();
  if (!layers.empty() && layers.back().kind == LayerKind::kSoftmax &&
      layers.back().output == model.output()) {
    out->logits = layers.back().inputs[0];
  }
  return true;
}

bool Explain(const Model& model, const std::vector<Rule>& rules, bool times_input,
             const std::vector<float>& input, int target, ExplainInit init, NetResult* out,
             std::string* error) {
  if (!Forward(model, input, out, error)) return false;
  const Vec& logits = out->act[out->logits];
  if (target < 0) {
    target = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  }
  if (static_cast<size_t>(target) >= logits.size()) return Fail(error, "target out of range");
  Vec seed(logits.size(), 0.0);
  seed[static_cast<size_t>(target)] =
      init == ExplainInit::kOne ? 1.0 : logits[static_cast<size_t>(target)];
  if (!ExplainSeeded(model, rules, times_input, input, seed, out, error)) return false;
  out->target = target;
  return true;
}

bool ExplainSeeded(const Model& model, const std::vector<Rule>& rules, bool times_input,
                   const std::vector<float>& input, const Vec& seed, NetResult* out,
                   std::string* error) {
  const auto& tensors = model.tensors();
  const auto& layers = model.layers();
  if (rules.size() != layers.size()) return Fail(error, "one rule per layer expected");
  if (!Forward(model, input, out, error)) return false;
  if (seed.size() != out->act[out->logits].size()) return Fail(error, "seed size");
  out->target = -1;
  out->rel[out->logits] = seed;

  auto accumulate = [&](uint32_t t, const Vec& r) {
    Vec& dst = out->rel[t];
    if (dst.empty()) dst.assign(tensors[t].shape.elements(), 0.0);
    for (size_t j = 0; j < r.size(); ++j) dst[j] += r[j];
  };

  for (size_t i = layers.size(); i-- > 0;) {
    const LayerDesc& l = layers[i];
    if (out->rel[l.output].empty()) continue;  // after the logits
    const Rule& rule = rules[i];
    const Vec& r = out->rel[l.output];
    const Vec& x = out->act[l.inputs[0]];
    const Shape& in = tensors[l.inputs[0]].shape;
    const LayerParams& p = l.params;
    const bool gradient = rule.kind == RuleKind::kGradient;
    const std::string label = LayerLabel(i, l);
    switch (l.kind) {
      case LayerKind::kConv2D:
      case LayerKind::kDense: {
        const WeightedLayer wl = WeightedFromLayer(model, l);
        Vec low, high;
        if (rule.kind == RuleKind::kZBox) {
          const std::vector<float>& lo = rule.low.empty() ? model.input_desc().low : rule.low;
          const std::vector<float>& hi = rule.high.empty() ? model.input_desc().high : rule.high;
          if (!BroadcastBounds(lo, in, &low) || !BroadcastBounds(hi, in, &high)) {
            return Fail(error, label + ": zbox bounds do not fit the input");
          }
        }
        Vec r_in;
        std::string why;
        if (!WeightedRelevance(wl, rule, x, r, low, high, &r_in, &why)) {
          return Fail(error, label + ": " + why);
        }
        accumulate(l.inputs[0], r_in);
        break;
      }
      case LayerKind::kRelu:
      case LayerKind::kClamp:
      case LayerKind::kLeakyRelu:
      case LayerKind::kBatchNorm: {
        if (!gradient && rule.kind != RuleKind::kPass) return Fail(error, label + ": rule");
        Vec r_in = r;
        if (gradient) {
          for (size_t j = 0; j < r_in.size(); ++j) {
            double slope = 1.0;
            if (l.kind == LayerKind::kRelu) slope = x[j] > 0 ? 1.0 : 0.0;
            if (l.kind == LayerKind::kClamp) slope = (x[j] > p.clamp_min && x[j] < p.clamp_max);
            if (l.kind == LayerKind::kLeakyRelu) slope = x[j] > 0 ? 1.0 : p.alpha;
            if (l.kind == LayerKind::kBatchNorm) {
              const size_t c = static_cast<size_t>(in.dims[in.rank - 1]);
              slope = Buffer(l, 2)[j % c] / std::sqrt(double{Buffer(l, 1)[j % c]} + p.epsilon);
            }
            r_in[j] *= slope;
          }
        }
        accumulate(l.inputs[0], r_in);
        break;
      }
      case LayerKind::kMaxPool2D:
        if (rule.proportional_max || rule.kind == RuleKind::kNorm) {
          accumulate(l.inputs[0], MaxPoolProportional(in, p, x, r, rule.stabilizer));
        } else if (gradient || rule.kind == RuleKind::kWinnerTakeAll) {
          accumulate(l.inputs[0], MaxPoolWinnerTakeAll(in, p, x, r));
        } else {
          return Fail(error, label + ": rule");
        }
        break;
      case LayerKind::kAvgPool2D:
      case LayerKind::kGlobalAvgPool: {
        const LayerParams window = l.kind == LayerKind::kAvgPool2D ? p : GlobalPoolWindow(in);
        if (gradient) {
          accumulate(l.inputs[0], AvgPoolGradient(in, window, r));
        } else if (rule.kind == RuleKind::kNorm) {
          accumulate(l.inputs[0], AvgPoolNorm(in, window, x, r, rule.stabilizer));
        } else {
          return Fail(error, label + ": rule");
        }
        break;
      }
      case LayerKind::kAdd: {
        Vec r_out = r;
        if (gradient) {
          for (size_t j = 0; j < r_out.size(); ++j) {
            r_out[j] *= ActivationSlope(out->pre[i][j], p.activation);
          }
          accumulate(l.inputs[0], r_out);
          accumulate(l.inputs[1], r_out);
        } else if (rule.kind == RuleKind::kNorm) {
          Vec r_x, r_y;
          AddNorm(x, out->act[l.inputs[1]], r_out, rule.stabilizer, &r_x, &r_y);
          accumulate(l.inputs[0], r_x);
          accumulate(l.inputs[1], r_y);
        } else {
          return Fail(error, label + ": rule");
        }
        break;
      }
      case LayerKind::kConcat: {
        const Shape& os = tensors[l.output].shape;
        const size_t total = static_cast<size_t>(os.dims[os.rank - 1]);
        const size_t pixels = os.elements() / total;
        size_t offset = 0;
        for (uint32_t t : l.inputs) {
          const Shape& s = tensors[t].shape;
          const size_t c = static_cast<size_t>(s.dims[s.rank - 1]);
          Vec part(s.elements(), 0.0);
          for (size_t px = 0; px < pixels; ++px) {
            for (size_t ch = 0; ch < c; ++ch) part[px * c + ch] = r[px * total + offset + ch];
          }
          accumulate(t, part);
          offset += c;
        }
        break;
      }
      case LayerKind::kReshape:
        accumulate(l.inputs[0], r);
        break;
      case LayerKind::kSoftmax:
      case LayerKind::kLRN:
        return Fail(error, label + ": not explainable by the oracle");
    }
  }
  Vec& r_input = out->rel[model.input()];
  if (r_input.empty()) r_input.assign(model.input_shape().elements(), 0.0);
  if (times_input) r_input = Mul(r_input, out->act[model.input()]);
  return true;
}

// -------------------------------------------------------------- composites

namespace {

bool ParseNumber(const std::string& text, double* value) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return errno == 0 && end == text.c_str() + text.size() && std::isfinite(*value);
}

bool ParseList(const std::string& text, std::vector<float>* out) {
  out->clear();
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    double v = 0;
    if (!ParseNumber(text.substr(start, comma - start), &v)) return false;
    out->push_back(static_cast<float>(v));
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

bool IsWeighted(LayerKind k) { return k == LayerKind::kConv2D || k == LayerKind::kDense; }

}  // namespace

std::vector<size_t> WeightedLayers(const Model& model) {
  std::vector<size_t> out;
  for (size_t i = 0; i < model.layers().size(); ++i) {
    if (IsWeighted(model.layers()[i].kind)) out.push_back(i);
  }
  return out;
}

bool ResolveComposite(const Model& model, const Composite& composite, Resolved* out,
                      std::string* error) {
  const std::string& name = composite.name;
  // Defaults of §6 / §11.
  double epsilon = name == "lrp-cmp" ? 0.1 : (name == "lrp-overview" ? 0.25 : 1e-6);
  double gamma = 0.25, stabilizer = 1e-6;
  double alpha = name == "lrp-cmp" ? 1.0 : 2.0, beta = name == "lrp-cmp" ? 0.0 : 1.0;
  bool zero_bias = false, flat = true, proportional_max = false;
  std::vector<float> low, high;
  for (const auto& [key, value] : composite.params) {
    double v = 0;
    if (key == "low" || key == "high") {
      if (!ParseList(value, key == "low" ? &low : &high)) return Fail(error, "bad " + key);
      continue;
    }
    if (key == "maxpool") {
      if (value != "wta" && value != "avg") return Fail(error, "bad maxpool");
      proportional_max = value == "avg";
      continue;
    }
    if (!ParseNumber(value, &v)) return Fail(error, "bad number for " + key);
    if (key == "epsilon") {
      epsilon = v;
    } else if (key == "gamma") {
      gamma = v;
    } else if (key == "alpha") {
      alpha = v;
    } else if (key == "beta") {
      beta = v;
    } else if (key == "stabilizer") {
      stabilizer = v;
    } else if (key == "zero_bias") {
      zero_bias = v != 0;
    } else if (key == "flat") {
      flat = v != 0;
    } else {
      return Fail(error, "unknown parameter " + key);
    }
  }

  Rule base;
  base.stabilizer = static_cast<float>(stabilizer);
  base.zero_bias = zero_bias;
  auto make = [&](RuleKind kind) {
    Rule r = base;
    r.kind = kind;
    return r;
  };
  auto eps_rule = [&](double e) {
    Rule r = make(RuleKind::kEpsilon);
    r.epsilon = static_cast<float>(e);
    return r;
  };
  auto ab_rule = [&](double a, double b) {
    Rule r = make(RuleKind::kAlphaBeta);
    r.alpha = static_cast<float>(a);
    r.beta = static_cast<float>(b);
    return r;
  };
  auto gamma_rule = [&](RuleKind kind) {
    Rule r = make(kind);
    r.gamma = static_cast<float>(gamma);
    return r;
  };
  auto zbox_rule = [&]() {
    Rule r = make(RuleKind::kZBox);
    r.low = low;
    r.high = high;
    return r;
  };

  const auto& layers = model.layers();
  const bool grad = name == "gradient" || name == "gradient-x-input";
  out->times_input = name == "gradient-x-input";
  out->rules.assign(layers.size(), Rule());
  for (size_t i = 0; i < layers.size(); ++i) {
    Rule& r = out->rules[i];
    switch (layers[i].kind) {
      case LayerKind::kMaxPool2D:
        r = make(RuleKind::kWinnerTakeAll);
        r.proportional_max = proportional_max;
        break;
      case LayerKind::kAvgPool2D:
      case LayerKind::kGlobalAvgPool:
      case LayerKind::kAdd:
        r = make(RuleKind::kNorm);
        break;
      default:
        r = make(RuleKind::kPass);
        break;
    }
    if (grad) r = make(RuleKind::kGradient);
  }
  if (!layers.empty() && layers.back().kind == LayerKind::kSoftmax) {
    out->rules.back() = make(RuleKind::kPass);
  }

  const std::vector<size_t> weighted = WeightedLayers(model);
  size_t first_conv = layers.size(), first_any = weighted.empty() ? layers.size() : weighted[0];
  for (size_t i : weighted) {
    if (layers[i].kind == LayerKind::kConv2D) {
      first_conv = i;
      break;
    }
  }
  if (name == "epsilon") {
    for (size_t i : weighted) out->rules[i] = eps_rule(epsilon);
  } else if (name == "epsilon-plus" || name == "epsilon-plus-flat" ||
             name == "epsilon-alpha2-beta1" || name == "epsilon-alpha2-beta1-flat") {
    const bool plus = name.rfind("epsilon-plus", 0) == 0;
    const bool with_flat = name.size() > 5 && name.compare(name.size() - 5, 5, "-flat") == 0;
    for (size_t i : weighted) {
      if (layers[i].kind == LayerKind::kDense) {
        out->rules[i] = eps_rule(epsilon);
      } else {
        out->rules[i] = plus ? ab_rule(1, 0) : ab_rule(alpha, beta);
      }
    }
    if (with_flat && first_any < layers.size()) out->rules[first_any] = make(RuleKind::kFlat);
  } else if (name == "epsilon-gamma-box") {
    for (size_t i : weighted) {
      out->rules[i] =
          layers[i].kind == LayerKind::kDense ? eps_rule(epsilon) : gamma_rule(RuleKind::kGamma);
    }
    if (first_conv < layers.size()) out->rules[first_conv] = zbox_rule();
  } else if (name == "lrp-cmp") {
    for (size_t i : weighted) {
      out->rules[i] =
          layers[i].kind == LayerKind::kDense ? eps_rule(epsilon) : ab_rule(alpha, beta);
    }
    if (flat && first_conv < layers.size()) out->rules[first_conv] = make(RuleKind::kFlat);
  } else if (name == "lrp-overview") {
    const size_t n = weighted.size();
    const size_t lower = static_cast<size_t>(std::floor(0.4 * static_cast<double>(n)));
    const size_t middle = static_cast<size_t>(std::floor(0.8 * static_cast<double>(n)));
    for (size_t idx = 0; idx < n; ++idx) {
      Rule r;
      if (idx == 0) {
        r = zbox_rule();
      } else if (idx <= lower) {
        r = gamma_rule(RuleKind::kGammaClassic);
      } else if (idx <= middle) {
        r = eps_rule(epsilon);
        r.epsilon_rms = true;
      } else {
        r = make(RuleKind::kZero);
        r.stabilizer = 1e-9f;
      }
      out->rules[weighted[idx]] = r;
    }
  } else if (!grad) {
    return Fail(error, "unknown composite " + name);
  }

  for (const auto& [selector, rule] : composite.overrides) {
    bool matched = false;
    for (size_t i = 0; i < layers.size(); ++i) {
      const bool hit = selector.name.empty() ? (static_cast<int>(i) >= selector.first &&
                                                static_cast<int>(i) <= selector.last)
                                             : layers[i].name == selector.name;
      if (hit) {
        out->rules[i] = rule;
        matched = true;
      }
    }
    if (!matched) return Fail(error, "selector matches no layer");
  }
  return true;
}

}  // namespace oracle
}  // namespace test
}  // namespace lrp
