// The forward half of every layer kind: which XNNPACK operators (or which
// ports/ kernel) run it, created and set up once at fixed arena addresses.
#ifndef LRP_RUNTIME_EXEC_FORWARD_OPS_H_
#define LRP_RUNTIME_EXEC_FORWARD_OPS_H_

#include <cstddef>
#include <cstdint>

#include <pthreadpool.h>
#include <xnnpack.h>

#include "lrp/model.h"
#include "lrp/status.h"

namespace lrp {
namespace internal {

// One layer, ready to run: plain data living in the arena.
struct ExecNode {
  const LayerDesc* layer = nullptr;
  xnn_operator_t* ops = nullptr;  // num_ops operators, arena
  uint32_t num_ops = 0;
  const float* input = nullptr;   // first input (kernels in ports/)
  float* output = nullptr;
  size_t pixels = 0;              // output elements / channels
  size_t channels = 0;            // output's last dimension
};

// Operators the layer needs; sizes the node tables before creation. `pre`:
// the layer writes a pre-activation (explain mode, fused activation).
uint32_t OperatorCount(const LayerDesc& layer, bool pre);

// Creates and sets up `node->ops` for `layer`. `tensors[t]` is the arena
// address of tensor t; a non-null `pre` receives a Conv2D/Dense layer's
// pre-activation (its fused activation then runs as a second operator).
// Allocations XNNPACK makes here go to the allocator installed by the caller
// (the arena). Errors name the layer.
Status PrepareNode(const Model& model, uint32_t layer_index, float* const* tensors,
                   float* pre, pthreadpool_t pool, ExecNode* node);

// Runs a prepared node; allocation-free.
Status RunNode(const ExecNode& node, pthreadpool_t pool);

// Deletes the node's operators (their memory stays in the arena).
void ReleaseNode(ExecNode* node);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_EXEC_FORWARD_OPS_H_
