// Model::Verify: flatbuffers' structural verifier, then the semantic checks
// that make a loaded model safe to plan and run (see lrp/model.h).
#include <cmath>
#include <string>

#include "lrp/model.h"
#include "runtime/model/fb.h"
#include "runtime/model/shape_inference.h"

namespace lrp {
namespace {

using internal::BufferSpec;

constexpr uint32_t kMaxTensors = 1u << 20;
constexpr uint32_t kMaxLayers = 1u << 20;

Status Invalid(const std::string& msg) { return Status(StatusCode::kInvalidModel, msg); }

std::string LayerRef(uint32_t index, const std::string& name) {
  return "layer " + std::to_string(index) + " '" + name + "'";
}

Padding ReadPadding(const fb::Padding* p) {
  Padding out;
  if (p) {
    out.top = p->top();
    out.left = p->left();
    out.bottom = p->bottom();
    out.right = p->right();
  }
  return out;
}

Activation ReadActivation(fb::FusedActivation a) { return static_cast<Activation>(a); }

// Buffer indices of the weight tensors a layer names, or -1 for absent.
struct BufferRefs {
  int64_t index[4] = {-1, -1, -1, -1};
};

// Translates the layer's options table into LayerParams + buffer indices.
Status ReadLayer(const fb::Layer* layer, LayerKind* kind, LayerParams* p, BufferRefs* refs) {
  if (layer->options_type() == fb::LayerOptions::NONE) return Invalid("options are missing");
  // The verifier accepts a union tag without its table; never read through it.
  const bool known = layer->options_type() <= fb::LayerOptions::MAX;
  if (known && layer->options() == nullptr) return Invalid("options table is missing");
  switch (layer->options_type()) {
    case fb::LayerOptions::Conv2D: {
      const fb::Conv2D* o = layer->options_as_Conv2D();
      *kind = LayerKind::kConv2D;
      p->out_channels = o->out_channels();
      p->kernel_h = o->kernel_h();
      p->kernel_w = o->kernel_w();
      p->stride_h = o->stride_h();
      p->stride_w = o->stride_w();
      p->dilation_h = o->dilation_h();
      p->dilation_w = o->dilation_w();
      p->padding = ReadPadding(o->padding());
      p->groups = o->groups();
      p->activation = ReadActivation(o->activation());
      refs->index[0] = o->weights();
      refs->index[1] = o->bias();
      return Status::Ok();
    }
    case fb::LayerOptions::Dense: {
      const fb::Dense* o = layer->options_as_Dense();
      *kind = LayerKind::kDense;
      p->out_channels = o->out_features();
      p->activation = ReadActivation(o->activation());
      refs->index[0] = o->weights();
      refs->index[1] = o->bias();
      return Status::Ok();
    }
    case fb::LayerOptions::Relu:
      *kind = LayerKind::kRelu;
      return Status::Ok();
    case fb::LayerOptions::Clamp:
      *kind = LayerKind::kClamp;
      p->clamp_min = layer->options_as_Clamp()->min();
      p->clamp_max = layer->options_as_Clamp()->max();
      return Status::Ok();
    case fb::LayerOptions::LeakyRelu:
      *kind = LayerKind::kLeakyRelu;
      p->alpha = layer->options_as_LeakyRelu()->alpha();
      return Status::Ok();
    case fb::LayerOptions::MaxPool2D: {
      const fb::MaxPool2D* o = layer->options_as_MaxPool2D();
      *kind = LayerKind::kMaxPool2D;
      p->kernel_h = o->kernel_h();
      p->kernel_w = o->kernel_w();
      p->stride_h = o->stride_h();
      p->stride_w = o->stride_w();
      p->dilation_h = o->dilation_h();
      p->dilation_w = o->dilation_w();
      p->padding = ReadPadding(o->padding());
      return Status::Ok();
    }
    case fb::LayerOptions::AvgPool2D: {
      const fb::AvgPool2D* o = layer->options_as_AvgPool2D();
      *kind = LayerKind::kAvgPool2D;
      p->kernel_h = o->kernel_h();
      p->kernel_w = o->kernel_w();
      p->stride_h = o->stride_h();
      p->stride_w = o->stride_w();
      p->padding = ReadPadding(o->padding());
      p->count_include_pad = o->count_include_pad();
      return Status::Ok();
    }
    case fb::LayerOptions::GlobalAvgPool:
      *kind = LayerKind::kGlobalAvgPool;
      return Status::Ok();
    case fb::LayerOptions::Reshape: {
      const auto* shape = layer->options_as_Reshape()->shape();
      *kind = LayerKind::kReshape;
      if (!shape || shape->size() < 1 || shape->size() > kMaxRank) {
        return Invalid("reshape shape must have 1 to 4 dimensions");
      }
      p->shape.rank = static_cast<int>(shape->size());
      for (uint32_t i = 0; i < shape->size(); ++i) p->shape.dims[i] = shape->Get(i);
      return Status::Ok();
    }
    case fb::LayerOptions::Add:
      *kind = LayerKind::kAdd;
      p->activation = ReadActivation(layer->options_as_Add()->activation());
      return Status::Ok();
    case fb::LayerOptions::Concat:
      *kind = LayerKind::kConcat;
      return Status::Ok();
    case fb::LayerOptions::BatchNorm: {
      const fb::BatchNorm* o = layer->options_as_BatchNorm();
      *kind = LayerKind::kBatchNorm;
      p->epsilon = o->epsilon();
      refs->index[0] = o->mean();
      refs->index[1] = o->variance();
      refs->index[2] = o->scale();
      refs->index[3] = o->offset();
      return Status::Ok();
    }
    case fb::LayerOptions::LRN: {
      const fb::LRN* o = layer->options_as_LRN();
      *kind = LayerKind::kLRN;
      p->size = o->size();
      p->alpha = o->alpha();
      p->beta = o->beta();
      p->bias = o->bias();
      return Status::Ok();
    }
    case fb::LayerOptions::Softmax:
      *kind = LayerKind::kSoftmax;
      return Status::Ok();
    default:
      break;
  }
  return Status(StatusCode::kUnsupported,
                "options: unknown layer kind " +
                    std::to_string(static_cast<int>(layer->options_type())) +
                    " (written by a newer lrp?)");
}

Status ReadShape(const flatbuffers::Vector<int32_t>* dims, Shape* out) {
  if (!dims || dims->size() < 1 || dims->size() > kMaxRank) {
    return Invalid("shape must have 1 to 4 dimensions");
  }
  out->rank = static_cast<int>(dims->size());
  for (uint32_t i = 0; i < dims->size(); ++i) out->dims[i] = dims->Get(i);
  return internal::CheckShape(*out);
}

// A per-channel vector of the input description: empty, 1 value or C values.
Status ReadChannelVector(const char* field, const flatbuffers::Vector<float>* v,
                         int32_t channels, std::vector<float>* out) {
  out->clear();
  if (!v) return Status::Ok();
  if (v->size() != 1 && v->size() != static_cast<uint32_t>(channels)) {
    return Invalid(std::string("input_info.") + field + " has " + std::to_string(v->size()) +
                   " values, expected 1 or " + std::to_string(channels));
  }
  for (float x : *v) {
    if (!std::isfinite(x)) return Invalid(std::string("input_info.") + field + " is not finite");
    out->push_back(x);
  }
  return Status::Ok();
}

}  // namespace

Status Model::Verify() {
  if (size_ < 8 || !fb::ModelBufferHasIdentifier(data_)) {
    return Invalid("not an lrpm model (file identifier 'LRPM' missing)");
  }
  flatbuffers::Verifier verifier(data_, size_, /*max_depth=*/64, /*max_tables=*/1u << 22);
  if (!fb::VerifyModelBuffer(verifier)) {
    return Invalid("the file is corrupt or truncated (flatbuffers verification failed)");
  }
  const fb::Model* m = fb::GetModel(data_);
  format_version_ = m->format_version();
  if (format_version_ == 0) return Invalid("format_version is missing");
  if (format_version_ > internal::kFormatVersion) {
    return Status(StatusCode::kUnsupported,
                  "format_version " + std::to_string(format_version_) +
                      " is not supported (this lrp reads 1.." +
                      std::to_string(internal::kFormatVersion) + ")");
  }
  producer_ = m->producer() ? m->producer()->str() : "";

  // Tensors.
  const auto* tensors = m->tensors();
  if (!tensors || tensors->size() == 0) return Invalid("model has no tensors");
  if (tensors->size() > kMaxTensors) return Invalid("model has too many tensors");
  tensors_.assign(tensors->size(), TensorDesc());
  for (uint32_t i = 0; i < tensors->size(); ++i) {
    const fb::Tensor* t = tensors->Get(i);
    tensors_[i].name = t->name() ? t->name()->str() : "tensor" + std::to_string(i);
    Status s = ReadShape(t->shape(), &tensors_[i].shape);
    if (!s.ok()) return Invalid("tensor " + std::to_string(i) + " '" + tensors_[i].name +
                                "': " + s.message());
  }
  if (m->input() >= tensors->size()) {
    return Invalid("input = " + std::to_string(m->input()) + " is not a tensor index");
  }
  if (m->output() >= tensors->size()) {
    return Invalid("output = " + std::to_string(m->output()) + " is not a tensor index");
  }
  input_ = m->input();
  output_ = m->output();

  // Layers, in order: each reads tensors already written and writes a new one.
  const auto* layers = m->layers();
  if (!layers || layers->size() == 0) return Invalid("model has no layers");
  if (layers->size() > kMaxLayers) return Invalid("model has too many layers");
  const auto* buffers = m->buffers();
  const uint32_t num_buffers = buffers ? buffers->size() : 0;
  std::vector<bool> written(tensors->size(), false);
  written[input_] = true;
  layers_.clear();
  layers_.reserve(layers->size());
  for (uint32_t li = 0; li < layers->size(); ++li) {
    const fb::Layer* fl = layers->Get(li);
    LayerDesc d;
    d.name = fl->name() ? fl->name()->str() : "layer" + std::to_string(li);
    const std::string where = LayerRef(li, d.name);
    BufferRefs refs;
    Status s = ReadLayer(fl, &d.kind, &d.params, &refs);
    if (!s.ok()) return Status(s.code(), where + ": " + s.message());
    const auto* inputs = fl->inputs();
    if (!inputs || inputs->size() == 0) return Invalid(where + ": inputs are missing");
    std::vector<Shape> in_shapes;
    for (uint32_t k = 0; k < inputs->size(); ++k) {
      const uint32_t t = inputs->Get(k);
      if (t >= tensors->size()) {
        return Invalid(where + ": inputs[" + std::to_string(k) + "] = " + std::to_string(t) +
                       " is not a tensor index");
      }
      if (!written[t]) {
        return Invalid(where + ": inputs[" + std::to_string(k) + "] reads tensor '" +
                       tensors_[t].name + "' before any layer writes it (layers must be in "
                       "topological order)");
      }
      d.inputs.push_back(t);
      in_shapes.push_back(tensors_[t].shape);
    }
    d.output = fl->output();
    if (d.output >= tensors->size()) {
      return Invalid(where + ": output = " + std::to_string(d.output) + " is not a tensor index");
    }
    if (written[d.output]) {
      return Invalid(where + ": output tensor '" + tensors_[d.output].name +
                     "' is already written by an earlier layer or is the model input");
    }
    written[d.output] = true;
    Shape inferred;
    s = internal::InferShape(d.kind, d.params, in_shapes, &inferred);
    if (!s.ok()) return Invalid(where + " (" + LayerKindName(d.kind) + "): " + s.message());
    if (inferred != tensors_[d.output].shape) {
      return Invalid(where + ": output tensor '" + tensors_[d.output].name + "' has shape " +
                     tensors_[d.output].shape.ToString() + " but the layer produces " +
                     inferred.ToString());
    }
    if (d.kind == LayerKind::kSoftmax && d.output != output_) {
      return Invalid(where + ": softmax is only supported as the model output");
    }
    // Weights: exactly the size the layer needs, finite.
    const BufferSpec spec = internal::ExpectedBuffers(d.kind, d.params, in_shapes, inferred);
    static const char* const kBufferField[2][4] = {{"weights", "bias", "", ""},
                                                    {"mean", "variance", "scale", "offset"}};
    const int field_set = d.kind == LayerKind::kBatchNorm ? 1 : 0;
    for (int b = 0; b < spec.count; ++b) {
      const char* field = kBufferField[field_set][b];
      const int64_t index = refs.index[b];
      if (index == -1 && (spec.optional_mask & (1u << b))) continue;
      if (index < 0 || index >= num_buffers) {
        return Invalid(where + ": " + field + " = " + std::to_string(index) +
                       " is not a buffer index (model has " + std::to_string(num_buffers) +
                       " buffers)");
      }
      const auto* data = buffers->Get(static_cast<uint32_t>(index))->data();
      const uint64_t have = data ? data->size() : 0;
      if (have != spec.size[b]) {
        return Invalid(where + ": " + field + " buffer has " + std::to_string(have) +
                       " floats, expected " +
                       (spec.size[b] == UINT64_MAX ? std::string("an absurd number")
                                                   : std::to_string(spec.size[b])));
      }
      for (float x : *data) {
        if (!std::isfinite(x)) return Invalid(where + ": " + field + " contains NaN or Inf");
      }
      d.buffers.data[b] = data->data();
      d.buffers.size[b] = static_cast<size_t>(have);
    }
    if (d.kind == LayerKind::kBatchNorm) {
      for (size_t c = 0; c < d.buffers.size[1]; ++c) {
        if (!(d.buffers.data[1][c] + d.params.epsilon > 0)) {
          return Invalid(where + ": variance + epsilon must be positive");
        }
      }
    }
    layers_.push_back(std::move(d));
  }
  if (!written[output_] || output_ == input_) {
    return Invalid("output tensor '" + tensors_[output_].name + "' is not written by any layer");
  }

  // Input description and labels.
  const int32_t channels = tensors_[input_].shape.dims[tensors_[input_].shape.rank - 1];
  input_desc_ = InputDesc();
  if (const fb::InputInfo* info = m->input_info()) {
    const int layout = static_cast<int>(info->source_layout());
    if (layout < 0 || layout > 2) return Invalid("input_info.source_layout is unknown");
    input_desc_.source_layout = static_cast<SourceLayout>(layout);
    LRP_RETURN_IF_ERROR(ReadChannelVector("low", info->low(), channels, &input_desc_.low));
    LRP_RETURN_IF_ERROR(ReadChannelVector("high", info->high(), channels, &input_desc_.high));
    LRP_RETURN_IF_ERROR(ReadChannelVector("mean", info->mean(), channels, &input_desc_.mean));
    LRP_RETURN_IF_ERROR(ReadChannelVector("std", info->std(), channels, &input_desc_.std));
    if (input_desc_.low.size() != input_desc_.high.size()) {
      return Invalid("input_info.low and input_info.high must have the same length");
    }
    for (size_t i = 0; i < input_desc_.low.size(); ++i) {
      if (!(input_desc_.low[i] <= input_desc_.high[i])) {
        return Invalid("input_info.low exceeds input_info.high at channel " + std::to_string(i));
      }
    }
    for (float s : input_desc_.std) {
      if (s == 0) return Invalid("input_info.std contains 0");
    }
  }
  labels_.clear();
  if (const auto* labels = m->labels()) {
    if (labels->size() != tensors_[output_].shape.elements()) {
      return Invalid("labels has " + std::to_string(labels->size()) +
                     " entries but the output has " +
                     std::to_string(tensors_[output_].shape.elements()) + " elements");
    }
    for (const auto* l : *labels) labels_.push_back(l ? l->str() : "");
  }
  return Status::Ok();
}

}  // namespace lrp
