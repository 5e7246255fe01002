// The network of an lrp::Model built directly from XNNPACK operators, the way
// a careful hand-written program would: one operator per layer, created and
// set up once at fixed addresses, activation buffers reused once dead. It is
// the baseline lrp's forward pass is measured against (xnnpack_baseline.cc).
//
// XNNPACK must already be initialized. Weights are read from the Model at
// Build() (XNNPACK packs its own copy); the Model may go away afterwards.
#ifndef LRP_BENCH_RAW_NET_H_
#define LRP_BENCH_RAW_NET_H_

#include <pthreadpool.h>
#include <xnnpack.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lrp/model.h"
#include "lrp/status.h"

namespace lrp {
namespace bench {

class RawNet {
 public:
  RawNet() = default;
  RawNet(const RawNet&) = delete;
  RawNet& operator=(const RawNet&) = delete;
  ~RawNet();

  // Plans the buffers, creates every operator and sets it up at its final
  // addresses. `pool` may be null (run in the caller) and must outlive this.
  Status Build(const Model& model, pthreadpool_t pool);

  // Copies the input (as lrp::Session::Forward does) and runs every operator.
  Status Run(const float* input, size_t count);

  const float* output() const { return data_[output_]; }
  size_t output_size() const { return output_size_; }

 private:
  Status PlanBuffers(const Model& model);
  Status CreateOp(const Model& model, const LayerDesc& layer);

  pthreadpool_t pool_ = nullptr;
  std::vector<xnn_operator_t> ops_;
  std::vector<void*> slots_;  // owned, 64-byte aligned, padded
  std::vector<float*> data_;  // per tensor, points into a slot
  uint32_t input_ = 0, output_ = 0;
  size_t input_size_ = 0, output_size_ = 0;
};

}  // namespace bench
}  // namespace lrp

#endif  // LRP_BENCH_RAW_NET_H_
