#include "runtime/plan/planner.h"

#include <algorithm>
#include <climits>

#include <xnnpack.h>

#include "runtime/plan/greedy_allocator.h"

namespace lrp {
namespace internal {
namespace {

constexpr int kUnused = INT_MAX;

// Tensor -> buffer group: a Reshape's output joins its input's group (for
// relevance only if the Reshape is the input's sole reader).
std::vector<size_t> BufferGroups(const Model& model, bool relevance) {
  std::vector<size_t> group(model.tensors().size());
  std::vector<int> readers(group.size(), 0);
  for (size_t t = 0; t < group.size(); ++t) group[t] = t;
  for (const LayerDesc& l : model.layers()) {
    for (uint32_t t : l.inputs) ++readers[t];
  }
  for (const LayerDesc& l : model.layers()) {
    if (l.kind == LayerKind::kReshape && (!relevance || readers[l.inputs[0]] == 1)) {
      group[l.output] = group[l.inputs[0]];
    }
  }
  return group;
}

struct Lifetime {
  int first = kUnused;
  int last = -1;
  void Extend(int step) {
    first = std::min(first, step);
    last = std::max(last, step);
  }
};

// Places one buffer per group alive in `life` and returns per-tensor offsets.
size_t PlaceGroups(const Model& model, const std::vector<size_t>& group,
                   const std::vector<Lifetime>& life, std::vector<size_t>* tensor_offset) {
  std::vector<BufferRequest> requests;
  std::vector<size_t> request_of_group(group.size(), SIZE_MAX);
  for (size_t g = 0; g < life.size(); ++g) {
    if (life[g].last < 0) continue;
    request_of_group[g] = requests.size();
    requests.push_back(BufferRequest{TensorBufferBytes(model.tensors()[g].shape.elements()),
                                     life[g].first, life[g].last});
  }
  std::vector<size_t> offsets;
  const size_t total = PlaceBuffers(requests, &offsets);
  tensor_offset->assign(group.size(), 0);
  for (size_t t = 0; t < group.size(); ++t) {
    const size_t r = request_of_group[group[t]];
    if (r != SIZE_MAX) (*tensor_offset)[t] = offsets[r];
  }
  return total;
}

}  // namespace

size_t TensorBufferBytes(size_t elements) {
  const size_t bytes = elements * sizeof(float) + XNN_EXTRA_BYTES;
  return (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

Plan MakePlan(const Model& model, const PlanOptions& options) {
  const Mode mode = options.mode;
  Plan plan;
  plan.mode = mode;
  const auto& layers = model.layers();
  const int num_layers = static_cast<int>(layers.size());
  const int forward_end = num_layers - 1;
  const int explain_end = 2 * num_layers - 1;
  const std::vector<size_t> group = BufferGroups(model, false);

  std::vector<Lifetime> life(group.size());
  life[group[model.input()]].Extend(0);
  life[group[model.input()]].Extend(forward_end);
  for (int i = 0; i < num_layers; ++i) {
    for (uint32_t t : layers[i].inputs) life[group[t]].Extend(i);
    life[group[layers[i].output]].Extend(i);
  }
  life[group[model.output()]].Extend(forward_end);
  if (mode == Mode::kExplain) {
    for (Lifetime& l : life) {
      if (l.last >= 0) l.Extend(explain_end);
    }
  }
  plan.activation_bytes = PlaceGroups(model, group, life, &plan.activation_offset);
  for (size_t g = 0; g < life.size(); ++g) {
    if (life[g].last >= 0) plan.unplanned_bytes += TensorBufferBytes(model.tensors()[g].shape.elements());
  }

  if (mode == Mode::kExplain) {
    const std::vector<size_t> rgroup = BufferGroups(model, true);
    std::vector<Lifetime> rel(rgroup.size());
    auto relevance_step = [&](int layer) { return explain_end - layer; };
    const int explained = static_cast<int>(options.explained_layers);
    for (int i = 0; i < explained; ++i) {
      for (uint32_t t : layers[i].inputs) rel[rgroup[t]].Extend(relevance_step(i));
      rel[rgroup[layers[i].output]].Extend(relevance_step(i));
    }
    if (explained > 0) {
      rel[rgroup[layers[explained - 1].output]].Extend(num_layers);  // seeded first
    }
    rel[rgroup[model.input()]].Extend(explain_end);  // the result
    if (options.keep_relevance) {
      for (Lifetime& l : rel) {
        if (l.last >= 0) l.Extend(explain_end);
      }
    }
    plan.relevance_bytes = PlaceGroups(model, rgroup, rel, &plan.relevance_offset);
    plan.has_relevance.assign(rgroup.size(), false);
    for (size_t t = 0; t < rgroup.size(); ++t) plan.has_relevance[t] = rel[rgroup[t]].last >= 0;
  }
  return plan;
}

}  // namespace internal
}  // namespace lrp
