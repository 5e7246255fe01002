#include "tools/gallery/page.h"

#include <cstdio>

namespace lrp {
namespace gallery {
namespace {

std::string Fixed3(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(v));
  return buf;
}

std::string FileName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string GalleryPage(const std::vector<PanelReport>& panels, const std::string& command) {
  std::string md;
  md += "# Heatmap gallery\n\n";
  md +=
      "What the shipped Fashion-MNIST models see in a few of the shipped test images, one\n"
      "grid per model: a row per image, a column per explanation, the composite's name\n"
      "under each column. Every heatmap explains the class the model predicts for its\n"
      "row (the top-1 output) with relevance 1 at that class, sums the relevance over the\n"
      "input channels and draws it with the `bwr` colour map on a symmetric scale (zero is\n"
      "white, `lrp explain`'s default rendering): red pixels speak for the class, blue ones\n"
      "against it. Each tile is normalized on its own, so compare where the relevance\n"
      "lies, not how strong it looks from tile to tile.\n\n";
  md +=
      "The pictures and this page are generated; do not edit them by hand. Regenerate\n"
      "everything with\n\n```sh\n" +
      command + "\n```\n\n";
  md +=
      "(it builds `lrp_gallery` if needed; `tools/gallery/` holds the generator and its\n"
      "lists of models, images and columns).\n\n";

  md += "## Columns\n\n| column | what it shows |\n|---|---|\n";
  std::vector<std::string> seen;
  for (const PanelReport& p : panels) {
    for (const Column& c : p.columns) {
      bool dup = false;
      for (const std::string& s : seen) dup = dup || s == c.spec;
      if (dup) continue;
      seen.push_back(c.spec);
      md += "| `" + c.Label() + "` | " + ColumnDescription(c) + " |\n";
    }
  }
  md += "\n";

  for (const PanelReport& p : panels) {
    md += "## " + p.panel.title + "\n\n";
    md += "Model `" + p.panel.model_path + "`; [`" + p.panel.name + ".png`](" + p.panel.name +
          ".png), " + std::to_string(p.width) + " x " + std::to_string(p.height) + " pixels.";
    if (!p.panel.note.empty()) md += " " + p.panel.note;
    for (size_t c = 0; c < p.same_as.size() && c < p.columns.size(); ++c) {
      const int e = p.same_as[c];
      if (e < 0 || static_cast<size_t>(e) >= p.columns.size()) continue;
      md += " The column `" + p.columns[c].Label() + "` draws exactly the pictures of `" +
            p.columns[static_cast<size_t>(e)].Label() + "`.";
    }
    md += "\n\n![" + p.panel.title + "](" + p.panel.name + ".png)\n\n";
    md += std::string("| row | image | class | predicted | ") +
          (p.scores_are_probabilities ? "probability" : "score") + " |\n|---|---|---|---|---|\n";
    for (size_t r = 0; r < p.images.size() && r < p.rows.size(); ++r) {
      const RowResult& row = p.rows[r];
      md += "| " + std::to_string(r + 1) + " | `" + FileName(p.images[r].path) + "` | " +
            p.images[r].label + " | " + std::to_string(row.predicted) + " " + row.predicted_label +
            " | " + Fixed3(row.score) + " |\n";
    }
    md += "\n";
  }
  return md;
}

}  // namespace gallery
}  // namespace lrp
