#include "tools/io/npy_layout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lrp {
namespace io {
namespace {

// (1, C=2, H=2, W=3) in NCHW, values encode their c, h, w as c*100+h*10+w.
NpyArray ChannelsFirst(bool with_batch) {
  NpyArray a;
  a.shape = with_batch ? std::vector<int64_t>{1, 2, 2, 3} : std::vector<int64_t>{2, 2, 3};
  for (int c = 0; c < 2; ++c) {
    for (int h = 0; h < 2; ++h) {
      for (int w = 0; w < 3; ++w) a.data.push_back(static_cast<float>(c * 100 + h * 10 + w));
    }
  }
  return a;
}

TEST(NpyLayoutTest, SourceShapes) {
  EXPECT_EQ(SourceShape(Shape{32, 24, 3}, SourceLayout::kNCHW),
            (std::vector<int64_t>{1, 3, 32, 24}));
  EXPECT_EQ(SourceShape(Shape{32, 24, 3}, SourceLayout::kNHWC),
            (std::vector<int64_t>{1, 32, 24, 3}));
  EXPECT_EQ(SourceShape(Shape{10}, SourceLayout::kNCHW), (std::vector<int64_t>{1, 10}));
  EXPECT_EQ(SourceShape(Shape{10}, SourceLayout::kNC), (std::vector<int64_t>{1, 10}));
}

TEST(NpyLayoutTest, TransposesNchwInput) {
  for (bool with_batch : {true, false}) {
    std::vector<float> nhwc;
    Status s =
        ToRuntimeLayout(ChannelsFirst(with_batch), Shape{2, 3, 2}, SourceLayout::kNCHW, &nhwc);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(nhwc.size(), 12u);
    for (int h = 0; h < 2; ++h) {
      for (int w = 0; w < 3; ++w) {
        for (int c = 0; c < 2; ++c) {
          EXPECT_EQ(nhwc[(h * 3 + w) * 2 + c], static_cast<float>(c * 100 + h * 10 + w));
        }
      }
    }
  }
}

TEST(NpyLayoutTest, RoundTripsThroughRuntimeLayout) {
  std::vector<float> nhwc;
  ASSERT_TRUE(
      ToRuntimeLayout(ChannelsFirst(true), Shape{2, 3, 2}, SourceLayout::kNCHW, &nhwc).ok());
  NpyArray back;
  FromRuntimeLayout(nhwc.data(), Shape{2, 3, 2}, SourceLayout::kNCHW, &back);
  EXPECT_EQ(back.shape, ChannelsFirst(true).shape);
  EXPECT_EQ(back.data, ChannelsFirst(true).data);
}

TEST(NpyLayoutTest, NhwcAndVectorsAreCopied) {
  NpyArray a;
  a.shape = {1, 2, 3, 2};
  for (int i = 0; i < 12; ++i) a.data.push_back(static_cast<float>(i));
  std::vector<float> out;
  ASSERT_TRUE(ToRuntimeLayout(a, Shape{2, 3, 2}, SourceLayout::kNHWC, &out).ok());
  EXPECT_EQ(out, a.data);

  NpyArray v;
  v.shape = {4};
  v.data = {1, 2, 3, 4};
  ASSERT_TRUE(ToRuntimeLayout(v, Shape{4}, SourceLayout::kNCHW, &out).ok());
  EXPECT_EQ(out, v.data);

  NpyArray back;
  FromRuntimeLayout(v.data.data(), Shape{4}, SourceLayout::kNCHW, &back);
  EXPECT_EQ(back.shape, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(back.data, v.data);
}

TEST(NpyLayoutTest, MismatchNamesBothShapes) {
  NpyArray a = ChannelsFirst(true);
  a.shape = {1, 2, 3, 2};  // NHWC order given to an NCHW model
  std::vector<float> out;
  Status s = ToRuntimeLayout(a, Shape{2, 3, 2}, SourceLayout::kNCHW, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("(1, 2, 3, 2)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("[2, 3, 2]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("expected (1, 2, 2, 3)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("NCHW"), std::string::npos) << s.message();

  a.shape = {2, 1, 2, 2, 3};  // a batch of two
  EXPECT_FALSE(ToRuntimeLayout(a, Shape{2, 3, 2}, SourceLayout::kNCHW, &out).ok());

  NpyArray inconsistent = ChannelsFirst(true);
  inconsistent.data.pop_back();
  s = ToRuntimeLayout(inconsistent, Shape{2, 3, 2}, SourceLayout::kNCHW, &out);
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace io
}  // namespace lrp
