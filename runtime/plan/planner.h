// The memory plan of a Session: where every activation (and, in explain
// mode, every relevance buffer) lives in the arena, decided before any run.
//
// Timeline: layer i runs its forward at step i and, in explain mode, its
// relevance step at 2L-1-i (L layers, the relevance pass walks backwards).
//  * An activation lives from the step that writes it (the model input from
//    step 0) to its last forward reader; the model input and output are kept
//    to the end of the forward pass. In explain mode every activation is kept
//    to the end of the relevance pass, since the rules read them.
//  * The relevance of a tensor lives from the relevance step of its last
//    forward reader (the first to run backwards) to the relevance step of its
//    producer; the input's relevance is kept to the end.
// Reshape does not move data: its output shares its input's buffer (one
// buffer group, alive for the union of both lifetimes). Relevance buffers are
// shared the same way only when the Reshape is its input's sole reader (two
// readers both add relevance into the input).
#ifndef LRP_RUNTIME_PLAN_PLANNER_H_
#define LRP_RUNTIME_PLAN_PLANNER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "lrp/status.h"

namespace lrp {
namespace internal {

// Bytes reserved for a tensor of `elements` floats: XNNPACK may read (never
// write) XNN_EXTRA_BYTES past the end; rounded up to the buffer alignment.
size_t TensorBufferBytes(size_t elements);

struct Plan {
  Mode mode = Mode::kForward;
  // Activations: region offset of each tensor's buffer.
  std::vector<size_t> activation_offset;
  size_t activation_bytes = 0;
  // Relevance (explain mode only; empty otherwise).
  std::vector<size_t> relevance_offset;
  std::vector<bool> has_relevance;  // tensor is on the relevance path
  size_t relevance_bytes = 0;
  // Sum of all activation buffers without reuse, for reports.
  size_t unplanned_bytes = 0;
};

struct PlanOptions {
  Mode mode = Mode::kForward;
  // Explain mode: layers [0, explained_layers) take part in the relevance
  // pass (a final Softmax does not); keep_relevance keeps every tensor's
  // relevance to the end instead of reusing its buffer.
  size_t explained_layers = 0;
  bool keep_relevance = false;
};

Plan MakePlan(const Model& model, const PlanOptions& options);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_PLAN_PLANNER_H_
