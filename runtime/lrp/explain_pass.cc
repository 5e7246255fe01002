// The relevance pass: seed the logits, walk the explained layers last to
// first, each adding its inputs' relevance. Allocation-free.
#include <cmath>
#include <cstring>
#include <limits>

#include "runtime/lrp/layer_rules.h"
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

// The relevance buffer of tensor t, zeroed when first written in a pass.
float* Writable(const Model& model, ExplainState* es, uint32_t t) {
  float* r = es->relevance[t];
  if (!es->written[t]) {
    std::memset(r, 0, model.tensors()[t].shape.elements() * sizeof(float));
    es->written[t] = 1;
  }
  return r;
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
  for (size_t t = 0; t < num_tensors; ++t) es->sums[t] = std::numeric_limits<double>::quiet_NaN();
  float* seed = Writable(model, es, logits);
  seed[target] = init == ExplainInit::kLogit ? f[target] : 1.0f;

  for (uint32_t i = es->num_nodes; i-- > 0;) {
    const RelevanceNode& n = es->nodes[i];
    const LayerDesc& l = *n.layer;
    if (!es->written[l.output]) continue;  // no relevance reaches this layer
    const float* r_out = es->relevance[l.output];
    es->sums[l.output] = Sum(r_out, n.out_elements);
    float* r_in[kMaxInputs];
    const float* inputs[kMaxInputs];
    const size_t num_inputs = l.inputs.size();
    for (size_t k = 0; k < num_inputs; ++k) {
      const uint32_t t = l.inputs[k];
      // A Reshape may share its input's relevance buffer: the values are
      // already in place, nothing to zero.
      if (es->relevance[t] == r_out) es->written[t] = 1;
      r_in[k] = Writable(model, es, t);
      inputs[k] = tensors[t];
    }
    if (l.kind == LayerKind::kConv2D || l.kind == LayerKind::kDense) {
      RunWeighted(n, es->scratch, pool, r_out, r_in[0]);
    } else {
      RunLayerRule(model, n, es->scratch, r_out, r_in, inputs);
    }
  }

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
