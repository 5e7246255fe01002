// Importer tests of what the importer refuses (tools/onnx/importer.h), of
// its options and of reading .onnx files. Rejections are checked by their
// exact message: one line, "node 'NAME' (OP): REASON" for a node, nothing
// half-converted.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/status.h"
#include "tests/onnx/importer_harness.h"
#include "tests/onnx/onnx_graph_builder.h"
#include "tests/onnx/onnx_reference.h"
#include "tests/support/status_testing.h"
#include "tools/onnx/importer.h"

namespace lrp {
namespace onnx_test {
namespace {

using onnx_import::ImportModel;
using onnx_import::ImportOptions;
using onnx_import::ImportResult;

// What importing `m` returns.
Status ImportStatus(const onnx::ModelProto& m, const ImportOptions& options = {}) {
  ImportResult r;
  return ImportModel(m, options, &r);
}

// Expects `m` to be refused with `code` and exactly `message`, on one line.
void ExpectRejected(const onnx::ModelProto& m, const std::string& message,
                    StatusCode code = StatusCode::kUnsupported) {
  const Status s = ImportStatus(m);
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_EQ(s.message(), message);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

// ---------------------------------------------------------------------------
// Operators

TEST(ImporterTest, RejectsUnsupportedOperator) {
  GraphBuilder g(13);
  g.Input("x", {1, 4});
  g.Node("Sigmoid", {"x"}, {"y"}, "sig");
  g.Output("y");
  const Status s = ImportStatus(g.model());
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  const std::string prefix = "node 'sig' (Sigmoid): operator not supported (lrp converts Conv, ";
  EXPECT_EQ(s.message().rfind(prefix, 0), 0u) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

// Unnamed nodes are named after their first output.
TEST(ImporterTest, RejectionOfUnnamedNodeUsesItsOutput) {
  GraphBuilder g(13);
  g.Input("x", {1, 4});
  g.Node("Tanh", {"x"}, {"t_out"});
  g.Output("t_out");
  EXPECT_EQ(ImportStatus(g.model()).message().rfind("node 't_out' (Tanh): ", 0), 0u);
}

TEST(ImporterTest, RejectsSoftmaxBeforeTheOutput) {
  GraphBuilder g(13);
  g.Input("x", {1, 4});
  g.Node("Softmax", {"x"}, {"p"}, "sm");
  g.Node("Relu", {"p"}, {"y"}, "relu");
  g.Output("y");
  ExpectRejected(g.model(), "node 'sm' (Softmax): Softmax is supported only as the model output");
}

TEST(ImporterTest, RejectsPadBeforeMaxPool) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  g.Int64Init("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  g.Node("Pad", {"x", "pads"}, {"p"}, "pad");
  g.Node("MaxPool", {"p"}, {"y"}, "pool").Ints("kernel_shape", {2, 2});
  g.Output("y");
  ExpectRejected(g.model(), "node 'pool' (MaxPool): input 'p' comes from a Pad, which lrp merges "
                            "only into a following Conv or AveragePool");
}

TEST(ImporterTest, RejectsNonZeroPadValue) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  g.Int64Init("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  g.FloatInit("value", {}, {1.5f});
  g.Node("Pad", {"x", "pads", "value"}, {"p"}, "pad");
  AddConv(g, "conv", "p", "y", {1, 2, 3, 3}, false, 300);
  g.Output("y");
  ExpectRejected(g.model(), "node 'pad' (Pad): only zero padding is supported");
}

TEST(ImporterTest, RejectsConvWithComputedWeights) {
  GraphBuilder g(13);
  g.Input("x", {1, 1, 3, 3});
  g.Node("Conv", {"x", "x"}, {"y"}, "conv");
  g.Output("y");
  ExpectRejected(g.model(), "node 'conv' (Conv): input 'x' must be a constant (an initializer); "
                            "lrp needs fixed weights and shapes");
}

TEST(ImporterTest, RejectsConstantAddWithoutWeightedLayerBefore) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 3, 3});
  AddConv(g, "conv", "x", "c", {2, 2, 1, 1}, true, 310);
  g.Node("Relu", {"c"}, {"r"}, "relu");
  g.FloatInit("k", {1, 2, 1, 1}, {1, 2});
  g.Node("Add", {"r", "k"}, {"y"}, "add");
  g.Output("y");
  ExpectRejected(g.model(), "node 'add' (Add): adding a constant is supported only as the bias "
                            "of the Conv, Gemm or MatMul right before it");
}

TEST(ImporterTest, RejectsConcatAlongHeight) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  AddConv(g, "a", "x", "ya", {2, 2, 1, 1}, false, 320);
  AddConv(g, "b", "x", "yb", {2, 2, 1, 1}, false, 321);
  g.Node("Concat", {"ya", "yb"}, {"y"}, "cat").Int("axis", 2);
  g.Output("y");
  ExpectRejected(g.model(), "node 'cat' (Concat): concatenating along axis 2 of [1, 2, 4, 4] is "
                            "not supported (only channels, or the last axis)");
}

TEST(ImporterTest, RejectsGemmTransAOfSeveralRows) {
  GraphBuilder g(13);
  g.Input("x", {4, 3});
  g.FloatInit("B", {4, 2}, RandomFloats(8, 330));
  g.Node("Gemm", {"x", "B"}, {"y"}, "gemm").Int("transA", 1);
  g.Output("y");
  ExpectRejected(g.model(), "node 'gemm' (Gemm): transA = 1 needs A of shape [K, 1]");
}

TEST(ImporterTest, RejectsMaxPoolIndicesOutput) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  g.Node("MaxPool", {"x"}, {"y", "idx"}, "pool").Ints("kernel_shape", {2, 2});
  g.Output("y");
  ExpectRejected(g.model(), "node 'pool' (MaxPool): output 1 ('idx') is not supported");
}

// ---------------------------------------------------------------------------
// Folds the importer must not make

// A [C] constant broadcasts along W, not along channels: it must not be
// taken for a bias (here W == C, so the sizes alone cannot tell).
TEST(ImporterTest, ConstantAddAlongWidthIsNotABias) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 5, 3});
  AddConv(g, "conv", "x", "c", {3, 2, 1, 1}, false, 23);
  g.FloatInit("k", {3}, {1, 2, 3});
  g.Node("Add", {"c", "k"}, {"y"}, "add");
  g.Output("y");
  ImportResult r;
  const Status s = ImportModel(g.model(), ImportOptions(), &r);
  EXPECT_EQ(s.message(),
            "node 'add' (Add): adding a constant is supported only as the bias of the Conv, Gemm "
            "or MatMul right before it");
}

TEST(ImporterTest, BatchNormAfter3dMatMulIsNotFoldedIntoColumns) {
  // BatchNormalization normalizes axis 1; after a MatMul with a 3-D output
  // that is not the MatMul's column axis, so folding would be wrong.
  GraphBuilder g(13);
  g.Input("x", {1, 3, 4});
  const Tensor b = RandomTensor({4, 3}, 910);
  g.FloatInit("B", {4, 3}, Floats(b));
  const std::vector<float> gamma = RandomFloats(3, 911, 0.5f, 2.0f), beta = RandomFloats(3, 912);
  const std::vector<float> mean = RandomFloats(3, 913), var = RandomFloats(3, 914, 0.5f, 2.0f);
  g.FloatInit("gamma", {3}, gamma);
  g.FloatInit("beta", {3}, beta);
  g.FloatInit("mean", {3}, mean);
  g.FloatInit("var", {3}, var);
  g.Node("MatMul", {"x", "B"}, {"m"}, "matmul");
  g.Node("BatchNormalization", {"m", "gamma", "beta", "mean", "var"}, {"y"}, "bn");
  g.Output("y");
  const Status s = ImportStatus(g.model(), onnx_import::ImportOptions());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("node 'bn' (BatchNormalization):", 0), 0u) << s.message();
}

// ---------------------------------------------------------------------------
// Model-level rejections

// x [1, 4] -> Relu -> y.
GraphBuilder ReluGraph(int opset = 13) {
  GraphBuilder g(opset);
  g.Input("x", {1, 4});
  g.Node("Relu", {"x"}, {"y"}, "relu");
  g.Output("y");
  return g;
}

TEST(ImporterTest, RejectsTwoGraphInputs) {
  GraphBuilder g = ReluGraph();
  g.Input("z", {1, 4});
  ExpectRejected(g.model(), "the graph has 2 non-constant inputs; lrp models take exactly one "
                            "(weights must be initializers)");
}

// Initializers listed among the inputs (older exporters do) are weights.
TEST(ImporterTest, InitializersListedAsInputsAreWeights) {
  GraphBuilder g(13);
  g.Input("x", {1, 3});
  g.Input("B", {3, 2});
  const Tensor b = RandomTensor({3, 2}, 340);
  g.FloatInit("B", {3, 2}, Floats(b));
  g.Node("MatMul", {"x", "B"}, {"y"}, "matmul");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3}, 341);
  ExpectMatches(g.model(), x, Io::kPlain, RefMatMul(x, b), Io::kPlain);
}

TEST(ImporterTest, RejectsDynamicInputDimension) {
  GraphBuilder g = ReluGraph();
  g.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(
      0)->set_dim_param("batch");
  ExpectRejected(g.model(), "input 'x' has a dynamic dimension 'batch'; export with a fixed input "
                            "shape (batch 1)");
}

TEST(ImporterTest, RejectsInt8Input) {
  GraphBuilder g(13);
  g.Input("x", {1, 4}, onnx::TensorProto::INT8);
  g.Node("Relu", {"x"}, {"y"}, "relu");
  g.Output("y");
  ExpectRejected(g.model(), "input 'x' has data type INT8; lrp runs float32 models");
}

TEST(ImporterTest, RejectsExternalDataInitializer) {
  GraphBuilder g(13);
  g.Input("x", {1, 3});
  onnx::TensorProto* w = g.FloatInit("w", {3, 2}, {});
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  onnx::StringStringEntryProto* location = w->add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  g.Node("MatMul", {"x", "w"}, {"y"}, "matmul");
  g.Output("y");
  ExpectRejected(g.model(), "initializer 'w' is stored as external data; re-export the model "
                            "with the weights inside the .onnx file");
}

TEST(ImporterTest, RejectsOpset18) {
  ExpectRejected(ReluGraph(18).model(), "opset 18 is newer than lrp knows (up to 17)");
}

TEST(ImporterTest, RejectsGraphWithoutOutput) {
  GraphBuilder g = ReluGraph();
  g.graph().clear_output();
  ExpectRejected(g.model(), "the graph has 0 outputs; lrp models have exactly one");
}

// ---------------------------------------------------------------------------
// Options

GraphBuilder ThreeChannelConv() {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 4, 4});
  AddConv(g, "conv", "x", "c", {4, 3, 1, 1}, true, 400);
  g.Node("GlobalAveragePool", {"c"}, {"gap"}, "gap");
  g.Node("Flatten", {"gap"}, {"y"}, "flatten");
  g.Output("y");
  return g;
}

TEST(ImporterTest, InputRangeIsStoredAfterNormalization) {
  GraphBuilder g = ThreeChannelConv();
  ImportOptions o;
  o.low = {0.0f};
  o.high = {1.0f};
  o.mean = {0.5f, 0.4f, 0.25f};
  o.std = {0.25f, 0.2f, 0.5f};
  o.labels = {"a", "b", "c", "d"};
  Converted c;
  ASSERT_NO_FATAL_FAILURE(Convert(g.model(), &c, o));
  const InputDesc& d = c.model.input_desc();
  EXPECT_EQ(d.source_layout, SourceLayout::kNCHW);
  ASSERT_EQ(d.low.size(), 3u);
  ASSERT_EQ(d.high.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FLOAT_EQ(d.low[i], (0.0f - o.mean[i]) / o.std[i]) << i;
    EXPECT_FLOAT_EQ(d.high[i], (1.0f - o.mean[i]) / o.std[i]) << i;
  }
  EXPECT_EQ(d.mean, o.mean);
  EXPECT_EQ(d.std, o.std);
  EXPECT_EQ(c.model.labels(), o.labels);
}

TEST(ImporterTest, ProducerNamesTheOpsetAndExporter) {
  GraphBuilder g = ThreeChannelConv();
  g.model().set_producer_version("1.0");
  Converted c;
  ASSERT_NO_FATAL_FAILURE(Convert(g.model(), &c));
  EXPECT_EQ(c.model.producer(), "lrp convert (ONNX opset 13, from lrp-tests 1.0)");
  ImportOptions o;
  o.producer = "my exporter";
  ASSERT_NO_FATAL_FAILURE(Convert(g.model(), &c, o));
  EXPECT_EQ(c.model.producer(), "my exporter");
}

TEST(ImporterTest, ProducerWithoutVersion) {
  Converted c;
  ASSERT_NO_FATAL_FAILURE(Convert(ThreeChannelConv().model(), &c));
  EXPECT_EQ(c.model.producer(), "lrp convert (ONNX opset 13, from lrp-tests)");
}

TEST(ImporterTest, RejectsMeanOfWrongChannelCount) {
  ImportOptions o;
  o.mean = {0.5f, 0.5f};
  o.std = {0.25f};
  const Status s = ImportStatus(ThreeChannelConv().model(), o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "mean has 2 values; the input has 3 channels");
}

TEST(ImporterTest, RejectsLabelCountMismatch) {
  ImportOptions o;
  o.labels = {"a", "b", "c"};
  const Status s = ImportStatus(ThreeChannelConv().model(), o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "labels: 3 names for an output of 4 values");
}

// ---------------------------------------------------------------------------
// Files

std::string TmpPath(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(LRP_TEST_TMPDIR) + "/" + info->test_suite_name() + "_" + info->name() + "_" +
         name;
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(static_cast<bool>(out)) << path;
}

TEST(ImporterTest, ImportFileConvertsAValidFile) {
  const std::string path = TmpPath("model.onnx");
  ASSERT_TRUE(ThreeChannelConv().WriteFile(path));
  ImportResult r;
  LRP_ASSERT_OK(onnx_import::ImportFile(path, ImportOptions(), &r));
  EXPECT_EQ(r.onnx_nodes, 3);
}

TEST(ImporterTest, MalformedProtobufIsAnInvalidModel) {
  const std::string valid = ThreeChannelConv().Serialize();
  const std::vector<std::string> bad = {
      "",                                   // parses, but has no graph
      std::string("\xff\xff\xff\xff\x0f", 5),  // not a protobuf at all
      valid.substr(0, valid.size() / 2),    // truncated mid-message
      "this is not an onnx model\n",
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(i);
    const std::string path = TmpPath("bad" + std::to_string(i) + ".onnx");
    ASSERT_NO_FATAL_FAILURE(WriteBytes(path, bad[i]));
    ImportResult r;
    const Status s = onnx_import::ImportFile(path, ImportOptions(), &r);
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
    EXPECT_EQ(s.message().rfind(path + ": ", 0), 0u) << s.message();
  }
}

TEST(ImporterTest, MissingFileIsAnIoError) {
  ImportResult r;
  const Status s =
      onnx_import::ImportFile(TmpPath("does_not_exist.onnx"), ImportOptions(), &r);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace onnx_test
}  // namespace lrp
