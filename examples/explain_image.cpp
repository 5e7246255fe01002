// Explains what a model sees in a picture: loads an .lrpm model and an image
// (PNG, JPEG, BMP, PGM/PPM, ...), prints the top-3 classes and writes the
// relevance of the top one as heatmap.png and overlay.png.
//
//   lrp_example_explain_image examples/models/fashion_mnist_cnn.lrpm
//       examples/images/fashion_mnist_test_0_ankle_boot.png   (one line)
//
// Besides the runtime (lrp/lrp.h) it uses the host helpers of tools/: image
// decoding and preprocessing (tools/io) and heatmap rendering
// (tools/render); link lrp_tools.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "lrp/lrp.h"
#include "tools/io/image.h"
#include "tools/io/preprocess.h"
#include "tools/render/heatmap.h"
#include "tools/render/overlay.h"

namespace {

// Prints the error and turns it into the exit code.
int Fail(const lrp::Status& status) {
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MODEL.lrpm IMAGE\n", argv[0]);
    return 2;
  }

  // 1. The model: memory-mapped and verified; nothing in it is trusted.
  lrp::Model model;
  lrp::Status status = lrp::Model::Load(argv[1], &model);
  if (!status.ok()) return Fail(status);

  // 2. The picture, decoded to 8-bit pixels and brought to the model's input:
  //    channels converted, resized to H x W, x / 255, then (x - mean) / std
  //    with the mean and std the model stores. `fitted` keeps the resized
  //    picture for the overlay.
  lrp::io::Image image, fitted;
  std::vector<float> input;
  status = lrp::io::ReadImage(argv[2], &image);
  if (status.ok()) status = lrp::io::ImageToModelInput(image, model, &input, &fitted);
  if (!status.ok()) return Fail(status);

  // 3. An explaining Session. The composite (rule preset) is bound here: it
  //    decides which buffers exist, so the whole arena is planned up front.
  lrp::SessionOptions options;
  options.mode = lrp::Mode::kExplain;
  options.composite.name = "epsilon-gamma-box";  // as in Zennit; uses the model's input bounds
  std::unique_ptr<lrp::Session> session;
  status = lrp::Session::Create(model, options, &session);
  if (!status.ok()) return Fail(status);

  // 4. Forward pass, then relevance from the top-scoring class (-1) back to
  //    the input. Neither call allocates.
  status = session->Forward(input.data(), input.size());
  if (status.ok()) status = session->Explain(-1);
  if (!status.ok()) return Fail(status);

  // 5. The three highest scores, with labels when the model has them.
  const float* scores = session->output();
  std::vector<size_t> order(session->output_size());
  std::iota(order.begin(), order.end(), size_t{0});
  const size_t k = std::min<size_t>(3, order.size());
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  for (size_t rank = 0; rank < k; ++rank) {
    const size_t c = order[rank];
    const std::string label = c < model.labels().size() ? " '" + model.labels()[c] + "'" : "";
    std::printf("%zu. class %zu%s: %g\n", rank + 1, c, label.c_str(),
                static_cast<double>(scores[c]));
  }
  std::printf("explained class %d\n", session->explained_target());

  // 6. Pictures: relevance summed over channels, coloured with a symmetric
  //    scale (red positive, blue negative, white zero), upscaled to >= 224 px;
  //    then the same colours blended over the picture.
  const lrp::Shape& shape = model.input_shape();  // [H, W, C]
  const size_t h = shape.dims[0], w = shape.dims[1], c = shape.dims[2];
  const std::vector<double> map = lrp::render::SumChannels(session->relevance(), h, w, c);
  lrp::render::RgbImage heatmap, overlay;
  status = lrp::render::RenderHeatmap(map, h, w, lrp::render::HeatmapOptions(), &heatmap);
  if (status.ok()) status = lrp::render::WritePng("heatmap.png", heatmap);
  if (status.ok()) status = lrp::render::RenderOverlay(fitted, map, heatmap, &overlay);
  if (status.ok()) status = lrp::render::WritePng("overlay.png", overlay);
  if (!status.ok()) return Fail(status);
  std::printf("wrote heatmap.png and overlay.png (%zux%zu)\n", heatmap.width, heatmap.height);
  return 0;
}
