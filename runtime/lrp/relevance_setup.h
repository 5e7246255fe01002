// Everything the relevance pass adds to a Session: its arena footprint
// (computed before the arena exists) and the construction of its nodes.
//
// Regions (each 64-byte aligned, laid out by the Session):
//   tables    ExplainState, RelevanceNode[L], per-tensor pointers, flags, sums,
//             exponents, per-layer conservation, branch merges
//   pre       pre-activations z of Conv2D/Dense layers with a fused
//             activation (the forward pass then writes z, and a clamp makes y)
//   scratch   RelevanceScratch, shared by all nodes
//   constants input-independent rule terms (ZBox, Flat, WSquare) and bounds
#ifndef LRP_RUNTIME_LRP_RELEVANCE_SETUP_H_
#define LRP_RUNTIME_LRP_RELEVANCE_SETUP_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include <pthreadpool.h>

#include "lrp/explain.h"
#include "lrp/model.h"
#include "lrp/status.h"
#include "runtime/lrp/relevance_node.h"
#include "runtime/lrp/residual_merge.h"
#include "runtime/plan/planner.h"

namespace lrp {
namespace internal {

// Layers the relevance pass walks: all but a final Softmax.
size_t ExplainedLayers(const Model& model);

// The buffers of RelevanceScratch, in arena order.
enum ScratchBuffer { kS1, kS2, kQ, kQ2, kC1, kC2, kAp, kAn, kScratchBuffers };

struct ExplainFootprint {
  size_t explained_layers = 0;
  std::vector<bool> nonneg;        // per tensor: proven >= 0 for every input
  size_t table_bytes = 0;
  std::vector<size_t> pre_offset;  // per layer; SIZE_MAX if it has none
  size_t pre_bytes = 0;
  size_t scratch_elements[8] = {}; // per ScratchBuffer; 0 if no rule uses it
  size_t col_elements = 0;         // col2im buffer (strided convolutions)
  MergeLayout merges;              // R-LRP branch equalization (scratch)
  size_t scratch_bytes = 0;
  std::vector<size_t> constant_offset;  // per layer; SIZE_MAX if none
  std::vector<size_t> bounds_offset;    // per layer (ZBox low, then high)
  size_t constant_bytes = 0;
};

ExplainFootprint MeasureExplain(const Model& model, const std::vector<Rule>& rules);

struct ExplainRegions {
  uint8_t* tables;
  uint8_t* relevance;  // the plan's relevance region
  uint8_t* pre;
  uint8_t* scratch;
  uint8_t* constants;
};

// Builds the ExplainState in `regions.tables`: nodes, their operators
// (allocating through the caller's arena allocator) and constants.
Status BuildExplain(const Model& model, const std::vector<Rule>& rules,
                    const ExplainFootprint& footprint, const Plan& plan, float* const* tensors,
                    const ExplainRegions& regions, pthreadpool_t pool, ExplainState** out);

void ReleaseExplain(ExplainState* state);

// Runs the relevance pass (Session::Explain).
Status RunExplain(const Model& model, ExplainState* state, pthreadpool_t pool,
                  float* const* tensors, int target, ExplainInit init);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_LRP_RELEVANCE_SETUP_H_
