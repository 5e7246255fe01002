#include "tools/gallery/gallery_spec.h"

#include <algorithm>
#include <sstream>
#include <utility>

namespace lrp {
namespace gallery {
namespace {

Status Bad(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }

// The columns both models share; the LRN model adds its LRN forms.
std::vector<std::string> CommonColumns() {
  return {"image",        "epsilon", "epsilon-plus-flat", "epsilon-gamma-box", "lrp-cmp",
          "lrp-overview", "rlrp",    "gradient-x-input"};
}

std::vector<std::string> LrnColumns() {
  std::vector<std::string> columns = CommonColumns();
  columns.push_back("epsilon-gamma-box:lrn=identity");
  columns.push_back("epsilon-gamma-box:lrn=taylor");
  return columns;
}

const char* CompositeDescription(const std::string& name) {
  static const std::pair<const char*, const char*> kDescriptions[] = {
      {"epsilon", "LRP-ε (ε = 1e-6) on every Conv2D and Dense layer"},
      {"epsilon-plus", "Conv2D z⁺, Dense ε (Zennit's EpsilonPlus)"},
      {"epsilon-plus-flat",
       "Conv2D z⁺, Dense ε, the first weighted layer flat (Zennit's EpsilonPlusFlat)"},
      {"epsilon-gamma-box",
       "first Conv2D z^B with the model's input bounds, other Conv2D γ = 0.25, Dense ε "
       "(Zennit's EpsilonGammaBox)"},
      {"epsilon-alpha2-beta1", "Conv2D α2β1, Dense ε (Zennit's EpsilonAlpha2Beta1)"},
      {"epsilon-alpha2-beta1-flat",
       "Conv2D α2β1, Dense ε, the first weighted layer flat (Zennit's EpsilonAlpha2Beta1Flat)"},
      {"lrp-cmp",
       "LRP-CMP (Kohlbrenner et al. 2020): Dense ε = 0.1, Conv2D z⁺, the first Conv2D flat"},
      {"lrp-overview",
       "the layering of Montavon et al. 2019: z^B on the first layer, then γ, ε·RMS(z) and "
       "LRP-0 from the lower to the upper layers"},
      {"rlrp",
       "R-LRP, our reading of Nyiri & Gibaru 2025 (RULES.md §5): LRP-0's numerators without "
       "the division by the pre-activations, conserved up to a per-layer factor"},
      {"gradient", "the plain gradient at the input (baseline)"},
      {"gradient-x-input", "gradient ⊙ input (baseline)"},
  };
  for (const auto& d : kDescriptions) {
    if (name == d.first) return d.second;
  }
  return nullptr;
}

const char* ParamDescription(const std::string& key, const std::string& value) {
  if (key != "lrn") return nullptr;
  if (value == "identity") return "LRN layers pass relevance through unchanged";
  if (value == "taylor") {
    return "LRN layers by the normalized first-order Taylor form (Binder et al. 2016, "
           "RULES.md §4)";
  }
  if (value == "taylor-unnormalized") {
    return "LRN layers by the Taylor form without normalization (the authors' Caffe code)";
  }
  return nullptr;
}

}  // namespace

std::string Column::Label() const {
  if (is_image) return "image";
  std::string label = composite.name;
  for (const auto& kv : composite.params) label += " " + kv.first + "=" + kv.second;
  return label;
}

Status ParseColumn(const std::string& spec, Column* column) {
  Column c;
  c.spec = spec;
  if (spec == "image") {
    c.is_image = true;
    *column = std::move(c);
    return Status::Ok();
  }
  const size_t colon = spec.find(':');
  c.composite.name = spec.substr(0, colon);
  if (c.composite.name.empty()) return Bad("column '" + spec + "': no composite name");
  if (colon != std::string::npos) {
    std::istringstream items(spec.substr(colon + 1));
    std::string item;
    while (std::getline(items, item, ',')) {
      const size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Bad("column '" + spec + "': expected KEY=VALUE, got '" + item + "'");
      }
      c.composite.params.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    if (c.composite.params.empty()) return Bad("column '" + spec + "': no parameters after ':'");
  }
  *column = std::move(c);
  return Status::Ok();
}

Status ParseColumnList(const std::string& list, std::vector<Column>* columns) {
  std::vector<Column> parsed;
  std::istringstream words(list);
  std::string spec;
  while (words >> spec) {
    Column c;
    LRP_RETURN_IF_ERROR(ParseColumn(spec, &c));
    parsed.push_back(std::move(c));
  }
  if (parsed.empty()) return Bad("no columns given");
  *columns = std::move(parsed);
  return Status::Ok();
}

const std::vector<Panel>& DefaultPanels() {
  static const std::vector<Panel> panels = {
      {"fashion_mnist_cnn", "Fashion-MNIST CNN", "examples/models/fashion_mnist_cnn.lrpm",
       CommonColumns(), ""},
      {"fashion_mnist_lrn", "Fashion-MNIST CNN with local response normalization",
       "examples/models/fashion_mnist_lrn.lrpm", LrnColumns(),
       "The last two columns compare the relevance forms of the LRN layers on one base "
       "composite, `epsilon-gamma-box`; every other column uses the runtime's default LRN "
       "form."},
  };
  return panels;
}

const std::vector<GalleryImage>& DefaultImages() {
  static const std::vector<GalleryImage> images = {
      {"examples/images/fashion_mnist_test_0_ankle_boot.png", "Ankle boot"},
      {"examples/images/fashion_mnist_test_2_trouser.png", "Trouser"},
      {"examples/images/fashion_mnist_test_1_pullover.png", "Pullover"},
      {"examples/images/fashion_mnist_test_8_sandal.png", "Sandal"},
      {"examples/images/fashion_mnist_test_18_bag.png", "Bag"},
  };
  return images;
}

std::string ColumnDescription(const Column& column) {
  if (column.is_image) return "the input picture as the model sees it (gray, upscaled)";
  const std::string& name = column.composite.name;
  if (column.composite.params.empty()) {
    const char* what = CompositeDescription(name);
    return what != nullptr ? what : "the composite `" + name + "`";
  }
  // With parameters: the base composite has its own row on the page.
  std::string text = "`" + name + "` with ";
  for (size_t i = 0; i < column.composite.params.size(); ++i) {
    const auto& kv = column.composite.params[i];
    const char* param = ParamDescription(kv.first, kv.second);
    text += (i > 0 ? "; `" : "`") + kv.first + "=" + kv.second + "`";
    if (param != nullptr) text += std::string(": ") + param;
  }
  return text;
}

std::string RowLabel(const std::string& true_label, const std::string& predicted_label) {
  return true_label + "\npred: " + predicted_label;
}

size_t RowLabelChars(const std::vector<GalleryImage>& images,
                     const std::vector<std::string>& class_labels) {
  size_t chars = 0;
  for (const GalleryImage& image : images) chars = std::max(chars, image.label.size());
  for (const std::string& label : class_labels) {
    chars = std::max(chars, RowLabel("", label).size() - 1);  // minus the '\n'
  }
  return chars;
}

render::GridSpec PanelGridSpec(const std::vector<Column>& columns,
                               const std::vector<std::string>& row_labels, size_t tile_side,
                               size_t row_label_chars) {
  render::GridSpec spec;
  spec.tile_width = spec.tile_height = tile_side;
  spec.row_labels = row_labels;
  for (const Column& c : columns) spec.column_labels.push_back(c.Label());
  spec.text_scale = kLabelTextScale;
  spec.row_label_min_chars = row_label_chars;
  return spec;
}

}  // namespace gallery
}  // namespace lrp
