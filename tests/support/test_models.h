// Small models for the tests, built in code with seeded random weights.
//
// Everything here is deterministic: a seed names the same weights and inputs
// on every platform and compiler, so a failing case can be reproduced from
// the seed printed in its name.
#ifndef LRP_TESTS_SUPPORT_TEST_MODELS_H_
#define LRP_TESTS_SUPPORT_TEST_MODELS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lrp/layer_params.h"
#include "lrp/model.h"
#include "lrp/model_builder.h"
#include "lrp/session.h"
#include "lrp/status.h"

namespace lrp {
namespace test {

// SplitMix64. The standard distributions are not specified bit for bit, so
// they would give different weights with another standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next();
  // Uniform in [lo, hi).
  float Uniform(float lo, float hi);
  // Uniform in [lo, hi], both ends included.
  int Int(int lo, int hi);
  bool Bool() { return (Next() >> 63) != 0; }
  // `n` values uniform in [lo, hi).
  std::vector<float> Vector(size_t n, float lo = -1.0f, float hi = 1.0f);

 private:
  uint64_t state_;
};

// Parameters of a Conv2D with the given window; stride, dilation, padding
// and groups keep their defaults (1, 1, 0, 1).
LayerParams ConvParams(int32_t out_channels, int32_t kernel_h, int32_t kernel_w);
// Parameters of a pooling window of `kernel` x `kernel` moved by `stride`.
LayerParams PoolParams(int32_t kernel, int32_t stride);

// Adds a Conv2D with weights uniform in +-sqrt(3 / fan_in) (unit-variance
// outputs for unit-variance inputs, so deep stacks neither vanish nor
// explode) and, if `bias`, a bias uniform in [-0.1, 0.1).
uint32_t AddRandomConv(ModelBuilder* b, Rng* rng, const std::string& name,
                       uint32_t input, const LayerParams& p, bool bias = true);
// The same for a Dense layer.
uint32_t AddRandomDense(ModelBuilder* b, Rng* rng, const std::string& name,
                        uint32_t input, int32_t out_features,
                        Activation activation = Activation::kNone);

// Canned architectures. Each fills an empty builder; builder errors surface
// from Finish().
//
// [12, 12, 3] -> conv 3x3 (8, relu) -> maxpool 2/2 -> depthwise conv 3x3
// -> conv 1x1 (12, relu6) -> global avg pool -> dense 10.
void BuildSmallCnn(uint64_t seed, ModelBuilder* b);
// [10, 10, 4] -> conv 3x3 (8, relu) -> two residual blocks
// (conv-relu-conv, add with relu) -> avgpool 2/2 -> flatten -> dense 5.
void BuildResidualNet(uint64_t seed, ModelBuilder* b);
// [16, 16, 4] -> `depth` x conv 3x3 same (8, relu) -> global avg pool
// -> dense 4.
void BuildDeepSequential(int depth, uint64_t seed, ModelBuilder* b);
// Every layer kind at least once, on tiny shapes; for fuzz seeds.
void BuildAllLayers(uint64_t seed, ModelBuilder* b);
// [6] -> dense 3: the smallest meaningful model.
void BuildTinyDense(uint64_t seed, ModelBuilder* b);

// Serializes `b` (Finish) into `bytes`.
Status FinishBytes(const ModelBuilder& b, std::vector<uint8_t>* bytes);
// Serializes `b` and verifies the bytes into `model` (Model::FromBytes).
Status FinishModel(const ModelBuilder& b, Model* model);

// Creates a Session, runs Forward(input) once and copies the output.
Status RunForward(const Model& model, const SessionOptions& options,
                  const std::vector<float>& input, std::vector<float>* output);

// Seeded input for `model`, uniform in [lo, hi).
std::vector<float> RandomInput(const Model& model, uint64_t seed,
                               float lo = -1.0f, float hi = 1.0f);

}  // namespace test
}  // namespace lrp

#endif  // LRP_TESTS_SUPPORT_TEST_MODELS_H_
