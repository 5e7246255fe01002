// Importer tests of the windowed and normalizing operators
// (tools/onnx/importer.h): MaxPool, AveragePool and GlobalAveragePool, Pad
// (merged into the pooling or Conv after it), LRN and a BatchNormalization
// that stays a layer of its own. Each graph is converted, run and compared
// with the double-precision reference (tests/onnx/onnx_reference.h) through
// tests/onnx/importer_harness.h.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "lrp/model.h"
#include "tests/onnx/importer_harness.h"
#include "tests/onnx/onnx_graph_builder.h"
#include "tests/onnx/onnx_reference.h"

namespace lrp {
namespace onnx_test {
namespace {

// ---------------------------------------------------------------------------
// Pooling

// 8 rows, kernel 3, stride 2, pads 1+1: (8 + 2 - 3) / 2 = 3.5, so ceil_mode
// adds a fifth output row whose window still starts inside the input.
TEST(ImporterTest, MaxPoolCeilModeWithPads) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 8, 6});
  g.Node("MaxPool", {"x"}, {"y"}, "pool")
      .Ints("kernel_shape", {3, 3})
      .Ints("strides", {2, 2})
      .Ints("pads", {1, 0, 1, 0})
      .Int("ceil_mode", 1);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 8, 6}, 80);
  const Tensor want =
      RefPool(x, MakeWindow({3, 3}, {2, 2}, {1, 0, 1, 0}, {1, 1}, true), Pool::kMax);
  EXPECT_EQ(want.dims, (std::vector<int64_t>{1, 2, 5, 3}));
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
}

TEST(ImporterTest, MaxPoolWithDilations) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 7, 7});
  g.Node("MaxPool", {"x"}, {"y"}, "pool")
      .Ints("kernel_shape", {2, 3})
      .Ints("dilations", {2, 1})
      .Ints("pads", {1, 1, 0, 1});
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 7, 7}, 83);
  ExpectMatches(g.model(), x, Io::kNchw,
                RefPool(x, MakeWindow({2, 3}, {1, 1}, {1, 1, 0, 1}, {2, 1}), Pool::kMax),
                Io::kNchw);
}

TEST(ImporterTest, AveragePoolCountIncludePad) {
  const Tensor x = RandomTensor({1, 2, 6, 5}, 81);
  for (int include : {0, 1}) {
    SCOPED_TRACE(include);
    GraphBuilder g(13);
    g.Input("x", {1, 2, 6, 5});
    g.Node("AveragePool", {"x"}, {"y"}, "pool")
        .Ints("kernel_shape", {3, 3})
        .Ints("strides", {2, 2})
        .Ints("pads", {1, 1, 1, 1})
        .Int("count_include_pad", include);
    g.Output("y");
    const Tensor want = RefPool(x, MakeWindow({3, 3}, {2, 2}, {1, 1, 1, 1}),
                                include ? Pool::kAverageIncludePad : Pool::kAverageExcludePad);
    ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
  }
}

TEST(ImporterTest, AveragePoolCeilModeExcludesPad) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 7, 6});
  g.Node("AveragePool", {"x"}, {"y"}, "pool")
      .Ints("kernel_shape", {2, 3})
      .Ints("strides", {2, 2})
      .Int("ceil_mode", 1);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 7, 6}, 82);
  const Tensor want = RefPool(x, MakeWindow({2, 3}, {2, 2}, {0, 0, 0, 0}, {1, 1}, true),
                              Pool::kAverageExcludePad);
  EXPECT_EQ(want.dims, (std::vector<int64_t>{1, 2, 4, 3}));
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
}

TEST(ImporterTest, GlobalAveragePoolFlattenGemm) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 4, 5});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 3, 3, 3}, true, 100);
  g.Node("GlobalAveragePool", {"c"}, {"gap"}, "gap");
  g.Node("Flatten", {"gap"}, {"f"}, "flatten");
  const Tensor b = RandomTensor({4, 2}, 101);
  g.FloatInit("B", {4, 2}, Floats(b));
  g.Node("Gemm", {"f", "B"}, {"y"}, "gemm");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 4, 5}, 102);
  const Tensor gap = Reshaped(RefGlobalAveragePool(RefConv(x, cw.w, cw.b, Window())), {1, 4});
  ExpectMatches(g.model(), x, Io::kNchw, RefGemm(gap, b, nullptr, 1, 1, false, false), Io::kPlain);
}

// ---------------------------------------------------------------------------
// Pad

// PyTorch exports AvgPool2d(count_include_pad=True) as Pad + AveragePool:
// the Pad's zeros count in every average.
TEST(ImporterTest, PadMergesIntoAveragePool) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 5, 6});
  g.Int64Init("pads", {8}, {0, 0, 1, 2, 0, 0, 2, 1});
  g.Node("Pad", {"x", "pads"}, {"p"}, "pad");
  g.Node("AveragePool", {"p"}, {"y"}, "pool").Ints("kernel_shape", {3, 3}).Ints("strides", {2, 1});
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 5, 6}, 90);
  const Tensor want =
      RefPool(RefPad(x, 1, 2, 2, 1), MakeWindow({3, 3}, {2, 1}), Pool::kAverageExcludePad);
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw, &c);
  EXPECT_TRUE(HasNote(c.result, "merged a Pad into AveragePool 'pool'"));
  EXPECT_EQ(c.result.layers, 1);
}

// With count_include_pad = 1 the pooling's own pads count too, so the two
// paddings simply add up.
TEST(ImporterTest, PadMergesIntoAveragePoolWithItsOwnPads) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 5, 6});
  g.Int64Init("pads", {8}, {0, 0, 1, 0, 0, 0, 0, 1});
  g.Node("Pad", {"x", "pads"}, {"p"}, "pad");
  g.Node("AveragePool", {"p"}, {"y"}, "pool")
      .Ints("kernel_shape", {3, 3})
      .Ints("pads", {1, 1, 1, 1})
      .Int("count_include_pad", 1);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 5, 6}, 93);
  ExpectMatches(g.model(), x, Io::kNchw,
                RefPool(RefPad(x, 1, 0, 0, 1), MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1}),
                        Pool::kAverageIncludePad),
                Io::kNchw);
}

// Pad's pads and value are attributes before opset 11 and inputs after.
TEST(ImporterTest, PadMergesIntoConv) {
  const Tensor x = RandomTensor({1, 2, 5, 5}, 92);
  for (int opset : {10, 11}) {
    SCOPED_TRACE(opset);
    GraphBuilder g(opset);
    g.Input("x", {1, 2, 5, 5});
    const std::vector<int64_t> pads = {0, 0, 2, 0, 0, 0, 0, 1};
    if (opset >= 11) {
      g.Int64Init("pads", {8}, pads);
      g.FloatInit("zero", {}, {0.0f});
      g.Node("Pad", {"x", "pads", "zero"}, {"p"}, "pad");
    } else {
      g.Node("Pad", {"x"}, {"p"}, "pad").Ints("pads", pads).Float("value", 0.0f);
    }
    ConvWeights cw = AddConv(g, "conv", "p", "y", {3, 2, 3, 3}, true, 91);
    g.Output("y");
    Converted c;
    ExpectMatches(g.model(), x, Io::kNchw, RefConv(RefPad(x, 2, 0, 0, 1), cw.w, cw.b, Window()),
                  Io::kNchw, &c);
    EXPECT_EQ(c.result.layers, 1);
  }
}

// ---------------------------------------------------------------------------
// LRN and BatchNormalization

TEST(ImporterTest, LocalResponseNormalization) {
  const Tensor x = RandomTensor({1, 5, 3, 4}, 110, -2.0f, 2.0f);
  // An even size has a window one channel longer above than below.
  for (int64_t size : {3, 4}) {
    SCOPED_TRACE(size);
    GraphBuilder g(13);
    g.Input("x", {1, 5, 3, 4});
    g.Node("LRN", {"x"}, {"y"}, "lrn")
        .Int("size", size)
        .Float("alpha", 0.5f)
        .Float("beta", 0.75f)
        .Float("bias", 2.0f);
    g.Output("y");
    ExpectMatches(g.model(), x, Io::kNchw, RefLrn(x, size, 0.5, 0.75, 2.0), Io::kNchw);
  }
}

// LRN works across channels only, so it needs no batch of 1.
TEST(ImporterTest, LocalResponseNormalizationOverABatchOfTwo) {
  GraphBuilder g(13);
  g.Input("x", {2, 4, 2, 3});
  g.Node("LRN", {"x"}, {"y"}, "lrn").Int("size", 3).Float("alpha", 0.5f);
  g.Output("y");
  const Tensor x = RandomTensor({2, 4, 2, 3}, 111, -2.0f, 2.0f);
  ExpectMatches(g.model(), x, Io::kNchw, RefLrn(x, 3, static_cast<double>(0.5f), 0.75, 1.0),
                Io::kNchw);
}

// After an Add there is no layer to fold into: the BatchNormalization stays.
TEST(ImporterTest, StandaloneBatchNormAfterAdd) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 4, 4});
  ConvWeights a = AddConv(g, "a", "x", "ya", {3, 3, 1, 1}, true, 120);
  ConvWeights b = AddConv(g, "b", "x", "yb", {3, 3, 3, 3}, false, 121);
  onnx_test::NodeBuilder(g.graph().mutable_node(1)).Ints("pads", {1, 1, 1, 1});
  g.Node("Add", {"ya", "yb"}, {"s"}, "add");
  const std::vector<float> gamma = RandomFloats(3, 122, 0.5f, 2.0f), beta = RandomFloats(3, 123);
  const std::vector<float> mean = RandomFloats(3, 124), var = RandomFloats(3, 125, 0.5f, 2.0f);
  g.FloatInit("gamma", {3}, gamma);
  g.FloatInit("beta", {3}, beta);
  g.FloatInit("mean", {3}, mean);
  g.FloatInit("var", {3}, var);
  g.Node("BatchNormalization", {"s", "gamma", "beta", "mean", "var"}, {"y"}, "bn");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 4, 4}, 126);
  const Tensor sum = Add(RefConv(x, a.w, a.b, Window()),
                         RefConv(x, b.w, {}, MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1})));
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw,
                RefBatchNorm(sum, gamma, beta, mean, var, static_cast<double>(1e-5f)), Io::kNchw,
                &c);
  EXPECT_EQ(CountLayers(c.model, LayerKind::kBatchNorm), 1);
}

}  // namespace
}  // namespace onnx_test
}  // namespace lrp
