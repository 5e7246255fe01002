// From an input file or 8-bit pixels to the model's input tensor.
//
// The convention is torchvision's: pixels are scaled to [0, 1] (x / 255) and
// then normalized per channel, x' = (x - mean) / std, with the mean and std
// the model stores in its input description (none stored: no
// normalization). Images of any size and channel count are first brought to
// the model's input: grayscale is replicated to RGB, colour is reduced to
// gray with the ITU-R BT.601 luma weights, alpha is dropped, and the picture
// is resized to the model's H x W (stb_image_resize's default filters,
// applied to the 8-bit values as stored, without sRGB linearization).
#ifndef LRP_TOOLS_IO_PREPROCESS_H_
#define LRP_TOOLS_IO_PREPROCESS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/status.h"
#include "tools/io/image.h"
#include "tools/io/npy.h"

namespace lrp {
namespace io {

// Ok when the model takes an image: input [H, W, C] with C 1 or 3.
Status CheckImageModel(const Model& model);

// Converts `image` to `channels` channels (1 or 3) and resizes it to
// width x height (unchanged when the size already matches).
Status FitImage(const Image& image, int width, int height, int channels, Image* out);

// The model input for `image`, in the runtime layout [H, W, C]. `fitted`,
// when not null, receives the picture at the model's size and channel count
// (what an overlay is drawn on).
Status ImageToModelInput(const Image& image, const Model& model, std::vector<float>* nhwc,
                         Image* fitted = nullptr);

// Scales and normalizes pixels that already have the model's input size and
// channel count; `pixels` holds H * W * C bytes.
void PixelsToModelInput(const uint8_t* pixels, const Model& model, float* nhwc);

// One gray value of a pixel with `channels` interleaved values: BT.601 luma
// of the first three for colour, the value itself for gray (+ alpha).
uint8_t GrayValue(const uint8_t* px, int channels);

// A model input read from a file that is either a .npy array or an image
// (DetectInputKind decides; anything else is an error).
struct ModelInput {
  bool is_image = false;
  std::vector<float> nhwc;  // the input tensor, runtime layout
  NpyArray array;           // .npy: the array as stored (shape, file order)
  Image fitted;             // image: the picture at the model's size
  int image_width = 0, image_height = 0, image_channels = 0;  // image as decoded
};

// Reads `path` as the input of `model`: a .npy array in the model's source
// layout, or an image (the model must take one; see CheckImageModel).
// Messages name the file.
Status ReadModelInput(const std::string& path, const Model& model, ModelInput* out);

}  // namespace io
}  // namespace lrp

#endif  // LRP_TOOLS_IO_PREPROCESS_H_
