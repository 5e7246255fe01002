#include "tools/zoo/zoo.h"

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "lrp/layer_params.h"
#include "lrp/model.h"
#include "lrp/shape.h"

namespace lrp {
namespace zoo {
namespace {

// ---------------------------------------------------------------------------
// Deterministic random numbers.
//
// The same seed must give the same model bytes on every platform, so neither
// <random>'s distributions (their algorithms are unspecified) nor libm's log
// (not correctly rounded everywhere) are used. Everything below is integer
// arithmetic or single IEEE-754 double operations, and this file is compiled
// with -ffp-contract=off (tools/CMakeLists.txt): GCC contracts a product and
// a sum into an FMA across statements by default in C++, on every target
// with FMA (aarch64 and armhf here), and then draws other numbers.
// ---------------------------------------------------------------------------

// log(x) for x > 0: exact range reduction to m in [sqrt(1/2), sqrt(2)), then
// log(m) = 2 atanh(s) with s = (m-1)/(m+1), |s| < 0.172. Eight terms of the
// series leave a relative error below 1e-13, far finer than the float weights
// the result ends up in.
double PortableLog(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // exact: x = m * 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752) {
    m = m * 2.0;
    e = e - 1;
  }
  const double num = m - 1.0;
  const double den = m + 1.0;
  const double s = num / den;
  const double s2 = s * s;
  double p = 1.0 / 15.0;
  for (double k : {13.0, 11.0, 9.0, 7.0, 5.0, 3.0, 1.0}) {
    p = p * s2;
    p = p + 1.0 / k;
  }
  const double log_m = 2.0 * (s * p);  // *2 is exact, so no FMA can differ
  const double e_ln2 = static_cast<double>(e) * 0.69314718055994531;
  return e_ln2 + log_m;
}

// splitmix64 for the bits, Marsaglia's polar form of Box-Muller for normals.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t NextBits() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, 1) with 53 random bits; the scaling is exact.
  double Uniform() { return static_cast<double>(NextBits() >> 11) * 0x1.0p-53; }

  // Uniform in [-1, 1); 2u is exact, so the subtraction rounds once.
  double Symmetric() {
    const double twice = 2.0 * Uniform();
    return twice - 1.0;
  }

  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = 0.0, v = 0.0, s = 0.0;
    do {
      u = Symmetric();
      v = Symmetric();
      const double uu = u * u;
      const double vv = v * v;
      s = uu + vv;
    } while (s >= 1.0 || s == 0.0);
    const double minus_two_log = -2.0 * PortableLog(s);
    const double ratio = minus_two_log / s;
    const double f = std::sqrt(ratio);  // IEEE sqrt is correctly rounded
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

 private:
  uint64_t state_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// ---------------------------------------------------------------------------
// A thin layer over ModelBuilder that draws the weights.
// ---------------------------------------------------------------------------

constexpr float kBiasRange = 0.01f;

class Net {
 public:
  Net(ModelBuilder* b, uint64_t seed) : b_(b), rng_(seed) {}

  ModelBuilder* builder() { return b_; }
  int32_t channels(uint32_t t) const {
    const Shape& s = b_->shape(t);
    return s.rank > 0 ? s.dims[s.rank - 1] : 0;
  }

  // Square kernel, symmetric padding, He-normal weights with
  // fan_in = kernel * kernel * in_channels / groups.
  uint32_t Conv(const std::string& name, uint32_t in, int32_t out_channels,
                int32_t kernel, int32_t stride, int32_t pad, Activation act,
                int32_t groups = 1) {
    LayerParams p;
    p.out_channels = out_channels;
    p.kernel_h = p.kernel_w = kernel;
    p.stride_h = p.stride_w = stride;
    p.padding = Padding{pad, pad, pad, pad};
    p.groups = groups;
    p.activation = act;
    const int32_t group_in = groups > 0 ? channels(in) / groups : 0;
    const size_t fan_in = static_cast<size_t>(kernel) * kernel * group_in;
    const size_t count = static_cast<size_t>(out_channels) * fan_in;
    // Drawn in this order, bias first, on every platform: as arguments of
    // one call the order would be the compiler's (GCC draws right to left on
    // x86-64, left to right on ARM, which gave ARM builds other models).
    std::vector<float> bias = Bias(out_channels);
    std::vector<float> weights = HeNormal(count, fan_in);
    return b_->Conv2D(name, in, p, std::move(weights), std::move(bias));
  }

  uint32_t Dense(const std::string& name, uint32_t in, int32_t out_features,
                 Activation act) {
    const size_t fan_in = b_->shape(in).elements();
    const size_t count = static_cast<size_t>(out_features) * fan_in;
    std::vector<float> bias = Bias(out_features);  // first, as in Conv
    std::vector<float> weights = HeNormal(count, fan_in);
    return b_->Dense(name, in, out_features, std::move(weights), std::move(bias), act);
  }

  uint32_t MaxPool(const std::string& name, uint32_t in, int32_t kernel,
                   int32_t stride, int32_t pad) {
    LayerParams p;
    p.kernel_h = p.kernel_w = kernel;
    p.stride_h = p.stride_w = stride;
    p.padding = Padding{pad, pad, pad, pad};
    return b_->MaxPool2D(name, in, p);
  }

  // GlobalAvgPool, flattened if the builder keeps a [1, 1, C] map, so a Dense
  // layer can follow either way.
  uint32_t GlobalPool(const std::string& name, uint32_t in) {
    const uint32_t pooled = b_->GlobalAvgPool(name, in);
    if (b_->shape(pooled).rank <= 1) return pooled;
    return b_->Flatten(name + ".flatten", pooled);
  }

 private:
  std::vector<float> HeNormal(size_t count, size_t fan_in) {
    std::vector<float> w(count);
    if (fan_in == 0) return w;
    const double stddev = std::sqrt(2.0 / static_cast<double>(fan_in));
    for (float& x : w) x = static_cast<float>(stddev * rng_.Normal());
    return w;
  }

  std::vector<float> Bias(int32_t count) {
    std::vector<float> b(count > 0 ? static_cast<size_t>(count) : 0);
    for (float& x : b) x = static_cast<float>(rng_.Symmetric() * kBiasRange);
    return b;
  }

  ModelBuilder* b_;
  Rng rng_;
};

// ImageNet preprocessing: images in [0, 1], NCHW as torchvision feeds them;
// the model sees (x - mean) / std, whose per-channel range is [low, high].
InputDesc ImageNetInput() {
  InputDesc d;
  d.source_layout = SourceLayout::kNCHW;
  d.mean = {0.485f, 0.456f, 0.406f};
  d.std = {0.229f, 0.224f, 0.225f};
  for (int c = 0; c < 3; ++c) {
    d.low.push_back((0.0f - d.mean[c]) / d.std[c]);
    d.high.push_back((1.0f - d.mean[c]) / d.std[c]);
  }
  return d;
}

void ImageNetMetadata(ModelBuilder* b) {
  std::vector<std::string> labels;
  labels.reserve(1000);
  for (int i = 0; i < 1000; ++i) labels.push_back("class_" + std::to_string(i));
  b->SetLabels(labels);
  b->SetInputDesc(ImageNetInput());
}

// ---------------------------------------------------------------------------
// Architectures. Layer names follow torchvision's module paths.
// ---------------------------------------------------------------------------

void BuildVgg16(Net* net) {
  ModelBuilder* b = net->builder();
  constexpr int kPool = 0;
  // clang-format off
  const int config[] = {64, 64, kPool,
                        128, 128, kPool,
                        256, 256, 256, kPool,
                        512, 512, 512, kPool,
                        512, 512, 512, kPool};
  // clang-format on
  uint32_t x = b->Input("input", Shape{224, 224, 3});
  int index = 0;  // torchvision's `features` index: conv and ReLU count apart
  for (int c : config) {
    const std::string name = "features." + std::to_string(index);
    if (c == kPool) {
      x = net->MaxPool(name, x, 2, 2, 0);
      index += 1;
    } else {
      x = net->Conv(name, x, c, 3, 1, 1, Activation::kRelu);
      index += 2;
    }
  }
  // At 224x224 torchvision's AdaptiveAvgPool2d((7, 7)) is the identity.
  x = b->Flatten("flatten", x);
  x = net->Dense("classifier.0", x, 4096, Activation::kRelu);
  x = net->Dense("classifier.3", x, 4096, Activation::kRelu);
  net->Dense("classifier.6", x, 1000, Activation::kNone);
  ImageNetMetadata(b);
}

// Bottleneck v1.5: the stride sits in the 3x3 conv. BN is folded, so every
// conv carries a bias; the ReLU after the sum is fused into the Add.
uint32_t Bottleneck(Net* net, const std::string& name, uint32_t x,
                    int32_t width, int32_t stride, bool downsample) {
  const int32_t out = width * 4;
  uint32_t y = net->Conv(name + ".conv1", x, width, 1, 1, 0, Activation::kRelu);
  y = net->Conv(name + ".conv2", y, width, 3, stride, 1, Activation::kRelu);
  y = net->Conv(name + ".conv3", y, out, 1, 1, 0, Activation::kNone);
  uint32_t identity = x;
  if (downsample) {
    identity = net->Conv(name + ".downsample.0", x, out, 1, stride, 0,
                         Activation::kNone);
  }
  return net->builder()->Add(name + ".add", y, identity, Activation::kRelu);
}

void BuildResNet50(Net* net) {
  ModelBuilder* b = net->builder();
  uint32_t x = b->Input("input", Shape{224, 224, 3});
  x = net->Conv("conv1", x, 64, 7, 2, 3, Activation::kRelu);
  x = net->MaxPool("maxpool", x, 3, 2, 1);
  const int blocks[] = {3, 4, 6, 3};
  for (int stage = 0; stage < 4; ++stage) {
    const int32_t width = 64 << stage;
    const int32_t stride = stage == 0 ? 1 : 2;
    for (int i = 0; i < blocks[stage]; ++i) {
      const std::string name =
          "layer" + std::to_string(stage + 1) + "." + std::to_string(i);
      x = Bottleneck(net, name, x, width, i == 0 ? stride : 1, i == 0);
    }
  }
  x = net->GlobalPool("avgpool", x);
  net->Dense("fc", x, 1000, Activation::kNone);
  ImageNetMetadata(b);
}

// Inverted residual: optional 1x1 expansion, 3x3 depthwise, linear 1x1
// projection; the sum has no activation.
uint32_t InvertedResidual(Net* net, const std::string& name, uint32_t x,
                          int32_t out, int32_t stride, int32_t expand) {
  const int32_t in = net->channels(x);
  const int32_t hidden = in * expand;
  uint32_t y = x;
  int index = 0;  // torchvision's index inside `conv`
  auto next = [&name, &index]() {
    return name + ".conv." + std::to_string(index++);
  };
  if (expand != 1) {
    y = net->Conv(next() + ".0", y, hidden, 1, 1, 0, Activation::kRelu6);
  }
  y = net->Conv(next() + ".0", y, hidden, 3, stride, 1, Activation::kRelu6,
                hidden);
  y = net->Conv(next(), y, out, 1, 1, 0, Activation::kNone);
  if (stride == 1 && in == out) {
    y = net->builder()->Add(name + ".add", x, y, Activation::kNone);
  }
  return y;
}

void BuildMobileNetV2(Net* net) {
  ModelBuilder* b = net->builder();
  struct Stage {
    int32_t expand, channels, repeats, stride;
  };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2},
                          {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
                          {6, 320, 1, 1}};
  uint32_t x = b->Input("input", Shape{224, 224, 3});
  x = net->Conv("features.0.0", x, 32, 3, 2, 1, Activation::kRelu6);
  int index = 1;
  for (const Stage& s : stages) {
    for (int i = 0; i < s.repeats; ++i) {
      x = InvertedResidual(net, "features." + std::to_string(index++), x,
                           s.channels, i == 0 ? s.stride : 1, s.expand);
    }
  }
  x = net->Conv("features." + std::to_string(index) + ".0", x, 1280, 1, 1, 0,
                Activation::kRelu6);
  x = net->GlobalPool("pool", x);
  net->Dense("classifier.1", x, 1000, Activation::kNone);
  ImageNetMetadata(b);
}

void BuildSmallCnn(Net* net) {
  ModelBuilder* b = net->builder();
  uint32_t x = b->Input("input", Shape{28, 28, 1});
  x = net->Conv("conv1", x, 8, 3, 1, 1, Activation::kRelu);
  x = net->MaxPool("pool1", x, 2, 2, 0);
  x = net->Conv("conv2", x, 16, 3, 1, 1, Activation::kRelu);
  x = net->MaxPool("pool2", x, 2, 2, 0);
  x = b->Flatten("flatten", x);
  x = net->Dense("fc1", x, 32, Activation::kRelu);
  net->Dense("fc2", x, 10, Activation::kNone);

  std::vector<std::string> labels;
  for (int i = 0; i < 10; ++i) labels.push_back(std::to_string(i));
  b->SetLabels(labels);
  InputDesc d;
  d.source_layout = SourceLayout::kNCHW;
  d.low = {0.0f};
  d.high = {1.0f};
  b->SetInputDesc(d);
}

struct Architecture {
  ZooEntry entry;
  void (*build)(Net*);
};

const std::vector<Architecture>& Architectures() {
  static const std::vector<Architecture> kAll = {
      {{"vgg16", "VGG-16 (torchvision), 224x224x3, 138M parameters"},
       BuildVgg16},
      {{"resnet50",
        "ResNet-50 v1.5 (torchvision), BN folded, 224x224x3, 25.6M parameters"},
       BuildResNet50},
      {{"mobilenet-v2",
        "MobileNetV2 1.0 (torchvision), BN folded, 224x224x3, 3.5M parameters"},
       BuildMobileNetV2},
      {{"small-cnn", "2 convs + 2 dense layers on 28x28x1, for tests"},
       BuildSmallCnn},
  };
  return kAll;
}

}  // namespace

const std::vector<ZooEntry>& Entries() {
  static const std::vector<ZooEntry> kEntries = [] {
    std::vector<ZooEntry> entries;
    for (const Architecture& a : Architectures()) entries.push_back(a.entry);
    return entries;
  }();
  return kEntries;
}

Status Build(const std::string& name, uint64_t seed, ModelBuilder* builder) {
  if (builder == nullptr) {
    return Status(StatusCode::kInvalidArgument, "zoo: builder is null");
  }
  for (const Architecture& a : Architectures()) {
    if (name != a.entry.name) continue;
    Net net(builder, seed);
    a.build(&net);
    builder->SetProducer("lrp zoo");
    return builder->status();
  }
  std::string known;
  for (const Architecture& a : Architectures()) {
    known += known.empty() ? "" : ", ";
    known += a.entry.name;
  }
  return Status(StatusCode::kInvalidArgument,
                "zoo: unknown model '" + name + "' (known: " + known + ")");
}

}  // namespace zoo
}  // namespace lrp
