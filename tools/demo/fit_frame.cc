#include "tools/demo/fit_frame.h"

#include <algorithm>
#include <cstddef>

#include "tools/io/preprocess.h"

namespace lrp {
namespace demo {
namespace {

// The source range [first, last) that output index i of n covers in a
// source of `size`; never empty.
void Box(int i, int n, int size, int* first, int* last) {
  *first = static_cast<int>(static_cast<int64_t>(i) * size / n);
  *last = std::max(*first + 1, static_cast<int>(static_cast<int64_t>(i + 1) * size / n));
}

}  // namespace

void FitFrame(const uint8_t* rgb, int width, int height, int out_width, int out_height,
              int out_channels, uint8_t* out) {
  for (int oy = 0; oy < out_height; ++oy) {
    int y0 = 0, y1 = 0;
    Box(oy, out_height, height, &y0, &y1);
    for (int ox = 0; ox < out_width; ++ox) {
      int x0 = 0, x1 = 0;
      Box(ox, out_width, width, &x0, &x1);
      uint64_t sum[3] = {0, 0, 0};
      for (int y = y0; y < y1; ++y) {
        const uint8_t* px = rgb + (static_cast<size_t>(y) * width + x0) * 3;
        for (int x = x0; x < x1; ++x, px += 3) {
          sum[0] += px[0];
          sum[1] += px[1];
          sum[2] += px[2];
        }
      }
      const uint64_t count = static_cast<uint64_t>(y1 - y0) * static_cast<uint64_t>(x1 - x0);
      uint8_t mean[3];
      for (int c = 0; c < 3; ++c) mean[c] = static_cast<uint8_t>((sum[c] + count / 2) / count);
      uint8_t* dst = out + (static_cast<size_t>(oy) * out_width + ox) * out_channels;
      if (out_channels == 1) {
        dst[0] = io::GrayValue(mean, 3);
      } else {
        std::copy(mean, mean + 3, dst);
      }
    }
  }
}

}  // namespace demo
}  // namespace lrp
