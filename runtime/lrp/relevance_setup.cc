#include "runtime/lrp/relevance_setup.h"

#include <algorithm>
#include <new>

#include "runtime/lrp/weighted_ops.h"
#include "runtime/lrp/weighted_rules.h"

namespace lrp {
namespace internal {
namespace {

constexpr size_t kAlign = 64;
size_t Align(size_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

bool IsWeighted(LayerKind k) { return k == LayerKind::kConv2D || k == LayerKind::kDense; }

// Whether relevance arriving at tensor t is always 0 where t is 0, so a
// fused ReLU's output y can stand in for its pre-activation z (they differ
// only where y = 0, and there the rules then only ever divide a zero).
// True when every reader multiplies by its input (a-times-c rules, Norm) or
// routes zeros to zeros (Pass, winner-take-all, Concat, Reshape) into
// tensors that are safe themselves.
bool ZeroSafe(const Model& model, const std::vector<Rule>& rules, size_t explained, uint32_t t,
              const std::vector<std::vector<size_t>>& readers, std::vector<int8_t>* memo) {
  if ((*memo)[t] >= 0) return (*memo)[t] == 1;
  bool safe = t != model.layers()[explained - 1].output;  // the seed is arbitrary
  for (size_t i : readers[t]) {
    if (!safe || i >= explained) break;
    const LayerDesc& l = model.layers()[i];
    switch (rules[i].kind) {
      case RuleKind::kZero:
      case RuleKind::kEpsilon:
      case RuleKind::kGamma:
      case RuleKind::kGammaClassic:
      case RuleKind::kAlphaBeta:
      case RuleKind::kNorm:
      case RuleKind::kLrnTaylor:  // every share has a factor x_j
      case RuleKind::kLrnTaylorUnnormalized:
      case RuleKind::kRelative:
        break;  // relevance = input * something
      case RuleKind::kPass:
      case RuleKind::kWinnerTakeAll: {
        // BatchNorm and a clamp whose range excludes 0 move zeros away from
        // zero; the others keep them.
        const bool moves_zero =
            l.kind == LayerKind::kBatchNorm ||
            (l.kind == LayerKind::kClamp && (l.params.clamp_min > 0 || l.params.clamp_max < 0));
        safe = !moves_zero && ZeroSafe(model, rules, explained, l.output, readers, memo);
        break;
      }
      case RuleKind::kGradient:
        safe = (l.kind == LayerKind::kConcat || l.kind == LayerKind::kReshape) &&
               ZeroSafe(model, rules, explained, l.output, readers, memo);
        break;
      default:  // ZBox, Flat, WSquare give relevance to zero inputs
        safe = false;
        break;
    }
  }
  (*memo)[t] = safe ? 1 : 0;
  return safe;
}

// Which weighted layers must store their pre-activation z: a fused ReLU6
// (y = 6 hides z > 6), an RMS-scaled epsilon (a statistic over every z), or
// a ReLU whose output is not ZeroSafe.
std::vector<bool> PreActivations(const Model& model, const std::vector<Rule>& rules,
                                 size_t explained) {
  const auto& layers = model.layers();
  std::vector<std::vector<size_t>> readers(model.tensors().size());
  for (size_t i = 0; i < layers.size(); ++i) {
    for (uint32_t t : layers[i].inputs) readers[t].push_back(i);
  }
  std::vector<int8_t> memo(model.tensors().size(), -1);
  std::vector<bool> pre(layers.size(), false);
  for (size_t i = 0; i < explained; ++i) {
    const LayerDesc& l = layers[i];
    if (!IsWeighted(l.kind) || l.params.activation == Activation::kNone) continue;
    pre[i] = l.params.activation == Activation::kRelu6 || rules[i].epsilon_rms ||
             !ZeroSafe(model, rules, explained, l.output, readers, &memo);
  }
  return pre;
}

size_t LastDim(const Shape& s) { return static_cast<size_t>(s.dims[s.rank - 1]); }

// Tensors proven >= 0 for every input: lets rules skip the a- terms.
std::vector<bool> NonNegativeTensors(const Model& model) {
  std::vector<bool> nonneg(model.tensors().size(), false);
  for (const LayerDesc& l : model.layers()) {
    bool inputs_nonneg = true;
    for (uint32_t t : l.inputs) inputs_nonneg = inputs_nonneg && nonneg[t];
    bool out = false;
    switch (l.kind) {
      case LayerKind::kRelu:
      case LayerKind::kSoftmax:
        out = true;
        break;
      case LayerKind::kClamp:
        out = l.params.clamp_min >= 0.0f;
        break;
      case LayerKind::kConv2D:
      case LayerKind::kDense:
        out = l.params.activation != Activation::kNone;
        break;
      case LayerKind::kAdd:
        out = l.params.activation != Activation::kNone || inputs_nonneg;
        break;
      case LayerKind::kMaxPool2D:
      case LayerKind::kAvgPool2D:
      case LayerKind::kGlobalAvgPool:
      case LayerKind::kReshape:
      case LayerKind::kConcat:
      case LayerKind::kLRN:  // y = x * s^-beta, s > 0: the sign of x
        out = inputs_nonneg;
        break;
      default:
        break;
    }
    nonneg[l.output] = out;
  }
  return nonneg;
}

}  // namespace

size_t ExplainedLayers(const Model& model) {
  const size_t n = model.layers().size();
  return (n > 0 && model.layers()[n - 1].kind == LayerKind::kSoftmax) ? n - 1 : n;
}

ExplainFootprint MeasureExplain(const Model& model, const std::vector<Rule>& rules) {
  ExplainFootprint f;
  const auto& layers = model.layers();
  const size_t num_tensors = model.tensors().size();
  f.explained_layers = ExplainedLayers(model);
  f.table_bytes = Align(sizeof(ExplainState)) + Align(sizeof(RelevanceNode) * layers.size()) +
                  Align(sizeof(float*) * num_tensors) + Align(num_tensors) +
                  Align(sizeof(double) * num_tensors) + Align(sizeof(int) * num_tensors) +
                  Align(sizeof(LayerConservation) * layers.size());
  f.pre_offset.assign(layers.size(), SIZE_MAX);
  f.constant_offset.assign(layers.size(), SIZE_MAX);
  f.bounds_offset.assign(layers.size(), SIZE_MAX);
  // Each scratch buffer is as large as the largest layer whose rule uses it.
  size_t* need = f.scratch_elements;
  auto grow = [&](ScratchBuffer b, size_t n) { need[b] = std::max(need[b], n); };
  const std::vector<bool> pre = PreActivations(model, rules, f.explained_layers);
  f.nonneg = NonNegativeTensors(model);
  const std::vector<bool>& nonneg = f.nonneg;
  for (size_t i = 0; i < f.explained_layers; ++i) {
    const LayerDesc& l = layers[i];
    const size_t out = model.tensors()[l.output].shape.elements();
    const size_t in = model.tensors()[l.inputs[0]].shape.elements();
    const RuleKind r = rules[i].kind;
    grow(kS1, out);
    grow(kC1, in);
    // The LRN Taylor rules' per-row work: 3 x channels (> in for one pixel).
    if (l.kind == LayerKind::kLRN) grow(kC1, 3 * LastDim(model.tensors()[l.inputs[0]].shape));
    if (l.kind == LayerKind::kAdd) grow(kAp, in);  // x + x
    if (IsWeighted(l.kind)) {
      const bool split = r == RuleKind::kGamma || r == RuleKind::kAlphaBeta;
      if (split || r == RuleKind::kZBox) grow(kS2, out);
      if (split) grow(kQ2, out);
      if (split || r == RuleKind::kGammaClassic || r == RuleKind::kZBox ||
          r == RuleKind::kEpsilon || r == RuleKind::kZero) {
        grow(kQ, out);
      }
      if (l.kind == LayerKind::kDense && (split || r == RuleKind::kGammaClassic)) grow(kC2, in);
      if (split && !nonneg[l.inputs[0]]) {
        grow(kAp, in);
        grow(kAn, in);
      }
    }
    if (pre[i]) {
      f.pre_offset[i] = f.pre_bytes;
      f.pre_bytes += TensorBufferBytes(out);
    }
    if (!IsWeighted(l.kind)) continue;
    RelevanceNode probe;
    probe.layer = &l;
    probe.rule = rules[i].kind;
    probe.out_elements = out;
    probe.out_channels = LastDim(model.tensors()[l.output].shape);
    probe.in_channels = LastDim(model.tensors()[l.inputs[0]].shape);
    f.col_elements = std::max(f.col_elements, Col2ImElements(probe));
    const size_t constant = WeightedConstantElements(probe);
    if (constant > 0) {
      f.constant_offset[i] = f.constant_bytes;
      f.constant_bytes += TensorBufferBytes(constant);
    }
    if (rules[i].kind == RuleKind::kZBox) {
      const size_t channels = LastDim(model.tensors()[l.inputs[0]].shape);
      f.bounds_offset[i] = f.constant_bytes;
      f.constant_bytes += 2 * Align(channels * sizeof(float));
    }
  }
  f.merges = PlanBranchMerges(model, rules, f.explained_layers);
  f.table_bytes += Align(sizeof(BranchMerge) * f.merges.merges.size());
  f.scratch_bytes = f.col_elements ? TensorBufferBytes(f.col_elements) : 0;
  for (size_t n : f.merges.slot_elements) f.scratch_bytes += TensorBufferBytes(n);
  for (size_t n : f.scratch_elements) f.scratch_bytes += n ? TensorBufferBytes(n) : 0;
  return f;
}

Status BuildExplain(const Model& model, const std::vector<Rule>& rules,
                    const ExplainFootprint& f, const Plan& plan, float* const* tensors,
                    const ExplainRegions& regions, pthreadpool_t pool, ExplainState** out) {
  const auto& layers = model.layers();
  const size_t num_tensors = model.tensors().size();
  uint8_t* p = regions.tables;
  auto* state = new (p) ExplainState();
  p += Align(sizeof(ExplainState));
  state->nodes = reinterpret_cast<RelevanceNode*>(p);
  p += Align(sizeof(RelevanceNode) * layers.size());
  state->relevance = reinterpret_cast<float**>(p);
  p += Align(sizeof(float*) * num_tensors);
  state->written = p;
  p += Align(num_tensors);
  state->sums = reinterpret_cast<double*>(p);
  p += Align(sizeof(double) * num_tensors);
  state->exponents = reinterpret_cast<int*>(p);
  p += Align(sizeof(int) * num_tensors);
  state->conservation = reinterpret_cast<LayerConservation*>(p);
  for (size_t i = 0; i < layers.size(); ++i) new (&state->conservation[i]) LayerConservation();
  p += Align(sizeof(LayerConservation) * layers.size());
  state->merges = reinterpret_cast<BranchMerge*>(p);
  for (size_t t = 0; t < num_tensors; ++t) {
    state->relevance[t] = plan.has_relevance[t]
                              ? reinterpret_cast<float*>(regions.relevance +
                                                         plan.relevance_offset[t])
                              : nullptr;
  }
  RelevanceScratch& sc = state->scratch;
  uint8_t* s = regions.scratch;
  // s1 and s2 first and adjacent: a pair operator's input spans both.
  float** buffers[kScratchBuffers] = {&sc.s1, &sc.s2, &sc.q, &sc.q2,
                                      &sc.c1, &sc.c2, &sc.ap, &sc.an};
  for (int b = 0; b < kScratchBuffers; ++b) {
    const size_t n = f.scratch_elements[b];
    *buffers[b] = n ? reinterpret_cast<float*>(s) : nullptr;
    s += n ? TensorBufferBytes(n) : 0;
  }
  float* col = f.col_elements ? reinterpret_cast<float*>(s) : nullptr;
  s += f.col_elements ? TensorBufferBytes(f.col_elements) : 0;
  std::vector<float*> slots;  // Session creation may allocate; Explain() never
  for (size_t n : f.merges.slot_elements) {
    slots.push_back(reinterpret_cast<float*>(s));
    s += TensorBufferBytes(n);
  }
  state->logits = layers[f.explained_layers - 1].output;

  const std::vector<bool>& nonneg = f.nonneg;
  std::vector<int32_t> branch_merge(layers.size(), -1);
  for (size_t k = 0; k < f.merges.merges.size(); ++k) {
    const MergePlan& m = f.merges.merges[k];
    BranchMerge* b = new (&state->merges[k]) BranchMerge();
    b->add_layer = m.add_layer;
    b->block_input = m.block_input;
    b->merge_before = m.merge_before;
    b->skip_input = m.skip_input;
    b->acc = slots[m.slot];
    for (uint32_t r : m.branch_readers) branch_merge[r] = static_cast<int32_t>(k);
  }
  state->num_merges = static_cast<uint32_t>(f.merges.merges.size());
  for (size_t i = 0; i < f.explained_layers; ++i) {
    const LayerDesc& l = layers[i];
    const Rule& r = rules[i];
    RelevanceNode* n = new (&state->nodes[i]) RelevanceNode();
    state->num_nodes = static_cast<uint32_t>(i + 1);
    n->layer = &l;
    n->rule = r.kind;
    n->epsilon = r.kind == RuleKind::kZero ? 0.0f : r.epsilon;
    n->epsilon_rms = r.epsilon_rms;
    n->gamma = r.gamma;
    n->alpha = r.alpha;
    n->beta = r.beta;
    n->stabilizer = r.stabilizer;
    n->zero_bias = r.zero_bias;
    n->nonneg_input = nonneg[l.inputs[0]];
    n->activation = l.params.activation;
    n->layer_input_shape = model.tensors()[l.inputs[0]].shape;
    n->layer_output_shape = model.tensors()[l.output].shape;
    n->a = tensors[l.inputs[0]];
    n->y = tensors[l.output];
    n->z = f.pre_offset[i] != SIZE_MAX
               ? reinterpret_cast<float*>(regions.pre + f.pre_offset[i])
               : n->y;
    n->bias = IsWeighted(l.kind) ? l.buffers.data[1] : nullptr;
    n->in_elements = n->layer_input_shape.elements();
    n->out_elements = n->layer_output_shape.elements();
    n->in_channels = LastDim(n->layer_input_shape);
    n->out_channels = LastDim(n->layer_output_shape);
    n->branch_merge = branch_merge[i];
    if (!IsWeighted(l.kind)) continue;
    if (UsesCol2Im(*n)) n->col = col;
    if (f.constant_offset[i] != SIZE_MAX) {
      n->constant = reinterpret_cast<float*>(regions.constants + f.constant_offset[i]);
    }
    if (f.bounds_offset[i] != SIZE_MAX) {
      n->low = reinterpret_cast<float*>(regions.constants + f.bounds_offset[i]);
      n->high = n->low + Align(n->in_channels * sizeof(float)) / sizeof(float);
      for (size_t c = 0; c < n->in_channels; ++c) {
        n->low[c] = r.low.size() == 1 ? r.low[0] : r.low[c];
        n->high[c] = r.high.size() == 1 ? r.high[0] : r.high[c];
      }
    }
    Status st = PrepareWeighted(n, sc, pool);
    if (!st.ok()) {
      ReleaseExplain(state);
      return Status(st.code(), "layer " + std::to_string(i) + " '" + l.name + "' (" +
                                   RuleKindName(r.kind) + " rule): " + st.message());
    }
  }
  *out = state;
  return Status::Ok();
}

void ReleaseExplain(ExplainState* state) {
  if (!state) return;
  for (uint32_t i = 0; i < state->num_nodes; ++i) ReleaseWeighted(&state->nodes[i]);
  state->num_nodes = 0;
}

}  // namespace internal
}  // namespace lrp
