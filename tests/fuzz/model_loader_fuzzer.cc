// libFuzzer target: arbitrary bytes through Model::View.
//
// A .lrpm file is untrusted input. Loading it must either fail with a
// Status or produce a Model whose every index, shape and weight pointer can
// be used without further checks (model.h promises that nothing later
// re-validates). This target checks both: sanitizers catch what loading
// does wrong, and WalkModel aborts on any promise a loaded model breaks.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "lrp/model.h"
#include "lrp/status.h"

namespace {

[[noreturn]] void Broken(const char* what, size_t layer) {
  std::fprintf(stderr, "loaded model breaks an invariant: %s (layer %zu)\n", what, layer);
  std::abort();
}

size_t Elements(const lrp::Shape& s) {
  size_t n = 1;
  for (int d = 0; d < s.rank; ++d) n *= static_cast<size_t>(s.dims[d]);
  return n;
}

void WalkModel(const lrp::Model& model) {
  const size_t tensors = model.tensors().size();
  const size_t none = static_cast<size_t>(-1);
  if (model.input() >= tensors || model.output() >= tensors) Broken("input/output index", none);
  for (const lrp::TensorDesc& t : model.tensors()) {
    if (t.shape.rank < 1 || t.shape.rank > lrp::kMaxRank) Broken("tensor rank", none);
    for (int d = 0; d < t.shape.rank; ++d) {
      if (t.shape.dims[d] <= 0) Broken("tensor dim", none);
    }
  }
  // Layers come in topological order: each reads only what is written.
  std::vector<bool> written(tensors, false);
  written[model.input()] = true;
  volatile float sink = 0.0f;
  for (size_t i = 0; i < model.layers().size(); ++i) {
    const lrp::LayerDesc& l = model.layers()[i];
    if (l.inputs.empty()) Broken("no inputs", i);
    for (uint32_t in : l.inputs) {
      if (in >= tensors) Broken("input index", i);
      if (!written[in]) Broken("reads an unwritten tensor", i);
    }
    if (l.output >= tensors) Broken("output index", i);
    if (written[l.output]) Broken("writes a tensor twice", i);
    written[l.output] = true;
    for (int b = 0; b < 4; ++b) {
      if (l.buffers.size[b] > 0 && l.buffers.data[b] == nullptr) Broken("null buffer", i);
      // Every weight is read: a pointer outside the file trips ASan here.
      for (size_t k = 0; k < l.buffers.size[b]; ++k) sink = sink + l.buffers.data[b][k];
    }
    const lrp::Shape& in = model.tensors()[l.inputs[0]].shape;
    const lrp::LayerParams& p = l.params;
    if (l.kind == lrp::LayerKind::kConv2D) {
      if (in.rank != 3 || p.groups <= 0 || in.dims[2] % p.groups != 0) Broken("conv input", i);
      const size_t expected = static_cast<size_t>(p.out_channels) * p.kernel_h * p.kernel_w *
                              (in.dims[2] / p.groups);
      if (l.buffers.size[0] != expected) Broken("conv weights size", i);
    } else if (l.kind == lrp::LayerKind::kDense) {
      if (l.buffers.size[0] != static_cast<size_t>(p.out_channels) * Elements(in)) {
        Broken("dense weights size", i);
      }
    }
  }
  if (!written[model.output()]) Broken("output never written", none);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Real files are mapped page-aligned and View() reads floats in place;
  // libFuzzer's buffer has no alignment, so copy into one that has. The
  // copy has exactly `size` bytes, so any over-read is out of bounds.
  void* copy = nullptr;
  if (posix_memalign(&copy, 64, size > 0 ? size : 1) != 0) return 0;
  if (size > 0) std::memcpy(copy, data, size);
  lrp::Model model;
  const lrp::Status status = lrp::Model::View(copy, size, &model);
  if (status.ok()) {
    WalkModel(model);
  } else if (status.code() != lrp::StatusCode::kInvalidModel &&
             status.code() != lrp::StatusCode::kUnsupported) {
    std::fprintf(stderr, "unexpected status: %s\n", status.ToString().c_str());
    std::abort();
  } else if (status.message().empty()) {
    std::fprintf(stderr, "error without a message\n");
    std::abort();
  }
  // The Model borrows the bytes; destroy it before they go.
  model = lrp::Model();
  std::free(copy);
  return 0;
}
