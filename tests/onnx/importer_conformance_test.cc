// Conformance of the ONNX importer (tools/onnx/importer.h) with PyTorch on
// the Fashion-MNIST example models (examples/models, exported by
// tools/train): each model is converted, run on eight test images and
// compared with the logits PyTorch computed (examples/models/reference).
// The files are part of the repository: their absence is a failure, not a
// skip.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tests/onnx/importer_harness.h"
#include "tests/support/status_testing.h"
#include "tools/io/npy.h"
#include "tools/onnx/importer.h"

namespace lrp {
namespace onnx_test {
namespace {

using onnx_import::ImportOptions;
using onnx_import::ImportResult;

void ExpectMatchesReference(const std::string& model_file, const std::string& expected_file) {
  const std::string dir = std::string(LRP_SOURCE_DIR) + "/examples/models/";
  ImportResult r;
  LRP_ASSERT_OK(onnx_import::ImportFile(dir + model_file, ImportOptions(), &r));
  Model model;
  LRP_ASSERT_OK(Model::FromBytes(r.lrpm, &model));
  io::NpyArray input, expected;
  LRP_ASSERT_OK(io::ReadNpy(dir + "reference/fashion_mnist_input.npy", &input));
  LRP_ASSERT_OK(io::ReadNpy(dir + "reference/" + expected_file, &expected));
  ASSERT_EQ(input.shape, (std::vector<int64_t>{8, 1, 28, 28}));
  ASSERT_EQ(expected.shape.size(), 2u);
  ASSERT_EQ(expected.shape[0], 8);
  const size_t pixels = 28 * 28, classes = static_cast<size_t>(expected.shape[1]);
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, SessionOptions(), &session));
  ASSERT_EQ(session->input_size(), pixels);
  ASSERT_EQ(session->output_size(), classes);
  for (size_t i = 0; i < 8; ++i) {
    SCOPED_TRACE("image " + std::to_string(i));
    // One channel: NCHW and the runtime's HWC order coincide.
    LRP_ASSERT_OK(session->Forward(&input.data[i * pixels], pixels));
    const std::vector<float> got(session->output(), session->output() + classes);
    const std::vector<double> want(expected.data.begin() + i * classes,
                                   expected.data.begin() + (i + 1) * classes);
    EXPECT_LE(RelativeError(got, want), 1e-4);
  }
}

TEST(ImporterConformanceTest, FashionMnistCnn) {
  ExpectMatchesReference("fashion_mnist_cnn.onnx", "fashion_mnist_cnn_logits.npy");
}

TEST(ImporterConformanceTest, FashionMnistCnnWithBatchNorm) {
  ExpectMatchesReference("fashion_mnist_cnn_bn.onnx", "fashion_mnist_cnn_bn_logits.npy");
}

TEST(ImporterConformanceTest, FashionMnistLrnWithSoftmax) {
  ExpectMatchesReference("fashion_mnist_lrn.onnx", "fashion_mnist_lrn_output.npy");
}

}  // namespace
}  // namespace onnx_test
}  // namespace lrp
