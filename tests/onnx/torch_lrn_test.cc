// PyTorch's LocalResponseNorm against ONNX LRN, on the fixture that
// tests/onnx/torch_lrn/make_torch_lrn_fixture.py writes with PyTorch:
//  * an odd size exported through the training scripts' path (FastLRN ->
//    one ONNX LRN node) imports and runs to PyTorch's own output;
//  * for an even size the two windows differ (PyTorch: one more channel
//    below c; ONNX: one more above): PyTorch's result is ONNX's LRN of the
//    channel-reversed input, reversed back, and is far from ONNX's LRN of
//    the input itself. An ONNX LRN node of even size therefore keeps ONNX's
//    placement through the importer (never PyTorch's), and the export path
//    refuses even sizes (checked by the script).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "ports/kernels.h"
#include "tests/onnx/importer_harness.h"
#include "tests/support/status_testing.h"
#include "tools/io/npy.h"
#include "tools/onnx/importer.h"

namespace lrp {
namespace onnx_test {
namespace {

constexpr float kAlpha = 2.0f, kBeta = 0.75f, kBias = 1.5f;  // the script's constants
constexpr size_t kC = 7, kH = 3, kW = 2;

std::string Fixture(const std::string& name) {
  return std::string(LRP_SOURCE_DIR) + "/tests/onnx/torch_lrn/" + name;
}

// A fixture array, NCHW [1, 7, 3, 2], as the runtime's HWC order.
std::vector<float> ReadHwc(const std::string& name) {
  io::NpyArray a;
  EXPECT_TRUE(io::ReadNpy(Fixture(name), &a).ok()) << name;
  EXPECT_EQ(a.shape, (std::vector<int64_t>{1, kC, kH, kW})) << name;
  std::vector<float> hwc(kC * kH * kW);
  if (a.data.size() != hwc.size()) return hwc;
  for (size_t c = 0; c < kC; ++c) {
    for (size_t p = 0; p < kH * kW; ++p) hwc[p * kC + c] = a.data[c * kH * kW + p];
  }
  return hwc;
}

std::vector<float> Lrn(const std::vector<float>& hwc, int32_t size) {
  std::vector<float> y(hwc.size());
  ports::BestKernels().lrn(kH * kW, kC, hwc.data(), y.data(),
                           ports::LrnParams{size, kAlpha, kBeta, kBias});
  return y;
}

std::vector<float> ReverseChannels(std::vector<float> hwc) {
  for (size_t p = 0; p < kH * kW; ++p) std::reverse(hwc.begin() + p * kC, hwc.begin() + (p + 1) * kC);
  return hwc;
}

double MaxRelative(const std::vector<float>& got, const std::vector<float>& want) {
  double d = 0, m = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    d = std::max(d, std::fabs(double{got[i]} - want[i]));
    m = std::max(m, std::fabs(double{want[i]}));
  }
  return d / m;
}

TEST(TorchLrnTest, OddSizeExportRunsToPyTorchsOutput) {
  onnx_import::ImportResult r;
  LRP_ASSERT_OK(
      onnx_import::ImportFile(Fixture("lrn_size3.onnx"), onnx_import::ImportOptions(), &r));
  Model model;
  LRP_ASSERT_OK(Model::FromBytes(r.lrpm, &model));
  ASSERT_EQ(CountLayers(model, LayerKind::kLRN), 1);
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, SessionOptions(), &session));
  const std::vector<float> x = ReadHwc("x.npy");
  LRP_ASSERT_OK(session->Forward(x.data(), x.size()));
  ASSERT_EQ(session->output_size(), x.size());
  const std::vector<float> got(session->output(), session->output() + x.size());
  EXPECT_LE(MaxRelative(got, ReadHwc("torch_size3.npy")), 1e-5);
}

TEST(TorchLrnTest, EvenSizeWindowsAreMirrorImages) {
  const std::vector<float> x = ReadHwc("x.npy");
  const std::vector<float> torch4 = ReadHwc("torch_size4.npy");
  // ONNX semantics on the input: a different function.
  EXPECT_GT(MaxRelative(Lrn(x, 4), torch4), 1e-2);
  // ONNX's window on reversed channels is PyTorch's window.
  EXPECT_LE(MaxRelative(ReverseChannels(Lrn(ReverseChannels(x), 4)), torch4), 1e-5);
  // Odd sizes agree directly.
  EXPECT_LE(MaxRelative(Lrn(x, 3), ReadHwc("torch_size3.npy")), 1e-5);
}

TEST(TorchLrnTest, EvenSizeOnnxNodeKeepsOnnxPlacement) {
  GraphBuilder g(13);
  g.Input("x", {1, static_cast<int64_t>(kC), static_cast<int64_t>(kH), static_cast<int64_t>(kW)});
  g.Node("LRN", {"x"}, {"y"}, "lrn")
      .Int("size", 4)
      .Float("alpha", kAlpha)
      .Float("beta", kBeta)
      .Float("bias", kBias);
  g.Output("y");
  Converted c;
  ASSERT_NO_FATAL_FAILURE(Convert(g.model(), &c));
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(c.model, SessionOptions(), &session));
  const std::vector<float> x = ReadHwc("x.npy");
  LRP_ASSERT_OK(session->Forward(x.data(), x.size()));
  const std::vector<float> got(session->output(), session->output() + x.size());
  EXPECT_LE(MaxRelative(got, Lrn(x, 4)), 1e-6);
  EXPECT_GT(MaxRelative(got, ReadHwc("torch_size4.npy")), 1e-2);
}

}  // namespace
}  // namespace onnx_test
}  // namespace lrp
