// End-to-end tests of image inputs: `lrp explain` and `lrp run` with
// --input IMAGE, and `lrp explain --overlay`, on the zoo's small CNN
// (28x28x1) and a real Fashion-MNIST picture saved as PNG.
#include <gtest/gtest.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "lrp/model_builder.h"
#include "tests/tools/cli_helpers.h"
#include "tools/io/npy.h"

namespace lrp {
namespace {

using cli_test::CliResult;
using cli_test::ExpectOneLineError;
using cli_test::Lrp;
using cli_test::MakeSmallCnn;
using cli_test::Quote;
using cli_test::Tmp;

// Fashion-MNIST test image 0 as 8-bit gray pixels (28x28).
std::vector<uint8_t> FashionPixels() {
  io::NpyArray a;
  Status s =
      io::ReadNpy(std::string(LRP_SOURCE_DIR) + "/examples/images/fashion_mnist_test_0.npy", &a);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<uint8_t> px;
  for (float v : a.data) px.push_back(static_cast<uint8_t>(std::lround(v * 255.0f)));
  EXPECT_EQ(px.size(), 784u);
  return px;
}

std::string WritePng(const std::string& name, int w, int h, int c, const std::vector<uint8_t>& px) {
  const std::string path = Tmp(name);
  EXPECT_NE(stbi_write_png(path.c_str(), w, h, c, px.data(), w * c), 0);
  return path;
}

// The .npy an image input amounts to for the small CNN (no mean/std): x / 255,
// computed as the preprocessing does, so results must match bit for bit.
std::string WriteScaledNpy(const std::vector<uint8_t>& px, const std::string& name) {
  std::vector<float> x;
  for (uint8_t p : px) x.push_back(p * (1.0f / 255.0f));
  const std::string path = Tmp(name);
  Status s = io::WriteNpy(path, {1, 1, 28, 28}, x.data());
  EXPECT_TRUE(s.ok()) << s.ToString();
  return path;
}

struct Png {
  int w = 0, h = 0, n = 0;
  std::vector<uint8_t> px;
};

Png ReadPng(const std::string& path) {
  Png p;
  unsigned char* data = stbi_load(path.c_str(), &p.w, &p.h, &p.n, 0);
  EXPECT_NE(data, nullptr) << path << ": " << stbi_failure_reason();
  if (data != nullptr) {
    p.px.assign(data, data + static_cast<size_t>(p.w) * p.h * p.n);
    stbi_image_free(data);
  }
  return p;
}

bool Has(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

TEST(CliImageTest, ExplainPngWritesHeatmapAndOverlay) {
  const std::string model = MakeSmallCnn();
  const std::vector<uint8_t> px = FashionPixels();
  const std::string png = WritePng("in.png", 28, 28, 1, px);
  const std::string npy = WriteScaledNpy(px, "in.npy");
  const std::string h_path = Tmp("H.png"), o_path = Tmp("O.png");
  const std::string r_png = Tmp("R_png.npy"), r_npy = Tmp("R_npy.npy");
  std::remove(o_path.c_str());

  CliResult r = Lrp("explain --model " + Quote(model) + " --input " + Quote(png) +
                    " --composite epsilon --relevance " + Quote(r_png) + " --heatmap " +
                    Quote(h_path) + " --overlay " + Quote(o_path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_TRUE(Has(r.out, "28x28 gray image -> (1, 1, 28, 28)")) << r.out;
  EXPECT_TRUE(Has(r.out, "overlay       " + o_path + " 224x224 (scale 8, cmap bwr)")) << r.out;

  // The image path gives exactly what the equivalent array gives.
  CliResult a = Lrp("explain --model " + Quote(model) + " --input " + Quote(npy) +
                    " --composite epsilon --relevance " + Quote(r_npy));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const std::string rel = cli_test::ReadFile(r_png);
  EXPECT_FALSE(rel.empty());
  EXPECT_EQ(rel, cli_test::ReadFile(r_npy));

  const Png heatmap = ReadPng(h_path), overlay = ReadPng(o_path);
  ASSERT_EQ(heatmap.w, 224);
  ASSERT_EQ(heatmap.h, 224);
  ASSERT_EQ(overlay.w, 224);
  ASSERT_EQ(overlay.h, 224);
  ASSERT_EQ(overlay.n, 3);
  // The corner is black background with zero epsilon relevance: the heatmap
  // shows bwr's near-white middle, the overlay the black picture.
  EXPECT_GT(heatmap.px[0], 200);
  EXPECT_EQ(overlay.px[0], 0);
  EXPECT_EQ(overlay.px[1], 0);
  EXPECT_EQ(overlay.px[2], 0);
  // Somewhere the relevance is strong, and the overlay is coloured there.
  bool coloured = false;
  for (size_t i = 0; i + 2 < overlay.px.size(); i += 3) {
    coloured = coloured || overlay.px[i] != overlay.px[i + 1] || overlay.px[i] != overlay.px[i + 2];
  }
  EXPECT_TRUE(coloured);
}

TEST(CliImageTest, JpegOfAnotherSizeIsResized) {
  const std::string model = MakeSmallCnn();
  // 56x40 RGB: a bright disc on black.
  std::vector<uint8_t> px;
  for (int y = 0; y < 40; ++y) {
    for (int x = 0; x < 56; ++x) {
      const bool in = (x - 28) * (x - 28) + (y - 20) * (y - 20) < 15 * 15;
      px.insert(px.end(), {static_cast<uint8_t>(in ? 240 : 0), static_cast<uint8_t>(in ? 200 : 0),
                           static_cast<uint8_t>(in ? 120 : 0)});
    }
  }
  const std::string jpg = Tmp("in.jpg");
  ASSERT_NE(stbi_write_jpg(jpg.c_str(), 56, 40, 3, px.data(), 90), 0);
  const std::string o_path = Tmp("O.png");
  CliResult r = Lrp("explain --json --model " + Quote(model) + " --input " + Quote(jpg) +
                    " --composite epsilon-gamma-box --overlay " + Quote(o_path) + " --scale 4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(cli_test::JsonChecker(r.out).Valid()) << r.out;
  EXPECT_TRUE(Has(r.out,
                  "\"input_image\": {\n    \"width\": 56,\n    \"height\": 40,\n"
                  "    \"channels\": 3\n  }"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "\"input_shape\": [1, 1, 28, 28]")) << r.out;
  EXPECT_TRUE(Has(r.out, "\"heatmap\": null")) << r.out;
  EXPECT_TRUE(Has(r.out, o_path)) << r.out;
  const Png overlay = ReadPng(o_path);
  EXPECT_EQ(overlay.w, 112);  // 28 * 4: the model's size, not the file's
  EXPECT_EQ(overlay.h, 112);

  CliResult text = Lrp("explain --model " + Quote(model) + " --input " + Quote(jpg) +
                       " --composite epsilon --heatmap " + Quote(Tmp("H.png")));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(Has(text.out, "56x40 RGB image -> (1, 1, 28, 28)")) << text.out;
}

TEST(CliImageTest, RunTakesImages) {
  const std::string model = MakeSmallCnn();
  const std::vector<uint8_t> px = FashionPixels();
  const std::string png = WritePng("in.png", 28, 28, 1, px);
  const std::string npy = WriteScaledNpy(px, "in.npy");
  const std::string y_png = Tmp("y_png.npy"), y_npy = Tmp("y_npy.npy");
  CliResult a =
      Lrp("run --model " + Quote(model) + " --input " + Quote(png) + " --output " + Quote(y_png));
  CliResult b =
      Lrp("run --model " + Quote(model) + " --input " + Quote(npy) + " --output " + Quote(y_npy));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  // The zoo CNN puts class 7 first on this picture (as on the array).
  EXPECT_TRUE(Has(a.out, "  1. class 7")) << a.out;
  EXPECT_FALSE(cli_test::ReadFile(y_png).empty());
  EXPECT_EQ(cli_test::ReadFile(y_png), cli_test::ReadFile(y_npy));
}

TEST(CliImageTest, BrokenImagesExitOneWithOneLine) {
  const std::string model = MakeSmallCnn();
  const std::string garbage = Tmp("garbage.png");
  {
    std::FILE* f = std::fopen(garbage.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("definitely not a picture\n", f);
    std::fclose(f);
  }
  // A real PNG cut in half.
  const std::string full = WritePng("full.png", 28, 28, 1, FashionPixels());
  const std::string bytes = cli_test::ReadFile(full);
  const std::string cut = Tmp("cut.png");
  {
    std::FILE* f = std::fopen(cut.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size() / 2, f);
    std::fclose(f);
  }
  const std::string empty = Tmp("empty.png");
  {
    std::FILE* f = std::fopen(empty.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  const std::string out = " --composite epsilon --heatmap " + Quote(Tmp("H.png"));
  for (const std::string& cmd : {std::string("explain"), std::string("run")}) {
    SCOPED_TRACE(cmd);
    const std::string prefix = cmd + " --model " + Quote(model) + " --input ";
    const std::string tail = cmd == "explain" ? out : "";
    ExpectOneLineError(Lrp(prefix + Quote(garbage) + tail), 1, "lrp " + cmd + ": ",
                       garbage + ": not a .npy file or an image (PNG, JPEG");
    ExpectOneLineError(Lrp(prefix + Quote(cut) + tail), 1, "lrp " + cmd + ": ",
                       cut + ": corrupt or truncated PNG");
    ExpectOneLineError(Lrp(prefix + Quote(LRP_TEST_TMPDIR) + tail), 1, "lrp " + cmd + ": ",
                       "is a directory");
    ExpectOneLineError(Lrp(prefix + Quote(empty) + tail), 1, "lrp " + cmd + ": ",
                       empty + ": empty file");
  }
}

TEST(CliImageTest, OverlayNeedsAnImageFile) {
  const std::string model = MakeSmallCnn();
  const std::string npy = WriteScaledNpy(FashionPixels(), "in.npy");
  const std::string o_path = Tmp("O.png");
  std::remove(o_path.c_str());
  ExpectOneLineError(Lrp("explain --model " + Quote(model) + " --input " + Quote(npy) +
                         " --composite epsilon --overlay " + Quote(o_path)),
                     1, "lrp explain: ", "--overlay needs an image file as --input");
  EXPECT_TRUE(cli_test::ReadFile(o_path).empty());
  // The rendering flags count the overlay as a picture to render.
  const std::string png = WritePng("in.png", 28, 28, 1, FashionPixels());
  CliResult ok = Lrp("explain --model " + Quote(model) + " --input " + Quote(png) +
                     " --composite epsilon --cmap coldnhot --scale 2 --overlay " + Quote(o_path));
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ReadPng(o_path).w, 56);
  ExpectOneLineError(Lrp("explain --model " + Quote(model) + " --input " + Quote(png) +
                         " --composite epsilon --scale 2 --relevance " + Quote(Tmp("R.npy"))),
                     2, "lrp explain: ", "--scale needs --heatmap or --overlay");

  CliResult help = Lrp("explain --help");
  EXPECT_TRUE(Has(help.out, "--overlay O.png")) << help.out;
  EXPECT_TRUE(Has(help.out, "X.npy|IMAGE")) << help.out;
  CliResult run_help = Lrp("run --help");
  EXPECT_TRUE(Has(run_help.out, "X.npy|IMAGE")) << run_help.out;
}

TEST(CliImageTest, ImagesNeedAnImageModel) {
  ModelBuilder b;
  b.Dense("fc", b.Input("x", Shape{4}), 2, std::vector<float>(8, 0.5f), {});
  const std::string model = Tmp("mlp.lrpm");
  ASSERT_TRUE(b.WriteFile(model).ok());
  const std::string png = WritePng("in.png", 2, 2, 1, {1, 2, 3, 4});
  ExpectOneLineError(Lrp("run --model " + Quote(model) + " --input " + Quote(png)), 1,
                     "lrp run: ", png + ": an image was given, but this model's input");
  ExpectOneLineError(Lrp("explain --model " + Quote(model) + " --input " + Quote(png) +
                         " --composite epsilon --relevance " + Quote(Tmp("R.npy"))),
                     1, "lrp explain: ", "is not an image");
}

}  // namespace
}  // namespace lrp
