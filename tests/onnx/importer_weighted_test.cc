// Importer tests of the weighted operators (tools/onnx/importer.h): Conv,
// Gemm and MatMul, and what the importer folds into them (BatchNormalization,
// a constant Add as the bias, Relu and Clip as the activation). Each graph is
// converted, run and compared with the double-precision reference
// (tests/onnx/onnx_reference.h) through tests/onnx/importer_harness.h.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <array>
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
// Conv

TEST(ImporterTest, ConvStridesAsymmetricPadsAndDilations) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 9, 8});
  ConvWeights cw = AddConv(g, "conv", "x", "y", {4, 3, 3, 2}, true, 1);
  onnx_test::NodeBuilder(g.graph().mutable_node(0))
      .Ints("kernel_shape", {3, 2})
      .Ints("strides", {2, 1})
      .Ints("pads", {1, 0, 2, 1})
      .Ints("dilations", {2, 1});
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 9, 8}, 2);
  const Tensor want = RefConv(x, cw.w, cw.b, MakeWindow({3, 2}, {2, 1}, {1, 0, 2, 1}, {2, 1}));
  EXPECT_EQ(want.dims, (std::vector<int64_t>{1, 4, 4, 8}));
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
}

TEST(ImporterTest, ConvGroupsWithoutBias) {
  GraphBuilder g(13);
  g.Input("x", {1, 4, 6, 5});
  ConvWeights cw = AddConv(g, "conv", "x", "y", {6, 2, 3, 3}, false, 3);
  onnx_test::NodeBuilder(g.graph().mutable_node(0)).Int("group", 2).Ints("pads", {1, 1, 1, 1});
  g.Output("y");
  const Tensor x = RandomTensor({1, 4, 6, 5}, 4);
  const Tensor want = RefConv(x, cw.w, {}, MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1}), 2);
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
}

TEST(ImporterTest, DepthwiseConv) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 5, 5});
  ConvWeights cw = AddConv(g, "conv", "x", "y", {3, 1, 3, 3}, true, 5);
  onnx_test::NodeBuilder(g.graph().mutable_node(0)).Int("group", 3).Ints("strides", {2, 2});
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 5, 5}, 6);
  ExpectMatches(g.model(), x, Io::kNchw, RefConv(x, cw.w, cw.b, MakeWindow({3, 3}, {2, 2}), 3),
                Io::kNchw);
}

// Rows of batch items stack in the runtime tensor ([N*H, W, C]); a 1x1
// conv never mixes them.
TEST(ImporterTest, PointwiseConvOverABatchOfTwo) {
  GraphBuilder g(13);
  g.Input("x", {2, 3, 2, 2});
  ConvWeights cw = AddConv(g, "conv", "x", "y", {4, 3, 1, 1}, true, 9);
  g.Output("y");
  const Tensor x = RandomTensor({2, 3, 2, 2}, 10);
  ExpectMatches(g.model(), x, Io::kNchw, RefConv(x, cw.w, cw.b, Window()), Io::kNchw);
}

// Kernel 4x2 with strides 2x1 over 7x6 needs 3 and 1 pixels of padding: the
// odd pixel goes after (SAME_UPPER) or before (SAME_LOWER) the input.
TEST(ImporterTest, ConvAutoPadSameUpperAndLower) {
  const Tensor x = RandomTensor({1, 2, 7, 6}, 7);
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER"}) {
    SCOPED_TRACE(mode);
    GraphBuilder g(13);
    g.Input("x", {1, 2, 7, 6});
    ConvWeights cw = AddConv(g, "conv", "x", "y", {3, 2, 4, 2}, true, 8);
    onnx_test::NodeBuilder(g.graph().mutable_node(0))
        .String("auto_pad", mode)
        .Ints("strides", {2, 1});
    g.Output("y");
    const bool upper = std::string(mode) == "SAME_UPPER";
    const std::array<int64_t, 4> pads =
        upper ? std::array<int64_t, 4>{1, 0, 2, 1} : std::array<int64_t, 4>{2, 1, 1, 0};
    const Tensor want = RefConv(x, cw.w, cw.b, MakeWindow({4, 2}, {2, 1}, pads));
    EXPECT_EQ(want.dims, (std::vector<int64_t>{1, 3, 4, 6}));
    ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
  }
}

// ---------------------------------------------------------------------------
// Folds into the weighted layer

TEST(ImporterTest, ConvBatchNormReluFoldIntoOneLayer) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 6, 6});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 3, 3, 3}, true, 10);
  const std::vector<float> gamma = RandomFloats(4, 11, 0.5f, 2.0f), beta = RandomFloats(4, 12);
  const std::vector<float> mean = RandomFloats(4, 13), var = RandomFloats(4, 14, 0.1f, 3.0f);
  g.FloatInit("gamma", {4}, gamma);
  g.FloatInit("beta", {4}, beta);
  g.FloatInit("mean", {4}, mean);
  g.FloatInit("var", {4}, var);
  g.Node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"n"}, "bn")
      .Float("epsilon", 1e-3f);
  g.Node("Relu", {"n"}, {"y"}, "relu");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 6, 6}, 15);
  const Tensor want = Map(RefBatchNorm(RefConv(x, cw.w, cw.b, Window()), gamma, beta, mean, var,
                                       static_cast<double>(1e-3f)),
                          Relu);
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw, &c);
  EXPECT_TRUE(HasNote(c.result, "folded BatchNormalization 'bn'")) << c.result.notes.size();
  EXPECT_EQ(c.result.onnx_nodes, 3);
  ASSERT_EQ(c.result.layers, 1);
  EXPECT_EQ(c.model.layers()[0].kind, LayerKind::kConv2D);
  EXPECT_EQ(c.model.layers()[0].params.activation, Activation::kRelu);
}

// Exporters route shared or default BatchNorm parameters through Identity
// nodes placed after the Conv; the fold still sees them as constants.
TEST(ImporterTest, BatchNormParametersBehindIdentityNodesFold) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 6, 6});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 3, 3, 3}, true, 30);
  const std::vector<float> gamma = RandomFloats(4, 31, 0.5f, 2.0f), beta = RandomFloats(4, 32);
  const std::vector<float> mean = RandomFloats(4, 33), var = RandomFloats(4, 34, 0.1f, 3.0f);
  g.FloatInit("gamma0", {4}, gamma);
  g.FloatInit("beta", {4}, beta);
  g.FloatInit("mean", {4}, mean);
  g.FloatInit("var0", {4}, var);
  g.Node("Identity", {"gamma0"}, {"gamma"}, "id_gamma");
  g.Node("Identity", {"var0"}, {"var"}, "id_var");
  g.Node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"y"}, "bn");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 6, 6}, 35);
  const Tensor want = RefBatchNorm(RefConv(x, cw.w, cw.b, Window()), gamma, beta, mean, var,
                                   static_cast<double>(1e-5f));
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw, &c);
  EXPECT_EQ(c.result.layers, 1);
}

TEST(ImporterTest, ConstantAddAfterConvBecomesItsBias) {
  const Tensor x = RandomTensor({1, 2, 5, 5}, 20);
  // Either operand order; [C, 1, 1] broadcasts like [1, C, 1, 1].
  for (int variant = 0; variant < 2; ++variant) {
    SCOPED_TRACE(variant);
    GraphBuilder g(13);
    g.Input("x", {1, 2, 5, 5});
    ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 3, 3}, false, 21);
    const std::vector<float> bias = RandomFloats(3, 22);
    const std::vector<int64_t> dims =
        variant == 0 ? std::vector<int64_t>{1, 3, 1, 1} : std::vector<int64_t>{3, 1, 1};
    g.FloatInit("bias", dims, bias);
    g.Node("Add", variant == 0 ? std::vector<std::string>{"c", "bias"}
                               : std::vector<std::string>{"bias", "c"},
           {"y"}, "add");
    g.Output("y");
    Converted c;
    ExpectMatches(g.model(), x, Io::kNchw, AddPerChannel(RefConv(x, cw.w, {}, Window()), bias),
                  Io::kNchw, &c);
    EXPECT_EQ(c.result.layers, 1);
  }
}

TEST(ImporterTest, ConvClipZeroSixFusesAsRelu6) {
  const Tensor x = RandomTensor({1, 2, 5, 5}, 30, -4.0f, 4.0f);
  // Clip's bounds are inputs from opset 11 on and attributes before.
  for (int opset : {13, 10}) {
    SCOPED_TRACE(opset);
    GraphBuilder g(opset);
    g.Input("x", {1, 2, 5, 5});
    ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 3, 3}, true, 31);
    if (opset >= 11) {
      g.FloatInit("lo", {}, {0.0f});
      g.FloatInit("hi", {}, {6.0f});
      g.Node("Clip", {"c", "lo", "hi"}, {"y"}, "clip");
    } else {
      g.Node("Clip", {"c"}, {"y"}, "clip").Float("min", 0.0f).Float("max", 6.0f);
    }
    g.Output("y");
    const Tensor conv = RefConv(x, cw.w, cw.b, Window());
    // The test only bites if both bounds are hit.
    EXPECT_GT(*std::max_element(conv.v.begin(), conv.v.end()), 6.0);
    EXPECT_LT(*std::min_element(conv.v.begin(), conv.v.end()), 0.0);
    Converted c;
    ExpectMatches(g.model(), x, Io::kNchw,
                  Map(conv, [](double v) { return std::min(std::max(v, 0.0), 6.0); }), Io::kNchw,
                  &c);
    ASSERT_EQ(c.result.layers, 1);
    EXPECT_EQ(c.model.layers()[0].params.activation, Activation::kRelu6);
  }
}

// ---------------------------------------------------------------------------
// Gemm and MatMul

// Conv output [1, 4, 3, 2] flattened: with C > 1 and H*W > 1 the CHW order
// of ONNX and the HWC order of the runtime differ everywhere.
TEST(ImporterTest, FlattenGemmReordersColumns) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 3, 2});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 2, 1, 1}, true, 40);
  g.Node("Flatten", {"c"}, {"f"}, "flatten");
  const Tensor b = RandomTensor({24, 5}, 41), bias = RandomTensor({5}, 42);
  g.FloatInit("B", {24, 5}, Floats(b));
  g.FloatInit("C", {5}, Floats(bias));
  g.Node("Gemm", {"f", "B", "C"}, {"y"}, "gemm");
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 3, 2}, 43);
  const Tensor flat = Reshaped(RefConv(x, cw.w, cw.b, Window()), {1, 24});
  ExpectMatches(g.model(), x, Io::kNchw, RefGemm(flat, b, &bias, 1, 1, false, false), Io::kPlain);
}

// An element-wise layer between Flatten and Gemm keeps the HWC order the
// Gemm's columns are reordered for.
TEST(ImporterTest, FlattenReluGemm) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 2, 3});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 1, 1}, true, 44);
  g.Node("Flatten", {"c"}, {"f"}, "flatten");
  g.Node("Relu", {"f"}, {"r"}, "relu");
  const Tensor b = RandomTensor({18, 4}, 45);
  g.FloatInit("B", {18, 4}, Floats(b));
  g.Node("Gemm", {"r", "B"}, {"y"}, "gemm");
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 2, 3}, 46);
  const Tensor flat = Map(Reshaped(RefConv(x, cw.w, cw.b, Window()), {1, 18}), Relu);
  ExpectMatches(g.model(), x, Io::kNchw, RefGemm(flat, b, nullptr, 1, 1, false, false),
                Io::kPlain);
}

TEST(ImporterTest, GemmTransBAlphaBetaScalarC) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 2, 3});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 1, 1}, false, 50);
  g.Node("Flatten", {"c"}, {"f"}, "flatten");
  const Tensor b = RandomTensor({4, 18}, 51);
  const Tensor scalar({}, {0.75f});
  g.FloatInit("B", {4, 18}, Floats(b));
  g.FloatInit("C", {}, {0.75f});
  g.Node("Gemm", {"f", "B", "C"}, {"y"}, "gemm")
      .Int("transB", 1)
      .Float("alpha", 0.5f)
      .Float("beta", -2.0f);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 2, 3}, 52);
  const Tensor flat = Reshaped(RefConv(x, cw.w, {}, Window()), {1, 18});
  ExpectMatches(g.model(), x, Io::kNchw, RefGemm(flat, b, &scalar, 0.5, -2.0, false, true),
                Io::kPlain);
}

// A^T of a [K, 1] column is a single row: transA is fine there.
TEST(ImporterTest, GemmTransAOfAColumn) {
  GraphBuilder g(13);
  g.Input("x", {4, 1});
  const Tensor b = RandomTensor({4, 2}, 53);
  g.FloatInit("B", {4, 2}, Floats(b));
  g.Node("Gemm", {"x", "B"}, {"y"}, "gemm").Int("transA", 1);
  g.Output("y");
  const Tensor x = RandomTensor({4, 1}, 54);
  ExpectMatches(g.model(), x, Io::kPlain, RefGemm(x, b, nullptr, 1, 1, true, false), Io::kPlain);
}

// MatMul + Add(constant) is how PyTorch exports a Linear with bias; here it
// also reads a flattened feature map.
TEST(ImporterTest, FlattenMatMulAddBias) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 2, 2});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 1, 1}, true, 60);
  g.Node("Flatten", {"c"}, {"f"}, "flatten");
  const Tensor b = RandomTensor({12, 4}, 61);
  const std::vector<float> bias = RandomFloats(4, 62);
  g.FloatInit("B", {12, 4}, Floats(b));
  g.FloatInit("bias", {4}, bias);
  g.Node("MatMul", {"f", "B"}, {"m"}, "matmul");
  g.Node("Add", {"m", "bias"}, {"y"}, "add");
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 2, 2}, 63);
  const Tensor flat = Reshaped(RefConv(x, cw.w, cw.b, Window()), {1, 12});
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, AddPerChannel(RefMatMul(flat, b), bias), Io::kPlain, &c);
  EXPECT_EQ(CountLayers(c.model, LayerKind::kDense), 1);
  EXPECT_EQ(CountLayers(c.model, LayerKind::kAdd), 0);
}

TEST(ImporterTest, MatMulOnPlainVector) {
  GraphBuilder g(13);
  g.Input("x", {1, 6});
  const Tensor b = RandomTensor({6, 3}, 64);
  g.FloatInit("B", {6, 3}, Floats(b));
  g.Node("MatMul", {"x", "B"}, {"y"}, "matmul");
  g.Output("y");
  const Tensor x = RandomTensor({1, 6}, 65);
  ExpectMatches(g.model(), x, Io::kPlain, RefMatMul(x, b), Io::kPlain);
}

// Several rows of A share the weights: the importer runs it as a 1x1 conv.
TEST(ImporterTest, GemmWithSeveralRowsRunsAsPointwiseConv) {
  GraphBuilder g(13);
  g.Input("x", {3, 5});
  const Tensor b = RandomTensor({5, 4}, 70), bias = RandomTensor({1, 4}, 71);
  g.FloatInit("B", {5, 4}, Floats(b));
  g.FloatInit("C", {1, 4}, Floats(bias));
  g.Node("Gemm", {"x", "B", "C"}, {"g"}, "gemm");
  g.Node("Relu", {"g"}, {"y"}, "relu");
  g.Output("y");
  const Tensor x = RandomTensor({3, 5}, 72);
  Converted c;
  ExpectMatches(g.model(), x, Io::kPlain, Map(RefGemm(x, b, &bias, 1, 1, false, false), Relu),
                Io::kPlain, &c);
  ASSERT_EQ(c.result.layers, 1);
  EXPECT_EQ(c.model.layers()[0].kind, LayerKind::kConv2D);
  EXPECT_EQ(c.model.layers()[0].params.activation, Activation::kRelu);
}

// A 2-D BatchNormalization ([N, C], channels last) after a Gemm folds too.
TEST(ImporterTest, GemmBatchNormFolds) {
  GraphBuilder g(13);
  g.Input("x", {1, 6});
  const Tensor b = RandomTensor({6, 3}, 73);
  g.FloatInit("B", {6, 3}, Floats(b));
  const std::vector<float> gamma = RandomFloats(3, 74, 0.5f, 2.0f), beta = RandomFloats(3, 75);
  const std::vector<float> mean = RandomFloats(3, 76), var = RandomFloats(3, 77, 0.5f, 2.0f);
  g.FloatInit("gamma", {3}, gamma);
  g.FloatInit("beta", {3}, beta);
  g.FloatInit("mean", {3}, mean);
  g.FloatInit("var", {3}, var);
  g.Node("Gemm", {"x", "B"}, {"g"}, "gemm");
  g.Node("BatchNormalization", {"g", "gamma", "beta", "mean", "var"}, {"y"}, "bn");
  g.Output("y");
  const Tensor x = RandomTensor({1, 6}, 78);
  Converted c;
  ExpectMatches(g.model(), x, Io::kPlain,
                RefBatchNorm(RefGemm(x, b, nullptr, 1, 1, false, false), gamma, beta, mean, var,
                             static_cast<double>(1e-5f)),
                Io::kPlain, &c);
  EXPECT_EQ(c.result.layers, 1);
  EXPECT_TRUE(HasNote(c.result, "folded BatchNormalization 'bn'"));
}

}  // namespace
}  // namespace onnx_test
}  // namespace lrp
