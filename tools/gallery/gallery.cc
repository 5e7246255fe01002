#include "tools/gallery/gallery.h"

#include <fstream>
#include <utility>

#include "lrp/model.h"
#include "tools/gallery/page.h"
#include "tools/gallery/panel.h"
#include "tools/render/heatmap.h"

namespace lrp {
namespace gallery {
namespace {

Status Bad(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }

std::string Join(const std::string& dir, const std::string& path) {
  if (dir.empty() || dir == "." || (!path.empty() && path[0] == '/')) return path;
  return dir + "/" + path;
}

Status SelectPanels(const GalleryOptions& options, std::vector<Panel>* panels) {
  if (options.panels.empty()) {
    *panels = DefaultPanels();
    return Status::Ok();
  }
  for (const std::string& name : options.panels) {
    bool found = false;
    for (const Panel& p : DefaultPanels()) {
      if (p.name == name) {
        panels->push_back(p);
        found = true;
      }
    }
    if (!found) {
      std::string known;
      for (const Panel& p : DefaultPanels()) known += (known.empty() ? "" : ", ") + p.name;
      return Bad("unknown panel '" + name + "' (known: " + known + ")");
    }
  }
  return Status::Ok();
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status(StatusCode::kIoError, "cannot write '" + path + "'");
  return Status::Ok();
}

}  // namespace

Status RunGallery(const GalleryOptions& options, std::vector<std::string>* written) {
  if (options.output_dir.empty()) return Bad("no output directory given");
  std::vector<Panel> panels;
  LRP_RETURN_IF_ERROR(SelectPanels(options, &panels));
  std::vector<Column> override_columns;
  if (!options.columns.empty()) {
    LRP_RETURN_IF_ERROR(ParseColumnList(options.columns, &override_columns));
  }
  std::vector<GalleryImage> images = DefaultImages();
  for (GalleryImage& image : images) image.path = Join(options.source_dir, image.path);

  // Load every model and check every column before rendering anything, and
  // render everything before writing anything: a failing run leaves the
  // output directory as it was.
  std::vector<PanelReport> reports(panels.size());
  std::vector<Model> models(panels.size());
  for (size_t i = 0; i < panels.size(); ++i) {
    PanelReport& report = reports[i];
    report.panel = panels[i];
    report.images = DefaultImages();
    if (!override_columns.empty()) {
      report.columns = override_columns;
    } else {
      std::string specs;
      for (const std::string& spec : panels[i].columns) specs += spec + " ";
      LRP_RETURN_IF_ERROR(ParseColumnList(specs, &report.columns));
    }
    LRP_RETURN_IF_ERROR(Model::Load(Join(options.source_dir, panels[i].model_path), &models[i]));
    Status s = CheckColumns(models[i], report.columns);
    if (!s.ok()) return Status(s.code(), panels[i].name + ": " + s.message());
  }
  std::vector<render::RgbImage> grids;
  for (size_t i = 0; i < panels.size(); ++i) {
    PanelReport& report = reports[i];
    const Model& model = models[i];
    PanelResult result;
    Status s = RenderPanel(model, images, report.columns, options.tile_scale, &result);
    if (!s.ok()) return Status(s.code(), panels[i].name + ": " + s.message());
    report.rows = result.rows;
    report.same_as = result.same_as;
    report.scores_are_probabilities =
        !model.layers().empty() && model.layers().back().kind == LayerKind::kSoftmax;
    report.width = result.grid.width;
    report.height = result.grid.height;
    grids.push_back(std::move(result.grid));
  }

  written->clear();
  for (size_t i = 0; i < reports.size(); ++i) {
    const std::string path = options.output_dir + "/" + reports[i].panel.name + ".png";
    LRP_RETURN_IF_ERROR(render::WritePng(path, grids[i]));
    written->push_back(path);
  }
  const std::string page = options.output_dir + "/README.md";
  LRP_RETURN_IF_ERROR(WriteText(page, GalleryPage(reports, options.command)));
  written->push_back(page);
  return Status::Ok();
}

}  // namespace gallery
}  // namespace lrp
