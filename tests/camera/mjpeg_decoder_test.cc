// MJPEG frames (ports/camera/mjpeg_decoder.h): a JPEG encoded here decodes
// back to its image (within JPEG's loss), also with its Huffman tables cut
// out as UVC webcams send it (stb_image writes the JPEG standard's tables,
// so putting the standard tables back must give the very same pixels), and
// damaged or oversized frames are one-line errors.
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <stb/stb_image.h>

#include "ports/camera/jpeg_huffman.h"
#include "ports/camera/mjpeg_decoder.h"

namespace lrp {
namespace camera {
namespace {

void Append(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const uint8_t* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

// A smooth image (JPEG keeps those nearly exact), as a camera would send.
std::vector<uint8_t> Gradient(int w, int h) {
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &rgb[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / (w - 1));
      p[1] = static_cast<uint8_t>(y * 255 / (h - 1));
      p[2] = 128;
    }
  }
  return rgb;
}

std::vector<uint8_t> EncodeJpeg(int w, int h, const std::vector<uint8_t>& rgb) {
  std::vector<uint8_t> jpeg;
  EXPECT_NE(stbi_write_jpg_to_func(Append, &jpeg, w, h, 3, rgb.data(), 95), 0);
  return jpeg;
}

TEST(MjpegDecoder, DecodesAFrame) {
  const int w = 64, h = 48;
  const std::vector<uint8_t> rgb = Gradient(w, h);
  const std::vector<uint8_t> jpeg = EncodeJpeg(w, h, rgb);
  std::vector<uint8_t> pixels(rgb.size());
  RgbFrame frame;
  std::vector<uint8_t> scratch;
  frame.pixels = pixels.data();
  frame.capacity = pixels.size();
  Status status = DecodeMjpegFrame(jpeg.data(), jpeg.size(), &scratch, &frame);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(frame.width, w);
  EXPECT_EQ(frame.height, h);
  double total = 0;
  for (size_t i = 0; i < rgb.size(); ++i) total += std::abs(int{pixels[i]} - int{rgb[i]});
  EXPECT_LT(total / rgb.size(), 2.0);  // quality 95 on a gradient
}

TEST(MjpegDecoder, RefusesAFrameLargerThanTheBuffer) {
  const std::vector<uint8_t> jpeg = EncodeJpeg(64, 48, Gradient(64, 48));
  std::vector<uint8_t> pixels(64 * 47 * 3);
  RgbFrame frame;
  std::vector<uint8_t> scratch;
  frame.pixels = pixels.data();
  frame.capacity = pixels.size();
  Status status = DecodeMjpegFrame(jpeg.data(), jpeg.size(), &scratch, &frame);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "MJPEG frame is 64x48 and needs 9216 bytes; the frame buffer holds 9024");
  EXPECT_EQ(frame.width, 0);
}

TEST(MjpegDecoder, DamagedFramesAreErrors) {
  std::vector<uint8_t> pixels(64 * 48 * 3);
  RgbFrame frame;
  std::vector<uint8_t> scratch;
  frame.pixels = pixels.data();
  frame.capacity = pixels.size();
  const std::vector<uint8_t> garbage = {'n', 'o', 't', ' ', 'a', ' ', 'j', 'p', 'e', 'g'};
  Status status = DecodeMjpegFrame(garbage.data(), garbage.size(), &scratch, &frame);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message().rfind("MJPEG frame: ", 0), 0u) << status.message();

  std::vector<uint8_t> jpeg = EncodeJpeg(64, 48, Gradient(64, 48));
  jpeg.resize(20);  // cut inside the headers
  status = DecodeMjpegFrame(jpeg.data(), jpeg.size(), &scratch, &frame);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message().find('\n'), std::string::npos);

  status = DecodeMjpegFrame(jpeg.data(), 0, &scratch, &frame);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(frame.width, 0);
}

// The frame without its DHT segments, as a UVC camera may send it.
std::vector<uint8_t> WithoutHuffmanTables(const std::vector<uint8_t>& jpeg) {
  std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + 2);  // SOI
  size_t i = 2;
  while (i + 4 <= jpeg.size() && jpeg[i] == 0xFF) {
    const uint8_t marker = jpeg[i + 1];
    if (marker == 0xDA) break;  // the scan and everything after stay
    const size_t length = (size_t{jpeg[i + 2]} << 8) | jpeg[i + 3];
    if (marker != 0xC4) out.insert(out.end(), jpeg.begin() + i, jpeg.begin() + i + 2 + length);
    i += 2 + length;
  }
  out.insert(out.end(), jpeg.begin() + i, jpeg.end());
  return out;
}

TEST(MjpegDecoder, FramesWithoutHuffmanTablesGetTheStandardOnes) {
  const int w = 40, h = 24;
  const std::vector<uint8_t> jpeg = EncodeJpeg(w, h, Gradient(w, h));
  const std::vector<uint8_t> bare = WithoutHuffmanTables(jpeg);
  ASSERT_LT(bare.size(), jpeg.size());
  size_t sos = 0;
  EXPECT_FALSE(FindMissingHuffmanTables(jpeg.data(), jpeg.size(), &sos));
  ASSERT_TRUE(FindMissingHuffmanTables(bare.data(), bare.size(), &sos));
  EXPECT_EQ(bare[sos], 0xFF);
  EXPECT_EQ(bare[sos + 1], 0xDA);
  // Without the fix-up stb_image cannot decode it, which is the point.
  int x = 0, y = 0, n = 0;
  stbi_uc* direct = stbi_load_from_memory(bare.data(), static_cast<int>(bare.size()), &x, &y, &n, 3);
  EXPECT_EQ(direct, nullptr);
  stbi_image_free(direct);

  std::vector<uint8_t> with_tables(w * h * 3), restored(w * h * 3);
  std::vector<uint8_t> scratch;
  scratch.reserve(bare.size() + DefaultHuffmanSegmentBytes());
  const uint8_t* scratch_storage = scratch.data();
  RgbFrame a, b;
  a.pixels = with_tables.data();
  a.capacity = with_tables.size();
  b.pixels = restored.data();
  b.capacity = restored.size();
  ASSERT_TRUE(DecodeMjpegFrame(jpeg.data(), jpeg.size(), &scratch, &a).ok());
  Status status = DecodeMjpegFrame(bare.data(), bare.size(), &scratch, &b);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(b.width, w);
  EXPECT_EQ(b.height, h);
  EXPECT_EQ(restored, with_tables);
  EXPECT_EQ(scratch.data(), scratch_storage);  // reserved, so not reallocated
}

TEST(MjpegDecoder, HeaderWalkRejectsWhatItCannotParse) {
  size_t sos = 0;
  const std::vector<uint8_t> no_soi = {0x00, 0x00, 0xFF, 0xDA};
  EXPECT_FALSE(FindMissingHuffmanTables(no_soi.data(), no_soi.size(), &sos));
  const std::vector<uint8_t> bad_length = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xDA};
  EXPECT_FALSE(FindMissingHuffmanTables(bad_length.data(), bad_length.size(), &sos));
  const std::vector<uint8_t> runs_off = {0xFF, 0xD8, 0xFF, 0xE0, 0x40, 0x00};
  EXPECT_FALSE(FindMissingHuffmanTables(runs_off.data(), runs_off.size(), &sos));
  // Fill bytes before a marker are allowed.
  const std::vector<uint8_t> filled = {0xFF, 0xD8, 0xFF, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xDA};
  ASSERT_TRUE(FindMissingHuffmanTables(filled.data(), filled.size(), &sos));
  EXPECT_EQ(sos, 7u);
}

}  // namespace
}  // namespace camera
}  // namespace lrp
