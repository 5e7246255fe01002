#include "lrp/model_builder.h"

#include <cstdio>
#include <utility>

#include "runtime/model/fb.h"
#include "runtime/model/shape_inference.h"

namespace lrp {

struct ModelBuilder::Impl {
  struct PendingLayer {
    std::string name;
    LayerKind kind;
    LayerParams params;
    std::vector<uint32_t> inputs;
    uint32_t output;
    int32_t buffer_index[4] = {-1, -1, -1, -1};
  };
  std::vector<TensorDesc> tensors;
  std::vector<std::vector<float>> buffers;
  std::vector<PendingLayer> layers;
  int64_t input = -1;
  int64_t output = -1;
  InputDesc input_desc;
  std::vector<std::string> labels;
  std::string producer = "lrp";
  Status status;
  Shape none;

  void Fail(const std::string& msg) {
    if (status.ok()) status = Status(StatusCode::kInvalidModel, msg);
  }

  int32_t AddBuffer(std::vector<float> data) {
    buffers.push_back(std::move(data));
    return static_cast<int32_t>(buffers.size() - 1);
  }

  // Infers the output, checks the weights and records the layer. Returns the
  // output tensor index (a placeholder tensor on error).
  uint32_t Add(const std::string& name, LayerKind kind, const LayerParams& p,
               std::vector<uint32_t> inputs, std::vector<std::vector<float>> weights) {
    const uint32_t out = static_cast<uint32_t>(tensors.size());
    tensors.push_back(TensorDesc{name, Shape{1}});
    if (!status.ok()) return out;
    const std::string where = "layer '" + name + "' (" + LayerKindName(kind) + ")";
    std::vector<Shape> shapes;
    for (uint32_t t : inputs) {
      if (t >= out) {
        Fail(where + ": input tensor " + std::to_string(t) + " does not exist");
        return out;
      }
      shapes.push_back(tensors[t].shape);
    }
    Status s = internal::InferShape(kind, p, shapes, &tensors[out].shape);
    if (!s.ok()) {
      Fail(where + ": " + s.message());
      return out;
    }
    PendingLayer layer{name, kind, p, std::move(inputs), out};
    const internal::BufferSpec spec =
        internal::ExpectedBuffers(kind, p, shapes, tensors[out].shape);
    for (int b = 0; b < spec.count; ++b) {
      if (weights.size() <= static_cast<size_t>(b) ||
          (weights[b].empty() && (spec.optional_mask & (1u << b)))) {
        continue;
      }
      if (weights[b].size() != spec.size[b]) {
        Fail(where + ": buffer " + std::to_string(b) + " has " +
             std::to_string(weights[b].size()) + " floats, expected " +
             std::to_string(spec.size[b]));
        return out;
      }
      layer.buffer_index[b] = AddBuffer(std::move(weights[b]));
    }
    layers.push_back(std::move(layer));
    output = out;
    return out;
  }
};

ModelBuilder::ModelBuilder() : impl_(new Impl()) {}
ModelBuilder::~ModelBuilder() = default;

uint32_t ModelBuilder::Input(const std::string& name, const Shape& shape) {
  const uint32_t t = static_cast<uint32_t>(impl_->tensors.size());
  impl_->tensors.push_back(TensorDesc{name, shape});
  if (impl_->input >= 0) impl_->Fail("the model already has an input");
  Status s = internal::CheckShape(shape);
  if (!s.ok()) impl_->Fail("input '" + name + "': " + s.message());
  impl_->input = t;
  return t;
}

uint32_t ModelBuilder::Conv2D(const std::string& name, uint32_t input, const LayerParams& p,
                              std::vector<float> weights, std::vector<float> bias) {
  std::vector<std::vector<float>> w;
  w.push_back(std::move(weights));
  w.push_back(std::move(bias));
  return impl_->Add(name, LayerKind::kConv2D, p, {input}, std::move(w));
}

uint32_t ModelBuilder::Dense(const std::string& name, uint32_t input, int32_t out_features,
                             std::vector<float> weights, std::vector<float> bias,
                             Activation activation) {
  LayerParams p;
  p.out_channels = out_features;
  p.activation = activation;
  std::vector<std::vector<float>> w;
  w.push_back(std::move(weights));
  w.push_back(std::move(bias));
  return impl_->Add(name, LayerKind::kDense, p, {input}, std::move(w));
}

uint32_t ModelBuilder::Relu(const std::string& name, uint32_t input) {
  return impl_->Add(name, LayerKind::kRelu, LayerParams(), {input}, {});
}

uint32_t ModelBuilder::Clamp(const std::string& name, uint32_t input, float lo, float hi) {
  LayerParams p;
  p.clamp_min = lo;
  p.clamp_max = hi;
  return impl_->Add(name, LayerKind::kClamp, p, {input}, {});
}

uint32_t ModelBuilder::LeakyRelu(const std::string& name, uint32_t input, float alpha) {
  LayerParams p;
  p.alpha = alpha;
  return impl_->Add(name, LayerKind::kLeakyRelu, p, {input}, {});
}

uint32_t ModelBuilder::MaxPool2D(const std::string& name, uint32_t input, const LayerParams& p) {
  return impl_->Add(name, LayerKind::kMaxPool2D, p, {input}, {});
}

uint32_t ModelBuilder::AvgPool2D(const std::string& name, uint32_t input, const LayerParams& p) {
  return impl_->Add(name, LayerKind::kAvgPool2D, p, {input}, {});
}

uint32_t ModelBuilder::GlobalAvgPool(const std::string& name, uint32_t input) {
  return impl_->Add(name, LayerKind::kGlobalAvgPool, LayerParams(), {input}, {});
}

uint32_t ModelBuilder::Reshape(const std::string& name, uint32_t input, const Shape& shape) {
  LayerParams p;
  p.shape = shape;
  return impl_->Add(name, LayerKind::kReshape, p, {input}, {});
}

uint32_t ModelBuilder::Flatten(const std::string& name, uint32_t input) {
  const size_t n = input < impl_->tensors.size() ? impl_->tensors[input].shape.elements() : 0;
  return Reshape(name, input, Shape{static_cast<int32_t>(n)});
}

uint32_t ModelBuilder::Add(const std::string& name, uint32_t a, uint32_t b,
                           Activation activation) {
  LayerParams p;
  p.activation = activation;
  return impl_->Add(name, LayerKind::kAdd, p, {a, b}, {});
}

uint32_t ModelBuilder::Concat(const std::string& name, const std::vector<uint32_t>& inputs) {
  return impl_->Add(name, LayerKind::kConcat, LayerParams(), inputs, {});
}

uint32_t ModelBuilder::BatchNorm(const std::string& name, uint32_t input,
                                 std::vector<float> mean, std::vector<float> variance,
                                 std::vector<float> scale, std::vector<float> offset,
                                 float epsilon) {
  LayerParams p;
  p.epsilon = epsilon;
  std::vector<std::vector<float>> w;
  w.push_back(std::move(mean));
  w.push_back(std::move(variance));
  w.push_back(std::move(scale));
  w.push_back(std::move(offset));
  return impl_->Add(name, LayerKind::kBatchNorm, p, {input}, std::move(w));
}

uint32_t ModelBuilder::LRN(const std::string& name, uint32_t input, int32_t size, float alpha,
                           float beta, float bias) {
  LayerParams p;
  p.size = size;
  p.alpha = alpha;
  p.beta = beta;
  p.bias = bias;
  return impl_->Add(name, LayerKind::kLRN, p, {input}, {});
}

uint32_t ModelBuilder::Softmax(const std::string& name, uint32_t input) {
  return impl_->Add(name, LayerKind::kSoftmax, LayerParams(), {input}, {});
}

void ModelBuilder::SetOutput(uint32_t tensor) { impl_->output = tensor; }
void ModelBuilder::SetInputDesc(const InputDesc& desc) { impl_->input_desc = desc; }
void ModelBuilder::SetLabels(const std::vector<std::string>& labels) { impl_->labels = labels; }
void ModelBuilder::SetProducer(const std::string& producer) { impl_->producer = producer; }

const Shape& ModelBuilder::shape(uint32_t tensor) const {
  return tensor < impl_->tensors.size() ? impl_->tensors[tensor].shape : impl_->none;
}

const Status& ModelBuilder::status() const { return impl_->status; }

namespace {

flatbuffers::Offset<fb::Padding> WritePadding(flatbuffers::FlatBufferBuilder& fbb,
                                              const Padding& p) {
  return fb::CreatePadding(fbb, p.top, p.left, p.bottom, p.right);
}

fb::FusedActivation ToFb(Activation a) { return static_cast<fb::FusedActivation>(a); }

// Serializes one layer's options table.
std::pair<fb::LayerOptions, flatbuffers::Offset<void>> WriteOptions(
    flatbuffers::FlatBufferBuilder& fbb, LayerKind kind, const LayerParams& p,
    const int32_t* buf) {
  using O = fb::LayerOptions;
  switch (kind) {
    case LayerKind::kConv2D:
      return {O::Conv2D, fb::CreateConv2D(fbb, p.out_channels, p.kernel_h, p.kernel_w,
                                          p.stride_h, p.stride_w, p.dilation_h, p.dilation_w,
                                          WritePadding(fbb, p.padding), p.groups,
                                          static_cast<uint32_t>(buf[0]), buf[1],
                                          ToFb(p.activation)).Union()};
    case LayerKind::kDense:
      return {O::Dense, fb::CreateDense(fbb, p.out_channels, static_cast<uint32_t>(buf[0]),
                                        buf[1], ToFb(p.activation)).Union()};
    case LayerKind::kRelu:
      return {O::Relu, fb::CreateRelu(fbb).Union()};
    case LayerKind::kClamp:
      return {O::Clamp, fb::CreateClamp(fbb, p.clamp_min, p.clamp_max).Union()};
    case LayerKind::kLeakyRelu:
      return {O::LeakyRelu, fb::CreateLeakyRelu(fbb, p.alpha).Union()};
    case LayerKind::kMaxPool2D:
      return {O::MaxPool2D,
              fb::CreateMaxPool2D(fbb, p.kernel_h, p.kernel_w, p.stride_h, p.stride_w,
                                  p.dilation_h, p.dilation_w, WritePadding(fbb, p.padding))
                  .Union()};
    case LayerKind::kAvgPool2D:
      return {O::AvgPool2D,
              fb::CreateAvgPool2D(fbb, p.kernel_h, p.kernel_w, p.stride_h, p.stride_w,
                                  WritePadding(fbb, p.padding), p.count_include_pad)
                  .Union()};
    case LayerKind::kGlobalAvgPool:
      return {O::GlobalAvgPool, fb::CreateGlobalAvgPool(fbb).Union()};
    case LayerKind::kReshape: {
      std::vector<int32_t> dims(p.shape.dims, p.shape.dims + p.shape.rank);
      return {O::Reshape, fb::CreateReshapeDirect(fbb, &dims).Union()};
    }
    case LayerKind::kAdd:
      return {O::Add, fb::CreateAdd(fbb, ToFb(p.activation)).Union()};
    case LayerKind::kConcat:
      return {O::Concat, fb::CreateConcat(fbb).Union()};
    case LayerKind::kBatchNorm:
      return {O::BatchNorm,
              fb::CreateBatchNorm(fbb, static_cast<uint32_t>(buf[0]),
                                  static_cast<uint32_t>(buf[1]), static_cast<uint32_t>(buf[2]),
                                  static_cast<uint32_t>(buf[3]), p.epsilon)
                  .Union()};
    case LayerKind::kLRN:
      return {O::LRN, fb::CreateLRN(fbb, p.size, p.alpha, p.beta, p.bias).Union()};
    case LayerKind::kSoftmax:
      return {O::Softmax, fb::CreateSoftmax(fbb).Union()};
  }
  return {O::NONE, 0};
}

flatbuffers::Offset<flatbuffers::Vector<float>> OptionalFloats(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<float>& v) {
  return v.empty() ? 0 : fbb.CreateVector(v);
}

}  // namespace

Status ModelBuilder::Finish(std::vector<uint8_t>* bytes) const {
  const Impl& m = *impl_;
  LRP_RETURN_IF_ERROR(m.status);
  if (m.input < 0) return Status(StatusCode::kInvalidModel, "the model has no input");
  if (m.layers.empty()) return Status(StatusCode::kInvalidModel, "the model has no layers");
  if (m.output < 0 || static_cast<size_t>(m.output) >= m.tensors.size()) {
    return Status(StatusCode::kInvalidModel, "the model output is not a tensor");
  }
  flatbuffers::FlatBufferBuilder fbb(1 << 20);
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const TensorDesc& t : m.tensors) {
    std::vector<int32_t> dims(t.shape.dims, t.shape.dims + t.shape.rank);
    tensors.push_back(fb::CreateTensorDirect(fbb, t.name.c_str(), &dims));
  }
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  for (const std::vector<float>& b : m.buffers) {
    // 64-byte alignment in the file (force_align) so weights are read in place.
    fbb.ForceVectorAlignment(b.size(), sizeof(float), 64);
    buffers.push_back(fb::CreateBuffer(fbb, fbb.CreateVector(b)));
  }
  std::vector<flatbuffers::Offset<fb::Layer>> layers;
  for (const Impl::PendingLayer& l : m.layers) {
    auto options = WriteOptions(fbb, l.kind, l.params, l.buffer_index);
    // Nested objects are serialized in a fixed order, never as arguments of
    // one call (whose evaluation order is the compiler's: GCC goes right to
    // left on x86-64 and left to right on ARM), so every platform writes the
    // same bytes. The order is the one x86-64 builds always had.
    const auto inputs = fbb.CreateVector(l.inputs);
    const auto name = fbb.CreateString(l.name);
    layers.push_back(
        fb::CreateLayer(fbb, name, options.first, options.second, inputs, l.output));
  }
  const InputDesc& d = m.input_desc;
  const auto std_dev = OptionalFloats(fbb, d.std);  // fixed order, as above
  const auto mean = OptionalFloats(fbb, d.mean);
  const auto high = OptionalFloats(fbb, d.high);
  const auto low = OptionalFloats(fbb, d.low);
  auto info = fb::CreateInputInfo(fbb, static_cast<fb::SourceLayout>(d.source_layout), low, high,
                                  mean, std_dev);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> labels = 0;
  if (!m.labels.empty()) labels = fbb.CreateVectorOfStrings(m.labels);
  const auto layer_vector = fbb.CreateVector(layers);  // fixed order, as above
  const auto buffer_vector = fbb.CreateVector(buffers);
  const auto tensor_vector = fbb.CreateVector(tensors);
  const auto producer = fbb.CreateString(m.producer);
  auto root = fb::CreateModel(fbb, internal::kFormatVersion, producer, tensor_vector,
                              buffer_vector, layer_vector, static_cast<uint32_t>(m.input),
                              static_cast<uint32_t>(m.output), info, labels);
  fb::FinishModelBuffer(fbb, root);
  bytes->assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  return Status::Ok();
}

Status ModelBuilder::WriteFile(const std::string& path) const {
  std::vector<uint8_t> bytes;
  LRP_RETURN_IF_ERROR(Finish(&bytes));
  // Write to a temporary name first so a failure never leaves a partial file.
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status(StatusCode::kIoError, "cannot create '" + path + "'");
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status(StatusCode::kIoError, "cannot write '" + path + "'");
  }
  return Status::Ok();
}

}  // namespace lrp
