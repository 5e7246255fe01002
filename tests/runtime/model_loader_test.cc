// Model loading: what a valid file turns into, and that every malformed file
// is refused with kInvalidModel and a message naming what is wrong.
//
// Corrupt models are written with the generated FlatBuffers API directly
// (RawModel below), because ModelBuilder refuses to produce them. Each
// rejection test starts from a raw model that loads (checked by
// RawModelTest.BaseLoads) and breaks exactly one thing, so the rejection
// cannot come from somewhere else.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "lrp/lrp.h"
#include "schema/lrpm_generated.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {
namespace {

namespace fbs = ::lrp::fb;

// ------------------------------------------------------------ RawModel

struct RawTensor {
  std::string name;
  std::vector<int32_t> shape;
};

struct RawLayer {
  std::string name;
  fbs::LayerOptions kind = fbs::LayerOptions::NONE;
  std::vector<uint32_t> inputs;
  uint32_t output = 0;
  LayerParams p;                // hyper-parameters, as ModelBuilder takes them
  uint32_t weights = 0;         // Conv2D, Dense
  int32_t bias = -1;            // Conv2D, Dense
  uint32_t bn[4] = {0, 0, 0, 0};  // BatchNorm: mean, variance, scale, offset
  std::vector<int32_t> reshape;   // Reshape target
  bool omit_options = false;      // write the union tag without its table
};

struct RawModel {
  uint32_t format_version = 0;
  std::vector<RawTensor> tensors;
  std::vector<std::vector<float>> buffers;
  std::vector<RawLayer> layers;
  uint32_t input = 0, output = 0;
  std::string file_identifier = "LRPM";
};

fbs::FusedActivation ToFb(Activation a) { return static_cast<fbs::FusedActivation>(a); }

flatbuffers::Offset<fbs::Padding> ToFb(flatbuffers::FlatBufferBuilder& fbb, const Padding& p) {
  return fbs::CreatePadding(fbb, p.top, p.left, p.bottom, p.right);
}

flatbuffers::Offset<void> LayerOptions(flatbuffers::FlatBufferBuilder& fbb, const RawLayer& l) {
  const LayerParams& p = l.p;
  switch (l.kind) {
    case fbs::LayerOptions::NONE:
      return 0;
    case fbs::LayerOptions::Conv2D:
      return fbs::CreateConv2D(fbb, p.out_channels, p.kernel_h, p.kernel_w, p.stride_h,
                               p.stride_w, p.dilation_h, p.dilation_w, ToFb(fbb, p.padding),
                               p.groups, l.weights, l.bias, ToFb(p.activation))
          .Union();
    case fbs::LayerOptions::Dense:
      return fbs::CreateDense(fbb, p.out_channels, l.weights, l.bias, ToFb(p.activation))
          .Union();
    case fbs::LayerOptions::Clamp:
      return fbs::CreateClamp(fbb, p.clamp_min, p.clamp_max).Union();
    case fbs::LayerOptions::LeakyRelu:
      return fbs::CreateLeakyRelu(fbb, p.alpha).Union();
    case fbs::LayerOptions::MaxPool2D:
      return fbs::CreateMaxPool2D(fbb, p.kernel_h, p.kernel_w, p.stride_h, p.stride_w,
                                  p.dilation_h, p.dilation_w, ToFb(fbb, p.padding))
          .Union();
    case fbs::LayerOptions::AvgPool2D:
      return fbs::CreateAvgPool2D(fbb, p.kernel_h, p.kernel_w, p.stride_h, p.stride_w,
                                  ToFb(fbb, p.padding), p.count_include_pad)
          .Union();
    case fbs::LayerOptions::GlobalAvgPool:
      return fbs::CreateGlobalAvgPool(fbb).Union();
    case fbs::LayerOptions::Reshape:
      return fbs::CreateReshapeDirect(fbb, &l.reshape).Union();
    case fbs::LayerOptions::Add:
      return fbs::CreateAdd(fbb, ToFb(p.activation)).Union();
    case fbs::LayerOptions::Concat:
      return fbs::CreateConcat(fbb).Union();
    case fbs::LayerOptions::BatchNorm:
      return fbs::CreateBatchNorm(fbb, l.bn[0], l.bn[1], l.bn[2], l.bn[3], p.epsilon).Union();
    case fbs::LayerOptions::LRN:
      return fbs::CreateLRN(fbb, p.size, p.alpha, p.beta, p.bias).Union();
    case fbs::LayerOptions::Softmax:
      return fbs::CreateSoftmax(fbb).Union();
    case fbs::LayerOptions::Relu:
    default:
      // An empty table: right for Relu, and a well-formed table behind an
      // unknown union tag (which the structural verifier lets through).
      return fbs::CreateRelu(fbb).Union();
  }
}

std::vector<uint8_t> Serialize(const RawModel& m) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<fbs::Buffer>> buffers;
  for (const std::vector<float>& b : m.buffers) {
    // The schema's force_align, which the generated API leaves to the caller.
    fbb.ForceVectorAlignment(b.size(), sizeof(float), 64);
    const auto data = fbb.CreateVector(b);
    buffers.push_back(fbs::CreateBuffer(fbb, data));
  }
  std::vector<flatbuffers::Offset<fbs::Tensor>> tensors;
  for (const RawTensor& t : m.tensors) {
    tensors.push_back(fbs::CreateTensorDirect(fbb, t.name.c_str(), &t.shape));
  }
  std::vector<flatbuffers::Offset<fbs::Layer>> layers;
  for (const RawLayer& l : m.layers) {
    const auto options = l.omit_options ? 0 : LayerOptions(fbb, l);
    layers.push_back(fbs::CreateLayerDirect(fbb, l.name.c_str(), l.kind, options, &l.inputs,
                                            l.output));
  }
  const auto root = fbs::CreateModelDirect(fbb, m.format_version, "raw model", &tensors,
                                           &buffers, &layers, m.input, m.output);
  fbb.Finish(root, m.file_identifier.c_str());
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

// The version ModelBuilder writes, i.e. the one this runtime reads.
uint32_t CurrentFormatVersion() {
  ModelBuilder b;
  BuildTinyDense(1, &b);
  Model model;
  const Status s = FinishModel(b, &model);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return model.format_version();
}

std::vector<float> Ramp(size_t n, float start) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + 0.001f * static_cast<float>(i);
  return v;
}

// input [8,8,3] -> conv1 3x3 pad 1 (4, relu) -> pool1 max 2/2 -> bn1
// -> flatten [64] -> fc dense 10 -> softmax.
RawModel BaseCnn() {
  RawModel m;
  m.format_version = CurrentFormatVersion();
  m.tensors = {{"input", {8, 8, 3}},  {"conv1_out", {8, 8, 4}}, {"pool1_out", {4, 4, 4}},
               {"bn1_out", {4, 4, 4}}, {"flatten_out", {64}},   {"fc_out", {10}},
               {"probs", {10}}};
  m.buffers = {Ramp(4 * 3 * 3 * 3, -0.05f),  // 0 conv1 weights
               Ramp(4, 0.1f),                // 1 conv1 bias
               Ramp(4, -0.2f),               // 2 bn1 mean
               Ramp(4, 0.5f),                // 3 bn1 variance
               Ramp(4, 1.0f),                // 4 bn1 scale
               Ramp(4, 0.0f),                // 5 bn1 offset
               Ramp(10 * 64, -0.3f),         // 6 fc weights
               Ramp(10, 0.0f)};              // 7 fc bias
  RawLayer conv;
  conv.name = "conv1";
  conv.kind = fbs::LayerOptions::Conv2D;
  conv.inputs = {0};
  conv.output = 1;
  conv.p = ConvParams(4, 3, 3);
  conv.p.padding = {1, 1, 1, 1};
  conv.p.activation = Activation::kRelu;
  conv.weights = 0;
  conv.bias = 1;
  RawLayer pool;
  pool.name = "pool1";
  pool.kind = fbs::LayerOptions::MaxPool2D;
  pool.inputs = {1};
  pool.output = 2;
  pool.p = PoolParams(2, 2);
  RawLayer bn;
  bn.name = "bn1";
  bn.kind = fbs::LayerOptions::BatchNorm;
  bn.inputs = {2};
  bn.output = 3;
  bn.p.epsilon = 1e-3f;
  bn.bn[0] = 2;
  bn.bn[1] = 3;
  bn.bn[2] = 4;
  bn.bn[3] = 5;
  RawLayer flatten;
  flatten.name = "flatten";
  flatten.kind = fbs::LayerOptions::Reshape;
  flatten.inputs = {3};
  flatten.output = 4;
  flatten.reshape = {64};
  RawLayer fc;
  fc.name = "fc";
  fc.kind = fbs::LayerOptions::Dense;
  fc.inputs = {4};
  fc.output = 5;
  fc.p.out_channels = 10;
  fc.weights = 6;
  fc.bias = 7;
  RawLayer softmax;
  softmax.name = "softmax";
  softmax.kind = fbs::LayerOptions::Softmax;
  softmax.inputs = {5};
  softmax.output = 6;
  m.layers = {conv, pool, bn, flatten, fc, softmax};
  m.input = 0;
  m.output = 6;
  return m;
}

// input [4] -> relu_a -> relu_b: the smallest graph, for graph-structure
// and shape cases.
RawModel BaseChain(std::vector<int32_t> shape = {4}) {
  RawModel m;
  m.format_version = CurrentFormatVersion();
  m.tensors = {{"input", shape}, {"a_out", shape}, {"b_out", shape}};
  RawLayer a;
  a.name = "relu_a";
  a.kind = fbs::LayerOptions::Relu;
  a.inputs = {0};
  a.output = 1;
  RawLayer b = a;
  b.name = "relu_b";
  b.inputs = {1};
  b.output = 2;
  m.layers = {a, b};
  m.input = 0;
  m.output = 2;
  return m;
}

RawLayer& LayerNamed(RawModel& m, const std::string& name) {
  for (RawLayer& l : m.layers) {
    if (l.name == name) return l;
  }
  ADD_FAILURE() << "no layer " << name;
  return m.layers[0];
}

// Expects both Model::FromBytes and Model::View to refuse `bytes` with
// `code` (kInvalidModel unless said otherwise) and a message containing at
// least one of `names` (any message at all when `names` is empty).
void ExpectInvalid(const std::vector<uint8_t>& bytes,
                   std::initializer_list<const char*> names,
                   StatusCode code = StatusCode::kInvalidModel) {
  for (bool view : {false, true}) {
    SCOPED_TRACE(view ? "Model::View" : "Model::FromBytes");
    Model model;
    const Status s = view ? Model::View(bytes.data(), bytes.size(), &model)
                          : Model::FromBytes(bytes, &model);
    ASSERT_FALSE(s.ok()) << "a malformed model was accepted";
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_FALSE(s.message().empty());
    if (names.size() == 0) continue;
    bool named = false;
    std::string expected;
    for (const char* n : names) {
      named = named || s.message().find(n) != std::string::npos;
      expected += std::string(expected.empty() ? "" : " or ") + "'" + n + "'";
    }
    EXPECT_TRUE(named) << "message \"" << s.message() << "\" names none of " << expected;
  }
}

void ExpectInvalid(const RawModel& m, std::initializer_list<const char*> names,
                   StatusCode code = StatusCode::kInvalidModel) {
  ExpectInvalid(Serialize(m), names, code);
}

// The positive control of a hand-made variant: without the defect it loads.
void ExpectLoads(const RawModel& m) {
  Model model;
  const Status s = Model::FromBytes(Serialize(m), &model);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

// Keeps the weight reads in WalkLoadedModel from being optimized away.
volatile double g_weight_sink = 0.0;

// Reads everything a loaded model exposes, the way the planner will.
// Returns false (and reports) if the loader let an inconsistency through.
bool WalkLoadedModel(const Model& model) {
  const size_t tensors = model.tensors().size();
  bool ok = model.input() < tensors && model.output() < tensors;
  double sum = 0.0;
  for (const LayerDesc& l : model.layers()) {
    for (uint32_t in : l.inputs) ok = ok && in < tensors;
    ok = ok && l.output < tensors;
    for (int i = 0; i < 4; ++i) {
      if (l.buffers.size[i] > 0) ok = ok && l.buffers.data[i] != nullptr;
      // Touch every weight: a pointer past the model's bytes would be read
      // here (and flagged by ASan in sanitizer builds).
      for (size_t k = 0; k < l.buffers.size[i]; ++k) sum += l.buffers.data[i][k];
    }
  }
  for (const TensorDesc& t : model.tensors()) {
    ok = ok && t.shape.rank >= 1 && t.shape.rank <= kMaxRank;
    for (int d = 0; d < t.shape.rank; ++d) ok = ok && t.shape.dims[d] > 0;
  }
  EXPECT_TRUE(ok) << "a loaded model holds out-of-range indices or shapes";
  g_weight_sink = sum;
  return ok;
}

// ------------------------------------------------------------ Valid models

TEST(RawModelTest, BaseLoads) {
  // Every rejection below breaks one thing in these; they must load as is.
  for (const RawModel& m : {BaseCnn(), BaseChain(), BaseChain({3, 2, 5})}) {
    Model model;
    LRP_ASSERT_OK(Model::FromBytes(Serialize(m), &model));
    EXPECT_EQ(model.layers().size(), m.layers.size());
    WalkLoadedModel(model);
  }
}

TEST(RawModelTest, LoaderReadsWhatWasWritten) {
  const RawModel raw = BaseCnn();
  const std::vector<uint8_t> bytes = Serialize(raw);
  Model model;
  LRP_ASSERT_OK(Model::View(bytes.data(), bytes.size(), &model));
  ASSERT_EQ(model.tensors().size(), raw.tensors.size());
  ASSERT_EQ(model.layers().size(), raw.layers.size());
  EXPECT_EQ(model.input(), 0u);
  EXPECT_EQ(model.output(), 6u);
  EXPECT_EQ(model.input_shape(), (Shape{8, 8, 3}));
  EXPECT_EQ(model.output_shape(), (Shape{10}));
  EXPECT_EQ(model.tensors()[1].name, "conv1_out");

  const LayerDesc& conv = model.layers()[0];
  EXPECT_EQ(conv.name, "conv1");
  EXPECT_EQ(conv.kind, LayerKind::kConv2D);
  EXPECT_EQ(conv.inputs, std::vector<uint32_t>{0});
  EXPECT_EQ(conv.output, 1u);
  EXPECT_EQ(conv.params.out_channels, 4);
  EXPECT_EQ(conv.params.kernel_h, 3);
  EXPECT_EQ(conv.params.padding.left, 1);
  EXPECT_EQ(conv.params.activation, Activation::kRelu);
  ASSERT_EQ(conv.buffers.size[0], raw.buffers[0].size());
  ASSERT_EQ(conv.buffers.size[1], raw.buffers[1].size());
  EXPECT_EQ(std::memcmp(conv.buffers.data[0], raw.buffers[0].data(),
                        raw.buffers[0].size() * sizeof(float)), 0);
  EXPECT_EQ(conv.buffers.data[1][3], raw.buffers[1][3]);
  // Weights are read in place, not copied.
  const auto* begin = reinterpret_cast<const uint8_t*>(conv.buffers.data[0]);
  EXPECT_TRUE(begin >= bytes.data() && begin < bytes.data() + bytes.size());

  const LayerDesc& bn = model.layers()[2];
  EXPECT_EQ(bn.kind, LayerKind::kBatchNorm);
  EXPECT_FLOAT_EQ(bn.params.epsilon, 1e-3f);
  EXPECT_EQ(bn.buffers.data[1][0], raw.buffers[3][0]);  // variance
  EXPECT_EQ(bn.buffers.data[3][2], raw.buffers[5][2]);  // offset

  const LayerDesc& fc = model.layers()[4];
  EXPECT_EQ(fc.kind, LayerKind::kDense);
  EXPECT_EQ(fc.params.out_channels, 10);
  EXPECT_EQ(fc.buffers.size[0], 640u);
  EXPECT_EQ(fc.parameters(), 650u);
  EXPECT_EQ(model.parameter_count(), 108u + 4u + 16u + 650u);
  EXPECT_EQ(model.producer(), "raw model");
}

// ------------------------------------------------------ Structural damage

std::vector<uint8_t> SmallCnnBytes() {
  ModelBuilder b;
  BuildSmallCnn(3, &b);
  std::vector<uint8_t> bytes;
  const Status s = FinishBytes(b, &bytes);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return bytes;
}

std::vector<uint8_t> AllLayersBytes() {
  ModelBuilder b;
  BuildAllLayers(4, &b);
  std::vector<uint8_t> bytes;
  const Status s = FinishBytes(b, &bytes);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return bytes;
}

void CheckEveryPrefixFails(const std::vector<uint8_t>& bytes) {
  ASSERT_FALSE(bytes.empty());
  Model full;
  LRP_ASSERT_OK(Model::FromBytes(bytes, &full));
  // FlatBuffers writes back to front, so the first blob it stored sits at
  // the end of the file, followed by its alignment padding. Dropping only
  // that padding loses nothing; find where the real data ends.
  size_t data_end = bytes.size();
  while (data_end > 0) {
    Model m;
    if (!Model::FromBytes(std::vector<uint8_t>(bytes.begin(), bytes.begin() + data_end - 1),
                          &m).ok()) {
      break;
    }
    --data_end;
  }
  EXPECT_LT(bytes.size() - data_end, 64u) << "more than one alignment unit of slack";
  for (size_t i = data_end; i < bytes.size(); ++i) {
    ASSERT_EQ(bytes[i], 0) << "byte " << i << " was accepted as padding but is data";
  }
  int failures = 0;
  for (size_t n = 0; n < data_end && failures < 5; ++n) {
    // An exact-size copy, so that reading past the end is an out-of-bounds
    // read rather than a read of the rest of the original.
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
    Model model;
    const Status s = Model::View(prefix.data(), prefix.size(), &model);
    if (s.ok() || s.code() != StatusCode::kInvalidModel || s.message().empty()) {
      ++failures;
      ADD_FAILURE() << "prefix of " << n << " of " << bytes.size()
                    << " bytes: " << s.ToString();
    }
  }
}

TEST(ModelLoaderTest, EveryTruncationFailsCleanly) {
  CheckEveryPrefixFails(SmallCnnBytes());
  CheckEveryPrefixFails(AllLayersBytes());
  CheckEveryPrefixFails(Serialize(BaseCnn()));
}

TEST(ModelLoaderTest, EmptyInputFails) {
  Model model;
  const Status s = Model::View(nullptr, 0, &model);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  ExpectInvalid(std::vector<uint8_t>{}, {});
}

TEST(ModelLoaderTest, WrongFileIdentifierFails) {
  std::vector<uint8_t> bytes = SmallCnnBytes();
  ASSERT_GE(bytes.size(), 8u);
  ASSERT_EQ(std::memcmp(bytes.data() + 4, "LRPM", 4), 0);
  std::memcpy(bytes.data() + 4, "TFL3", 4);
  ExpectInvalid(bytes, {"identifier", "LRPM", "lrpm"});
  RawModel m = BaseCnn();
  m.file_identifier = "LRPX";
  ExpectInvalid(m, {"identifier", "LRPM", "lrpm"});
}

TEST(ModelLoaderTest, GarbageFails) {
  Rng rng(99);
  for (size_t size : {1u, 3u, 4u, 7u, 8u, 16u, 64u, 1000u, 4096u}) {
    SCOPED_TRACE("size " + std::to_string(size));
    std::vector<uint8_t> bytes(size);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
    ExpectInvalid(bytes, {});
    std::fill(bytes.begin(), bytes.end(), 0);
    ExpectInvalid(bytes, {});
    std::fill(bytes.begin(), bytes.end(), 0xFF);
    ExpectInvalid(bytes, {});
    if (size >= 8) {
      // The right identifier in front of garbage gets past the cheap check.
      for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
      std::memcpy(bytes.data() + 4, "LRPM", 4);
      ExpectInvalid(bytes, {});
      // A root offset pointing just behind the header, into zeros: a
      // structurally valid, empty Model table, without even a version.
      std::fill(bytes.begin(), bytes.end(), 0);
      bytes[0] = 8;
      std::memcpy(bytes.data() + 4, "LRPM", 4);
      ExpectInvalid(bytes, {});
    }
  }
}

TEST(ModelLoaderTest, CorruptingAnyByteNeverCrashes) {
  // A flipped weight byte is still a valid model, so loading may succeed;
  // what may not happen is a crash or an accepted inconsistency.
  const std::vector<uint8_t> bytes = Serialize(BaseCnn());
  int accepted = 0, rejected = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t mask : {0xFF, 0x01, 0x80}) {
      std::vector<uint8_t> corrupt = bytes;
      corrupt[i] ^= mask;
      Model model;
      const Status s = Model::View(corrupt.data(), corrupt.size(), &model);
      if (s.ok()) {
        ++accepted;
        if (!WalkLoadedModel(model)) {
          ADD_FAILURE() << "byte " << i << " ^ " << int{mask};
          return;
        }
      } else {
        ++rejected;
        // A damaged format_version reads as a file from a newer lrp.
        ASSERT_TRUE(s.code() == StatusCode::kInvalidModel ||
                    s.code() == StatusCode::kUnsupported)
            << "byte " << i << " ^ " << int{mask} << ": " << s.ToString();
      }
    }
  }
  // Most of the file is weights, but the header and tables are not.
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}

TEST(ModelLoaderTest, UnknownFormatVersionFails) {
  // A newer version is a well-formed file this build cannot read.
  RawModel m = BaseCnn();
  m.format_version += 1000;
  ExpectInvalid(m, {"version"}, StatusCode::kUnsupported);
  m.format_version = 0xFFFFFFFFu;
  ExpectInvalid(m, {"version"}, StatusCode::kUnsupported);
}

// ------------------------------------------------------ Indices in range

TEST(ModelLoaderTest, LayerInputOutOfRangeFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "pool1").inputs = {7};  // one past the last tensor
  ExpectInvalid(m, {"pool1"});
  m = BaseCnn();
  LayerNamed(m, "conv1").inputs = {0xFFFFFFFFu};
  ExpectInvalid(m, {"conv1"});
}

TEST(ModelLoaderTest, LayerOutputOutOfRangeFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "fc").output = 99;
  ExpectInvalid(m, {"fc"});
}

TEST(ModelLoaderTest, ModelInputOrOutputOutOfRangeFails) {
  RawModel m = BaseCnn();
  m.input = 7;
  ExpectInvalid(m, {"input"});
  m = BaseCnn();
  m.output = 1000;
  ExpectInvalid(m, {"output"});
}

TEST(ModelLoaderTest, WrongInputCountFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "conv1").inputs = {};
  ExpectInvalid(m, {"conv1"});
  m = BaseChain();
  LayerNamed(m, "relu_b").inputs = {1, 1};
  ExpectInvalid(m, {"relu_b"});
}

TEST(ModelLoaderTest, BufferIndexOutOfRangeFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "conv1").weights = 8;  // one past the last buffer
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  LayerNamed(m, "conv1").bias = 99;
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  LayerNamed(m, "bn1").bn[2] = 0x7FFFFFFFu;
  ExpectInvalid(m, {"bn1"});
}

TEST(ModelLoaderTest, NegativeBiasIndexOtherThanMinusOneFails) {
  // -1 is the schema's "no bias"; any other negative value is not an index.
  RawModel m = BaseCnn();
  LayerNamed(m, "fc").bias = -2;
  ExpectInvalid(m, {"fc"});
  m = BaseCnn();
  LayerNamed(m, "conv1").bias = INT32_MIN;
  ExpectInvalid(m, {"conv1"});
}

// ------------------------------------------------------ Buffer sizes

TEST(ModelLoaderTest, WeightsBufferTooSmallFails) {
  RawModel m = BaseCnn();
  m.buffers[0].pop_back();
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  m.buffers[0].clear();
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  m.buffers[6].resize(639);
  ExpectInvalid(m, {"fc"});
}

TEST(ModelLoaderTest, WeightsBufferTooLargeFails) {
  RawModel m = BaseCnn();
  m.buffers[0].push_back(1.0f);
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  m.buffers[6].resize(641);
  ExpectInvalid(m, {"fc"});
}

TEST(ModelLoaderTest, BiasAndNormBuffersWrongSizeFail) {
  RawModel m = BaseCnn();
  m.buffers[1].resize(3);
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  m.buffers[7].resize(11);
  ExpectInvalid(m, {"fc"});
  m = BaseCnn();
  m.buffers[4].resize(5);  // bn1 scale
  ExpectInvalid(m, {"bn1"});
  m = BaseCnn();
  // Bias and weights swapped: both exist, neither has the right size.
  LayerNamed(m, "conv1").weights = 1;
  LayerNamed(m, "conv1").bias = 0;
  ExpectInvalid(m, {"conv1"});
}

// ------------------------------------------------------ Absurd shapes

TEST(ModelLoaderTest, NegativeOrZeroDimsFail) {
  RawModel m = BaseCnn();
  m.tensors[1].shape = {8, -8, 4};
  ExpectInvalid(m, {"conv1"});  // the layer or its tensor "conv1_out"
  m = BaseCnn();
  m.tensors[0].shape = {-8, 8, 3};
  ExpectInvalid(m, {"input", "conv1"});
  m = BaseChain({3, 0, 2});
  ExpectInvalid(m, {"input", "relu_a"});
  m = BaseChain({-1});
  ExpectInvalid(m, {"input", "relu_a"});
}

TEST(ModelLoaderTest, MissingOrOverlongShapeFails) {
  RawModel m = BaseChain();
  m.tensors[1].shape = {};
  ExpectInvalid(m, {"a_out", "relu_a"});
  m = BaseChain({1, 1, 1, 1, 4});  // rank 5; kMaxRank is 4
  ExpectInvalid(m, {"input", "relu_a"});
}

TEST(ModelLoaderTest, ElementCountOverflowFails) {
  // Each product overflows 64 bits; the last two wrap to exactly 0 elements
  // or 0 bytes, which an unchecked size computation would take as "empty".
  for (const std::vector<int32_t>& shape :
       std::vector<std::vector<int32_t>>{{INT32_MAX, INT32_MAX, INT32_MAX},
                                         {1 << 16, 1 << 16, 1 << 16, 1 << 16},
                                         {1 << 21, 1 << 21, 1 << 21}}) {
    SCOPED_TRACE(std::to_string(shape[0]) + " x ...");
    ExpectInvalid(BaseChain(shape), {"input", "relu_a"});
  }
}

TEST(ModelLoaderTest, WeightCountOverflowFails) {
  // out 2^30, kernel 2^30 x 16, 3 input channels: 3 * 2^64 weights, which
  // wraps to 0 in 64-bit arithmetic and so would "match" an empty buffer.
  // The padding keeps every shape consistent, so only the overflow is wrong.
  RawModel m;
  m.format_version = CurrentFormatVersion();
  m.tensors = {{"input", {8, 8, 3}}, {"conv1_out", {9, 1, 1 << 30}}};
  m.buffers = {{}};
  RawLayer conv;
  conv.name = "conv1";
  conv.kind = fbs::LayerOptions::Conv2D;
  conv.inputs = {0};
  conv.output = 1;
  conv.p = ConvParams(1 << 30, 1 << 30, 16);
  conv.p.padding = {1 << 29, 4, 1 << 29, 4};
  conv.weights = 0;
  m.layers = {conv};
  m.output = 1;
  ExpectInvalid(m, {"conv1"});
}

// ------------------------------------------------------ Graph structure

TEST(ModelLoaderTest, NotTopologicalFails) {
  RawModel m = BaseCnn();
  std::swap(m.layers[1], m.layers[2]);  // bn1 now reads pool1_out first
  ExpectInvalid(m, {"bn1"});
  m = BaseChain();
  std::swap(m.layers[0], m.layers[1]);
  ExpectInvalid(m, {"relu_b"});
}

TEST(ModelLoaderTest, LayerReadingItsOwnOutputFails) {
  RawModel m = BaseChain();
  LayerNamed(m, "relu_b").inputs = {2};
  ExpectInvalid(m, {"relu_b"});
}

TEST(ModelLoaderTest, TensorWrittenTwiceFails) {
  RawModel m = BaseChain();
  LayerNamed(m, "relu_b").inputs = {0};
  LayerNamed(m, "relu_b").output = 1;  // relu_a writes it too
  m.output = 1;
  ExpectInvalid(m, {"relu_b"});
}

TEST(ModelLoaderTest, LayerWritingTheModelInputFails) {
  RawModel m = BaseChain();
  LayerNamed(m, "relu_b").output = 0;  // a side branch overwriting the input
  m.output = 1;
  ExpectInvalid(m, {"relu_b"});
}

TEST(ModelLoaderTest, OutputNeverWrittenFails) {
  RawModel m = BaseChain();
  m.tensors.push_back({"orphan", {4}});
  m.output = 3;
  ExpectInvalid(m, {"output", "orphan"});
}

TEST(ModelLoaderTest, MissingOrUnknownLayerOptionsFail) {
  RawModel m = BaseChain();
  LayerNamed(m, "relu_b").kind = fbs::LayerOptions::NONE;
  ExpectInvalid(m, {"relu_b"});
  m = BaseChain();
  // A union tag from a newer schema: the structural verifier accepts it,
  // and a file from a newer lrp is unsupported rather than malformed.
  LayerNamed(m, "relu_b").kind = static_cast<fbs::LayerOptions>(99);
  ExpectInvalid(m, {"relu_b"}, StatusCode::kUnsupported);
}

// The union tag names a kind but its table is absent. FlatBuffers' verifier
// accepts a missing union value, so the loader must not read through it.
class MissingOptionsTableTest : public ::testing::TestWithParam<fbs::LayerOptions> {};

TEST_P(MissingOptionsTableTest, Fails) {
  RawModel m = BaseChain({2, 2, 4});
  RawLayer& l = LayerNamed(m, "relu_b");
  l.name = "no_options";
  l.kind = GetParam();
  l.omit_options = true;
  ExpectInvalid(m, {"no_options"});
}

// The kinds whose table has fields, i.e. that the loader reads.
INSTANTIATE_TEST_SUITE_P(
    KindsWithFields, MissingOptionsTableTest,
    ::testing::Values(fbs::LayerOptions::Conv2D, fbs::LayerOptions::Dense,
                      fbs::LayerOptions::Clamp, fbs::LayerOptions::LeakyRelu,
                      fbs::LayerOptions::MaxPool2D, fbs::LayerOptions::AvgPool2D,
                      fbs::LayerOptions::Reshape, fbs::LayerOptions::Add,
                      fbs::LayerOptions::BatchNorm, fbs::LayerOptions::LRN),
    [](const ::testing::TestParamInfo<fbs::LayerOptions>& info) {
      return std::string(fbs::EnumNameLayerOptions(info.param));
    });

// ------------------------------------------------ Shapes vs. inference

TEST(ModelLoaderTest, StoredShapeDisagreesWithInferenceFails) {
  RawModel m = BaseCnn();
  m.tensors[1].shape = {8, 8, 5};
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  m.tensors[2].shape = {3, 3, 4};
  ExpectInvalid(m, {"pool1"});
  m = BaseCnn();
  m.tensors[5].shape = {11};
  ExpectInvalid(m, {"fc"});
  m = BaseCnn();
  m.tensors[5].shape = {1, 1, 10};  // same elements, different shape
  ExpectInvalid(m, {"fc"});
  m = BaseChain();
  m.tensors[2].shape = {5};
  ExpectInvalid(m, {"relu_b"});
}

TEST(ModelLoaderTest, ReshapeChangingElementCountFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "flatten").reshape = {63};
  m.tensors[4].shape = {63};
  ExpectInvalid(m, {"flatten"});
  m = BaseCnn();
  LayerNamed(m, "flatten").reshape = {-2, -32};  // product 64, dims negative
  m.tensors[4].shape = {-2, -32};
  ExpectInvalid(m, {"flatten"});
}

TEST(ModelLoaderTest, AddOfMismatchedShapesFails) {
  RawModel m = BaseChain({2, 3, 4});
  m.tensors.push_back({"pooled", {2, 3, 4}});
  m.tensors.push_back({"sum", {2, 3, 4}});
  RawLayer pool;
  pool.name = "pool";
  pool.kind = fbs::LayerOptions::MaxPool2D;
  pool.inputs = {2};
  pool.output = 3;
  pool.p = PoolParams(2, 1);
  pool.p.padding = {1, 1, 0, 0};  // [2,3,4] -> [2,3,4]
  RawLayer add;
  add.name = "add";
  add.kind = fbs::LayerOptions::Add;
  add.inputs = {2, 3};
  add.output = 4;
  m.layers.push_back(pool);
  m.layers.push_back(add);
  m.output = 4;
  ExpectLoads(m);
  LayerNamed(m, "pool").p.padding = {1, 0, 0, 0};  // now [2,2,4]
  m.tensors[3].shape = {2, 2, 4};
  ExpectInvalid(m, {"add"});
}

TEST(ModelLoaderTest, ConcatOfMismatchedSpatialShapesFails) {
  RawModel m = BaseChain({2, 3, 4});
  m.tensors.push_back({"pooled", {2, 3, 4}});
  m.tensors.push_back({"joined", {2, 3, 8}});
  RawLayer pool;
  pool.name = "pool";
  pool.kind = fbs::LayerOptions::MaxPool2D;
  pool.inputs = {2};
  pool.output = 3;
  pool.p = PoolParams(2, 1);
  pool.p.padding = {1, 1, 0, 0};  // [2,3,4] -> [2,3,4]
  RawLayer concat;
  concat.name = "concat";
  concat.kind = fbs::LayerOptions::Concat;
  concat.inputs = {2, 3};
  concat.output = 4;
  m.layers.push_back(pool);
  m.layers.push_back(concat);
  m.output = 4;
  ExpectLoads(m);
  LayerNamed(m, "pool").p.padding = {1, 0, 0, 0};  // now [2,2,4]
  m.tensors[3].shape = {2, 2, 4};
  ExpectInvalid(m, {"concat"});
}

// ------------------------------------------------------ Hyper-parameters

TEST(ModelLoaderTest, ZeroOrNegativeStrideFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "conv1").p.stride_h = 0;
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  LayerNamed(m, "conv1").p.stride_w = -1;
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  LayerNamed(m, "pool1").p.stride_w = 0;
  ExpectInvalid(m, {"pool1"});
}

TEST(ModelLoaderTest, ZeroDilationOrKernelFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "conv1").p.dilation_w = 0;
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  LayerNamed(m, "pool1").p.dilation_h = 0;
  ExpectInvalid(m, {"pool1"});
  m = BaseCnn();
  LayerNamed(m, "pool1").p.kernel_w = 0;
  ExpectInvalid(m, {"pool1"});
}

TEST(ModelLoaderTest, NegativePaddingFails) {
  RawModel m = BaseCnn();
  // -1 on top and +1 at the bottom keep the output size right.
  LayerNamed(m, "conv1").p.padding = {-1, 1, 3, 1};
  ExpectInvalid(m, {"conv1"});
}

TEST(ModelLoaderTest, GroupsNotDividingChannelsFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "conv1").p.groups = 2;  // 3 input channels
  m.buffers[0].resize(4 * 3 * 3 * 1);
  ExpectInvalid(m, {"conv1"});
  for (int32_t groups : {0, -1}) {
    m = BaseCnn();
    LayerNamed(m, "conv1").p.groups = groups;
    ExpectInvalid(m, {"conv1"});
  }
  // Groups divide the input (6) but not the output channels (4).
  m = BaseCnn();
  m.tensors[0].shape = {8, 8, 6};
  LayerNamed(m, "conv1").p.groups = 3;
  m.buffers[0].resize(4 * 3 * 3 * 2);
  ExpectInvalid(m, {"conv1"});
}

TEST(ModelLoaderTest, KernelLargerThanPaddedInputFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "conv1").p.kernel_h = 11;  // 8 + 2 padding rows
  m.buffers[0].resize(4 * 11 * 3 * 3);
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  LayerNamed(m, "conv1").p.dilation_w = 5;  // effective width 11
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  LayerNamed(m, "pool1").p.kernel_h = 9;
  ExpectInvalid(m, {"pool1"});
}

TEST(ModelLoaderTest, OutChannelsDisagreeingWithWeightsFails) {
  RawModel m = BaseCnn();
  LayerNamed(m, "conv1").p.out_channels = 5;
  ExpectInvalid(m, {"conv1"});
  m = BaseCnn();
  LayerNamed(m, "conv1").p.out_channels = 0;
  ExpectInvalid(m, {"conv1"});
}

TEST(ModelLoaderTest, BadLrnSizeFails) {
  for (int32_t size : {3, 0, -3}) {
    RawModel m = BaseChain({2, 2, 5});
    RawLayer& lrn = LayerNamed(m, "relu_b");
    lrn.name = "lrn";
    lrn.kind = fbs::LayerOptions::LRN;
    lrn.p.size = size;
    if (size == 3) {
      ExpectLoads(m);  // the positive control
    } else {
      ExpectInvalid(m, {"lrn"});
    }
  }
}

// ------------------------------------------------------------ Files

std::string TmpPath(const std::string& name) {
  return std::string(LRP_TEST_TMPDIR) + "/model_loader_test_" + name;
}

void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

TEST(ModelLoadTest, MissingFileIsIoError) {
  Model model;
  const std::string path = TmpPath("does_not_exist.lrpm");
  std::remove(path.c_str());
  const Status s = Model::Load(path, &model);
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find("does_not_exist.lrpm"), std::string::npos) << s.message();
}

TEST(ModelLoadTest, DirectoryIsIoError) {
  Model model;
  const Status s = Model::Load(LRP_TEST_TMPDIR, &model);
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
}

TEST(ModelLoadTest, ValidFileLoads) {
  const std::vector<uint8_t> bytes = AllLayersBytes();
  const std::string path = TmpPath("all_layers.lrpm");
  WriteFile(path, bytes);
  Model from_file, from_bytes;
  LRP_ASSERT_OK(Model::Load(path, &from_file));
  LRP_ASSERT_OK(Model::FromBytes(bytes, &from_bytes));
  ASSERT_EQ(from_file.layers().size(), from_bytes.layers().size());
  for (size_t i = 0; i < from_file.layers().size(); ++i) {
    EXPECT_EQ(from_file.layers()[i].name, from_bytes.layers()[i].name);
    EXPECT_EQ(from_file.layers()[i].kind, from_bytes.layers()[i].kind);
  }
  EXPECT_EQ(from_file.parameter_count(), from_bytes.parameter_count());
  EXPECT_EQ(from_file.labels(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(from_file.size(), bytes.size());
  WalkLoadedModel(from_file);

  // The same file through ModelBuilder::WriteFile.
  ModelBuilder b;
  BuildAllLayers(4, &b);
  const std::string path2 = TmpPath("all_layers_written.lrpm");
  LRP_ASSERT_OK(b.WriteFile(path2));
  Model written;
  LRP_ASSERT_OK(Model::Load(path2, &written));
  EXPECT_EQ(written.parameter_count(), from_bytes.parameter_count());

  // The model stays usable after the Load-er's local state is gone.
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(from_file, SessionOptions(), &session));
  const std::vector<float> input = RandomInput(from_file, 1);
  LRP_ASSERT_OK(session->Forward(input.data(), input.size()));
}

TEST(ModelLoadTest, CorruptFilesAreInvalidModel) {
  std::vector<uint8_t> bytes = SmallCnnBytes();
  const std::string truncated = TmpPath("truncated.lrpm");
  WriteFile(truncated, std::vector<uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  Model model;
  Status s = Model::Load(truncated, &model);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();

  // An empty file exists and reads fine; its content is what is wrong.
  const std::string empty = TmpPath("empty.lrpm");
  WriteFile(empty, {});
  s = Model::Load(empty, &model);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
}

}  // namespace
}  // namespace test
}  // namespace lrp
