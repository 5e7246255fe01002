// The gallery generator end to end: one panel of the shipped CNN with a few
// columns rendered into a temporary directory, then the PNG read back; a
// composite the build does not know fails the run and writes nothing.
#include "tools/gallery/gallery.h"

#include <gtest/gtest.h>
#include <stb_image.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "tools/gallery/gallery_spec.h"
#include "tools/render/grid.h"

namespace lrp {
namespace gallery {
namespace {

constexpr int kScale = 3;  // 84-pixel tiles: small and quick

std::string FreshDir(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string dir = std::string(LRP_TEST_TMPDIR) + "/gallery_" + info->name() + "_" + name;
  std::system(("rm -rf '" + dir + "'").c_str());
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

struct Png {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  const uint8_t* at(size_t x, size_t y) const { return &rgb[(y * width + x) * 3]; }
};

bool LoadPng(const std::string& path, Png* png) {
  int channels = 0;
  uint8_t* data = stbi_load(path.c_str(), &png->width, &png->height, &channels, 3);
  if (data == nullptr) return false;
  png->rgb.assign(data, data + static_cast<size_t>(png->width) * png->height * 3);
  stbi_image_free(data);
  return true;
}

// Label text is near-black; nothing in a heatmap (bwr) or the background is.
size_t DarkPixels(const Png& png, size_t x0, size_t y0, size_t x1, size_t y1) {
  size_t n = 0;
  for (size_t y = y0; y < y1; ++y) {
    for (size_t x = x0; x < x1; ++x) {
      const uint8_t* p = png.at(x, y);
      n += p[0] < 64 && p[1] < 64 && p[2] < 64;
    }
  }
  return n;
}

bool SameTile(const Png& png, const render::GridLayout& l, size_t tile, size_t r, size_t a,
              size_t b) {
  for (size_t y = 0; y < tile; ++y) {
    for (size_t x = 0; x < tile; ++x) {
      const uint8_t* p = png.at(l.TileX(a) + x, l.TileY(r) + y);
      const uint8_t* q = png.at(l.TileX(b) + x, l.TileY(r) + y);
      if (p[0] != q[0] || p[1] != q[1] || p[2] != q[2]) return false;
    }
  }
  return true;
}

GalleryOptions CnnOptions(const std::string& dir, const std::string& columns) {
  GalleryOptions options;
  options.source_dir = LRP_SOURCE_DIR;
  options.output_dir = dir;
  options.panels = {"fashion_mnist_cnn"};
  options.columns = columns;
  options.tile_scale = kScale;
  options.command = "make it so";
  return options;
}

TEST(GalleryTest, RendersAPanelWithLabelsAndDistinctHeatmaps) {
  const std::string dir = FreshDir("out");
  const std::string columns_text = "image epsilon-gamma-box gradient-x-input";
  std::vector<std::string> written;
  Status s = RunGallery(CnnOptions(dir, columns_text), &written);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(written,
            (std::vector<std::string>{dir + "/fashion_mnist_cnn.png", dir + "/README.md"}));

  // The size the layout promises for 5 rows x 3 columns of 84-pixel tiles.
  std::vector<Column> columns;
  ASSERT_TRUE(ParseColumnList(columns_text, &columns).ok());
  Model model;
  ASSERT_TRUE(
      Model::Load(std::string(LRP_SOURCE_DIR) + "/" + DefaultPanels()[0].model_path, &model).ok());
  const size_t tile = 28 * kScale;
  const std::vector<std::string> rows(DefaultImages().size(), "x");
  render::GridLayout l;
  ASSERT_TRUE(
      render::LayoutGrid(
          PanelGridSpec(columns, rows, tile, RowLabelChars(DefaultImages(), model.labels())), &l)
          .ok());
  Png png;
  ASSERT_TRUE(LoadPng(written[0], &png));
  EXPECT_EQ(static_cast<size_t>(png.width), l.width);
  EXPECT_EQ(static_cast<size_t>(png.height), l.height);
  ASSERT_EQ(l.columns, 3u);

  // Text under every column and beside every row; none over the tiles.
  for (size_t c = 0; c < l.columns; ++c) {
    EXPECT_GT(DarkPixels(png, l.TileX(c), l.column_labels_top, l.TileX(c) + tile, l.height), 20u)
        << "no label under column " << c;
  }
  for (size_t r = 0; r < l.rows; ++r) {
    EXPECT_GT(DarkPixels(png, 0, l.TileY(r), l.tiles_left, l.TileY(r) + tile), 20u)
        << "no label beside row " << r;
    // Two composites do not paint the same picture, and neither is the image.
    EXPECT_FALSE(SameTile(png, l, tile, r, 1, 2)) << "row " << r;
    EXPECT_FALSE(SameTile(png, l, tile, r, 0, 1)) << "row " << r;
  }
  // Heatmap tiles are coloured (bwr), the picture tile is gray.
  bool coloured = false;
  for (size_t y = 0; y < tile; ++y) {
    for (size_t x = 0; x < tile; ++x) {
      const uint8_t* p = png.at(l.TileX(1) + x, l.TileY(0) + y);
      coloured = coloured || p[0] != p[2];
      const uint8_t* g = png.at(l.TileX(0) + x, l.TileY(0) + y);
      EXPECT_TRUE(g[0] == g[1] && g[1] == g[2]);
    }
  }
  EXPECT_TRUE(coloured);
  // The picture tile is the image, each pixel a 3 x 3 block.
  Png source;
  ASSERT_TRUE(LoadPng(std::string(LRP_SOURCE_DIR) + "/" + DefaultImages()[0].path, &source));
  for (size_t y = 0; y < tile; y += 5) {
    for (size_t x = 0; x < tile; x += 5) {
      EXPECT_EQ(png.at(l.TileX(0) + x, l.TileY(0) + y)[0], source.at(x / kScale, y / kScale)[0]);
    }
  }

  // The page: the command, every column, the predicted class of each row.
  const std::string page = ReadText(written[1]);
  EXPECT_NE(page.find("```sh\nmake it so\n```"), std::string::npos) << page;
  EXPECT_NE(page.find("![Fashion-MNIST CNN](fashion_mnist_cnn.png)"), std::string::npos);
  EXPECT_NE(page.find(std::to_string(l.width) + " x " + std::to_string(l.height)),
            std::string::npos);
  for (const char* label : {"| `image` |", "| `epsilon-gamma-box` |", "| `gradient-x-input` |"}) {
    EXPECT_NE(page.find(label), std::string::npos) << label;
  }
  EXPECT_NE(page.find("| 1 | `fashion_mnist_test_0_ankle_boot.png` | Ankle boot | 9 Ankle boot |"),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("fashion_mnist_lrn"), std::string::npos);
  EXPECT_EQ(page.find("draws exactly"), std::string::npos);
}

TEST(GalleryTest, ThePageNamesColumnsThatRepeatAnother) {
  // epsilon=1e-6 is the default: the third column repeats the second.
  const std::string dir = FreshDir("out");
  std::vector<std::string> written;
  Status s = RunGallery(CnnOptions(dir, "image epsilon epsilon:epsilon=1e-6 epsilon:epsilon=0.5"),
                        &written);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const std::string page = ReadText(dir + "/README.md");
  EXPECT_NE(page.find("The column `epsilon epsilon=1e-6` draws exactly the pictures of "
                      "`epsilon`."),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("`epsilon epsilon=0.5` draws exactly"), std::string::npos) << page;
}

TEST(GalleryTest, AnUnknownCompositeFailsAndWritesNothing) {
  const std::string dir = FreshDir("out");
  std::vector<std::string> written;
  Status s = RunGallery(CnnOptions(dir, "image epsilon no-such-composite"), &written);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("column 'no-such-composite'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("unknown composite"), std::string::npos) << s.message();
  s = RunGallery(CnnOptions(dir, "epsilon:no_such_param=1"), &written);
  EXPECT_NE(s.message().find("unknown parameter 'no_such_param'"), std::string::npos)
      << s.message();
  EXPECT_FALSE(Exists(dir + "/fashion_mnist_cnn.png"));
  EXPECT_FALSE(Exists(dir + "/README.md"));
}

TEST(GalleryTest, OptionErrors) {
  const std::string dir = FreshDir("out");
  std::vector<std::string> written;
  GalleryOptions options = CnnOptions(dir, "image");
  options.panels = {"no_such_panel"};
  Status s = RunGallery(options, &written);
  EXPECT_NE(s.message().find("unknown panel 'no_such_panel' (known: fashion_mnist_cnn, "),
            std::string::npos)
      << s.message();
  options = CnnOptions(dir, "image");
  options.tile_scale = 0;
  EXPECT_EQ(RunGallery(options, &written).code(), StatusCode::kInvalidArgument);
  options = CnnOptions(dir, "image");
  options.source_dir = dir;  // no models here
  EXPECT_FALSE(RunGallery(options, &written).ok());
  options = CnnOptions(dir + "/missing", "image");
  EXPECT_FALSE(RunGallery(options, &written).ok());
}

#ifdef LRP_GALLERY
// The command line: exit codes and one-line errors.
int RunTool(const std::string& args, std::string* err) {
  const std::string err_path = std::string(LRP_TEST_TMPDIR) + "/gallery_tool_stderr.txt";
  const int status =
      std::system(("'" LRP_GALLERY "' " + args + " >/dev/null 2>'" + err_path + "'").c_str());
  *err = ReadText(err_path);
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(GalleryTest, CommandLine) {
  const std::string dir = FreshDir("out");
  std::string err;
  EXPECT_EQ(RunTool("--help", &err), 0);
  EXPECT_EQ(RunTool("", &err), 2);
  EXPECT_NE(err.find("--output-dir is required"), std::string::npos) << err;
  EXPECT_EQ(RunTool("--output-dir '" + dir + "' --scale 0", &err), 2);
  EXPECT_EQ(RunTool("--output-dir '" + dir + "' --bogus 1", &err), 2);
  EXPECT_EQ(RunTool("--output-dir '" + dir +
                        "' --source-dir '" LRP_SOURCE_DIR
                        "' --panel fashion_mnist_cnn --columns 'image not-a-composite'",
                    &err),
            1);
  EXPECT_EQ(err.rfind("lrp_gallery: ", 0), 0u) << err;
  EXPECT_NE(err.find("column 'not-a-composite'"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
  EXPECT_FALSE(Exists(dir + "/README.md"));
}
#endif

}  // namespace
}  // namespace gallery
}  // namespace lrp
