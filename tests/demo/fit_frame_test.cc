// FitFrame: area averaging when shrinking, nearest neighbour when enlarging,
// BT.601 gray, no reads outside the frame.
#include "tools/demo/fit_frame.h"

#include <gtest/gtest.h>

#include <vector>

#include "tools/io/preprocess.h"

namespace lrp {
namespace demo {
namespace {

TEST(FitFrameTest, ShrinkAveragesEachBox) {
  // 4x2 RGB -> 2x1: each output pixel is the mean of a 2x2 box.
  const std::vector<uint8_t> rgb = {
      0,  0,  0,  10, 20, 30, 100, 100, 100, 200, 200, 200,  // row 0
      20, 40, 60, 30, 60, 90, 100, 100, 100, 201, 201, 201,  // row 1
  };
  std::vector<uint8_t> out(2 * 3);
  FitFrame(rgb.data(), 4, 2, 2, 1, 3, out.data());
  // (0+10+20+30)/4 = 15, (0+20+40+60)/4 = 30, (0+30+60+90)/4 = 45;
  // (100+200+100+201)/4 = 150.25 -> 150.
  EXPECT_EQ(out, (std::vector<uint8_t>{15, 30, 45, 150, 150, 150}));
}

TEST(FitFrameTest, GrayIsTheLumaOfTheMean) {
  const std::vector<uint8_t> rgb = {255, 0, 0, 255, 0, 0};  // 2x1 red
  uint8_t gray = 0;
  FitFrame(rgb.data(), 2, 1, 1, 1, 1, &gray);
  const uint8_t red[3] = {255, 0, 0};
  EXPECT_EQ(gray, io::GrayValue(red, 3));
  EXPECT_EQ(gray, 76);
}

TEST(FitFrameTest, EnlargeRepeatsPixels) {
  const std::vector<uint8_t> rgb = {1, 2, 3, 4, 5, 6};  // 2x1
  std::vector<uint8_t> out(4 * 2 * 3);
  FitFrame(rgb.data(), 2, 1, 4, 2, 3, out.data());
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 4; ++x) {
      const uint8_t* px = &out[(y * 4 + x) * 3];
      EXPECT_EQ(px[0], x < 2 ? 1 : 4) << x << "," << y;
      EXPECT_EQ(px[2], x < 2 ? 3 : 6) << x << "," << y;
    }
  }
}

TEST(FitFrameTest, OddSizesCoverTheWholeFrame) {
  // 7x5 -> 3x2 of a constant frame stays constant (every box non-empty and
  // inside the frame).
  std::vector<uint8_t> rgb(7 * 5 * 3, 77);
  std::vector<uint8_t> out(3 * 2 * 3, 0);
  FitFrame(rgb.data(), 7, 5, 3, 2, 3, out.data());
  for (uint8_t v : out) EXPECT_EQ(v, 77);
}

}  // namespace
}  // namespace demo
}  // namespace lrp
