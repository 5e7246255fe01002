// Rule algebra for Conv2D/Dense (RULES.md §2) on the primitives of
// weighted_ops.h. Passes are kept few: the stored pre-activation z gives
// every denominator that needs the unmodified weights; z and F(W+, a) give
// the positive/negative split of a non-negative input; and for a
// sign-unknown input the four transposed products of Gamma and AlphaBeta
// are two runs of one operator over stacked weights [V1; V2].
#include "runtime/lrp/weighted_rules.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ports/kernels.h"
#include "runtime/lrp/weighted_ops.h"

namespace lrp {
namespace internal {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

const ports::KernelTable& K() { return ports::BestKernels(); }


float Bias(const RelevanceNode& n, size_t channel) { return n.bias ? n.bias[channel] : 0.0f; }

// Calls f(k, c) for every output element k and its channel c (channels are
// the fastest axis), without a division per element.
template <typename F>
void ForEachOutput(const RelevanceNode& n, F f) {
  const size_t channels = n.out_channels;
  for (size_t base = 0; base < n.out_elements; base += channels) {
    for (size_t c = 0; c < channels; ++c) f(base + c, c);
  }
}

// Rules with two transposed products, B(V1, x1) + B(V2, x2): Gamma
// (W + gW+, W + gW-) and two-sided AlphaBeta (W+, W-).
bool TwoSided(const RelevanceNode& n) {
  return n.rule == RuleKind::kGamma ||
         (n.rule == RuleKind::kAlphaBeta && (n.beta != 0.0f || !n.nonneg_input));
}

// A sign-unknown input needs both products twice (a+ and a- terms, halves
// swapped): one operator over stacked [V1; V2] serves both. For a >= 0 two
// separate operators are faster (half the reduction length each).
bool UsesPair(const RelevanceNode& n) { return TwoSided(n) && !n.nonneg_input; }

WeightKind MainKind(const RelevanceNode& n) {
  switch (n.rule) {
    case RuleKind::kGamma:
    case RuleKind::kGammaClassic: return WeightKind::kGammaUp;
    case RuleKind::kAlphaBeta: return WeightKind::kPositive;
    case RuleKind::kFlat: return WeightKind::kOnes;
    case RuleKind::kWSquare: return WeightKind::kSquare;
    default: return WeightKind::kW;
  }
}

WeightKind SecondKind(const RelevanceNode& n) {
  switch (n.rule) {
    case RuleKind::kGamma: return WeightKind::kGammaDown;
    case RuleKind::kAlphaBeta: return WeightKind::kNegative;
    default: return WeightKind::kPositive;  // ZBox
  }
}

bool UsesMain(const RelevanceNode& n) { return !UsesPair(n); }
bool UsesSecond(const RelevanceNode& n) {
  return n.rule == RuleKind::kZBox || (TwoSided(n) && n.nonneg_input);
}

// q = F(W+, a) for a >= 0, else F(W+, a+) + F(W-, a-) (and q2 scratch);
// `both_sides` (AlphaBeta, a >= 0): q2 = F(W-, a) as well.
void ForwardSplit(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                  bool both_sides) {
  const bool nonneg = n.nonneg_input || n.rule == RuleKind::kGammaClassic;
  if (!nonneg) {
    for (size_t j = 0; j < n.in_elements; ++j) {
      sc.ap[j] = n.a[j] > 0.0f ? n.a[j] : 0.0f;
      sc.an[j] = n.a[j] < 0.0f ? n.a[j] : 0.0f;
    }
  }
  if (IsConv(n)) {
    xnn_run_operator(n.fwd_pos, pool);
    if (n.fwd_neg) xnn_run_operator(n.fwd_neg, pool);
  } else {
    DenseForward(n, pool, WeightKind::kPositive, nonneg ? n.a : sc.ap, sc.q);
    if (!nonneg || both_sides) {
      DenseForward(n, pool, WeightKind::kNegative, nonneg ? n.a : sc.an, sc.q2);
    }
  }
  if (!nonneg) {
    for (size_t k = 0; k < n.out_elements; ++k) sc.q[k] += sc.q2[k];
  }
}

// c1 = B(V_main, s1).
void TransposeMain(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool) {
  if (IsConv(n)) {
    RunTransposedOp(n, sc, n.t_main, pool);
    return;
  }
  switch (n.rule) {
    case RuleKind::kGammaClassic:  // B(W + g W+, s) = B(W, s) + g B(W+, s)
      DenseTransposed(n, pool, WeightKind::kW, sc.s1, sc.c1);
      DenseTransposed(n, pool, WeightKind::kPositive, sc.s1, sc.c2);
      for (size_t j = 0; j < n.in_elements; ++j) sc.c1[j] += n.gamma * sc.c2[j];
      return;
    case RuleKind::kFlat: {  // every input feeds every output
      float sum = 0.0f;
      for (size_t k = 0; k < n.out_elements; ++k) sum += sc.s1[k];
      for (size_t j = 0; j < n.in_elements; ++j) sc.c1[j] = sum;
      return;
    }
    default:
      DenseTransposed(n, pool, MainKind(n), sc.s1, sc.c1);
      return;
  }
}

// c1 = B(V1, x1) + B(V2, x2) with (V1, V2) = (W+gW+, W+gW-) for Gamma and
// (W+, W-) for AlphaBeta. Conv: x1/x2 must already be in the pair layout
// in s1 (x1, x2 ignored); Dense: read from x1, x2.
void TransposePair(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                   const float* x1, const float* x2) {
  if (IsConv(n)) {
    RunTransposedOp(n, sc, n.t_pair, pool);
    return;
  }
  if (n.rule == RuleKind::kGamma) {
    // B(W, x1 + x2) + g B(W+, x1) + g B(W-, x2)
    for (size_t k = 0; k < n.out_elements; ++k) sc.s2[k] = x1[k] + x2[k];
    DenseTransposed(n, pool, WeightKind::kW, sc.s2, sc.c1);
    DenseTransposed(n, pool, WeightKind::kPositive, x1, sc.c2);
    for (size_t j = 0; j < n.in_elements; ++j) sc.c1[j] += n.gamma * sc.c2[j];
    DenseTransposed(n, pool, WeightKind::kNegative, x2, sc.c2);
    for (size_t j = 0; j < n.in_elements; ++j) sc.c1[j] += n.gamma * sc.c2[j];
    return;
  }
  DenseTransposed(n, pool, WeightKind::kPositive, x1, sc.c1);
  DenseTransposed(n, pool, WeightKind::kNegative, x2, sc.c2);
  for (size_t j = 0; j < n.in_elements; ++j) sc.c1[j] += sc.c2[j];
}

// Writes (x1, x2) into the conv pair layout in s1: [pixel][g][2][C/g].
void FillPair(const RelevanceNode& n, const RelevanceScratch& sc, const float* x1,
              const float* x2) {
  if (!IsConv(n)) return;
  const size_t channels = n.out_channels;
  const size_t groups = static_cast<size_t>(n.layer->params.groups);
  const size_t width = channels / groups * sizeof(float);
  const size_t step = channels / groups;
  for (size_t base = 0; base < n.out_elements; base += channels) {
    float* dst = sc.s1 + 2 * base;
    for (size_t g = 0; g < groups; ++g) {
      std::memcpy(dst + 2 * g * step, x1 + base + g * step, width);
      std::memcpy(dst + (2 * g + 1) * step, x2 + base + g * step, width);
    }
  }
}

// Sign-unknown input: the pair for (x1, x2) on a+ and for the swapped
// (x2, x1) on a-, the 4-term forms of Gamma and AlphaBeta.
void PairTerms(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
               const float* x1, const float* x2, float* r_in) {
  FillPair(n, sc, x1, x2);
  TransposePair(n, sc, pool, x1, x2);
  K().vmuladd(n.in_elements, sc.ap, sc.c1, r_in);
  FillPair(n, sc, x2, x1);
  TransposePair(n, sc, pool, x2, x1);
  K().vmuladd(n.in_elements, sc.an, sc.c1, r_in);
}

bool AllZero(size_t count, const float* x) {
  for (size_t i = 0; i < count; ++i) {
    if (x[i] != 0.0f) return false;
  }
  return true;
}

// a >= 0: R += a * (B(V1, x1) + B(V2, x2)). A transposed product of an
// all-zero operand adds exactly zero and is skipped. That is the usual case
// for Gamma's x2: outputs with z < 0 feed a ReLU whose zero output receives
// zero relevance from an a * c rule above, so a conv layer followed by a
// ReLU (VGG's, ResNet's inner ones) needs one transposed pass, not two.
void TwoTerms(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
              const float* x1, const float* x2, float* r_in) {
  if (!IsConv(n)) {
    TransposePair(n, sc, pool, x1, x2);
    K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
    return;
  }
  const size_t bytes = n.out_elements * sizeof(float);
  if (!AllZero(n.out_elements, x1)) {
    if (x1 != sc.s1) std::memcpy(sc.s1, x1, bytes);
    RunTransposedOp(n, sc, n.t_main, pool);
    K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
  }
  if (!AllZero(n.out_elements, x2)) {
    if (x2 != sc.s2) std::memcpy(sc.s2, x2, bytes);
    RunTransposedOp(n, sc, n.t_second, pool);
    K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
  }
}

void RunEpsilon(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                const float* r_out, float* r_in) {
  const size_t m = n.out_elements;
  const float* d = n.z;
  if (n.zero_bias && n.bias) {
    ForEachOutput(n, [&](size_t k, size_t c) { sc.q[k] = n.z[k] - n.bias[c]; });
    d = sc.q;
  }
  float eps = n.epsilon;  // LRP-0: 0 unless given; z = 0 then passes nothing
  if (n.epsilon_rms) {
    double sq = 0.0;
    for (size_t k = 0; k < m; ++k) sq += double{d[k]} * d[k];
    eps = static_cast<float>(n.epsilon * std::sqrt(sq / static_cast<double>(m)) + 1e-9);
  }
  K().vstabdiv(m, r_out, d, eps, sc.s1);
  TransposeMain(n, sc, pool);
  K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
}

// One pixel of Gamma's quotients (see RunGamma). x1 may be q itself (read
// before written, element by element), so only x2 is restrict.
void GammaQuotients(size_t channels, const float* z, const float* q, const float* r,
                    const float* up, const float* down, float g, float eps, float* x1,
                    float* __restrict x2) {
  for (size_t c = 0; c < channels; ++c) {
    const float zc = z[c], qc = q[c];
    const float u = zc + up[c] + g * qc;
    const float v = (1.0f + g) * zc + down[c] - g * qc;
    const float w = zc > 0.0f ? u : v;  // the two serve disjoint outputs
    const float den = w >= 0.0f ? w + eps : w - eps;
    const float s = r[c] / (den == 0.0f ? 1.0f : den);
    const float kept = den == 0.0f ? 0.0f : s;
    x1[c] = zc > 0.0f ? kept : 0.0f;
    x2[c] = zc < 0.0f ? kept : 0.0f;
  }
}

void RunGamma(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
              const float* r_out, float* r_in) {
  const float g = n.gamma, eps = n.stabilizer;
  ForwardSplit(n, sc, pool, false);
  // u = F(W+gW+, b+gb'+, a+) + F(W+gW-, 0, a-), v likewise with the signs
  // swapped (Zennit's generalized gamma); both from z and q = sum c+. The
  // quotients of z > 0 outputs go to x1, those of z < 0 to x2 - straight
  // into the two operators' inputs when the input is >= 0.
  const size_t channels = n.out_channels;
  const bool direct = IsConv(n) && n.nonneg_input;
  float* x1 = direct ? sc.s1 : sc.q;
  float* x2 = direct ? sc.s2 : sc.q2;
  // With the per-channel bias terms precomputed (PrepareWeighted), the loop
  // is branch-free and vectorizes: u = z + up + g q, v = (1+g) z + down - g q.
  const float* up = n.constant;
  const float* down = n.constant + channels;
  for (size_t base = 0; base < n.out_elements; base += channels) {
    GammaQuotients(channels, n.z + base, sc.q + base, r_out + base, up, down, g, eps, x1 + base,
                   x2 + base);
  }
  if (n.nonneg_input) {
    TwoTerms(n, sc, pool, x1, x2, r_in);
  } else {
    PairTerms(n, sc, pool, sc.q, sc.q2, r_in);
  }
}

void RunGammaClassic(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                     const float* r_out, float* r_in) {
  const float g = n.gamma;
  ForwardSplit(n, sc, pool, false);  // q = F(W+, a), whatever the sign of a
  ForEachOutput(n, [&](size_t k, size_t c) {
    const float b = Bias(n, c);
    const float bp = n.zero_bias ? 0.0f : b;
    // rho(W) a + rho(b) = (z - b) + g F(W+, a) + b' + g b'+
    sc.q[k] = n.z[k] - b + g * sc.q[k] + bp + g * (bp > 0.0f ? bp : 0.0f);
  });
  K().vstabdiv(n.out_elements, r_out, sc.q, n.stabilizer, sc.s1);
  TransposeMain(n, sc, pool);
  K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
}

void RunAlphaBeta(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                  const float* r_out, float* r_in) {
  const float eps = n.stabilizer;
  const bool pair = TwoSided(n);
  ForwardSplit(n, sc, pool, /*both_sides=*/pair);
  // q = sum of positive contributions; the negative side directly as
  // F(W-, a) (an empty side must give exactly 0), or as z - b - q for
  // sign-unknown inputs.
  ForEachOutput(n, [&](size_t k, size_t c) {
    const float b = Bias(n, c);
    const float bp = n.zero_bias ? 0.0f : b;
    const float neg_sum = n.nonneg_input ? sc.q2[k] : n.z[k] - b - sc.q[k];
    sc.q[k] += bp > 0.0f ? bp : 0.0f;
    sc.q2[k] = neg_sum + (bp < 0.0f ? bp : 0.0f);
  });
  K().vstabdiv(n.out_elements, r_out, sc.q, eps, sc.q);
  for (size_t k = 0; k < n.out_elements; ++k) sc.q[k] *= n.alpha;
  if (pair) {
    K().vstabdiv(n.out_elements, r_out, sc.q2, eps, sc.q2);
    for (size_t k = 0; k < n.out_elements; ++k) sc.q2[k] *= -n.beta;
  }
  if (pair) {
    // a+ [B(W+, a s+) + B(W-, -b s-)] + a- [B(W+, -b s-) + B(W-, a s+)]
    if (n.nonneg_input) {
      TwoTerms(n, sc, pool, sc.q, sc.q2, r_in);
    } else {
      PairTerms(n, sc, pool, sc.q, sc.q2, r_in);
    }
    return;
  }
  std::memcpy(sc.s1, sc.q, n.out_elements * sizeof(float));
  TransposeMain(n, sc, pool);  // z+: B(W+, s+)
  K().vmuladd(n.in_elements, n.a, sc.c1, r_in);
}

void RunZBox(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
             const float* r_out, float* r_in) {
  const size_t m = n.out_elements;
  // z^B = (z - b) - F(W+, l) - F(W-, h); the bias cancels (RULES.md §2.5).
  ForEachOutput(n, [&](size_t k, size_t c) { sc.q[k] = n.z[k] - Bias(n, c) - n.constant[k]; });
  K().vstabdiv(m, r_out, sc.q, n.stabilizer, sc.s1);
  std::memcpy(sc.s2, sc.s1, m * sizeof(float));
  // R = a B(W,s) - l B(W+,s) - h B(W-,s) = (a - h) B(W,s) + (h - l) B(W+,s).
  const size_t channels = n.in_channels;
  TransposeMain(n, sc, pool);
  for (size_t j = 0; j < n.in_elements; ++j) {
    r_in[j] += (n.a[j] - n.high[j % channels]) * sc.c1[j];
  }
  if (IsConv(n)) {
    RunTransposedOp(n, sc, n.t_second, pool);
  } else {
    DenseTransposed(n, pool, WeightKind::kPositive, sc.s2, sc.c1);
  }
  for (size_t j = 0; j < n.in_elements; ++j) {
    const size_t c = j % channels;
    r_in[j] += (n.high[c] - n.low[c]) * sc.c1[j];
  }
}

void RunUniform(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                const float* r_out, float* r_in) {
  // Flat / WSquare: R = B(V, R / stab(F(V, b', 1))), no input factor.
  K().vstabdiv(n.out_elements, r_out, n.constant, n.stabilizer, sc.s1);
  TransposeMain(n, sc, pool);
  for (size_t j = 0; j < n.in_elements; ++j) r_in[j] += sc.c1[j];
}

void RunGradient(const RelevanceNode& n, const RelevanceScratch& sc, pthreadpool_t pool,
                 const float* r_out, float* r_in) {
  // The activation's derivative; y in (0, 6) <=> z in (0, 6), so the output
  // y serves when z was not stored.
  const float hi = n.activation == Activation::kRelu6 ? 6.0f : kInf;
  for (size_t k = 0; k < n.out_elements; ++k) {
    const bool pass = n.activation == Activation::kNone || (n.z[k] > 0.0f && n.z[k] < hi);
    sc.s1[k] = pass ? r_out[k] : 0.0f;
  }
  TransposeMain(n, sc, pool);
  for (size_t j = 0; j < n.in_elements; ++j) r_in[j] += sc.c1[j];
}

}  // namespace

size_t WeightedConstantElements(const RelevanceNode& node) {
  switch (node.rule) {
    case RuleKind::kGamma:
      return 2 * node.out_channels;  // per-channel bias terms of u and v
    case RuleKind::kZBox:
    case RuleKind::kFlat:
    case RuleKind::kWSquare:
      return node.out_elements;
    default:
      return 0;
  }
}

Status PrepareWeighted(RelevanceNode* n, const RelevanceScratch& sc, pthreadpool_t pool) {
  // Input-independent terms.
  if (n->rule == RuleKind::kGamma) {
    // u = (z - b) + b' + g b'+ + g q and v = (z - b) + b' + g b'- + g (z - b - q),
    // rearranged around z and q.
    const float g = n->gamma;
    for (size_t c = 0; c < n->out_channels; ++c) {
      const float b = n->bias ? n->bias[c] : 0.0f;
      const float bp = n->zero_bias ? 0.0f : b;
      n->constant[c] = bp + g * (bp > 0.0f ? bp : 0.0f) - b;
      n->constant[n->out_channels + c] = bp + g * (bp < 0.0f ? bp : 0.0f) - (1.0f + g) * b;
    }
  } else if (n->rule == RuleKind::kFlat) {
    CountTaps(*n, n->constant);
  } else if (n->rule == RuleKind::kWSquare) {
    std::vector<float> ones(n->in_channels, 1.0f);
    ConstantForward(*n, WeightKind::kSquare, ones.data(), n->zero_bias ? 0 : 2, n->constant);
  } else if (n->rule == RuleKind::kZBox) {
    std::vector<float> upper(n->out_elements);
    ConstantForward(*n, WeightKind::kPositive, n->low, 0, n->constant);
    ConstantForward(*n, WeightKind::kNegative, n->high, 0, upper.data());
    for (size_t k = 0; k < n->out_elements; ++k) n->constant[k] += upper[k];
  }
  if (!IsConv(*n)) return Status::Ok();

  const RuleKind r = n->rule;
  const bool nonneg = n->nonneg_input || r == RuleKind::kGammaClassic;
  if (r == RuleKind::kGamma || r == RuleKind::kGammaClassic || r == RuleKind::kAlphaBeta) {
    LRP_RETURN_IF_ERROR(CreateConvForward(*n, WeightKind::kPositive, nonneg ? n->a : sc.ap,
                                          sc.q, pool, &n->fwd_pos));
    // F(W-, a-) for sign-unknown inputs; F(W-, a) for two-sided AlphaBeta.
    if (!nonneg || (r == RuleKind::kAlphaBeta && TwoSided(*n))) {
      LRP_RETURN_IF_ERROR(CreateConvForward(*n, WeightKind::kNegative, nonneg ? n->a : sc.an,
                                            sc.q2, pool, &n->fwd_neg));
    }
  }
  if (UsesMain(*n)) {
    LRP_RETURN_IF_ERROR(CreateConvTransposed(*n, MainKind(*n), sc.s1, sc.c1, pool, &n->t_main));
  }
  if (UsesSecond(*n)) {
    LRP_RETURN_IF_ERROR(
        CreateConvTransposed(*n, SecondKind(*n), sc.s2, sc.c1, pool, &n->t_second));
  }
  if (UsesPair(*n)) {
    LRP_RETURN_IF_ERROR(CreateConvTransposedPair(*n, MainKind(*n), SecondKind(*n), sc.s1, sc.c1,
                                                 pool, &n->t_pair));
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
  for (xnn_operator_t* op : {&n->fwd_pos, &n->fwd_neg, &n->t_main, &n->t_second, &n->t_pair}) {
    if (*op) xnn_delete_operator(*op);
    *op = nullptr;
  }
}

}  // namespace internal
}  // namespace lrp
