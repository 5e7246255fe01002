// The example models and images shipped in examples/: each committed .lrpm
// is exactly what `lrp convert` makes of the committed ONNX file, and each
// model classifies every shipped image as the class in its file name.
#include <gtest/gtest.h>

#include <cctype>
#include <dirent.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tests/tools/cli_helpers.h"
#include "tools/io/image.h"
#include "tools/io/preprocess.h"

namespace lrp {
namespace {

const std::string kModels = std::string(LRP_SOURCE_DIR) + "/examples/models/";
const std::string kImages = std::string(LRP_SOURCE_DIR) + "/examples/images/";

// "T-shirt/top" and "tshirt_top" both become "tshirttop".
std::string Key(const std::string& s) {
  std::string k;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) k += static_cast<char>(std::tolower(c));
  }
  return k;
}

std::vector<std::string> ShippedPngs() {
  std::vector<std::string> names;
  DIR* dir = opendir(kImages.c_str());
  if (dir == nullptr) return names;
  while (dirent* e = readdir(dir)) {
    const std::string n = e->d_name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".png") == 0) names.push_back(n);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

// The shipped models: the main example and its LRN variant.
const char* const kShipped[] = {"fashion_mnist_cnn", "fashion_mnist_lrn"};

#ifdef LRP_WITH_ONNX  // builds without the importer have no `lrp convert`
TEST(ShippedModelTest, CommittedModelsAreTheConversionOfTheCommittedOnnx) {
  for (const std::string name : kShipped) {
    // The same command as tools/train/README.md documents.
    const std::string out = cli_test::Tmp(name + ".lrpm");
    const cli_test::CliResult r = cli_test::Lrp(
        "convert " + cli_test::Quote(kModels + name + ".onnx") + " -o " + cli_test::Quote(out) +
        " --input-range 0 1 --mean 0.2860 --std 0.3530 --labels " +
        cli_test::Quote(kModels + "fashion_mnist_labels.txt"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string fresh = cli_test::ReadFile(out);
    const std::string committed = cli_test::ReadFile(kModels + name + ".lrpm");
    ASSERT_FALSE(committed.empty()) << name;
    EXPECT_TRUE(fresh == committed) << name << ": re-run the conversion in tools/train/README.md";
  }
}
#endif

class ShippedImagesTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ShippedImagesTest, EveryShippedImageIsClassifiedAsItsName) {
  Model model;
  ASSERT_TRUE(Model::Load(kModels + GetParam() + ".lrpm", &model).ok());
  ASSERT_EQ(model.labels().size(), 10u);
  SessionOptions options;
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::Create(model, options, &session).ok());
  const std::vector<std::string> pngs = ShippedPngs();
  ASSERT_GE(pngs.size(), 5u);
  for (const std::string& name : pngs) {
    io::Image image;
    ASSERT_TRUE(io::ReadImage(kImages + name, &image).ok()) << name;
    std::vector<float> input;
    ASSERT_TRUE(io::ImageToModelInput(image, model, &input).ok()) << name;
    ASSERT_TRUE(session->Forward(input.data(), input.size()).ok()) << name;
    const float* y = session->output();
    const size_t top = std::max_element(y, y + session->output_size()) - y;
    // fashion_mnist_test_<index>_<class>.png
    const std::string stem = name.substr(0, name.size() - 4);
    const size_t cls = stem.find('_', std::string("fashion_mnist_test_").size());
    ASSERT_NE(cls, std::string::npos) << name;
    EXPECT_EQ(Key(model.labels()[top]), Key(stem.substr(cls + 1))) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ShippedImagesTest, ::testing::ValuesIn(kShipped));

}  // namespace
}  // namespace lrp
