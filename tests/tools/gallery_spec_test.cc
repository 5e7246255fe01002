// The gallery's lists as data: column specs, the default panels and images,
// labels and descriptions.
#include "tools/gallery/gallery_spec.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "tools/render/grid.h"

namespace lrp {
namespace gallery {
namespace {

std::string SourcePath(const std::string& relative) {
  return std::string(LRP_SOURCE_DIR) + "/" + relative;
}

TEST(GallerySpecTest, ParsesColumns) {
  Column c;
  ASSERT_TRUE(ParseColumn("image", &c).ok());
  EXPECT_TRUE(c.is_image);
  EXPECT_EQ(c.Label(), "image");

  ASSERT_TRUE(ParseColumn("epsilon-gamma-box", &c).ok());
  EXPECT_FALSE(c.is_image);
  EXPECT_EQ(c.composite.name, "epsilon-gamma-box");
  EXPECT_TRUE(c.composite.params.empty());
  EXPECT_EQ(c.Label(), "epsilon-gamma-box");

  ASSERT_TRUE(ParseColumn("epsilon-gamma-box:lrn=identity,gamma=0.5", &c).ok());
  ASSERT_EQ(c.composite.params.size(), 2u);
  EXPECT_EQ(c.composite.params[0].first, "lrn");
  EXPECT_EQ(c.composite.params[0].second, "identity");
  EXPECT_EQ(c.composite.params[1].second, "0.5");
  EXPECT_EQ(c.Label(), "epsilon-gamma-box lrn=identity gamma=0.5");
  EXPECT_EQ(c.spec, "epsilon-gamma-box:lrn=identity,gamma=0.5");
}

TEST(GallerySpecTest, RejectsMalformedColumns) {
  Column c;
  for (const char* bad :
       {"", ":lrn=identity", "epsilon:", "epsilon:lrn", "epsilon:=1", "epsilon:gamma=1,,"}) {
    Status s = ParseColumn(bad, &c);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  std::vector<Column> columns;
  EXPECT_EQ(ParseColumnList("  \t ", &columns).code(), StatusCode::kInvalidArgument);
  Status s = ParseColumnList("image epsilon:lrn", &columns);
  EXPECT_NE(s.message().find("column 'epsilon:lrn'"), std::string::npos) << s.message();
  ASSERT_TRUE(ParseColumnList(" image\tepsilon  rlrp ", &columns).ok());
  ASSERT_EQ(columns.size(), 3u);
  EXPECT_EQ(columns[2].composite.name, "rlrp");
}

TEST(GallerySpecTest, DefaultPanelsShowWhatTheIssueAsksFor) {
  const std::vector<std::string> common = {
      "image",        "epsilon", "epsilon-plus-flat", "epsilon-gamma-box", "lrp-cmp",
      "lrp-overview", "rlrp",    "gradient-x-input"};
  const std::vector<Panel>& panels = DefaultPanels();
  ASSERT_EQ(panels.size(), 2u);
  EXPECT_EQ(panels[0].name, "fashion_mnist_cnn");
  EXPECT_EQ(panels[0].columns, common);
  EXPECT_EQ(panels[1].name, "fashion_mnist_lrn");
  std::vector<std::string> lrn = common;
  lrn.push_back("epsilon-gamma-box:lrn=identity");
  lrn.push_back("epsilon-gamma-box:lrn=taylor");
  EXPECT_EQ(panels[1].columns, lrn);
  EXPECT_NE(panels[1].note.find("epsilon-gamma-box"), std::string::npos);
  for (const Panel& p : panels) {
    Model model;
    EXPECT_TRUE(Model::Load(SourcePath(p.model_path), &model).ok()) << p.model_path;
    for (const std::string& spec : p.columns) {
      Column c;
      EXPECT_TRUE(ParseColumn(spec, &c).ok()) << spec;
    }
  }
}

TEST(GallerySpecTest, DefaultImagesAreShippedAndOfDifferentClasses) {
  const std::vector<GalleryImage>& images = DefaultImages();
  EXPECT_GE(images.size(), 4u);
  EXPECT_LE(images.size(), 6u);
  Model model;
  ASSERT_TRUE(Model::Load(SourcePath(DefaultPanels()[0].model_path), &model).ok());
  std::set<std::string> classes;
  for (const GalleryImage& image : images) {
    EXPECT_TRUE(classes.insert(image.label).second) << image.label;
    bool known = false;
    for (const std::string& label : model.labels()) known = known || label == image.label;
    EXPECT_TRUE(known) << image.label << " is not one of the model's labels";
    FILE* f = std::fopen(SourcePath(image.path).c_str(), "rb");
    EXPECT_NE(f, nullptr) << image.path;
    if (f != nullptr) std::fclose(f);
  }
}

TEST(GallerySpecTest, Descriptions) {
  Column c;
  ASSERT_TRUE(ParseColumn("image", &c).ok());
  EXPECT_NE(ColumnDescription(c).find("picture"), std::string::npos);
  ASSERT_TRUE(ParseColumn("rlrp", &c).ok());
  EXPECT_NE(ColumnDescription(c).find("our reading"), std::string::npos);
  ASSERT_TRUE(ParseColumn("epsilon-gamma-box:lrn=identity", &c).ok());
  const std::string d = ColumnDescription(c);
  EXPECT_EQ(d.rfind("`epsilon-gamma-box` with `lrn=identity`: LRN layers pass relevance", 0), 0u)
      << d;
  ASSERT_TRUE(ParseColumn("epsilon-gamma-box", &c).ok());
  EXPECT_NE(ColumnDescription(c).find("EpsilonGammaBox"), std::string::npos);
  ASSERT_TRUE(ParseColumn("made-up", &c).ok());
  EXPECT_EQ(ColumnDescription(c), "the composite `made-up`");
  ASSERT_TRUE(ParseColumn("made-up:k=v,lrn=taylor", &c).ok());
  EXPECT_EQ(ColumnDescription(c).rfind("`made-up` with `k=v`; `lrn=taylor`: LRN layers by", 0), 0u)
      << ColumnDescription(c);
  // Every default column has a description of its own.
  for (const Panel& p : DefaultPanels()) {
    for (const std::string& spec : p.columns) {
      ASSERT_TRUE(ParseColumn(spec, &c).ok());
      EXPECT_EQ(ColumnDescription(c).find("the composite `"), std::string::npos) << spec;
    }
  }
}

TEST(GallerySpecTest, RowLabelsReserveRoomForEveryPrediction) {
  EXPECT_EQ(RowLabel("Bag", "Sandal"), "Bag\npred: Sandal");
  const std::vector<GalleryImage> images = {{"a.png", "Bag"}, {"b.png", "A long class name x"}};
  EXPECT_EQ(RowLabelChars(images, {"T-shirt/top", "Bag"}), 19u);
  EXPECT_EQ(RowLabelChars(images, {"an even longer class name"}), 6u + 25u);

  std::vector<Column> columns;
  ASSERT_TRUE(ParseColumnList("image epsilon", &columns).ok());
  const render::GridSpec spec = PanelGridSpec(columns, {"x\ny"}, 168, 17);
  EXPECT_EQ(spec.tile_width, 168u);
  EXPECT_EQ(spec.tile_height, 168u);
  EXPECT_EQ(spec.column_labels, (std::vector<std::string>{"image", "epsilon"}));
  EXPECT_EQ(spec.row_label_min_chars, 17u);
  EXPECT_EQ(spec.text_scale, kLabelTextScale);
}

}  // namespace
}  // namespace gallery
}  // namespace lrp
