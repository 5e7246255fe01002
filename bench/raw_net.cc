#include "bench/raw_net.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace lrp {
namespace bench {
namespace {

Status XnnError(const std::string& what, xnn_status s) {
  return Status(StatusCode::kBackendError,
                what + " failed with xnn_status " + std::to_string(s));
}

void ActivationRange(Activation a, float* lo, float* hi) {
  const float inf = std::numeric_limits<float>::infinity();
  *lo = a == Activation::kNone ? -inf : 0.0f;
  *hi = a == Activation::kRelu6 ? 6.0f : inf;
}

}  // namespace

RawNet::~RawNet() {
  for (xnn_operator_t op : ops_) xnn_delete_operator(op);
  for (void* p : slots_) std::free(p);
}

// A greedy best-fit plan like any careful hand-written program: a tensor
// takes the smallest free buffer that holds it; a Reshape's output is its
// input's buffer (it is a reinterpretation); a buffer is free after the last
// layer that reads any tensor living in it.
Status RawNet::PlanBuffers(const Model& model) {
  const std::vector<TensorDesc>& tensors = model.tensors();
  const std::vector<LayerDesc>& layers = model.layers();
  const size_t n = tensors.size();
  std::vector<uint32_t> root(n);
  for (uint32_t t = 0; t < n; ++t) root[t] = t;
  for (const LayerDesc& l : layers) {
    if (l.kind == LayerKind::kReshape) root[l.output] = root[l.inputs[0]];
  }
  constexpr size_t kForever = std::numeric_limits<size_t>::max();
  std::vector<size_t> last_use(n, 0);
  for (size_t i = 0; i < layers.size(); ++i) {
    for (uint32_t t : layers[i].inputs) {
      last_use[root[t]] = std::max(last_use[root[t]], i);
    }
  }
  last_use[root[model.output()]] = kForever;

  std::vector<size_t> slot_bytes;
  std::vector<int> slot_of(n, -1), free_slots;
  auto assign = [&](uint32_t t) {
    const size_t bytes = tensors[t].shape.elements() * sizeof(float);
    int best = -1;
    for (int s : free_slots) {
      if (slot_bytes[s] >= bytes &&
          (best < 0 || slot_bytes[s] < slot_bytes[best])) {
        best = s;
      }
    }
    if (best < 0) {
      best = static_cast<int>(slot_bytes.size());
      slot_bytes.push_back(bytes);
    } else {
      free_slots.erase(std::find(free_slots.begin(), free_slots.end(), best));
    }
    slot_of[t] = best;
  };
  assign(model.input());
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerDesc& l = layers[i];
    if (root[l.output] == l.output) assign(l.output);
    for (uint32_t t : l.inputs) {
      const uint32_t r = root[t];
      if (last_use[r] == i && slot_of[r] >= 0 &&
          std::find(free_slots.begin(), free_slots.end(), slot_of[r]) ==
              free_slots.end()) {
        free_slots.push_back(slot_of[r]);
      }
    }
  }

  for (size_t bytes : slot_bytes) {
    // XNNPACK may read (never write) XNN_EXTRA_BYTES past any buffer.
    const size_t padded = (bytes + XNN_EXTRA_BYTES + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, padded);
    if (p == nullptr) return Status(StatusCode::kBackendError, "out of memory");
    std::memset(p, 0, padded);
    slots_.push_back(p);
  }
  data_.assign(n, nullptr);
  for (uint32_t t = 0; t < n; ++t) {
    if (slot_of[root[t]] >= 0) {
      data_[t] = static_cast<float*>(slots_[slot_of[root[t]]]);
    }
  }
  return Status::Ok();
}

// Creates and sets up the operator the runtime uses for `layer`.
Status RawNet::CreateOp(const Model& model, const LayerDesc& layer) {
  const LayerParams& p = layer.params;
  const Shape& in = model.tensors()[layer.inputs[0]].shape;
  const Shape& out = model.tensors()[layer.output].shape;
  const float* x = data_[layer.inputs[0]];
  float* y = data_[layer.output];
  float lo = 0.0f, hi = 0.0f;
  ActivationRange(p.activation, &lo, &hi);
  const float inf = std::numeric_limits<float>::infinity();
  xnn_operator_t op = nullptr;
  xnn_status s = xnn_status_success;
  const std::string where = "layer '" + layer.name + "'";

  switch (layer.kind) {
    case LayerKind::kConv2D: {
      const size_t in_c = in.dims[2], out_c = out.dims[2];
      const uint32_t g = p.groups;
      s = xnn_create_convolution2d_nhwc_f32(
          p.padding.top, p.padding.right, p.padding.bottom, p.padding.left,
          p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.dilation_h,
          p.dilation_w, g, in_c / g, out_c / g, in_c, out_c,
          layer.buffers.data[0], layer.buffers.data[1], lo, hi, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_convolution2d_nhwc_f32(op, 1, in.dims[0], in.dims[1], x, y,
                                           pool_);
      break;
    }
    case LayerKind::kDense: {
      const size_t in_f = in.elements(), out_f = out.elements();
      s = xnn_create_fully_connected_nc_f32(
          in_f, out_f, in_f, out_f, layer.buffers.data[0],
          layer.buffers.data[1], lo, hi, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_fully_connected_nc_f32(op, 1, x, y, pool_);
      break;
    }
    case LayerKind::kMaxPool2D: {
      const size_t c = in.dims[2];
      s = xnn_create_max_pooling2d_nhwc_f32(
          p.padding.top, p.padding.right, p.padding.bottom, p.padding.left,
          p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.dilation_h,
          p.dilation_w, c, c, c, -inf, inf, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_max_pooling2d_nhwc_f32(op, 1, in.dims[0], in.dims[1], x, y,
                                           pool_);
      break;
    }
    case LayerKind::kAdd: {
      const Shape& in2 = model.tensors()[layer.inputs[1]].shape;
      std::vector<size_t> a(in.dims, in.dims + in.rank);
      std::vector<size_t> b(in2.dims, in2.dims + in2.rank);
      s = xnn_create_add_nd_f32(lo, hi, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_add_nd_f32(op, a.size(), a.data(), b.size(), b.data(), x,
                               data_[layer.inputs[1]], y, pool_);
      break;
    }
    case LayerKind::kGlobalAvgPool: {
      const size_t c = in.dims[in.rank - 1];
      s = xnn_create_global_average_pooling_nwc_f32(c, c, c, -inf, inf, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_global_average_pooling_nwc_f32(op, 1, in.elements() / c, x,
                                                   y, pool_);
      break;
    }
    case LayerKind::kReshape:
      return Status::Ok();  // shares its input's buffer, nothing runs
    default:
      return Status(StatusCode::kUnsupported,
                    where + ": the baseline has no raw XNNPACK version of " +
                        LayerKindName(layer.kind));
  }
  if (s != xnn_status_success) return XnnError(where + " setup", s);
  return Status::Ok();
}

Status RawNet::Build(const Model& model, pthreadpool_t pool) {
  pool_ = pool;
  input_ = model.input();
  output_ = model.output();
  input_size_ = model.input_shape().elements();
  output_size_ = model.output_shape().elements();
  LRP_RETURN_IF_ERROR(PlanBuffers(model));
  for (const LayerDesc& layer : model.layers()) {
    LRP_RETURN_IF_ERROR(CreateOp(model, layer));
  }
  return Status::Ok();
}

Status RawNet::Run(const float* input, size_t count) {
  if (count != input_size_) {
    return Status(StatusCode::kInvalidArgument, "raw: wrong input size");
  }
  std::memcpy(data_[input_], input, count * sizeof(float));
  for (xnn_operator_t op : ops_) {
    const xnn_status s = xnn_run_operator(op, pool_);
    if (s != xnn_status_success) return XnnError("xnn_run_operator", s);
  }
  return Status::Ok();
}

}  // namespace bench
}  // namespace lrp
