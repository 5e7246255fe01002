#include "tools/gallery/panel.h"

#include <algorithm>
#include <memory>

#include "lrp/session.h"
#include "tools/io/image.h"
#include "tools/io/preprocess.h"
#include "tools/render/grid.h"

namespace lrp {
namespace gallery {
namespace {

Status Prefixed(const std::string& prefix, const Status& s) {
  return Status(s.code(), prefix + s.message());
}

// The picture in gray, each pixel a scale x scale block.
render::RgbImage PictureTile(const io::Image& picture, int scale) {
  render::RgbImage tile;
  const size_t s = static_cast<size_t>(scale);
  tile.width = static_cast<size_t>(picture.width) * s;
  tile.height = static_cast<size_t>(picture.height) * s;
  tile.pixels.resize(tile.width * tile.height * 3);
  for (size_t y = 0; y < tile.height; ++y) {
    for (size_t x = 0; x < tile.width; ++x) {
      const size_t src = ((y / s) * static_cast<size_t>(picture.width) + x / s) *
                         static_cast<size_t>(picture.channels);
      const uint8_t v = io::GrayValue(&picture.pixels[src], picture.channels);
      std::fill_n(&tile.pixels[(y * tile.width + x) * 3], 3, v);
    }
  }
  return tile;
}

Status MakeSession(const Model& model, Mode mode, const Composite& composite,
                   std::unique_ptr<Session>* session) {
  SessionOptions options;
  options.mode = mode;
  options.composite = composite;
  return Session::Create(model, options, session);
}

// The model's inputs and fitted pictures for every image.
Status ReadImages(const Model& model, const std::vector<GalleryImage>& images,
                  std::vector<std::vector<float>>* inputs, std::vector<io::Image>* pictures) {
  for (const GalleryImage& image : images) {
    io::Image decoded, fitted;
    std::vector<float> input;
    LRP_RETURN_IF_ERROR(io::ReadImage(image.path, &decoded));
    Status s = io::ImageToModelInput(decoded, model, &input, &fitted);
    if (!s.ok()) return Prefixed(image.path + ": ", s);
    inputs->push_back(std::move(input));
    pictures->push_back(std::move(fitted));
  }
  return Status::Ok();
}

Status Predict(const Model& model, const std::vector<std::vector<float>>& inputs,
               std::vector<RowResult>* rows) {
  std::unique_ptr<Session> session;
  LRP_RETURN_IF_ERROR(MakeSession(model, Mode::kForward, Composite(), &session));
  for (const std::vector<float>& input : inputs) {
    LRP_RETURN_IF_ERROR(session->Forward(input.data(), input.size()));
    const float* out = session->output();
    const size_t best =
        static_cast<size_t>(std::max_element(out, out + session->output_size()) - out);
    RowResult row;
    row.predicted = static_cast<int>(best);
    row.predicted_label =
        best < model.labels().size() ? model.labels()[best] : "class " + std::to_string(best);
    row.score = out[best];
    rows->push_back(row);
  }
  return Status::Ok();
}

// One column of heatmaps, one per image.
Status HeatmapColumn(const Model& model, const Column& column,
                     const std::vector<std::vector<float>>& inputs,
                     const std::vector<RowResult>& rows, int scale,
                     std::vector<render::RgbImage>* tiles) {
  std::unique_ptr<Session> session;
  LRP_RETURN_IF_ERROR(MakeSession(model, Mode::kExplain, column.composite, &session));
  const Shape& shape = model.input_shape();  // [H, W, C]
  const size_t h = shape.dims[0], w = shape.dims[1], c = shape.dims[2];
  render::HeatmapOptions options;
  options.scale = scale;
  for (size_t i = 0; i < inputs.size(); ++i) {
    LRP_RETURN_IF_ERROR(session->Forward(inputs[i].data(), inputs[i].size()));
    LRP_RETURN_IF_ERROR(session->Explain(rows[i].predicted, ExplainInit::kOne));
    render::RgbImage tile;
    Status s = render::RenderHeatmap(render::SumChannels(session->relevance(), h, w, c), h, w,
                                     options, &tile);
    if (!s.ok()) return Prefixed("image " + std::to_string(i) + ": ", s);
    tiles->push_back(std::move(tile));
  }
  return Status::Ok();
}

}  // namespace

Status CheckColumns(const Model& model, const std::vector<Column>& columns) {
  for (const Column& column : columns) {
    if (column.is_image) continue;
    std::vector<Rule> rules;
    Status s = ResolveComposite(model, column.composite, &rules);
    if (!s.ok()) return Prefixed("column '" + column.spec + "': ", s);
  }
  return Status::Ok();
}

Status RenderPanel(const Model& model, const std::vector<GalleryImage>& images,
                   const std::vector<Column>& columns, int tile_scale, PanelResult* out) {
  LRP_RETURN_IF_ERROR(io::CheckImageModel(model));
  if (images.empty() || columns.empty()) {
    return Status(StatusCode::kInvalidArgument, "a panel needs at least one image and column");
  }
  if (tile_scale < 1 || tile_scale > render::kMaxScale) {
    return Status(StatusCode::kInvalidArgument, "tile scale must be 1 to " +
                                                    std::to_string(render::kMaxScale) + ", got " +
                                                    std::to_string(tile_scale));
  }
  const Shape& shape = model.input_shape();
  if (shape.dims[0] != shape.dims[1]) {
    return Status(StatusCode::kUnsupported, "the gallery draws square tiles; the model input is " +
                                                std::to_string(shape.dims[0]) + "x" +
                                                std::to_string(shape.dims[1]));
  }
  // Every column first, so that nothing is rendered for a run that fails.
  LRP_RETURN_IF_ERROR(CheckColumns(model, columns));

  std::vector<std::vector<float>> inputs;
  std::vector<io::Image> pictures;
  LRP_RETURN_IF_ERROR(ReadImages(model, images, &inputs, &pictures));
  PanelResult result;
  LRP_RETURN_IF_ERROR(Predict(model, inputs, &result.rows));

  // Tiles column by column (one Session per column), then row-major.
  std::vector<std::vector<render::RgbImage>> by_column(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].is_image) {
      for (const io::Image& picture : pictures)
        by_column[c].push_back(PictureTile(picture, tile_scale));
      continue;
    }
    Status s = HeatmapColumn(model, columns[c], inputs, result.rows, tile_scale, &by_column[c]);
    if (!s.ok()) return Prefixed("column '" + columns[c].spec + "': ", s);
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    result.same_as.push_back(-1);
    for (size_t e = 0; e < c && result.same_as[c] < 0; ++e) {
      bool same = true;
      for (size_t r = 0; r < images.size() && same; ++r) {
        same = by_column[c][r].pixels == by_column[e][r].pixels;
      }
      if (same) result.same_as[c] = static_cast<int>(e);
    }
  }
  std::vector<render::RgbImage> tiles;
  std::vector<std::string> row_labels;
  for (size_t r = 0; r < images.size(); ++r) {
    for (size_t c = 0; c < columns.size(); ++c) tiles.push_back(std::move(by_column[c][r]));
    row_labels.push_back(RowLabel(images[r].label, result.rows[r].predicted_label));
  }
  const render::GridSpec spec =
      PanelGridSpec(columns, row_labels, shape.dims[0] * static_cast<size_t>(tile_scale),
                    RowLabelChars(images, model.labels()));
  LRP_RETURN_IF_ERROR(render::ComposeGrid(spec, tiles, &result.grid));
  *out = std::move(result);
  return Status::Ok();
}

}  // namespace gallery
}  // namespace lrp
