// Hyper-parameters of one layer, independent of the file format.
//
// One flat struct for every layer kind: each kind reads only the fields its
// comment names, the rest keep their defaults. The loader fills it from the
// .lrpm file, ModelBuilder from code; shape inference and the runtime read it.
#ifndef LRP_LAYER_PARAMS_H_
#define LRP_LAYER_PARAMS_H_

#include <cstdint>

#include <cstddef>

#include "lrp/shape.h"

namespace lrp {

enum class Activation : uint8_t { kNone = 0, kRelu = 1, kRelu6 = 2 };

struct Padding {
  int32_t top = 0, left = 0, bottom = 0, right = 0;
};

struct LayerParams {
  // Conv2D: output channels; Dense: output features.
  int32_t out_channels = 0;
  // Conv2D, MaxPool2D, AvgPool2D: the window.
  int32_t kernel_h = 1, kernel_w = 1;
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;  // Conv2D, MaxPool2D
  Padding padding;
  int32_t groups = 1;                      // Conv2D
  Activation activation = Activation::kNone;  // Conv2D, Dense, Add
  bool count_include_pad = false;          // AvgPool2D
  float clamp_min = 0.0f, clamp_max = 6.0f;  // Clamp
  float alpha = 0.01f;                     // LeakyRelu slope; LRN alpha
  float beta = 0.75f, bias = 1.0f;         // LRN
  int32_t size = 0;                        // LRN window (channels)
  float epsilon = 1e-5f;                   // BatchNorm
  Shape shape;                             // Reshape target
};

// Weight buffers of a layer, pointing into the model's bytes.
//   Conv2D, Dense: [0] weights, [1] bias (may be null)
//   BatchNorm:     [0] mean, [1] variance, [2] scale, [3] offset
struct LayerBuffers {
  const float* data[4] = {nullptr, nullptr, nullptr, nullptr};
  size_t size[4] = {0, 0, 0, 0};  // elements
};

}  // namespace lrp

#endif  // LRP_LAYER_PARAMS_H_
