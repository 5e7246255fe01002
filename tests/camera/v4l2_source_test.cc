// The V4L2 camera source (ports/camera/v4l2_source.cc). Paths that are not
// a capture device must fail cleanly, naming the path. With a real camera
// at /dev/video0 the capture path runs too; without one (a container, a CI
// machine) that test is skipped.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ports/camera/frame_source.h"
#include "tests/support/alloc_counter.h"

namespace lrp {
namespace camera {
namespace {

Status OpenCamera(const std::string& path, std::unique_ptr<FrameSource>* source,
                  int width = 640, int height = 480) {
  FrameSourceOptions options;
  options.kind = FrameSourceOptions::Kind::kCamera;
  options.path = path;
  options.width = width;
  options.height = height;
  return OpenFrameSource(options, source);
}

TEST(V4l2Source, MissingDevice) {
  std::unique_ptr<FrameSource> source;
  Status status = OpenCamera("/dev/video-lrp-missing", &source);
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_EQ(status.message(),
            "/dev/video-lrp-missing: cannot open camera: No such file or directory");
  EXPECT_EQ(source, nullptr);
}

TEST(V4l2Source, RegularFileIsNotAVideoDevice) {
  const std::string path = std::string(LRP_TEST_TMPDIR) + "/camera_not_a_device";
  std::ofstream(path) << "frames?";
  std::unique_ptr<FrameSource> source;
  Status status = OpenCamera(path, &source);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), path + ": not a video device (not a character device)");
  status = OpenCamera(LRP_TEST_TMPDIR, &source);  // a directory
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source, nullptr);
}

#if defined(__linux__)
// A character device that is no V4L2 device: VIDIOC_QUERYCAP fails.
TEST(V4l2Source, CharacterDeviceThatIsNotV4l2) {
  std::unique_ptr<FrameSource> source;
  Status status = OpenCamera("/dev/null", &source);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message().rfind("/dev/null: not a V4L2 device (VIDIOC_QUERYCAP): ", 0), 0u)
      << status.message();
  EXPECT_EQ(source, nullptr);
}
#endif

TEST(V4l2Source, SizeMustBePositive) {
  std::unique_ptr<FrameSource> source;
  Status status = OpenCamera("/dev/null", &source, 0, 480);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "/dev/null: camera size 0x480 is not positive");
}

// Only with a camera attached: frames arrive at the negotiated size, and
// a YUYV camera's Next() allocates nothing after the first call.
TEST(V4l2Source, CapturesFromARealCamera) {
  struct stat info;
  if (stat("/dev/video0", &info) != 0) GTEST_SKIP() << "no /dev/video0: no camera here";
  std::unique_ptr<FrameSource> source;
  Status status = OpenCamera("/dev/video0", &source);
  if (status.code() == StatusCode::kUnsupported) GTEST_SKIP() << status.ToString();
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::vector<uint8_t> pixels(static_cast<size_t>(source->max_width()) * source->max_height() * 3);
  RgbFrame frame;
  frame.pixels = pixels.data();
  frame.capacity = pixels.size();
  status = source->Next(&frame);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(frame.sequence, 1u);
  EXPECT_GT(frame.width, 0);
  EXPECT_LE(frame.width, source->max_width());
  EXPECT_LE(frame.height, source->max_height());
  if (source->Describe().find("YUYV") != std::string::npos && test::AllocCounterAvailable()) {
    test::ScopedAllocCounter counter;
    for (int n = 0; n < 5; ++n) ASSERT_TRUE(source->Next(&frame).ok());
    EXPECT_EQ(counter.allocations(), 0u);
  }
}

}  // namespace
}  // namespace camera
}  // namespace lrp
