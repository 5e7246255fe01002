// The YUYV to RGB kernels (ports/camera/yuyv_to_rgb.h): the scalar
// reference against known colours and the BT.601 formula in floating
// point, and every variant this CPU runs against the reference, byte for
// byte, on every width up to a few vectors plus odd and real sizes, with
// misaligned source and destination. The source ends right before an
// inaccessible page, so a kernel that reads past its last macropixel
// crashes the test; guard bytes around the destination catch writes past
// width * 3.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ports/camera/yuyv_to_rgb.h"
#include "tests/support/alloc_counter.h"

namespace lrp {
namespace camera {
namespace {

constexpr uint8_t kGuard = 0xA5;
constexpr size_t kGuardBytes = 32;

// Bytes placed so that the last one is followed by a PROT_NONE page.
class PageEndBuffer {
 public:
  explicit PageEndBuffer(size_t size) : size_(size) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    data_pages_ = (size + page_ - 1) / page_ + 1;
    map_ = mmap(nullptr, (data_pages_ + 1) * page_, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(map_, MAP_FAILED);
    EXPECT_EQ(mprotect(static_cast<uint8_t*>(map_) + data_pages_ * page_, page_, PROT_NONE), 0);
  }
  ~PageEndBuffer() { munmap(map_, (data_pages_ + 1) * page_); }
  uint8_t* data() { return static_cast<uint8_t*>(map_) + data_pages_ * page_ - size_; }

 private:
  size_t size_, page_ = 0, data_pages_ = 0;
  void* map_ = nullptr;
};

size_t YuyvBytes(size_t width) { return (width + 1) / 2 * 4; }

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(byte(rng));
  return v;
}

// Runs `kernel` on `yuyv` (width pixels), the source ending at an
// inaccessible page and the destination `dst_offset` bytes past a guard
// zone. Returns the RGB bytes, after checking the guards.
std::vector<uint8_t> RunRow(const YuyvToRgbKernel& kernel, size_t width,
                            const std::vector<uint8_t>& yuyv, size_t dst_offset) {
  PageEndBuffer src(yuyv.size());
  if (!yuyv.empty()) std::memcpy(src.data(), yuyv.data(), yuyv.size());
  std::vector<uint8_t> dst(kGuardBytes + dst_offset + width * 3 + kGuardBytes, kGuard);
  kernel.row(width, src.data(), dst.data() + kGuardBytes + dst_offset);
  for (size_t i = 0; i < kGuardBytes + dst_offset; ++i) {
    EXPECT_EQ(dst[i], kGuard) << kernel.isa << " width " << width << ": wrote before the row";
  }
  for (size_t i = kGuardBytes + dst_offset + width * 3; i < dst.size(); ++i) {
    EXPECT_EQ(dst[i], kGuard) << kernel.isa << " width " << width << ": wrote past the row";
  }
  return std::vector<uint8_t>(dst.begin() + kGuardBytes + dst_offset,
                              dst.begin() + kGuardBytes + dst_offset + width * 3);
}

std::vector<uint8_t> OneColour(size_t width, uint8_t y, uint8_t u, uint8_t v) {
  std::vector<uint8_t> yuyv(YuyvBytes(width));
  for (size_t i = 0; i < yuyv.size(); i += 4) {
    yuyv[i] = y;
    yuyv[i + 1] = u;
    yuyv[i + 2] = y;
    yuyv[i + 3] = v;
  }
  return yuyv;
}

struct KnownColour {
  const char* name;
  uint8_t y, u, v;
  uint8_t r, g, b;
};

// BT.601 limited range: black and white are Y = 16 and 235 without chroma;
// red and blue are the studio-swing encodings of (255,0,0) and (0,0,255).
// Values beyond studio swing clamp.
const KnownColour kKnownColours[] = {
    {"black", 16, 128, 128, 0, 0, 0},     {"white", 235, 128, 128, 255, 255, 255},
    {"red", 81, 90, 240, 255, 0, 0},      {"blue", 41, 240, 110, 0, 0, 255},
    {"below black", 0, 128, 128, 0, 0, 0}, {"above white", 255, 128, 128, 255, 255, 255},
};

TEST(YuyvToRgb, KnownColoursEveryVariant) {
  for (const YuyvToRgbKernel* kernel : SupportedYuyvToRgb()) {
    for (const KnownColour& c : kKnownColours) {
      const size_t width = 37;  // a vector or two plus an odd tail
      const std::vector<uint8_t> rgb = RunRow(*kernel, width, OneColour(width, c.y, c.u, c.v), 0);
      for (size_t i = 0; i < width; ++i) {
        ASSERT_EQ(rgb[3 * i], c.r) << kernel->isa << " " << c.name << " pixel " << i;
        ASSERT_EQ(rgb[3 * i + 1], c.g) << kernel->isa << " " << c.name << " pixel " << i;
        ASSERT_EQ(rgb[3 * i + 2], c.b) << kernel->isa << " " << c.name << " pixel " << i;
      }
    }
  }
}

// The integer coefficients are BT.601's in 8-bit fixed point; with the
// +128 rounding the result is within 1 of the real-valued formula.
TEST(YuyvToRgb, ScalarMatchesBt601Formula) {
  auto clamp = [](double x) { return x < 0 ? 0.0 : (x > 255 ? 255.0 : x); };
  std::vector<uint8_t> yuyv(4);
  for (int y = 0; y < 256; y += 3) {
    for (int u = 0; u < 256; u += 5) {
      for (int v = 0; v < 256; v += 5) {
        yuyv = {static_cast<uint8_t>(y), static_cast<uint8_t>(u), static_cast<uint8_t>(y),
                static_cast<uint8_t>(v)};
        uint8_t rgb[6];
        ScalarYuyvToRgb().row(2, yuyv.data(), rgb);
        const double c = 1.164 * (y - 16), d = u - 128.0, e = v - 128.0;
        const double expected[3] = {clamp(c + 1.596 * e), clamp(c - 0.392 * d - 0.813 * e),
                                    clamp(c + 2.017 * d)};
        for (int k = 0; k < 3; ++k) {
          ASSERT_LE(std::fabs(rgb[k] - expected[k]), 1.0)
              << "Y " << y << " U " << u << " V " << v << " channel " << k;
          ASSERT_EQ(rgb[k], rgb[3 + k]);  // both pixels of the pair share chroma
        }
      }
    }
  }
}

// The two pixels of a macropixel take their own Y and the shared U, V.
TEST(YuyvToRgb, PixelPairsShareChroma) {
  const std::vector<uint8_t> yuyv = {16, 128, 235, 128, 81, 90, 41, 240};
  // Pixel 3 is Y 41 with U 90, V 240: not blue, a dark red.
  uint8_t rgb[12];
  ScalarYuyvToRgb().row(4, yuyv.data(), rgb);
  const uint8_t expected[12] = {0, 0, 0, 255, 255, 255, 255, 0, 0, 208, 0, 0};
  for (int k = 0; k < 12; ++k) EXPECT_EQ(rgb[k], expected[k]) << "byte " << k;
}

TEST(YuyvToRgb, EveryVariantMatchesScalarOnEveryWidth) {
  std::vector<size_t> widths;
  for (size_t w = 0; w <= 3 * 32 + 7; ++w) widths.push_back(w);
  for (size_t w : {127, 160, 161, 639, 640, 641, 1283}) widths.push_back(w);
  for (const YuyvToRgbKernel* kernel : SupportedYuyvToRgb()) {
    for (size_t width : widths) {
      const std::vector<uint8_t> yuyv = RandomBytes(YuyvBytes(width), static_cast<uint32_t>(width));
      const std::vector<uint8_t> expected = RunRow(ScalarYuyvToRgb(), width, yuyv, 0);
      for (size_t dst_offset : {0, 1, 3}) {
        ASSERT_EQ(RunRow(*kernel, width, yuyv, dst_offset), expected)
            << kernel->isa << " width " << width << " destination offset " << dst_offset;
      }
    }
  }
}

// The source at odd addresses too (PageEndBuffer fixes its end, so vary the
// start by converting a suffix of a longer row).
TEST(YuyvToRgb, MisalignedSource) {
  for (const YuyvToRgbKernel* kernel : SupportedYuyvToRgb()) {
    for (size_t shift = 1; shift < 4; ++shift) {
      const size_t width = 75;
      std::vector<uint8_t> storage = RandomBytes(YuyvBytes(width) + shift, 7);
      std::vector<uint8_t> expected(width * 3), actual(width * 3);
      ScalarYuyvToRgb().row(width, storage.data() + shift, expected.data());
      kernel->row(width, storage.data() + shift, actual.data());
      ASSERT_EQ(actual, expected) << kernel->isa << " source offset " << shift;
    }
  }
}

TEST(YuyvToRgb, FrameHonoursStride) {
  const int width = 45, height = 7;
  const size_t stride = YuyvBytes(width) + 12;  // padded rows, as V4L2 may deliver
  const std::vector<uint8_t> yuyv = RandomBytes(stride * height, 3);
  for (const YuyvToRgbKernel* kernel : SupportedYuyvToRgb()) {
    std::vector<uint8_t> rgb(static_cast<size_t>(width) * height * 3 + kGuardBytes, kGuard);
    ConvertYuyvFrame(*kernel, width, height, yuyv.data(), stride, rgb.data());
    for (int y = 0; y < height; ++y) {
      std::vector<uint8_t> row(width * 3);
      ScalarYuyvToRgb().row(width, yuyv.data() + y * stride, row.data());
      ASSERT_EQ(0, std::memcmp(row.data(), rgb.data() + y * width * 3, row.size()))
          << kernel->isa << " row " << y;
    }
    for (size_t i = static_cast<size_t>(width) * height * 3; i < rgb.size(); ++i) {
      ASSERT_EQ(rgb[i], kGuard) << kernel->isa << ": wrote past the frame";
    }
  }
}

TEST(YuyvToRgb, Selection) {
  const std::vector<const YuyvToRgbKernel*> kernels = SupportedYuyvToRgb();
  ASSERT_FALSE(kernels.empty());
  EXPECT_STREQ(kernels.front()->isa, "scalar");
  EXPECT_EQ(&SelectYuyvToRgb(nullptr), kernels.back());
  EXPECT_EQ(&SelectYuyvToRgb("no-such-isa"), kernels.back());
  for (const YuyvToRgbKernel* kernel : kernels) {
    EXPECT_EQ(&SelectYuyvToRgb(kernel->isa), kernel);
  }
  EXPECT_EQ(&SelectYuyvToRgb("scalar"), &ScalarYuyvToRgb());
#if defined(__x86_64__)
  // Every x86-64 CPU has SSE2.
  EXPECT_GE(kernels.size(), 2u);
#endif
#if defined(__aarch64__)
  EXPECT_STREQ(kernels.back()->isa, "neon");
#endif
}

TEST(YuyvToRgb, FrameConversionAllocatesNothing) {
  if (!test::AllocCounterAvailable()) GTEST_SKIP() << "allocation counting unavailable";
  const int width = 640, height = 480;
  const std::vector<uint8_t> yuyv = RandomBytes(YuyvBytes(width) * height, 5);
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * height * 3);
  const YuyvToRgbKernel& best = BestYuyvToRgb();  // resolved before counting
  test::ScopedAllocCounter counter;
  ConvertYuyvFrame(best, width, height, yuyv.data(), YuyvBytes(width), rgb.data());
  ConvertYuyvFrame(BestYuyvToRgb(), width, height, yuyv.data(), YuyvBytes(width), rgb.data());
  EXPECT_EQ(counter.allocations(), 0u);
}

}  // namespace
}  // namespace camera
}  // namespace lrp
