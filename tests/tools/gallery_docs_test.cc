// The committed gallery (docs/gallery/) matches the generator's lists: every
// default panel's PNG exists with the size its rows and columns give, and
// the page names every column. A column or image added to the lists
// without rerunning tools/scripts/make_gallery.sh fails here.
#include <gtest/gtest.h>
#include <stb_image.h>

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

const std::string kDocs = std::string(LRP_SOURCE_DIR) + "/docs/gallery";

TEST(GalleryDocsTest, EveryPanelIsCommittedAtTheSizeItsListsGive) {
  for (const Panel& panel : DefaultPanels()) {
    std::vector<Column> columns;
    std::string specs;
    for (const std::string& spec : panel.columns) specs += spec + " ";
    ASSERT_TRUE(ParseColumnList(specs, &columns).ok());
    Model model;
    ASSERT_TRUE(Model::Load(std::string(LRP_SOURCE_DIR) + "/" + panel.model_path, &model).ok());
    const size_t tile = static_cast<size_t>(model.input_shape().dims[1]) * kDefaultTileScale;
    render::GridLayout l;
    const std::vector<std::string> rows(DefaultImages().size(), "");
    ASSERT_TRUE(
        render::LayoutGrid(
            PanelGridSpec(columns, rows, tile, RowLabelChars(DefaultImages(), model.labels())), &l)
            .ok());

    const std::string png = kDocs + "/" + panel.name + ".png";
    int w = 0, h = 0, channels = 0;
    ASSERT_EQ(stbi_info(png.c_str(), &w, &h, &channels), 1)
        << png << " is missing or not an image; run tools/scripts/make_gallery.sh";
    EXPECT_EQ(static_cast<size_t>(w), l.width)
        << png << " is out of date (columns?); run tools/scripts/make_gallery.sh";
    EXPECT_EQ(static_cast<size_t>(h), l.height)
        << png << " is out of date (images?); run tools/scripts/make_gallery.sh";
    EXPECT_EQ(channels, 3);
  }
}

TEST(GalleryDocsTest, ThePageListsEveryColumnAndImage) {
  std::ifstream in(kDocs + "/README.md", std::ios::binary);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(page.empty()) << "docs/gallery/README.md is missing";
  EXPECT_NE(page.find("tools/scripts/make_gallery.sh\n```"), std::string::npos)
      << "the page must name the plain regenerating command";
  for (const Panel& panel : DefaultPanels()) {
    EXPECT_NE(page.find("](" + panel.name + ".png)"), std::string::npos) << panel.name;
    for (const std::string& spec : panel.columns) {
      Column c;
      ASSERT_TRUE(ParseColumn(spec, &c).ok());
      EXPECT_NE(page.find("| `" + c.Label() + "` |"), std::string::npos) << spec;
    }
  }
  for (const GalleryImage& image : DefaultImages()) {
    const std::string file = image.path.substr(image.path.rfind('/') + 1);
    EXPECT_NE(page.find("`" + file + "`"), std::string::npos) << file;
  }
}

TEST(GalleryDocsTest, TheReadmeLinksTheGallery) {
  std::ifstream in(std::string(LRP_SOURCE_DIR) + "/README.md", std::ios::binary);
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(readme.find("(docs/gallery/README.md)"), std::string::npos);
}

}  // namespace
}  // namespace gallery
}  // namespace lrp
