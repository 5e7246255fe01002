// End-to-end tests of `lrp convert`: ONNX files built in C++ are written
// to the test directory and converted by the real binary, as a user would.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "tests/onnx/onnx_graph_builder.h"
#include "tests/support/status_testing.h"
#include "tests/tools/cli_helpers.h"
#include "tools/io/npy.h"

namespace lrp {
namespace {

using cli_test::CliResult;
using cli_test::ExpectOneLineError;
using cli_test::Lrp;
using cli_test::Quote;
using cli_test::ReadFile;
using cli_test::Tmp;
using onnx_test::GraphBuilder;

std::vector<float> Ramp(size_t n, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(static_cast<int>(i % 7) - 3);
  return v;
}

// x [1, 3, 6, 6] -> Conv 3x3 (4) -> BatchNormalization -> Relu -> MaxPool
// 2x2 -> Flatten -> Gemm (5 classes).
GraphBuilder SmallCnn() {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 6, 6});
  g.FloatInit("w", {4, 3, 3, 3}, Ramp(108, 0.05f));
  g.FloatInit("b", {4}, {0.1f, -0.1f, 0.2f, 0.0f});
  g.FloatInit("gamma", {4}, {1.0f, 0.5f, 2.0f, 1.5f});
  g.FloatInit("beta", {4}, {0.0f, 0.1f, -0.1f, 0.2f});
  g.FloatInit("mean", {4}, {0.1f, 0.0f, -0.2f, 0.3f});
  g.FloatInit("var", {4}, {1.0f, 2.0f, 0.5f, 1.5f});
  g.FloatInit("fc.w", {5, 36}, Ramp(180, 0.01f));
  g.FloatInit("fc.b", {5}, {0.0f, 0.1f, 0.2f, 0.3f, 0.4f});
  g.Node("Conv", {"x", "w", "b"}, {"c"}, "conv").Ints("pads", {1, 1, 1, 1});
  g.Node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"n"}, "bn");
  g.Node("Relu", {"n"}, {"r"}, "relu");
  g.Node("MaxPool", {"r"}, {"p"}, "pool").Ints("kernel_shape", {2, 2}).Ints("strides", {2, 2});
  g.Node("Flatten", {"p"}, {"f"}, "flatten");
  g.Node("Gemm", {"f", "fc.w", "fc.b"}, {"y"}, "fc").Int("transB", 1);
  g.Output("y", {1, 5});
  return g;
}

std::string WriteModel(const GraphBuilder& g, const std::string& name = "model.onnx") {
  const std::string path = Tmp(name);
  EXPECT_TRUE(g.WriteFile(path)) << path;
  return path;
}

std::string WriteText(const std::string& name, const std::string& text) {
  const std::string path = Tmp(name);
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

// The line of `text` that contains `key`, or "".
std::string LineWith(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  if (at == std::string::npos) return "";
  const size_t begin = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
  return text.substr(begin, text.find('\n', at) - begin);
}

TEST(CliConvertTest, ConvertsAndInfoShowsTheBounds) {
  const std::string in = WriteModel(SmallCnn());
  const std::string out = Tmp("model.lrpm");
  const std::string labels = WriteText("labels.txt", "tshirt\ntrouser\npullover\ndress\ncoat\n");
  std::remove(out.c_str());
  CliResult r = Lrp("convert " + Quote(in) + " -o " + Quote(out) +
                    " --input-range 0 1 --mean 0.5 --std 0.25 --labels " + Quote(labels));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("converted " + in + " (ONNX opset 13, 6 nodes) to " + out + ": "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("input  'x' [1, 3, 6, 6] NCHW -> [6, 6, 3]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("output 'y' [1, 5] <- [5]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  folded BatchNormalization 'bn'"), std::string::npos) << r.out;

  CliResult info = Lrp("info " + Quote(out));
  ASSERT_EQ(info.exit_code, 0) << info.err;
  // (0 - 0.5) / 0.25 and (1 - 0.5) / 0.25.
  EXPECT_NE(LineWith(info.out, "  low").find("[-2]"), std::string::npos) << info.out;
  EXPECT_NE(LineWith(info.out, "  high").find("[2]"), std::string::npos) << info.out;
  EXPECT_NE(LineWith(info.out, "  mean").find("[0.5]"), std::string::npos) << info.out;
  EXPECT_NE(LineWith(info.out, "  std").find("[0.25]"), std::string::npos) << info.out;

  Model model;
  LRP_ASSERT_OK(Model::Load(out, &model));
  EXPECT_EQ(model.labels(), (std::vector<std::string>{"tshirt", "trouser", "pullover", "dress",
                                                      "coat"}));
}

// The same per-channel values as a comma list and as .npy files.
TEST(CliConvertTest, PerChannelValuesAsListsAndNpy) {
  const std::string in = WriteModel(SmallCnn());
  const float mean[3] = {0.5f, 0.25f, 0.75f}, stdev[3] = {0.25f, 0.5f, 0.125f};
  const float low[3] = {0.0f, -1.0f, 0.0f}, high[3] = {1.0f, 1.0f, 2.0f};
  const std::string npy_args[4] = {Tmp("low.npy"), Tmp("high.npy"), Tmp("mean.npy"),
                                   Tmp("std.npy")};
  const float* npy_values[4] = {low, high, mean, stdev};
  for (int i = 0; i < 4; ++i) LRP_ASSERT_OK(io::WriteNpy(npy_args[i], {3}, npy_values[i]));
  const std::vector<std::string> forms = {
      "--input-range 0,-1,0 1,1,2 --mean 0.5,0.25,0.75 --std 0.25,0.5,0.125",
      "--input-range " + Quote(npy_args[0]) + " " + Quote(npy_args[1]) + " --mean " +
          Quote(npy_args[2]) + " --std " + Quote(npy_args[3]),
  };
  for (size_t f = 0; f < forms.size(); ++f) {
    SCOPED_TRACE(forms[f]);
    const std::string out = Tmp("model" + std::to_string(f) + ".lrpm");
    CliResult r = Lrp("convert " + Quote(in) + " -o " + Quote(out) + " " + forms[f]);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Model model;
    LRP_ASSERT_OK(Model::Load(out, &model));
    const InputDesc& d = model.input_desc();
    ASSERT_EQ(d.low.size(), 3u);
    ASSERT_EQ(d.high.size(), 3u);
    for (int c = 0; c < 3; ++c) {
      EXPECT_FLOAT_EQ(d.low[c], (low[c] - mean[c]) / stdev[c]) << c;
      EXPECT_FLOAT_EQ(d.high[c], (high[c] - mean[c]) / stdev[c]) << c;
    }
    EXPECT_EQ(d.mean, std::vector<float>(mean, mean + 3));
    EXPECT_EQ(d.std, std::vector<float>(stdev, stdev + 3));
  }
}

GraphBuilder Unsupported() {
  GraphBuilder g(13);
  g.Input("x", {1, 4});
  g.Node("Sigmoid", {"x"}, {"y"}, "act");
  g.Output("y");
  return g;
}

TEST(CliConvertTest, UnsupportedModelFailsWithOneLineAndNoFile) {
  const std::string in = WriteModel(Unsupported());
  const std::string out = Tmp("out.lrpm");
  std::remove(out.c_str());
  CliResult r = Lrp("convert " + Quote(in) + " -o " + Quote(out));
  ExpectOneLineError(r, 1, "lrp convert: ", "node 'act' (Sigmoid): operator not supported");
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(Exists(out));
}

// A failed conversion must not replace (or truncate) the previous model.
TEST(CliConvertTest, FailureLeavesAnExistingOutputUntouched) {
  const std::string in = WriteModel(Unsupported());
  const std::string out = WriteText("existing.lrpm", "previous model bytes");
  CliResult r = Lrp("convert " + Quote(in) + " -o " + Quote(out));
  ExpectOneLineError(r, 1, "lrp convert: ", "node 'act' (Sigmoid)");
  EXPECT_EQ(ReadFile(out), "previous model bytes");
}

TEST(CliConvertTest, OptionErrorsAfterParsingFailWithoutOutput) {
  const std::string in = WriteModel(SmallCnn());
  const std::string out = Tmp("out.lrpm");
  std::remove(out.c_str());
  ExpectOneLineError(Lrp("convert " + Quote(in) + " -o " + Quote(out) + " --mean 0.5,0.5 --std 1"),
                     1, "lrp convert: ", "mean has 2 values; the input has 3 channels");
  const std::string labels = WriteText("labels.txt", "a\nb\n");
  ExpectOneLineError(Lrp("convert " + Quote(in) + " -o " + Quote(out) + " --labels " +
                         Quote(labels)),
                     1, "lrp convert: ", "labels: 2 names for an output of 5 values");
  EXPECT_FALSE(Exists(out));
}

TEST(CliConvertTest, MalformedOnnxFails) {
  const std::string in = WriteText("garbage.onnx", "not a protobuf \xff\xff\xff");
  ExpectOneLineError(Lrp("convert " + Quote(in) + " -o " + Quote(Tmp("out.lrpm"))), 1,
                     "lrp convert: ", "not an ONNX model");
  ExpectOneLineError(Lrp("convert " + Quote(Tmp("missing.onnx")) + " -o " + Quote(Tmp("o.lrpm"))),
                     1, "lrp convert: ", "cannot open");
}

TEST(CliConvertTest, UsageErrorsExitTwo) {
  const std::string in = Quote(WriteModel(SmallCnn()));
  const std::string o = " -o " + Quote(Tmp("out.lrpm"));
  ExpectOneLineError(Lrp("convert " + in), 2, "lrp convert: ", "--output");
  ExpectOneLineError(Lrp("convert" + o), 2, "lrp convert: ", "missing IN.onnx");
  ExpectOneLineError(Lrp("convert " + in + o + " --input-range 0"), 2, "lrp convert: ",
                     "--input-range: expected two values, LOW and HIGH");
  ExpectOneLineError(Lrp("convert " + in + o + " --input-range 0 --mean 1 --std 1"), 2,
                     "lrp convert: ", "--input-range: expected two values");
  ExpectOneLineError(Lrp("convert " + in + o + " --input-range zero 1"), 2, "lrp convert: ",
                     "--input-range LOW: expected a number");
  ExpectOneLineError(Lrp("convert " + in + o + " --input-range 0 1x"), 2, "lrp convert: ",
                     "--input-range HIGH: expected a number");
  ExpectOneLineError(Lrp("convert " + in + o + " --mean 0.5,,0.5 --std 1"), 2, "lrp convert: ",
                     "--mean: expected a number");
  ExpectOneLineError(Lrp("convert " + in + o + " --frob"), 2, "lrp convert: ",
                     "unknown flag '--frob'");
  EXPECT_FALSE(Exists(Tmp("out.lrpm")));
}

TEST(CliConvertTest, Help) {
  for (const char* args : {"convert --help", "convert -h", "help convert"}) {
    CliResult r = Lrp(args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_EQ(r.out.rfind("usage: lrp convert IN.onnx -o OUT.lrpm", 0), 0u) << args << r.out;
    EXPECT_TRUE(r.err.empty()) << args << ": " << r.err;
  }
  EXPECT_NE(Lrp("--help").out.find("  convert "), std::string::npos);
}

TEST(CliConvertTest, InlineInputRangeIsAUsageError) {
  const std::string in = Quote(WriteModel(SmallCnn())), o = " -o " + Quote(Tmp("out.lrpm"));
  ExpectOneLineError(Lrp("convert " + in + o + " --input-range=0"), 2, "lrp convert: ",
                     "--input-range");
  ExpectOneLineError(Lrp("convert " + in + o + " --input-range=0 1"), 2, "lrp convert: ",
                     "--input-range");
}

TEST(CliConvertTest, BadValueWithLabelsIsStillAUsageError) {
  const std::string in = Quote(WriteModel(SmallCnn()));
  const std::string labels = WriteText("labels.txt", "a\nb\nc\nd\ne\n");
  ExpectOneLineError(Lrp("convert " + in + " -o " + Quote(Tmp("out.lrpm")) +
                         " --mean abc --std 1 --labels " + Quote(labels)),
                     2, "lrp convert: ", "--mean: expected a number");
  ExpectOneLineError(Lrp("convert " + in + " -o " + Quote(Tmp("out.lrpm")) + " --mean 0.5"), 2,
                     "lrp convert: ", "--mean needs --std");
}

}  // namespace
}  // namespace lrp
