// lrp::Model: a verified, read-only view of a .lrpm file.
//
// Loading runs flatbuffers' structural verifier and then semantic checks
// (indices in range, shapes equal to what shape inference derives, buffers of
// exactly the size their tensors need, topological order, no overflow). A
// Model that loaded is safe to plan and run; nothing later re-validates it.
//
// Weights are never copied: Load() maps the file, View() borrows the caller's
// bytes (which must stay alive and unchanged as long as the Model and every
// Session built from it).
#ifndef LRP_MODEL_H_
#define LRP_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lrp/layer_params.h"
#include "lrp/shape.h"
#include "lrp/status.h"

namespace lrp {

enum class LayerKind : uint8_t {
  kConv2D, kDense, kRelu, kClamp, kLeakyRelu, kMaxPool2D, kAvgPool2D,
  kGlobalAvgPool, kReshape, kAdd, kConcat, kBatchNorm, kLRN, kSoftmax,
};
const char* LayerKindName(LayerKind kind);  // "conv2d", "dense", ...

enum class SourceLayout : uint8_t { kNCHW = 0, kNHWC = 1, kNC = 2 };

struct TensorDesc {
  std::string name;
  Shape shape;
};

struct LayerDesc {
  std::string name;
  LayerKind kind;
  std::vector<uint32_t> inputs;  // tensor indices
  uint32_t output;               // tensor index
  LayerParams params;
  LayerBuffers buffers;
  size_t parameters() const;     // number of float parameters it reads
};

struct InputDesc {
  SourceLayout source_layout = SourceLayout::kNCHW;
  std::vector<float> low, high;  // per channel, or one value, or empty
  std::vector<float> mean, std;  // optional preprocessing
};

class Model {
 public:
  Model();
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Maps (or, without mmap, reads) the file at `path` and verifies it.
  static Status Load(const std::string& path, Model* out);
  // Verifies `size` bytes at `data` and borrows them.
  static Status View(const void* data, size_t size, Model* out);
  // Verifies and takes ownership of `bytes`.
  static Status FromBytes(std::vector<uint8_t> bytes, Model* out);

  const std::vector<TensorDesc>& tensors() const { return tensors_; }
  const std::vector<LayerDesc>& layers() const { return layers_; }
  uint32_t input() const { return input_; }
  uint32_t output() const { return output_; }
  const Shape& input_shape() const { return tensors_[input_].shape; }
  const Shape& output_shape() const { return tensors_[output_].shape; }
  const InputDesc& input_desc() const { return input_desc_; }
  const std::vector<std::string>& labels() const { return labels_; }
  uint32_t format_version() const { return format_version_; }
  const std::string& producer() const { return producer_; }
  size_t parameter_count() const;

  // The verified flatbuffer; for lrp's own internals (runtime/model/fb.h).
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  struct Storage;
  Status Verify();

  std::unique_ptr<Storage> storage_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::vector<TensorDesc> tensors_;
  std::vector<LayerDesc> layers_;
  uint32_t input_ = 0, output_ = 0;
  InputDesc input_desc_;
  std::vector<std::string> labels_;
  uint32_t format_version_ = 0;
  std::string producer_;
};

}  // namespace lrp

#endif  // LRP_MODEL_H_
