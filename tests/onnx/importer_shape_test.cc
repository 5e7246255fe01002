// Importer tests of the operators that join, reshape or map tensors
// element-wise (tools/onnx/importer.h): Add and Concat, Flatten, Reshape,
// Squeeze and Unsqueeze, Dropout and Identity, Softmax and the activations.
// Each graph is converted, run and compared with the double-precision
// reference (tests/onnx/onnx_reference.h) through
// tests/onnx/importer_harness.h.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "tests/onnx/importer_harness.h"
#include "tests/onnx/onnx_graph_builder.h"
#include "tests/onnx/onnx_reference.h"

namespace lrp {
namespace onnx_test {
namespace {

// ---------------------------------------------------------------------------
// Joins

TEST(ImporterTest, ResidualAddFusesRelu) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 5, 4});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 3, 3, 3}, true, 130);
  onnx_test::NodeBuilder(g.graph().mutable_node(0)).Ints("pads", {1, 1, 1, 1});
  g.Node("Add", {"x", "c"}, {"s"}, "add");
  g.Node("Relu", {"s"}, {"y"}, "relu");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 5, 4}, 131);
  const Tensor want =
      Map(Add(x, RefConv(x, cw.w, cw.b, MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1}))), Relu);
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw, &c);
  ASSERT_EQ(c.result.layers, 2);
  EXPECT_EQ(c.model.layers()[1].kind, LayerKind::kAdd);
  EXPECT_EQ(c.model.layers()[1].params.activation, Activation::kRelu);
}

// Concatenated channels feed a 1x1 conv, so their order matters.
TEST(ImporterTest, ConcatOnChannels) {
  for (int64_t axis : {1, -3}) {
    SCOPED_TRACE(axis);
    GraphBuilder g(13);
    g.Input("x", {1, 2, 4, 3});
    ConvWeights a = AddConv(g, "a", "x", "ya", {2, 2, 1, 1}, true, 140);
    ConvWeights b = AddConv(g, "b", "x", "yb", {3, 2, 3, 3}, true, 141);
    onnx_test::NodeBuilder(g.graph().mutable_node(1)).Ints("pads", {1, 1, 1, 1});
    g.Node("Concat", {"ya", "yb"}, {"cat"}, "cat").Int("axis", axis);
    ConvWeights m = AddConv(g, "mix", "cat", "y", {2, 5, 1, 1}, false, 142);
    g.Output("y");
    const Tensor x = RandomTensor({1, 2, 4, 3}, 143);
    const Tensor padded_conv = RefConv(x, b.w, b.b, MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1}));
    const Tensor cat = ConcatChannels(RefConv(x, a.w, a.b, Window()), padded_conv);
    ExpectMatches(g.model(), x, Io::kNchw, RefConv(cat, m.w, {}, Window()), Io::kNchw);
  }
}

TEST(ImporterTest, ConcatOfPlainTensorsOnTheLastAxis) {
  GraphBuilder g(13);
  g.Input("x", {2, 3});
  const Tensor b = RandomTensor({3, 2}, 144);
  g.FloatInit("B", {3, 2}, Floats(b));
  g.Node("MatMul", {"x", "B"}, {"m"}, "matmul");
  g.Node("Concat", {"x", "m"}, {"y"}, "cat").Int("axis", -1);
  g.Output("y");
  const Tensor x = RandomTensor({2, 3}, 145);
  const Tensor m = RefMatMul(x, b);
  Tensor want({2, 5});
  for (size_t r = 0; r < 2; ++r) {
    for (size_t k = 0; k < 5; ++k) want.v[r * 5 + k] = k < 3 ? x.v[r * 3 + k] : m.v[r * 2 + k - 3];
  }
  ExpectMatches(g.model(), x, Io::kPlain, want, Io::kPlain);
}

// ---------------------------------------------------------------------------
// Shapes and pass-through operators

TEST(ImporterTest, ReshapeOnPlainTensors) {
  GraphBuilder g(13);
  g.Input("x", {2, 6});
  g.Int64Init("shape", {2}, {3, -1});
  g.Node("Reshape", {"x", "shape"}, {"r"}, "reshape");
  const Tensor b = RandomTensor({4, 2}, 150);
  g.FloatInit("B", {4, 2}, Floats(b));
  g.Node("MatMul", {"r", "B"}, {"y"}, "matmul");
  g.Output("y");
  const Tensor x = RandomTensor({2, 6}, 151);
  ExpectMatches(g.model(), x, Io::kPlain, RefMatMul(Reshaped(x, {3, 4}), b), Io::kPlain);
}

TEST(ImporterTest, SqueezeAndUnsqueezeAxesAsInputsAndAttributes) {
  const Tensor x = RandomTensor({1, 6}, 160);
  const Tensor b = RandomTensor({6, 2}, 161);
  // Opset 13 moved `axes` from an attribute to an input.
  for (int opset : {13, 11}) {
    SCOPED_TRACE(opset);
    GraphBuilder g(opset);
    g.Input("x", {1, 6});
    if (opset >= 13) {
      g.Int64Init("ax0", {1}, {0});
      g.Int64Init("ax01", {2}, {0, -2});
      g.Node("Unsqueeze", {"x", "ax0"}, {"u"}, "unsqueeze");
      g.Node("Squeeze", {"u", "ax01"}, {"s"}, "squeeze");
    } else {
      g.Node("Unsqueeze", {"x"}, {"u"}, "unsqueeze").Ints("axes", {0});
      g.Node("Squeeze", {"u"}, {"s"}, "squeeze").Ints("axes", {0, -2});
    }
    g.FloatInit("B", {6, 2}, Floats(b));
    g.Node("MatMul", {"s", "B"}, {"y"}, "matmul");
    g.Output("y");
    ExpectMatches(g.model(), x, Io::kPlain, RefMatMul(Reshaped(x, {6}), b), Io::kPlain);
  }
}

TEST(ImporterTest, DropoutAndIdentityAddNoLayers) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 3, 3}, true, 170);
  g.FloatInit("ratio", {}, {0.5f});
  onnx::TensorProto* training = g.graph().add_initializer();
  training->set_name("training");
  training->set_data_type(onnx::TensorProto::BOOL);
  training->add_int32_data(0);
  g.Node("Dropout", {"c", "ratio", "training"}, {"d"}, "dropout");
  g.Node("Identity", {"d"}, {"i"}, "identity");
  g.Node("Relu", {"i"}, {"y"}, "relu");
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 4, 4}, 171);
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, Map(RefConv(x, cw.w, cw.b, Window()), Relu), Io::kNchw,
                &c);
  for (const LayerDesc& l : c.model.layers()) {
    EXPECT_TRUE(l.name.find("dropout") == std::string::npos &&
                l.name.find("identity") == std::string::npos)
        << l.name;
  }
  EXPECT_LE(c.result.layers, 2);
}

// With Dropout removed the graph computes nothing; the model still needs a
// layer that writes its output.
TEST(ImporterTest, GraphOfOnlyADropout) {
  GraphBuilder g(13);
  g.Input("x", {1, 5});
  g.Node("Dropout", {"x"}, {"y"}, "dropout");
  g.Output("y");
  const Tensor x = RandomTensor({1, 5}, 172);
  Converted c;
  ExpectMatches(g.model(), x, Io::kPlain, x, Io::kPlain, &c);
  EXPECT_EQ(c.result.layers, 1);
}

TEST(ImporterTest, ElementwiseBetweenInputAndConvKeepsFeatureMap) {
  for (const char* op : {"Identity", "Relu"}) {
    GraphBuilder g(13);
    g.Input("x", {1, 3, 4, 4});
    g.Node(op, {"x"}, {"i"}, "first");
    ConvWeights cw = AddConv(g, "conv", "i", "y", {2, 3, 3, 3}, true, 900);
    g.Output("y");
    Tensor x = RandomTensor({1, 3, 4, 4}, 901);
    Tensor conv_in = x;
    if (std::string(op) == "Relu") {
      for (double& v : conv_in.v) v = v > 0 ? v : 0;
    }
    ExpectMatches(g.model(), x, Io::kNchw, RefConv(conv_in, cw.w, cw.b, Window()), Io::kNchw);
  }
}

// ---------------------------------------------------------------------------
// Softmax

TEST(ImporterTest, SoftmaxAsOutput) {
  GraphBuilder g(13);
  g.Input("x", {1, 8});
  const Tensor b = RandomTensor({8, 5}, 180, -2.0f, 2.0f), bias = RandomTensor({5}, 181);
  g.FloatInit("B", {8, 5}, Floats(b));
  g.FloatInit("C", {5}, Floats(bias));
  g.Node("Gemm", {"x", "B", "C"}, {"logits"}, "fc");
  g.Node("Softmax", {"logits"}, {"y"}, "softmax");
  g.Output("y");
  const Tensor x = RandomTensor({1, 8}, 182);
  Converted c;
  ExpectMatches(g.model(), x, Io::kPlain,
                RefSoftmax(RefGemm(x, b, &bias, 1, 1, false, false), 1), Io::kPlain, &c);
  ASSERT_EQ(c.result.layers, 2);
  EXPECT_EQ(c.model.layers()[1].kind, LayerKind::kSoftmax);
}

// Before opset 13 Softmax flattens the input to 2-D at `axis` (default 1)
// and normalizes each row; from 13 on it normalizes along `axis` (default
// -1). On [1, 2, 3] the two defaults give different results.
TEST(ImporterTest, SoftmaxAxisSemanticsOfOpset11And13) {
  const Tensor x = RandomTensor({1, 2, 3}, 190, -3.0f, 3.0f);
  for (int opset : {11, 13}) {
    SCOPED_TRACE(opset);
    GraphBuilder g(opset);
    g.Input("x", {1, 2, 3});
    g.Node("Softmax", {"x"}, {"y"}, "softmax");
    g.Output("y", {1, 2, 3});
    const Tensor want = opset == 11 ? Reshaped(RefSoftmax(Reshaped(x, {1, 6}), 1), {1, 2, 3})
                                    : RefSoftmax(x, 2);
    ExpectMatches(g.model(), x, Io::kPlain, want, Io::kPlain);
  }
}

// Opset 13 along the channels of a feature map: per pixel.
TEST(ImporterTest, SoftmaxOverChannels) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 3, 3});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 2, 1, 1}, true, 195);
  g.Node("Softmax", {"c"}, {"y"}, "softmax").Int("axis", 1);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 3, 3}, 196);
  ExpectMatches(g.model(), x, Io::kNchw, RefSoftmax(RefConv(x, cw.w, cw.b, Window()), 1),
                Io::kNchw);
}

// Opset 11 after a global pooling: [1, C, 1, 1] flattened at axis 1 is the
// channel vector, whatever the layout.
TEST(ImporterTest, SoftmaxOpset11AfterGlobalPooling) {
  GraphBuilder g(11);
  g.Input("x", {1, 3, 2, 2});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 3, 1, 1}, true, 197);
  g.Node("GlobalAveragePool", {"c"}, {"gap"}, "gap");
  g.Node("Softmax", {"gap"}, {"y"}, "softmax");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 2, 2}, 198);
  const Tensor gap = Reshaped(RefGlobalAveragePool(RefConv(x, cw.w, cw.b, Window())), {1, 4});
  ExpectMatches(g.model(), x, Io::kNchw, RefSoftmax(gap, 1), Io::kPlain);
}

// ---------------------------------------------------------------------------
// Activations

TEST(ImporterTest, LeakyRelu) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 3, 3}, true, 200);
  g.Node("LeakyRelu", {"c"}, {"y"}, "leaky").Float("alpha", 0.2f);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 4, 4}, 201);
  const double alpha = static_cast<double>(0.2f);
  ExpectMatches(g.model(), x, Io::kNchw,
                Map(RefConv(x, cw.w, cw.b, Window()),
                    [alpha](double v) { return v >= 0 ? v : alpha * v; }),
                Io::kNchw);
}

// Only one bound given: the other side is unbounded. A lower bound of 0 is
// a ReLU; any other value needs a clamp layer.
TEST(ImporterTest, ClipWithOnlyOneBound) {
  const Tensor x = RandomTensor({1, 12}, 210, -2.0f, 2.0f);
  struct Case {
    float lo;
    bool has_lo;
    float hi;
    bool has_hi;
  };
  for (const Case& k : {Case{-0.25f, true, 0, false}, Case{0.0f, true, 0, false},
                        Case{0, false, 0.5f, true}}) {
    SCOPED_TRACE(std::to_string(k.lo) + " " + std::to_string(k.hi));
    GraphBuilder g(13);
    g.Input("x", {1, 12});
    std::vector<std::string> inputs = {"x", "", ""};
    if (k.has_lo) {
      g.FloatInit("lo", {}, {k.lo});
      inputs[1] = "lo";
    }
    if (k.has_hi) {
      g.FloatInit("hi", {}, {k.hi});
      inputs[2] = "hi";
    }
    if (!k.has_hi) inputs.pop_back();
    g.Node("Clip", inputs, {"y"}, "clip");
    g.Output("y");
    const double lo = k.has_lo ? k.lo : -INFINITY, hi = k.has_hi ? k.hi : INFINITY;
    ExpectMatches(g.model(), x, Io::kPlain,
                  Map(x, [lo, hi](double v) { return std::min(std::max(v, lo), hi); }),
                  Io::kPlain);
  }
}

}  // namespace
}  // namespace onnx_test
}  // namespace lrp
