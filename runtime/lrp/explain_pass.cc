// The relevance pass: seed the logits, walk the explained layers last to
// first, each adding its inputs' relevance. Allocation-free.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "runtime/lrp/layer_rules.h"
#include "runtime/lrp/relative_rules.h"
#include "runtime/lrp/relevance_setup.h"
#include "runtime/lrp/weighted_rules.h"

namespace lrp {
namespace internal {
namespace {

constexpr int kMaxInputs = 64;  // Concat's limit (shape inference)

// Blocks of 256 summed in 8 float lanes (vectorizable), blocks in double:
// accurate to ~1e-6 relative for any length, at memory speed.
double Sum(const float* x, size_t n) {
  double total = 0.0;
  size_t i = 0;
  for (; i + 256 <= n; i += 256) {
    float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t j = 0; j < 256; j += 8) {
      for (size_t k = 0; k < 8; ++k) lane[k] += x[i + j + k];
    }
    total += double{lane[0]} + lane[1] + lane[2] + lane[3] + lane[4] + lane[5] + lane[6] +
             lane[7];
  }
  for (; i < n; ++i) total += x[i];
  return total;
}

// max |x| (picks R-LRP's power of two), on the bit patterns of |x|, which
// order like the values for finite floats: an int32 max reduction
// vectorizes where a float max with its NaN rules does not.
float MaxAbs(const float* x, size_t n) {
  // 16 lanes: independent chains, not one latency-bound accumulator.
  int32_t top[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (size_t k = 0; k < 16; ++k) {
      int32_t bits;
      std::memcpy(&bits, &x[i + k], sizeof(bits));
      bits &= 0x7fffffff;
      top[k] = bits > top[k] ? bits : top[k];
    }
  }
  for (; i < n; ++i) {
    int32_t bits;
    std::memcpy(&bits, &x[i], sizeof(bits));
    bits &= 0x7fffffff;
    top[0] = bits > top[0] ? bits : top[0];
  }
  int32_t m = 0;
  for (int32_t t : top) m = t > m ? t : m;
  float out;
  std::memcpy(&out, &m, sizeof(out));
  return out;
}

// The relevance buffer of tensor t, zeroed when first written in a pass.
float* Writable(const Model& model, ExplainState* es, uint32_t t) {
  float* r = es->relevance[t];
  if (!es->written[t]) {
    std::memset(r, 0, model.tensors()[t].shape.elements() * sizeof(float));
    es->written[t] = 1;
  }
  return r;
}

// Brings tensor t's stored relevance (already written) to exponent e:
// multiplying by a power of two is exact. Needed only where paths with
// different R-LRP rescaling meet at a tensor outside a branch merge.
void AlignExponent(const Model& model, ExplainState* es, uint32_t t, int e) {
  const int shift = e - es->exponents[t];
  if (shift == 0) return;
  float* r = es->relevance[t];
  const size_t n = model.tensors()[t].shape.elements();
  for (size_t i = 0; i < n; ++i) r[i] = std::ldexp(r[i], shift);
  es->exponents[t] = e;
}

// Joins the branch relevance of merge m to its block input x, scaled by
// sum_branch * (x's skip-side sum / sum_skip) / (branch sum at x): the
// branch then carries the skip path's factor (RULES.md section 5.3). All
// sums are in stored units; the exponents cancel in the product.
void MergeBranch(const Model& model, ExplainState* es, BranchMerge* m) {
  if (!m->acc_written) return;
  m->acc_written = false;
  const uint32_t x = m->block_input;
  const size_t n = model.tensors()[x].shape.elements();
  double& scale = es->conservation[m->add_layer].branch_scale;
  if (!es->written[x]) {  // nothing arrived on the skip side
    Writable(model, es, x);
    es->exponents[x] = m->acc_exponent;
  }
  const int shift = es->exponents[x] - m->acc_exponent;
  // Both sums in stored units; from the writers' sums when every writer
  // reported one (no extra pass over x), else read back.
  const double main_sum = m->tracked ? std::ldexp(m->skip_at_x, es->exponents[x])
                                     : AccurateSum(es->relevance[x], n);
  const double acc_sum = m->tracked ? std::ldexp(m->branch_at_x, m->acc_exponent)
                                    : AccurateSum(m->acc, n);
  double mult = (m->sum_branch * main_sum) / (m->sum_skip * acc_sum);
  if (std::isfinite(mult) && mult != 0.0) {
    scale = std::ldexp(mult, -shift);
  } else {  // a zero or non-finite sum: no equalization
    mult = std::ldexp(1.0, shift);
    scale = std::numeric_limits<double>::quiet_NaN();
  }
  const float f = static_cast<float>(mult);
  float* r = es->relevance[x];
  for (size_t i = 0; i < n; ++i) r[i] += f * m->acc[i];
}

void MergeBefore(const Model& model, ExplainState* es, int32_t layer) {
  for (uint32_t k = 0; k < es->num_merges; ++k) {
    if (es->merges[k].merge_before == layer) MergeBranch(model, es, &es->merges[k]);
  }
}

// The merge of the Add at layer i, if it was equalized.
BranchMerge* AddMerge(ExplainState* es, uint32_t i) {
  for (uint32_t k = 0; k < es->num_merges; ++k) {
    if (es->merges[k].add_layer == i) return &es->merges[k];
  }
  return nullptr;
}

// Records, for every branch merge whose block input node i wrote, what it
// gave there, unscaled: `given` (in r_out's units, 2^e_out) from a
// single-input kRelative node, the skip share from the merge's own Add;
// anything else (NaN) makes the merge read x back instead.
void TrackBlockInputs(ExplainState* es, const RelevanceNode& n, uint32_t i, double given,
                      int e_out) {
  const LayerDesc& l = *n.layer;
  for (uint32_t k = 0; k < es->num_merges; ++k) {
    BranchMerge& m = es->merges[k];
    bool reads = false;
    for (uint32_t t : l.inputs) reads = reads || t == m.block_input;
    if (!reads) continue;
    double share = given;
    if (l.kind == LayerKind::kAdd) {
      share = m.add_layer == i && l.inputs[m.skip_input] == m.block_input &&
                      l.inputs[0] != l.inputs[1]
                  ? m.sum_skip
                  : std::numeric_limits<double>::quiet_NaN();
    } else if (l.inputs.size() != 1) {
      share = std::numeric_limits<double>::quiet_NaN();
    }
    if (std::isnan(share)) {
      m.tracked = false;
      continue;
    }
    (n.branch_merge == static_cast<int32_t>(k) ? m.branch_at_x : m.skip_at_x) +=
        std::ldexp(share, -e_out);
  }
}

bool Routes(const RelevanceNode& n) {
  const LayerKind k = n.layer->kind;
  return n.rule == RuleKind::kPass || n.rule == RuleKind::kWinnerTakeAll ||
         k == LayerKind::kConcat || k == LayerKind::kReshape;
}

}  // namespace

Status RunExplain(const Model& model, ExplainState* es, pthreadpool_t pool,
                  float* const* tensors, int target, ExplainInit init) {
  if (!es->forward_done) {
    return Status(StatusCode::kInvalidArgument, "Explain() needs a Forward() first");
  }
  const size_t num_tensors = model.tensors().size();
  const uint32_t logits = es->logits;
  const float* f = tensors[logits];
  const size_t classes = model.tensors()[logits].shape.elements();
  for (size_t k = 0; k < classes; ++k) {
    if (!std::isfinite(f[k])) {
      return Status(StatusCode::kInvalidArgument,
                    "the logits are not finite (input values too large?)");
    }
  }
  if (target == -1) {
    target = 0;
    for (size_t k = 1; k < classes; ++k) {
      if (f[k] > f[target]) target = static_cast<int>(k);
    }
  } else if (target < 0 || static_cast<size_t>(target) >= classes) {
    return Status(StatusCode::kInvalidArgument,
                  "target " + std::to_string(target) + " is outside [0, " +
                      std::to_string(classes - 1) + "]");
  }
  es->target = target;

  std::memset(es->written, 0, num_tensors);
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (size_t t = 0; t < num_tensors; ++t) {
    es->sums[t] = kNaN;
    es->exponents[t] = 0;
  }
  for (size_t i = 0; i < model.layers().size(); ++i) {
    es->conservation[i] = LayerConservation{kNaN, 0, kNaN};
  }
  for (uint32_t k = 0; k < es->num_merges; ++k) {
    BranchMerge& m = es->merges[k];
    m.acc_written = false;
    m.skip_at_x = m.branch_at_x = 0.0;
    m.tracked = true;
  }
  float* seed = Writable(model, es, logits);
  seed[target] = init == ExplainInit::kLogit ? f[target] : 1.0f;

  for (uint32_t i = es->num_nodes; i-- > 0;) {
    const RelevanceNode& n = es->nodes[i];
    const LayerDesc& l = *n.layer;
    MergeBefore(model, es, static_cast<int32_t>(i));
    if (!es->written[l.output]) continue;  // no relevance reaches this layer
    const float* r_out = es->relevance[l.output];
    const bool relative = n.rule == RuleKind::kRelative;
    const double sum_out = Sum(r_out, n.out_elements);
    const float max_out = relative ? MaxAbs(r_out, n.out_elements) : 0.0f;
    es->sums[l.output] = sum_out;
    const int e_out = es->exponents[l.output];
    BranchMerge* merge = n.branch_merge >= 0 ? &es->merges[n.branch_merge] : nullptr;
    // R-LRP rescales what a single-input layer receives by 2^e: normalized,
    // unless its input already holds relevance at another exponent (a fork
    // in the graph), which it then matches.
    int e = 0;
    if (relative && l.kind != LayerKind::kAdd) {
      const uint32_t t = l.inputs[0];
      if (merge && t == merge->block_input) {
        e = merge->acc_written ? merge->acc_exponent - e_out
                               : NormalizingExponent(max_out);
      } else {
        e = es->written[t] ? es->exponents[t] - e_out
                           : NormalizingExponent(max_out);
        // Too far apart for one factor: normalize and align the input instead.
        if (e < -126 || e > 126) e = NormalizingExponent(max_out);
      }
    }
    float* r_in[kMaxInputs];
    const float* inputs[kMaxInputs];
    const size_t num_inputs = l.inputs.size();
    for (size_t k = 0; k < num_inputs; ++k) {
      const uint32_t t = l.inputs[k];
      inputs[k] = tensors[t];
      if (merge && t == merge->block_input) {  // the branch side of a residual block
        if (!merge->acc_written) {
          std::memset(merge->acc, 0, model.tensors()[t].shape.elements() * sizeof(float));
          merge->acc_written = true;
          merge->acc_exponent = e_out + e;
        }
        r_in[k] = merge->acc;
        continue;
      }
      // A Reshape may share its input's relevance buffer: the values are
      // already in place, nothing to zero.
      if (es->relevance[t] == r_out) {
        es->written[t] = 1;
        es->exponents[t] = e_out;
      }
      if (es->written[t]) {
        AlignExponent(model, es, t, e_out + e);
      } else {
        es->exponents[t] = e_out + e;
      }
      r_in[k] = Writable(model, es, t);
    }
    LayerConservation& report = es->conservation[i];
    report.exponent = e;
    if (relative) {
      const double given =
          RunRelative(n, es->scratch, pool, r_out, e, r_in, inputs,
                      l.kind == LayerKind::kAdd ? AddMerge(es, i) : nullptr);
      report.factor = given / sum_out;
      TrackBlockInputs(es, n, i, given, e_out);
    } else if (l.kind == LayerKind::kConv2D || l.kind == LayerKind::kDense) {
      RunWeighted(n, es->scratch, pool, r_out, r_in[0]);
    } else {
      RunLayerRule(model, n, es->scratch, r_out, r_in, inputs);
      if (Routes(n)) report.factor = 1.0;
      TrackBlockInputs(es, n, i, std::numeric_limits<double>::quiet_NaN(), e_out);
    }
  }
  MergeBefore(model, es, -1);

  const uint32_t input = model.input();
  float* r = Writable(model, es, input);
  const size_t n = model.tensors()[input].shape.elements();
  if (es->gradient_x_input) {
    for (size_t j = 0; j < n; ++j) r[j] *= tensors[input][j];
  }
  es->sums[input] = Sum(r, n);
  return Status::Ok();
}

}  // namespace internal
}  // namespace lrp
