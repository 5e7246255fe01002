// Image inputs: decoding every format stb reads from files written here,
// the caps and errors on hostile files, channel conversion, resizing and
// normalization to the model input, and the heatmap overlay.
#include "tools/io/image.h"

#include <gtest/gtest.h>
#include <stb/stb_image_write.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "lrp/model_builder.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"
#include "tools/io/npy.h"
#include "tools/io/preprocess.h"
#include "tools/render/heatmap.h"
#include "tools/render/overlay.h"

namespace lrp {
namespace {

using io::Image;

std::string Tmp(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(LRP_TEST_TMPDIR) + "/image_" + info->test_suite_name() + "_" + info->name() +
         "_" + name;
}

void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A width x height picture whose every byte differs from its neighbours, so
// a swapped axis, channel or row shows.
Image Pattern(int width, int height, int channels) {
  Image im;
  im.width = width;
  im.height = height;
  im.channels = channels;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        im.pixels.push_back(static_cast<uint8_t>(37 * x + 71 * y + 101 * c + 3));
      }
    }
  }
  return im;
}

Image MakeImage(int width, int height, int channels, std::vector<uint8_t> pixels) {
  Image im;
  im.width = width;
  im.height = height;
  im.channels = channels;
  im.pixels = std::move(pixels);
  return im;
}

// Binary PGM (P5) or PPM (P6), which stb_image_write does not write.
std::vector<uint8_t> Pnm(const Image& im) {
  const std::string head = std::string(im.channels == 1 ? "P5" : "P6") + "\n# test\n" +
                           std::to_string(im.width) + " " + std::to_string(im.height) + "\n255\n";
  std::vector<uint8_t> bytes(head.begin(), head.end());
  bytes.insert(bytes.end(), im.pixels.begin(), im.pixels.end());
  return bytes;
}

// --- Hand-made PNGs: stb_image_write writes neither 16-bit samples nor
// lying headers. ---

uint32_t Crc32(const std::vector<uint8_t>& bytes, size_t begin) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = begin; i < bytes.size(); ++i) {
    crc ^= bytes[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void Put32(std::vector<uint8_t>* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(v >> shift));
}

void Chunk(std::vector<uint8_t>* png, const char* type, const std::vector<uint8_t>& data) {
  Put32(png, static_cast<uint32_t>(data.size()));
  const size_t start = png->size();
  png->insert(png->end(), type, type + 4);
  png->insert(png->end(), data.begin(), data.end());
  Put32(png, Crc32(*png, start));
}

// A PNG with the given IHDR; `raw` (filter bytes included) becomes one
// stored (uncompressed) deflate block, or no IDAT at all when empty.
std::vector<uint8_t> Png(uint32_t width, uint32_t height, uint8_t depth, uint8_t color,
                         const std::vector<uint8_t>& raw) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  Put32(&ihdr, width);
  Put32(&ihdr, height);
  ihdr.insert(ihdr.end(), {depth, color, 0, 0, 0});
  Chunk(&png, "IHDR", ihdr);
  if (!raw.empty()) {
    std::vector<uint8_t> z = {0x78, 0x01, 0x01};  // zlib header; final stored block
    const uint16_t len = static_cast<uint16_t>(raw.size());
    z.insert(z.end(), {static_cast<uint8_t>(len), static_cast<uint8_t>(len >> 8),
                       static_cast<uint8_t>(~len), static_cast<uint8_t>(~len >> 8)});
    z.insert(z.end(), raw.begin(), raw.end());
    uint32_t a = 1, b = 0;  // Adler-32
    for (uint8_t v : raw) {
      a = (a + v) % 65521;
      b = (b + a) % 65521;
    }
    Put32(&z, (b << 16) | a);
    Chunk(&png, "IDAT", z);
  }
  Chunk(&png, "IEND", {});
  return png;
}

// A BMP header (BITMAPINFOHEADER, 24 bit) announcing width x height, with
// no pixel data behind it.
std::vector<uint8_t> BmpHeader(uint32_t width, uint32_t height) {
  std::vector<uint8_t> b = {'B', 'M'};
  auto le32 = [&b](uint32_t v) {
    for (int shift = 0; shift < 32; shift += 8) b.push_back(static_cast<uint8_t>(v >> shift));
  };
  le32(54);  // file size (stb does not check it)
  le32(0);
  le32(54);  // pixel data offset
  le32(40);  // header size
  le32(width);
  le32(height);
  b.insert(b.end(), {1, 0, 24, 0});  // planes, bits per pixel
  for (int i = 0; i < 6; ++i) le32(0);
  return b;
}

void ExpectSameImage(const Image& got, const Image& want) {
  EXPECT_EQ(got.width, want.width);
  EXPECT_EQ(got.height, want.height);
  EXPECT_EQ(got.channels, want.channels);
  EXPECT_EQ(got.pixels, want.pixels);
}

// The error of ReadImage(path), expected to fail.
std::string ReadError(const std::string& path) {
  Image im;
  Status s = io::ReadImage(path, &im);
  EXPECT_FALSE(s.ok()) << path << " decoded as " << im.width << "x" << im.height;
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind(path + ": ", 0), 0u)
      << "the message must name the file: " << s.message();
  return s.message();
}

bool Contains(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

TEST(ImageTest, DecodesLosslessFormatsExactly) {
  const Image rgb = Pattern(5, 3, 3), gray = Pattern(5, 3, 1), rgba = Pattern(4, 2, 4);
  struct Case {
    std::string name;
    const Image* image;
  };
  const std::string png_rgb = Tmp("rgb.png"), png_gray = Tmp("gray.png"),
                    png_rgba = Tmp("rgba.png"), bmp = Tmp("rgb.bmp"), tga = Tmp("rgb.tga");
  ASSERT_NE(stbi_write_png(png_rgb.c_str(), 5, 3, 3, rgb.pixels.data(), 5 * 3), 0);
  ASSERT_NE(stbi_write_png(png_gray.c_str(), 5, 3, 1, gray.pixels.data(), 5), 0);
  ASSERT_NE(stbi_write_png(png_rgba.c_str(), 4, 2, 4, rgba.pixels.data(), 4 * 4), 0);
  ASSERT_NE(stbi_write_bmp(bmp.c_str(), 5, 3, 3, rgb.pixels.data()), 0);
  ASSERT_NE(stbi_write_tga(tga.c_str(), 5, 3, 3, rgb.pixels.data()), 0);
  WriteBytes(Tmp("gray.pgm"), Pnm(gray));
  WriteBytes(Tmp("rgb.ppm"), Pnm(rgb));
  for (const Case& c : std::vector<Case>{{png_rgb, &rgb},
                                         {png_gray, &gray},
                                         {png_rgba, &rgba},
                                         {bmp, &rgb},
                                         {tga, &rgb},
                                         {Tmp("gray.pgm"), &gray},
                                         {Tmp("rgb.ppm"), &rgb}}) {
    SCOPED_TRACE(c.name);
    Image got;
    LRP_ASSERT_OK(io::ReadImage(c.name, &got));
    ExpectSameImage(got, *c.image);
  }
}

TEST(ImageTest, SniffsFormats) {
  const Image rgb = Pattern(5, 3, 3);
  ASSERT_NE(stbi_write_png(Tmp("a.png").c_str(), 5, 3, 3, rgb.pixels.data(), 15), 0);
  ASSERT_NE(stbi_write_jpg(Tmp("a.jpg").c_str(), 5, 3, 3, rgb.pixels.data(), 90), 0);
  ASSERT_NE(stbi_write_bmp(Tmp("a.bmp").c_str(), 5, 3, 3, rgb.pixels.data()), 0);
  const std::vector<std::pair<std::string, io::ImageFormat>> cases = {
      {"a.png", io::ImageFormat::kPng},
      {"a.jpg", io::ImageFormat::kJpeg},
      {"a.bmp", io::ImageFormat::kBmp}};
  for (const auto& c : cases) {
    const std::vector<uint8_t> bytes = ReadBytes(Tmp(c.first));
    EXPECT_EQ(io::SniffImageFormat(bytes.data(), bytes.size()), c.second) << c.first;
  }
  const std::vector<uint8_t> pgm = Pnm(Pattern(2, 2, 1));
  EXPECT_EQ(io::SniffImageFormat(pgm.data(), pgm.size()), io::ImageFormat::kPnm);
  // ASCII PGM (P2) is not something stb reads.
  const uint8_t p2[] = {'P', '2', '\n'};
  EXPECT_EQ(io::SniffImageFormat(p2, sizeof(p2)), io::ImageFormat::kUnknown);
  EXPECT_EQ(io::SniffImageFormat(p2, 0), io::ImageFormat::kUnknown);
}

TEST(ImageTest, DecodesJpegCloseToTheOriginal) {
  // Smooth content: JPEG at quality 100 keeps it within a few levels.
  Image im;
  im.width = 16;
  im.height = 8;
  im.channels = 3;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 16; ++x) {
      im.pixels.insert(im.pixels.end(),
                       {static_cast<uint8_t>(40 + 8 * x), static_cast<uint8_t>(200 - 10 * y), 90});
    }
  }
  const std::string path = Tmp("smooth.jpg");
  ASSERT_NE(stbi_write_jpg(path.c_str(), 16, 8, 3, im.pixels.data(), 100), 0);
  Image got;
  LRP_ASSERT_OK(io::ReadImage(path, &got));
  ASSERT_EQ(got.width, 16);
  ASSERT_EQ(got.height, 8);
  ASSERT_EQ(got.channels, 3);
  ASSERT_EQ(got.pixels.size(), im.pixels.size());
  for (size_t i = 0; i < im.pixels.size(); ++i) {
    EXPECT_NEAR(got.pixels[i], im.pixels[i], 8) << "byte " << i;
  }
}

TEST(ImageTest, Reads16BitPngAs8Bit) {
  // 2x1 gray, 16 bit: 0xABCD and 0x1234 keep their high bytes.
  const std::vector<uint8_t> raw = {0, 0xab, 0xcd, 0x12, 0x34};
  const std::string path = Tmp("deep.png");
  WriteBytes(path, Png(2, 1, 16, 0, raw));
  Image got;
  LRP_ASSERT_OK(io::ReadImage(path, &got));
  ExpectSameImage(got, MakeImage(2, 1, 1, {0xab, 0x12}));
}

TEST(ImageTest, TgaOnlyUnderItsName) {
  // TGA has no signature: the same bytes are an image as *.tga only.
  const Image rgb = Pattern(3, 2, 3);
  const std::string tga = Tmp("x.TGA");
  ASSERT_NE(stbi_write_tga(tga.c_str(), 3, 2, 3, rgb.pixels.data()), 0);
  Image got;
  LRP_ASSERT_OK(io::ReadImage(tga, &got));
  ExpectSameImage(got, rgb);
  const std::string bin = Tmp("x.bin");
  WriteBytes(bin, ReadBytes(tga));
  EXPECT_TRUE(Contains(ReadError(bin), "not an image, or an unsupported format"));
}

TEST(ImageTest, GarbageEmptyMissingAndDirectoryAreErrors) {
  const std::string garbage = Tmp("garbage.png");
  const std::string text = "this is a text file, not a picture\n";
  WriteBytes(garbage, std::vector<uint8_t>(text.begin(), text.end()));
  EXPECT_TRUE(Contains(ReadError(garbage), "not an image, or an unsupported format"));

  const std::string empty = Tmp("empty.png");
  WriteBytes(empty, {});
  EXPECT_TRUE(Contains(ReadError(empty), "empty file"));

  EXPECT_TRUE(Contains(ReadError(Tmp("missing.png")), "cannot open"));
  EXPECT_TRUE(Contains(ReadError(std::string(LRP_TEST_TMPDIR)), "is a directory"));

  // In memory, too: no size, no signature.
  Image im;
  EXPECT_FALSE(io::DecodeImage(nullptr, 0, false, &im).ok());
  const uint8_t zeros[64] = {};
  EXPECT_FALSE(io::DecodeImage(zeros, sizeof(zeros), false, &im).ok());
}

TEST(ImageTest, TruncatedFilesAreErrors) {
  const Image rgb = Pattern(20, 20, 3);
  const std::string png = Tmp("full.png"), jpg = Tmp("full.jpg");
  ASSERT_NE(stbi_write_png(png.c_str(), 20, 20, 3, rgb.pixels.data(), 60), 0);
  ASSERT_NE(stbi_write_jpg(jpg.c_str(), 20, 20, 3, rgb.pixels.data(), 90), 0);
  const std::vector<uint8_t> png_bytes = ReadBytes(png), jpg_bytes = ReadBytes(jpg);
  ASSERT_GT(png_bytes.size(), 100u);

  // Cut inside the pixel data: the header is fine, the data is not.
  const std::string half = Tmp("half.png");
  WriteBytes(half,
             std::vector<uint8_t>(png_bytes.begin(), png_bytes.begin() + png_bytes.size() / 2));
  EXPECT_TRUE(Contains(ReadError(half), "corrupt or truncated PNG data"));
  // Cut inside the header.
  const std::string head = Tmp("head.png");
  WriteBytes(head, std::vector<uint8_t>(png_bytes.begin(), png_bytes.begin() + 20));
  EXPECT_TRUE(Contains(ReadError(head), "corrupt or truncated PNG header"));
  const std::string jhead = Tmp("head.jpg");
  WriteBytes(jhead, std::vector<uint8_t>(jpg_bytes.begin(), jpg_bytes.begin() + 12));
  EXPECT_TRUE(Contains(ReadError(jhead), "corrupt or truncated JPEG"));

  // Every prefix of both files: an error or a picture of the right size,
  // never a crash or a read past the end (run under valgrind or ASan to see
  // the latter).
  for (const std::vector<uint8_t>* bytes : {&png_bytes, &jpg_bytes}) {
    for (size_t n = 0; n < bytes->size(); n += 7) {
      Image im;
      if (io::DecodeImage(bytes->data(), n, false, &im).ok()) {
        EXPECT_EQ(im.width, 20);
        EXPECT_EQ(im.height, 20);
      }
    }
  }
}

TEST(ImageTest, AbsurdDimensionsAreRefusedBeforeDecoding) {
  // A 57-byte PNG claiming 10^10 pixels.
  const std::string huge = Tmp("huge.png");
  WriteBytes(huge, Png(100000, 100000, 8, 2, {}));
  const std::string msg = ReadError(huge);
  EXPECT_TRUE(Contains(msg, "image is 100000x100000 pixels; the limit is 16384 pixels a side"))
      << msg;
  // Either cap alone: one side too long, or too many pixels in all.
  const std::string wide = Tmp("wide.png");
  WriteBytes(wide, Png(20000, 1, 8, 0, {}));
  EXPECT_TRUE(Contains(ReadError(wide), "image is 20000x1 pixels")) << ReadError(wide);
  const std::string many = Tmp("many.png");
  WriteBytes(many, Png(8000, 8000, 8, 0, {}));
  EXPECT_TRUE(Contains(ReadError(many), "image is 8000x8000 pixels")) << ReadError(many);
  // Other formats go through stb's header probe and the same caps.
  const std::string bmp = Tmp("huge.bmp");
  WriteBytes(bmp, BmpHeader(20000, 20000));
  EXPECT_TRUE(Contains(ReadError(bmp), "image is 20000x20000 pixels")) << ReadError(bmp);
  // Zero pixels.
  const std::string none = Tmp("none.png");
  WriteBytes(none, Png(0, 5, 8, 0, {}));
  EXPECT_TRUE(Contains(ReadError(none), "image is 0x5 pixels")) << ReadError(none);
}

TEST(ImageTest, FileSizeIsCappedBeforeReading) {
  // A sparse file just over the cap: refused by its size alone.
  const std::string path = Tmp("big.png");
  WriteBytes(path, Png(2, 2, 8, 0, {0, 1, 2, 0, 3, 4}));
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(io::kMaxImageFileBytes + 1)), 0);
  EXPECT_TRUE(Contains(ReadError(path), "images are limited to 64 MiB"));
}

TEST(ImageTest, DetectsNpyAndImageInputs) {
  const std::string npy = Tmp("x.dat");  // the magic decides, not the name
  const float values[2] = {1, 2};
  LRP_ASSERT_OK(io::WriteNpy(npy, {2}, values));
  const std::string png = Tmp("x.png");
  const Image rgb = Pattern(2, 2, 3);
  ASSERT_NE(stbi_write_png(png.c_str(), 2, 2, 3, rgb.pixels.data(), 6), 0);
  const std::string bad_npy = Tmp("bad.npy");  // named .npy: its reader reports it
  WriteBytes(bad_npy, {'N', 'U', 'M'});
  const std::string text = Tmp("notes.txt");
  WriteBytes(text, {'h', 'e', 'l', 'l', 'o'});
  const std::string tga = Tmp("x.tga");  // no signature, but named
  WriteBytes(tga, {0, 0, 2});
  const std::string empty = Tmp("empty.npy");
  WriteBytes(empty, {});

  io::InputFileKind kind = io::InputFileKind::kImage;
  LRP_ASSERT_OK(io::DetectInputKind(npy, &kind));
  EXPECT_EQ(kind, io::InputFileKind::kNpy);
  LRP_ASSERT_OK(io::DetectInputKind(png, &kind));
  EXPECT_EQ(kind, io::InputFileKind::kImage);
  LRP_ASSERT_OK(io::DetectInputKind(bad_npy, &kind));
  EXPECT_EQ(kind, io::InputFileKind::kNpy);
  LRP_ASSERT_OK(io::DetectInputKind(text, &kind));
  EXPECT_EQ(kind, io::InputFileKind::kUnknown);
  LRP_ASSERT_OK(io::DetectInputKind(tga, &kind));
  EXPECT_EQ(kind, io::InputFileKind::kImage);
  Status s = io::DetectInputKind(empty, &kind);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "empty file")) << s.message();
  EXPECT_FALSE(io::DetectInputKind(Tmp("missing"), &kind).ok());
  Status dir = io::DetectInputKind(LRP_TEST_TMPDIR, &kind);
  EXPECT_FALSE(dir.ok());
  EXPECT_TRUE(Contains(dir.message(), "is a directory")) << dir.message();
}

// --- From pixels to the model input. ---

// [h, w, c] -> flatten -> dense 2, with the given input description.
Model ImageModel(int h, int w, int c, const InputDesc& desc) {
  ModelBuilder b;
  uint32_t x = b.Input("x", Shape{h, w, c});
  x = b.Flatten("flat", x);
  b.Dense("fc", x, 2, std::vector<float>(static_cast<size_t>(2 * h * w * c), 0.01f), {});
  b.SetInputDesc(desc);
  Model model;
  Status s = test::FinishModel(b, &model);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return model;
}

TEST(ImagePreprocessTest, GrayBecomesRgbByReplication) {
  Image out;
  LRP_ASSERT_OK(io::FitImage(MakeImage(2, 1, 1, {10, 200}), 2, 1, 3, &out));
  ExpectSameImage(out, MakeImage(2, 1, 3, {10, 10, 10, 200, 200, 200}));
  // Gray + alpha: the alpha is dropped.
  LRP_ASSERT_OK(io::FitImage(MakeImage(1, 1, 2, {77, 0}), 1, 1, 3, &out));
  ExpectSameImage(out, MakeImage(1, 1, 3, {77, 77, 77}));
}

TEST(ImagePreprocessTest, RgbBecomesGrayWithBt601Luma) {
  // 0.299 R + 0.587 G + 0.114 B, rounded: 255 red -> 76.245, green ->
  // 149.685, blue -> 29.07, (10, 20, 30) -> 18.15; white stays 255.
  Image out;
  LRP_ASSERT_OK(
      io::FitImage(MakeImage(5, 1, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 255, 255, 255}),
                   5, 1, 1, &out));
  ExpectSameImage(out, MakeImage(5, 1, 1, {76, 150, 29, 18, 255}));
  // RGBA: alpha ignored, for gray and for RGB.
  LRP_ASSERT_OK(io::FitImage(MakeImage(1, 1, 4, {255, 0, 0, 0}), 1, 1, 1, &out));
  ExpectSameImage(out, MakeImage(1, 1, 1, {76}));
  LRP_ASSERT_OK(io::FitImage(MakeImage(1, 1, 4, {1, 2, 3, 4}), 1, 1, 3, &out));
  ExpectSameImage(out, MakeImage(1, 1, 3, {1, 2, 3}));
  EXPECT_EQ(io::GrayValue(std::vector<uint8_t>{10, 20, 30}.data(), 3), 18);
}

TEST(ImagePreprocessTest, ResizesToTheModelSize) {
  // 56x40: left half black, right half white; the model takes 28x28.
  Image im;
  im.width = 56;
  im.height = 40;
  im.channels = 1;
  for (int y = 0; y < 40; ++y) {
    for (int x = 0; x < 56; ++x) im.pixels.push_back(x < 28 ? 0 : 255);
  }
  Model model = ImageModel(28, 28, 1, InputDesc());
  std::vector<float> input;
  Image fitted;
  LRP_ASSERT_OK(io::ImageToModelInput(im, model, &input, &fitted));
  ASSERT_EQ(fitted.width, 28);
  ASSERT_EQ(fitted.height, 28);
  ASSERT_EQ(fitted.channels, 1);
  ASSERT_EQ(input.size(), 28u * 28u);
  for (int y = 0; y < 28; ++y) {
    // Away from the edge the halves keep their values; the edge is between.
    EXPECT_EQ(fitted.pixels[y * 28 + 0], 0) << y;
    EXPECT_EQ(fitted.pixels[y * 28 + 10], 0) << y;
    EXPECT_EQ(fitted.pixels[y * 28 + 17], 255) << y;
    EXPECT_EQ(fitted.pixels[y * 28 + 27], 255) << y;
    EXPECT_FLOAT_EQ(input[y * 28 + 27], 1.0f);
  }
}

TEST(ImagePreprocessTest, ScalesAndNormalizesPerChannel) {
  InputDesc imagenet;
  imagenet.source_layout = SourceLayout::kNCHW;
  imagenet.mean = {0.485f, 0.456f, 0.406f};
  imagenet.std = {0.229f, 0.224f, 0.225f};
  Model model = ImageModel(1, 2, 3, imagenet);
  std::vector<float> input;
  LRP_ASSERT_OK(
      io::ImageToModelInput(MakeImage(2, 1, 3, {255, 0, 128, 51, 102, 204}), model, &input));
  // (x / 255 - mean) / std, by hand.
  const std::vector<double> want = {
      (1.0 - 0.485) / 0.229, (0.0 - 0.456) / 0.224, (128 / 255.0 - 0.406) / 0.225,
      (0.2 - 0.485) / 0.229, (0.4 - 0.456) / 0.224, (0.8 - 0.406) / 0.225,
  };
  ASSERT_EQ(input.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(input[i], want[i], 1e-5) << i;
  EXPECT_NEAR(input[0], 2.2489083, 1e-5);  // the first one written out

  // One mean/std for every channel.
  InputDesc halves;
  halves.mean = {0.5f};
  halves.std = {0.5f};
  LRP_ASSERT_OK(
      io::ImageToModelInput(MakeImage(1, 1, 1, {255}), ImageModel(1, 1, 3, halves), &input));
  // Within 4 ULP, not equal: where GCC contracts (x - mean) * inv_std's
  // x = p / 255 into an FMA (ARM, by default in C++), 255 / 255 gives
  // 1 + 2^-23.
  ASSERT_EQ(input.size(), 3u);
  for (float v : input) EXPECT_FLOAT_EQ(v, 1.0f);
  // No mean/std: x / 255 only.
  LRP_ASSERT_OK(
      io::ImageToModelInput(MakeImage(1, 1, 1, {51}), ImageModel(1, 1, 1, InputDesc()), &input));
  EXPECT_NEAR(input[0], 0.2f, 1e-7);
}

TEST(ImagePreprocessTest, ModelsWithoutAnImageInputAreRefused) {
  ModelBuilder b;
  b.Dense("fc", b.Input("x", Shape{4}), 2, std::vector<float>(8, 0.5f), {});
  Model model;
  LRP_ASSERT_OK(test::FinishModel(b, &model));
  std::vector<float> input;
  Status s = io::ImageToModelInput(MakeImage(2, 2, 1, {1, 2, 3, 4}), model, &input);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "is not an image")) << s.message();

  // Through ReadModelInput the message names the file, and the model is
  // checked before the picture is decoded.
  const std::string path = Tmp("in.png");
  const Image gray = Pattern(2, 2, 1);
  ASSERT_NE(stbi_write_png(path.c_str(), 2, 2, 1, gray.pixels.data(), 2), 0);
  io::ModelInput in;
  s = io::ReadModelInput(path, model, &in);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind(path + ": an image was given", 0), 0u) << s.message();
}

TEST(ImagePreprocessTest, ReadModelInputTakesArraysAndImages) {
  Model model = ImageModel(2, 2, 1, InputDesc());
  const Image gray = MakeImage(2, 2, 1, {0, 51, 102, 255});
  const std::string png = Tmp("in.png"), npy = Tmp("in.npy");
  ASSERT_NE(stbi_write_png(png.c_str(), 2, 2, 1, gray.pixels.data(), 2), 0);
  const float values[4] = {0.0f, 0.2f, 0.4f, 1.0f};
  LRP_ASSERT_OK(io::WriteNpy(npy, {1, 1, 2, 2}, values));

  io::ModelInput from_png, from_npy;
  LRP_ASSERT_OK(io::ReadModelInput(png, model, &from_png));
  LRP_ASSERT_OK(io::ReadModelInput(npy, model, &from_npy));
  EXPECT_TRUE(from_png.is_image);
  EXPECT_FALSE(from_npy.is_image);
  EXPECT_EQ(from_png.image_width, 2);
  EXPECT_EQ(from_png.image_channels, 1);
  ExpectSameImage(from_png.fitted, gray);
  EXPECT_EQ(from_npy.array.shape, (std::vector<int64_t>{1, 1, 2, 2}));
  ASSERT_EQ(from_png.nhwc.size(), 4u);
  ASSERT_EQ(from_npy.nhwc.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(from_png.nhwc[i], from_npy.nhwc[i], 1e-7) << i;
}

// --- The overlay. ---

render::RgbImage Heatmap(const std::vector<double>& map, size_t h, size_t w, int scale) {
  render::HeatmapOptions options;
  options.scale = scale;
  render::RgbImage image;
  Status s = render::RenderHeatmap(map, h, w, options, &image);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return image;
}

TEST(OverlayTest, ZeroRelevanceShowsTheGrayPicture) {
  // Red, green, blue, (10, 20, 30): grays 76, 150, 29, 18.
  const Image picture = MakeImage(2, 2, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30});
  const uint8_t grays[4] = {76, 150, 29, 18};
  for (const std::vector<double>& map :
       {std::vector<double>{0, 0, 0, 0}, std::vector<double>{0, 0, 0, 2.5}}) {
    render::RgbImage overlay;
    LRP_ASSERT_OK(render::RenderOverlay(picture, map, Heatmap(map, 2, 2, 3), &overlay));
    ASSERT_EQ(overlay.width, 6u);
    ASSERT_EQ(overlay.height, 6u);
    for (size_t y = 0; y < 6; ++y) {
      for (size_t x = 0; x < 6; ++x) {
        const size_t cell = (y / 3) * 2 + x / 3;
        if (map[cell] != 0) continue;
        const uint8_t g = grays[cell];
        EXPECT_EQ(overlay.at(x, y), (render::Rgb{g, g, g})) << x << "," << y;
      }
    }
  }
}

TEST(OverlayTest, StrongRelevanceShowsTheHeatmapColour) {
  // bwr: +max is red (255, 0, 0), -max blue (0, 0, 255); opacity 0.85 there.
  const std::vector<double> map = {4, -4, 2, 0};
  const render::RgbImage heatmap = Heatmap(map, 2, 2, 1);
  ASSERT_EQ(heatmap.at(0, 0), (render::Rgb{255, 0, 0}));
  ASSERT_EQ(heatmap.at(1, 0), (render::Rgb{0, 0, 255}));

  render::RgbImage overlay;
  LRP_ASSERT_OK(render::RenderOverlay(MakeImage(2, 2, 1, {0, 0, 0, 0}), map, heatmap, &overlay));
  // Black picture: 0.85 * 255 = 216.75 -> 217.
  EXPECT_EQ(overlay.at(0, 0), (render::Rgb{217, 0, 0}));
  EXPECT_EQ(overlay.at(1, 0), (render::Rgb{0, 0, 217}));
  // Half the maximum: opacity 0.425 over black.
  const render::Rgb half = heatmap.at(0, 1);
  auto blend = [](double gray, double colour, double a) {
    return static_cast<uint8_t>(std::lround((1 - a) * gray + a * colour));
  };
  EXPECT_EQ(overlay.at(0, 1), (render::Rgb{blend(0, half.r, 0.425), blend(0, half.g, 0.425),
                                           blend(0, half.b, 0.425)}));

  // White picture: 0.15 * 255 + 0.85 * 0 = 38.25 -> 38.
  LRP_ASSERT_OK(
      render::RenderOverlay(MakeImage(2, 2, 1, {255, 255, 255, 255}), map, heatmap, &overlay));
  EXPECT_EQ(overlay.at(0, 0), (render::Rgb{255, 38, 38}));
  EXPECT_EQ(overlay.at(1, 0), (render::Rgb{38, 38, 255}));
  EXPECT_EQ(overlay.at(1, 1), (render::Rgb{255, 255, 255}));
}

TEST(OverlayTest, ScaleFollowsTheHeatmap) {
  const Image picture = MakeImage(3, 2, 1, {10, 20, 30, 40, 50, 60});
  const std::vector<double> map(6, 0.0);
  for (int scale : {1, 4, 8}) {
    render::RgbImage overlay;
    LRP_ASSERT_OK(render::RenderOverlay(picture, map, Heatmap(map, 2, 3, scale), &overlay));
    ASSERT_EQ(overlay.width, 3u * scale);
    ASSERT_EQ(overlay.height, 2u * scale);
    // Nearest neighbour: every output pixel shows its source pixel.
    for (size_t y = 0; y < overlay.height; ++y) {
      for (size_t x = 0; x < overlay.width; ++x) {
        const uint8_t g = picture.pixels[(y / scale) * 3 + x / scale];
        ASSERT_EQ(overlay.at(x, y), (render::Rgb{g, g, g})) << scale << ": " << x << "," << y;
      }
    }
  }
}

TEST(OverlayTest, MismatchedSizesAndNonFiniteMapsAreErrors) {
  const Image picture = MakeImage(3, 2, 1, {10, 20, 30, 40, 50, 60});
  const std::vector<double> map(6, 1.0);
  render::RgbImage overlay;
  // A heatmap of another map size, a map of another size, a non-integer
  // factor (7x4 from 3x2), a non-finite value, a malformed picture.
  EXPECT_FALSE(render::RenderOverlay(picture, map, Heatmap(map, 3, 2, 2), &overlay).ok());
  EXPECT_FALSE(
      render::RenderOverlay(picture, std::vector<double>(4, 1.0), Heatmap(map, 2, 3, 2), &overlay)
          .ok());
  render::RgbImage odd;
  odd.width = 7;
  odd.height = 4;
  odd.pixels.assign(7 * 4 * 3, 0);
  EXPECT_FALSE(render::RenderOverlay(picture, map, odd, &overlay).ok());
  std::vector<double> nan_map = map;
  nan_map[2] = std::nan("");
  EXPECT_FALSE(render::RenderOverlay(picture, nan_map, Heatmap(map, 2, 3, 2), &overlay).ok());
  Image broken = picture;
  broken.pixels.pop_back();
  EXPECT_FALSE(render::RenderOverlay(broken, map, Heatmap(map, 2, 3, 2), &overlay).ok());
  LRP_EXPECT_OK(render::RenderOverlay(picture, map, Heatmap(map, 2, 3, 2), &overlay));
}

}  // namespace
}  // namespace lrp
