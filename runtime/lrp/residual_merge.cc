#include "runtime/lrp/residual_merge.h"

#include <algorithm>

namespace lrp {
namespace internal {
namespace {

// mark[t] = 1 for t and every tensor it depends on.
void MarkAncestors(const Model& model, const std::vector<int>& producer, uint32_t t,
                   std::vector<uint8_t>* mark) {
  std::vector<uint32_t> stack = {t};
  while (!stack.empty()) {
    const uint32_t s = stack.back();
    stack.pop_back();
    if ((*mark)[s]) continue;
    (*mark)[s] = 1;
    if (producer[s] >= 0) {
      for (uint32_t in : model.layers()[producer[s]].inputs) stack.push_back(in);
    }
  }
}

size_t CountMarked(const std::vector<uint8_t>& mark, const std::vector<uint8_t>& minus) {
  size_t n = 0;
  for (size_t t = 0; t < mark.size(); ++t) n += mark[t] && !minus[t];
  return n;
}

}  // namespace

MergeLayout PlanBranchMerges(const Model& model, const std::vector<Rule>& rules,
                             size_t explained) {
  MergeLayout out;
  const auto& layers = model.layers();
  const size_t num_tensors = model.tensors().size();
  std::vector<int> producer(num_tensors, -1);
  std::vector<std::vector<uint32_t>> readers(num_tensors);
  for (size_t i = 0; i < explained; ++i) {
    producer[layers[i].output] = static_cast<int>(i);
    for (uint32_t t : layers[i].inputs) readers[t].push_back(static_cast<uint32_t>(i));
  }
  std::vector<uint8_t> claimed(layers.size(), 0);
  for (size_t i = 0; i < explained; ++i) {
    const LayerDesc& add = layers[i];
    if (add.kind != LayerKind::kAdd || rules[i].kind != RuleKind::kRelative) continue;
    if (add.inputs[0] == add.inputs[1]) continue;
    std::vector<uint8_t> a0(num_tensors, 0), a1(num_tensors, 0);
    MarkAncestors(model, producer, add.inputs[0], &a0);
    MarkAncestors(model, producer, add.inputs[1], &a1);
    // x: the common ancestor produced last.
    int x = -1, x_producer = -2;
    for (size_t t = 0; t < num_tensors; ++t) {
      if (a0[t] && a1[t] && producer[t] > x_producer) {
        x = static_cast<int>(t);
        x_producer = producer[t];
      }
    }
    if (x < 0) continue;
    std::vector<uint8_t> ax(num_tensors, 0);
    MarkAncestors(model, producer, static_cast<uint32_t>(x), &ax);
    const uint32_t skip = CountMarked(a1, ax) < CountMarked(a0, ax) ? 1 : 0;
    const std::vector<uint8_t>& branch_anc = skip == 0 ? a1 : a0;
    // The branch region: tensors after x on the branch side.
    std::vector<uint8_t> region(num_tensors, 0);
    for (size_t t = 0; t < num_tensors; ++t) region[t] = branch_anc[t] && !ax[t];
    bool closed = true;
    for (size_t t = 0; t < num_tensors && closed; ++t) {
      if (!region[t]) continue;
      for (uint32_t r : readers[t]) {
        closed = closed && (r == i || region[layers[r].output]);
      }
    }
    MergePlan m;
    for (uint32_t r : readers[x]) {
      if (r >= i || !region[layers[r].output]) continue;
      closed = closed && !claimed[r] && layers[r].kind != LayerKind::kReshape;
      m.branch_readers.push_back(r);
    }
    if (!closed || m.branch_readers.empty()) continue;
    for (uint32_t r : m.branch_readers) claimed[r] = 1;
    m.add_layer = static_cast<uint32_t>(i);
    m.block_input = static_cast<uint32_t>(x);
    m.merge_before = x_producer;
    m.skip_input = skip;
    m.elements = model.tensors()[x].shape.elements();
    out.merges.push_back(m);
  }
  // Accumulators: merge m is live from its last branch reader down to
  // merge_before (the pass walks backwards); disjoint lifetimes share a
  // buffer. Residual networks need one.
  auto last = [](const MergePlan& m) {
    return static_cast<int>(*std::max_element(m.branch_readers.begin(), m.branch_readers.end()));
  };
  std::vector<std::vector<size_t>> slots;
  for (size_t k = 0; k < out.merges.size(); ++k) {
    MergePlan& m = out.merges[k];
    size_t s = 0;
    for (; s < slots.size(); ++s) {
      bool free = true;
      for (size_t o : slots[s]) {
        const MergePlan& other = out.merges[o];
        free = free && (last(m) <= other.merge_before || last(other) <= m.merge_before);
      }
      if (free) break;
    }
    if (s == slots.size()) {
      slots.emplace_back();
      out.slot_elements.push_back(0);
    }
    slots[s].push_back(k);
    m.slot = s;
    out.slot_elements[s] = std::max(out.slot_elements[s], m.elements);
  }
  return out;
}

}  // namespace internal
}  // namespace lrp
