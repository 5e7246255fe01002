#include "tests/support/test_models.h"

#include <cmath>
#include <utility>

namespace lrp {
namespace test {

uint64_t Rng::Next() {
  state_ += 0x9E3779B97F4A7C15ull;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

float Rng::Uniform(float lo, float hi) {
  // The top 24 bits fill a float mantissa exactly, so the value is < 1.
  const float unit = static_cast<float>(Next() >> 40) * (1.0f / 16777216.0f);
  return lo + (hi - lo) * unit;
}

int Rng::Int(int lo, int hi) {
  const uint64_t span = static_cast<uint64_t>(static_cast<int64_t>(hi) - lo) + 1;
  return lo + static_cast<int>(Next() % span);
}

std::vector<float> Rng::Vector(size_t n, float lo, float hi) {
  std::vector<float> v(n);
  for (float& x : v) x = Uniform(lo, hi);
  return v;
}

LayerParams ConvParams(int32_t out_channels, int32_t kernel_h, int32_t kernel_w) {
  LayerParams p;
  p.out_channels = out_channels;
  p.kernel_h = kernel_h;
  p.kernel_w = kernel_w;
  return p;
}

LayerParams PoolParams(int32_t kernel, int32_t stride) {
  LayerParams p;
  p.kernel_h = p.kernel_w = kernel;
  p.stride_h = p.stride_w = stride;
  return p;
}

uint32_t AddRandomConv(ModelBuilder* b, Rng* rng, const std::string& name,
                       uint32_t input, const LayerParams& p, bool bias) {
  const Shape& in = b->shape(input);
  // A bad input shape is reported by the builder itself; only avoid
  // dividing by zero or reading dims that do not exist here.
  const int32_t in_channels = in.rank == 3 ? in.dims[2] : 1;
  const int32_t groups = p.groups > 0 ? p.groups : 1;
  const int32_t fan_in = p.kernel_h * p.kernel_w * (in_channels / groups);
  const float bound = std::sqrt(3.0f / static_cast<float>(fan_in > 0 ? fan_in : 1));
  const size_t count = static_cast<size_t>(p.out_channels) * p.kernel_h *
                       p.kernel_w * (in_channels / groups);
  std::vector<float> w = rng->Vector(count, -bound, bound);
  std::vector<float> bv;
  if (bias) bv = rng->Vector(static_cast<size_t>(p.out_channels), -0.1f, 0.1f);
  return b->Conv2D(name, input, p, std::move(w), std::move(bv));
}

uint32_t AddRandomDense(ModelBuilder* b, Rng* rng, const std::string& name,
                        uint32_t input, int32_t out_features,
                        Activation activation) {
  const size_t in = b->shape(input).elements();
  const float bound = std::sqrt(3.0f / static_cast<float>(in > 0 ? in : 1));
  std::vector<float> w = rng->Vector(static_cast<size_t>(out_features) * in, -bound, bound);
  std::vector<float> bias = rng->Vector(static_cast<size_t>(out_features), -0.1f, 0.1f);
  return b->Dense(name, input, out_features, std::move(w), std::move(bias), activation);
}

namespace {

LayerParams Same3x3(int32_t out_channels, Activation activation) {
  LayerParams p = ConvParams(out_channels, 3, 3);
  p.padding = {1, 1, 1, 1};
  p.activation = activation;
  return p;
}

}  // namespace

void BuildSmallCnn(uint64_t seed, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t t = b->Input("image", Shape{12, 12, 3});
  t = AddRandomConv(b, &rng, "conv1", t, Same3x3(8, Activation::kRelu));
  t = b->MaxPool2D("pool1", t, PoolParams(2, 2));
  LayerParams dw = Same3x3(8, Activation::kNone);
  dw.groups = 8;
  t = AddRandomConv(b, &rng, "dwconv2", t, dw);
  LayerParams pw = ConvParams(12, 1, 1);
  pw.activation = Activation::kRelu6;
  t = AddRandomConv(b, &rng, "pwconv3", t, pw);
  t = b->GlobalAvgPool("gap", t);
  AddRandomDense(b, &rng, "fc", t, 10);
}

void BuildResidualNet(uint64_t seed, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t t = b->Input("image", Shape{10, 10, 4});
  t = AddRandomConv(b, &rng, "stem", t, Same3x3(8, Activation::kRelu));
  for (int block = 0; block < 2; ++block) {
    const std::string prefix = "block" + std::to_string(block) + "_";
    uint32_t r = AddRandomConv(b, &rng, prefix + "conv_a", t, Same3x3(8, Activation::kRelu));
    r = AddRandomConv(b, &rng, prefix + "conv_b", r, Same3x3(8, Activation::kNone));
    t = b->Add(prefix + "add", t, r, Activation::kRelu);
  }
  t = b->AvgPool2D("pool", t, PoolParams(2, 2));
  t = b->Flatten("flatten", t);
  AddRandomDense(b, &rng, "fc", t, 5);
}

void BuildDeepSequential(int depth, uint64_t seed, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t t = b->Input("image", Shape{16, 16, 4});
  for (int i = 0; i < depth; ++i) {
    t = AddRandomConv(b, &rng, "conv" + std::to_string(i), t,
                      Same3x3(8, Activation::kRelu));
  }
  t = b->GlobalAvgPool("gap", t);
  AddRandomDense(b, &rng, "fc", t, 4);
}

void BuildAllLayers(uint64_t seed, ModelBuilder* b) {
  Rng rng(seed);
  uint32_t x = b->Input("image", Shape{6, 6, 3});
  uint32_t t = AddRandomConv(b, &rng, "conv", x, Same3x3(4, Activation::kRelu));
  t = b->BatchNorm("bn", t, rng.Vector(4, -0.5f, 0.5f), rng.Vector(4, 0.5f, 2.0f),
                   rng.Vector(4, 0.5f, 1.5f), rng.Vector(4, -0.5f, 0.5f), 1e-3f);
  t = b->LRN("lrn", t, 3, 1e-2f, 0.75f, 1.0f);
  t = b->LeakyRelu("leaky", t, 0.1f);
  const uint32_t pooled = b->MaxPool2D("maxpool", t, PoolParams(2, 2));
  const uint32_t branch = AddRandomConv(b, &rng, "branch", pooled, ConvParams(4, 1, 1));
  t = b->Add("add", pooled, branch, Activation::kRelu6);
  t = b->Concat("concat", {t, pooled});
  t = b->Clamp("clamp", t, -1.0f, 1.0f);
  LayerParams avg = PoolParams(2, 1);
  avg.padding = {0, 0, 1, 1};
  avg.count_include_pad = true;
  t = b->AvgPool2D("avgpool", t, avg);
  t = b->Relu("relu", t);
  t = b->GlobalAvgPool("gap", t);
  t = AddRandomDense(b, &rng, "fc1", t, 6, Activation::kRelu);
  t = b->Reshape("reshape", t, Shape{2, 1, 3});
  t = b->Flatten("flatten", t);
  t = AddRandomDense(b, &rng, "fc2", t, 3);
  b->Softmax("softmax", t);
  b->SetLabels({"a", "b", "c"});
  b->SetProducer("lrp tests");
}

void BuildTinyDense(uint64_t seed, ModelBuilder* b) {
  Rng rng(seed);
  const uint32_t x = b->Input("x", Shape{6});
  AddRandomDense(b, &rng, "fc", x, 3);
}

Status FinishBytes(const ModelBuilder& b, std::vector<uint8_t>* bytes) {
  return b.Finish(bytes);
}

Status FinishModel(const ModelBuilder& b, Model* model) {
  std::vector<uint8_t> bytes;
  LRP_RETURN_IF_ERROR(b.Finish(&bytes));
  return Model::FromBytes(std::move(bytes), model);
}

Status RunForward(const Model& model, const SessionOptions& options,
                  const std::vector<float>& input, std::vector<float>* output) {
  std::unique_ptr<Session> session;
  LRP_RETURN_IF_ERROR(Session::Create(model, options, &session));
  LRP_RETURN_IF_ERROR(session->Forward(input.data(), input.size()));
  output->assign(session->output(), session->output() + session->output_size());
  return Status::Ok();
}

std::vector<float> RandomInput(const Model& model, uint64_t seed, float lo, float hi) {
  Rng rng(seed);
  return rng.Vector(model.input_shape().elements(), lo, hi);
}

}  // namespace test
}  // namespace lrp
