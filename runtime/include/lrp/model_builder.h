// lrp::ModelBuilder: writes a valid .lrpm from code (tests, `lrp zoo`, the
// ONNX importer).
//
// Layers are added in execution order; each call returns the index of the
// tensor the layer writes, and its shape is inferred on the spot. The first
// error (a shape that does not fit, a weight vector of the wrong length) is
// remembered and returned by Finish(); later calls are then ignored.
// Weights are given in the runtime layout (see schema/lrpm.fbs).
#ifndef LRP_MODEL_BUILDER_H_
#define LRP_MODEL_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lrp/layer_params.h"
#include "lrp/model.h"
#include "lrp/shape.h"
#include "lrp/status.h"

namespace lrp {

class ModelBuilder {
 public:
  ModelBuilder();
  ~ModelBuilder();
  ModelBuilder(const ModelBuilder&) = delete;
  ModelBuilder& operator=(const ModelBuilder&) = delete;

  // Declares the (single) model input and returns its tensor index.
  uint32_t Input(const std::string& name, const Shape& shape);

  // Conv2D: weights OHWI [out_channels, kh, kw, in/groups]; bias empty or
  // [out_channels]. Reads out_channels, kernel, stride, dilation, padding,
  // groups and activation from `p`.
  uint32_t Conv2D(const std::string& name, uint32_t input, const LayerParams& p,
                  std::vector<float> weights, std::vector<float> bias);
  // Dense: weights [out_features, in_features]; bias empty or [out_features].
  uint32_t Dense(const std::string& name, uint32_t input, int32_t out_features,
                 std::vector<float> weights, std::vector<float> bias,
                 Activation activation = Activation::kNone);
  uint32_t Relu(const std::string& name, uint32_t input);
  uint32_t Clamp(const std::string& name, uint32_t input, float lo, float hi);
  uint32_t LeakyRelu(const std::string& name, uint32_t input, float alpha);
  uint32_t MaxPool2D(const std::string& name, uint32_t input, const LayerParams& p);
  uint32_t AvgPool2D(const std::string& name, uint32_t input, const LayerParams& p);
  uint32_t GlobalAvgPool(const std::string& name, uint32_t input);
  uint32_t Reshape(const std::string& name, uint32_t input, const Shape& shape);
  uint32_t Flatten(const std::string& name, uint32_t input);
  uint32_t Add(const std::string& name, uint32_t a, uint32_t b,
               Activation activation = Activation::kNone);
  uint32_t Concat(const std::string& name, const std::vector<uint32_t>& inputs);
  uint32_t BatchNorm(const std::string& name, uint32_t input, std::vector<float> mean,
                     std::vector<float> variance, std::vector<float> scale,
                     std::vector<float> offset, float epsilon);
  uint32_t LRN(const std::string& name, uint32_t input, int32_t size, float alpha,
               float beta, float bias);
  uint32_t Softmax(const std::string& name, uint32_t input);

  // The model output; defaults to the last layer's output.
  void SetOutput(uint32_t tensor);
  void SetInputDesc(const InputDesc& desc);
  void SetLabels(const std::vector<std::string>& labels);
  void SetProducer(const std::string& producer);

  const Shape& shape(uint32_t tensor) const;
  // The first error so far (ok if none).
  const Status& status() const;

  // Serializes the model. Fails with the first error met while building.
  Status Finish(std::vector<uint8_t>* bytes) const;
  // Finish() and write the bytes to `path`.
  Status WriteFile(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lrp

#endif  // LRP_MODEL_BUILDER_H_
