// The demo's frame loop allocates nothing after warm-up: capture (the
// image-directory source), fit, Forward, Explain, render, JPEG encoding and
// publishing, on both threads, with every malloc and operator new of the
// process counted (tests/support/alloc_counter.h). What is not counted is
// the HTTP side, which copies each JPEG it sends into a string of its own.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "lrp/model.h"
#include "ports/camera/frame_source.h"
#include "tests/support/alloc_counter.h"
#include "tools/demo/frame_loop.h"
#include "tools/demo/frame_processor.h"
#include "tools/demo/result_slot.h"

namespace lrp {
namespace demo {
namespace {

const std::string kModel = std::string(LRP_SOURCE_DIR) + "/examples/models/fashion_mnist_cnn.lrpm";
const std::string kImages = std::string(LRP_SOURCE_DIR) + "/examples/images";

// Waits until the slot has published frame `n` (or 60 s pass).
uint64_t WaitForFrame(const ResultSlot& slot, uint64_t n) {
  uint64_t frame = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (frame < n && std::chrono::steady_clock::now() < deadline) {
    frame = slot.WaitNewer(frame, std::chrono::milliseconds(100));
  }
  return frame;
}

class FrameLoopAllocTest : public ::testing::TestWithParam<int> {};

TEST_P(FrameLoopAllocTest, NoAllocationAfterWarmUp) {
  if (!test::AllocCounterAvailable()) GTEST_SKIP() << "allocator not interposable in this build";
  Model model;
  ASSERT_TRUE(Model::Load(kModel, &model).ok());
  ProcessorOptions options;
  options.composites = {"epsilon-gamma-box", "epsilon-plus"};
  options.threads = GetParam();
  std::unique_ptr<FrameProcessor> processor;
  Status s = FrameProcessor::Create(model, options, &processor);
  ASSERT_TRUE(s.ok()) << s.ToString();
  camera::FrameSourceOptions source_options;
  source_options.kind = camera::FrameSourceOptions::Kind::kImageDirectory;
  source_options.path = kImages;
  std::unique_ptr<camera::FrameSource> source;
  s = camera::OpenFrameSource(source_options, &source);
  ASSERT_TRUE(s.ok()) << s.ToString();

  size_t capacity[kNumViews];
  for (size_t& c : capacity) c = processor->jpeg_capacity();
  ResultSlot slot(capacity);
  FrameLoopOptions loop_options;
  loop_options.paced = true;  // interval 0: every image, as fast as possible
  FrameLoop loop(source.get(), processor.get(), &slot, loop_options);
  ASSERT_TRUE(loop.Start().ok());

  // Warm-up: a full cycle of the images with each composite.
  ASSERT_GE(WaitForFrame(slot, 12), 12u);
  loop.SelectComposite(1);
  ASSERT_GE(WaitForFrame(slot, 24), 24u);
  loop.SelectComposite(0);
  ASSERT_GE(WaitForFrame(slot, 26), 26u);

  size_t allocations = 0, bytes = 0;
  uint64_t first = 0, last = 0;
  {
    test::ScopedAllocCounter counter;
    first = slot.WaitNewer(0, std::chrono::milliseconds(0));
    // Switching composites is part of the loop too.
    loop.SelectComposite(1);
    const uint64_t reached = WaitForFrame(slot, first + 15);
    loop.SelectComposite(0);
    last = WaitForFrame(slot, reached + 15);
    allocations = counter.allocations();
    bytes = counter.bytes();
  }
  loop.Stop();
  ASSERT_TRUE(loop.error().ok()) << loop.error().ToString();
  EXPECT_GE(last, first + 30) << "the loop did not run while counting";
  EXPECT_EQ(allocations, 0u) << bytes << " bytes allocated over " << (last - first) << " frames";

  FrameStatus status;
  ASSERT_TRUE(slot.ReadStatus(&status));
  EXPECT_EQ(status.dropped, 0u) << "a paced source with interval 0 never drops";
  EXPECT_EQ(status.top_count, 5);
  EXPECT_GT(status.total_ms, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Threads, FrameLoopAllocTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace demo
}  // namespace lrp
