// The image frame sources (ports/camera/image_sources.cc) through
// OpenFrameSource: one file, a directory cycled in name order, the
// conversions to RGB, the caps and every error, and that Next() allocates
// nothing.
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ports/camera/frame_source.h"
#include "tests/support/alloc_counter.h"

namespace lrp {
namespace camera {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test.
std::string TestDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string dir =
      std::string(LRP_TEST_TMPDIR) + "/camera_" + info->test_suite_name() + "_" + info->name();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A w x h RGB image whose every byte depends on position and `seed`.
std::vector<uint8_t> Pattern(int w, int h, int seed) {
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 7 + seed * 31);
  return rgb;
}

void WritePng(const std::string& path, int w, int h, int channels, const std::vector<uint8_t>& px) {
  ASSERT_NE(stbi_write_png(path.c_str(), w, h, channels, px.data(), w * channels), 0) << path;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

Status Open(FrameSourceOptions::Kind kind, const std::string& path,
            std::unique_ptr<FrameSource>* source) {
  FrameSourceOptions options;
  options.kind = kind;
  options.path = path;
  return OpenFrameSource(options, source);
}

// Frame buffers as the demo keeps them: sized once from the source.
struct Buffer {
  std::vector<uint8_t> bytes;
  RgbFrame frame;
  explicit Buffer(const FrameSource& source)
      : bytes(static_cast<size_t>(source.max_width()) * source.max_height() * 3) {
    frame.pixels = bytes.data();
    frame.capacity = bytes.size();
  }
  std::vector<uint8_t> Pixels() const {
    return std::vector<uint8_t>(bytes.begin(),
                                bytes.begin() + static_cast<size_t>(frame.width) * frame.height * 3);
  }
};

TEST(ImageFileSource, DeliversTheImageEveryTime) {
  const std::string path = TestDir() + "/one.png";
  const std::vector<uint8_t> rgb = Pattern(5, 3, 1);
  WritePng(path, 5, 3, 3, rgb);
  std::unique_ptr<FrameSource> source;
  ASSERT_TRUE(Open(FrameSourceOptions::Kind::kImageFile, path, &source).ok());
  EXPECT_EQ(source->max_width(), 5);
  EXPECT_EQ(source->max_height(), 3);
  EXPECT_EQ(source->Describe(), path + " 5x3");
  Buffer buffer(*source);
  for (uint64_t n = 1; n <= 3; ++n) {
    ASSERT_TRUE(source->Next(&buffer.frame).ok());
    EXPECT_EQ(buffer.frame.width, 5);
    EXPECT_EQ(buffer.frame.height, 3);
    EXPECT_EQ(buffer.frame.sequence, n);
    EXPECT_EQ(buffer.Pixels(), rgb);
  }
}

TEST(ImageFileSource, GrayAndAlphaBecomeRgb) {
  const std::string dir = TestDir();
  const std::vector<uint8_t> gray = {0, 50, 100, 150, 200, 250};  // 3 x 2
  WritePng(dir + "/gray.png", 3, 2, 1, gray);
  std::vector<uint8_t> rgba = {10, 20, 30, 0, 40, 50, 60, 255};  // 2 x 1
  WritePng(dir + "/rgba.png", 2, 1, 4, rgba);
  std::unique_ptr<FrameSource> source;
  ASSERT_TRUE(Open(FrameSourceOptions::Kind::kImageFile, dir + "/gray.png", &source).ok());
  Buffer gray_buffer(*source);
  ASSERT_TRUE(source->Next(&gray_buffer.frame).ok());
  std::vector<uint8_t> expected;
  for (uint8_t g : gray) expected.insert(expected.end(), {g, g, g});
  EXPECT_EQ(gray_buffer.Pixels(), expected);

  ASSERT_TRUE(Open(FrameSourceOptions::Kind::kImageFile, dir + "/rgba.png", &source).ok());
  Buffer rgba_buffer(*source);
  ASSERT_TRUE(source->Next(&rgba_buffer.frame).ok());
  EXPECT_EQ(rgba_buffer.Pixels(), (std::vector<uint8_t>{10, 20, 30, 40, 50, 60}));
}

TEST(ImageDirectorySource, CyclesInNameOrderAndWraps) {
  const std::string dir = TestDir();
  // Written out of order, with different sizes and case-mixed extensions.
  WritePng(dir + "/b.PNG", 2, 6, 3, Pattern(2, 6, 2));
  WritePng(dir + "/c.png", 3, 1, 3, Pattern(3, 1, 3));
  WritePng(dir + "/a.png", 4, 2, 3, Pattern(4, 2, 1));
  // Not images of the slide show: ignored.
  WriteText(dir + "/notes.txt", "not an image");
  WritePng(dir + "/.hidden.png", 1, 1, 3, Pattern(1, 1, 9));
  fs::create_directories(dir + "/sub.png");
  WritePng(dir + "/sub.png/d.png", 1, 1, 3, Pattern(1, 1, 8));

  std::unique_ptr<FrameSource> source;
  Status status = Open(FrameSourceOptions::Kind::kImageDirectory, dir, &source);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(source->Describe(), dir + " (3 images)");
  EXPECT_EQ(source->max_width(), 4);
  EXPECT_EQ(source->max_height(), 6);
  Buffer buffer(*source);
  const int widths[] = {4, 2, 3};
  const int heights[] = {2, 6, 1};
  for (int n = 0; n < 7; ++n) {
    const int k = n % 3;
    ASSERT_TRUE(source->Next(&buffer.frame).ok());
    EXPECT_EQ(buffer.frame.width, widths[k]) << "frame " << n;
    EXPECT_EQ(buffer.frame.height, heights[k]) << "frame " << n;
    EXPECT_EQ(buffer.frame.sequence, static_cast<uint64_t>(n + 1));
    EXPECT_EQ(buffer.Pixels(), Pattern(widths[k], heights[k], k + 1)) << "frame " << n;
  }
}

TEST(ImageDirectorySource, JpegFilesCount) {
  const std::string dir = TestDir();
  const std::vector<uint8_t> rgb = Pattern(8, 8, 4);
  ASSERT_NE(stbi_write_jpg((dir + "/x.jpeg").c_str(), 8, 8, 3, rgb.data(), 95), 0);
  std::unique_ptr<FrameSource> source;
  ASSERT_TRUE(Open(FrameSourceOptions::Kind::kImageDirectory, dir, &source).ok());
  EXPECT_EQ(source->Describe(), dir + " (1 image)");
}

TEST(ImageDirectorySource, NextAllocatesNothing) {
  if (!test::AllocCounterAvailable()) GTEST_SKIP() << "allocation counting unavailable";
  const std::string dir = TestDir();
  WritePng(dir + "/a.png", 64, 48, 3, Pattern(64, 48, 1));
  WritePng(dir + "/b.png", 32, 32, 3, Pattern(32, 32, 2));
  std::unique_ptr<FrameSource> source;
  ASSERT_TRUE(Open(FrameSourceOptions::Kind::kImageDirectory, dir, &source).ok());
  Buffer buffer(*source);
  test::ScopedAllocCounter counter;
  bool all_ok = true;
  for (int n = 0; n < 10; ++n) all_ok &= source->Next(&buffer.frame).ok();
  const size_t allocations = counter.allocations();
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(allocations, 0u);
}

TEST(ImageSourceErrors, MissingPaths) {
  const std::string dir = TestDir();
  std::unique_ptr<FrameSource> source;
  Status status = Open(FrameSourceOptions::Kind::kImageFile, dir + "/none.png", &source);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(dir + "/none.png"), std::string::npos) << status.message();
  EXPECT_EQ(source, nullptr);

  status = Open(FrameSourceOptions::Kind::kImageDirectory, dir + "/none", &source);
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_EQ(status.message(), dir + "/none: no such directory");

  WriteText(dir + "/file.png", "x");
  status = Open(FrameSourceOptions::Kind::kImageDirectory, dir + "/file.png", &source);
  EXPECT_EQ(status.message(), dir + "/file.png: not a directory");

  status = Open(FrameSourceOptions::Kind::kImageFile, dir, &source);  // a directory
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.message().rfind(dir, 0), 0u) << status.message();

  status = Open(FrameSourceOptions::Kind::kImageFile, "", &source);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "frame source: no path given");
}

TEST(ImageSourceErrors, DirectoryWithoutImages) {
  const std::string dir = TestDir();
  std::unique_ptr<FrameSource> source;
  Status status = Open(FrameSourceOptions::Kind::kImageDirectory, dir, &source);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), dir + ": no image files (.png, .jpg, .bmp, ...) in the directory");
  WriteText(dir + "/readme.txt", "only text here");
  status = Open(FrameSourceOptions::Kind::kImageDirectory, dir, &source);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source, nullptr);
}

TEST(ImageSourceErrors, BrokenImageFailsNamingIt) {
  const std::string dir = TestDir();
  WritePng(dir + "/a.png", 2, 2, 3, Pattern(2, 2, 1));
  WriteText(dir + "/b.png", "\x89PNG\r\n\x1a\n but then nothing of a PNG");
  WritePng(dir + "/c.png", 2, 2, 3, Pattern(2, 2, 1));
  std::unique_ptr<FrameSource> source;
  Status status = Open(FrameSourceOptions::Kind::kImageDirectory, dir, &source);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message().rfind(dir + "/b.png", 0), 0u) << status.message();
  EXPECT_EQ(status.message().find('\n'), std::string::npos);
  EXPECT_EQ(source, nullptr);

  status = Open(FrameSourceOptions::Kind::kImageFile, dir + "/b.png", &source);
  EXPECT_EQ(status.message().rfind(dir + "/b.png", 0), 0u) << status.message();
}

TEST(ImageSourceErrors, FrameLargerThanCapacity) {
  const std::string dir = TestDir();
  WritePng(dir + "/a.png", 2, 2, 3, Pattern(2, 2, 1));
  WritePng(dir + "/b.png", 4, 3, 3, Pattern(4, 3, 2));
  std::unique_ptr<FrameSource> source;
  ASSERT_TRUE(Open(FrameSourceOptions::Kind::kImageDirectory, dir, &source).ok());
  std::vector<uint8_t> small(2 * 2 * 3);
  RgbFrame frame;
  frame.pixels = small.data();
  frame.capacity = small.size();
  ASSERT_TRUE(source->Next(&frame).ok());  // a.png fits
  Status status = source->Next(&frame);    // b.png does not
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            dir + "/b.png is 4x3 and needs 36 bytes; the frame buffer holds 12");
  EXPECT_EQ(frame.width, 2);  // the frame is left as it was
  EXPECT_EQ(frame.sequence, 1u);

  RgbFrame no_buffer;
  status = source->Next(&no_buffer);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(source->Next(nullptr).ok());
}

}  // namespace
}  // namespace camera
}  // namespace lrp
