// IDX reading (tools/io/idx.h): round trips through real files, plain and
// gzip-compressed, every way an untrusted file can be broken, and the
// Fashion-MNIST test set when Debian's dataset-fashion-mnist is installed.
#include "tools/io/idx.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/support/alloc_counter.h"
#include "tests/support/status_testing.h"

namespace lrp {
namespace io {
namespace {

using Bytes = std::vector<uint8_t>;

std::string Tmp(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(LRP_TEST_TMPDIR) + "/" + info->test_suite_name() + "_" + info->name() + "_" +
         name;
}

// An IDX file: the magic with `type`, big-endian `dims`, then `data`.
Bytes Idx(uint8_t type, const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(d >> shift));
  }
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes Iota(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 7 + 3);
  return b;
}

void WritePlain(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// Compresses with zlib's gzip file API, as gzip(1) would.
void WriteGzip(const std::string& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb9");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {
    EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
  }
  ASSERT_EQ(gzclose(f), Z_OK) << path;
}

Bytes ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes Gzipped(const std::string& name, const Bytes& bytes) {
  const std::string path = Tmp(name);
  WriteGzip(path, bytes);
  return ReadBytes(path);
}

// Writes `bytes` (compressed first when `gzip`) and reads them back. On
// error the output must be left as it was.
Status Read(const Bytes& bytes, bool gzip, IdxArray* out = nullptr) {
  const std::string path = Tmp(gzip ? "in.gz" : "in.idx");
  if (gzip) {
    WriteGzip(path, bytes);
  } else {
    WritePlain(path, bytes);
  }
  IdxArray local;
  local.dims = {42};
  IdxArray* target = out != nullptr ? out : &local;
  Status s = ReadIdx(path, target);
  if (!s.ok()) {
    EXPECT_EQ(s.message().rfind(path + ": ", 0), 0u) << "no path prefix: " << s.message();
    if (out == nullptr) {
      EXPECT_EQ(local.dims, std::vector<int64_t>{42}) << "output changed";
    }
  }
  return s;
}

void ExpectError(const Status& s, const std::string& needle) {
  ASSERT_FALSE(s.ok()) << "expected an error naming '" << needle << "'";
  EXPECT_NE(s.message().find(needle), std::string::npos)
      << "'" << needle << "' not in: " << s.message();
}

TEST(IdxTest, PlainAndGzipRoundTrip) {
  const Bytes pixels = Iota(3 * 2 * 5);
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    IdxArray a;
    LRP_ASSERT_OK(Read(Idx(0x08, {3, 2, 5}, pixels), gzip, &a));
    EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 2, 5}));
    EXPECT_EQ(a.data, pixels);
    EXPECT_EQ(IdxDimsString(a.dims), "3x2x5");

    LRP_ASSERT_OK(Read(Idx(0x08, {4}, {9, 0, 255, 1}), gzip, &a));
    EXPECT_EQ(a.dims, std::vector<int64_t>{4});
    EXPECT_EQ(a.data, (Bytes{9, 0, 255, 1}));
  }
}

// Compression is recognized by content: a gzip file without ".gz" and a
// plain file named ".gz" both read.
TEST(IdxTest, CompressionDetectedByMagicNotName) {
  const Bytes file = Idx(0x08, {2, 2}, {1, 2, 3, 4});
  const std::string gz_named_plain = Tmp("plain.gz"), plain_named_gz = Tmp("compressed.idx");
  WritePlain(gz_named_plain, file);
  WriteGzip(plain_named_gz, file);
  ASSERT_EQ(ReadBytes(plain_named_gz).at(0), 0x1f);
  for (const std::string& path : {gz_named_plain, plain_named_gz}) {
    IdxArray a;
    LRP_ASSERT_OK(ReadIdx(path, &a));
    EXPECT_EQ(a.data, (Bytes{1, 2, 3, 4})) << path;
  }
}

// gzip(1) concatenates members (`cat a.gz b.gz`); the data may span them.
TEST(IdxTest, GzipWithSeveralMembers) {
  const Bytes file = Idx(0x08, {2, 3}, Iota(6));
  Bytes joined = Gzipped("a.gz", Bytes(file.begin(), file.begin() + 7));
  const Bytes second = Gzipped("b.gz", Bytes(file.begin() + 7, file.end()));
  joined.insert(joined.end(), second.begin(), second.end());
  const std::string path = Tmp("joined.gz");
  WritePlain(path, joined);
  IdxArray a;
  LRP_ASSERT_OK(ReadIdx(path, &a));
  EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.data, Iota(6));
}

TEST(IdxTest, EmptyArrayIsValid) {
  for (bool gzip : {false, true}) {
    IdxArray a;
    LRP_ASSERT_OK(Read(Idx(0x08, {0, 28, 28}, {}), gzip, &a));
    EXPECT_EQ(a.dims, (std::vector<int64_t>{0, 28, 28}));
    EXPECT_TRUE(a.data.empty());
  }
}

TEST(IdxTest, HeaderErrorsNameTheProblem) {
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    Bytes bad_magic = Idx(0x08, {2}, {1, 2});
    bad_magic[0] = 0x12;
    ExpectError(Read(bad_magic, gzip), "bad magic 12 00 08 01");
    ExpectError(Read(Idx(0x0D, {2}, Bytes(8)), gzip),
                "element type 0x0d (float32) is not supported");
    ExpectError(Read(Idx(0x09, {2}, Bytes(2)), gzip), "0x09 (signed byte) is not supported");
    ExpectError(Read(Idx(0x42, {2}, Bytes(2)), gzip), "unknown IDX element type 0x42");
    ExpectError(Read(Idx(0x08, {}, {}), gzip), "declares no dimensions");
    ExpectError(Read(Idx(0x08, std::vector<uint32_t>(9, 1), {1}), gzip), "declares 9 dimensions");
    ExpectError(Read({0x00, 0x00}, gzip), "truncated IDX header");
    // Three dimensions declared, one given.
    ExpectError(Read({0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x00, 0x01}, gzip),
                "truncated IDX header: 3 dimensions need 16 bytes");
  }
  // The compressed stream holding nothing at all.
  ExpectError(Read({}, true), "truncated IDX header: 0 bytes");
  ExpectError(Read({}, false), "empty file");
}

TEST(IdxTest, AbsurdDimsAreRejected) {
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    ExpectError(Read(Idx(0x08, {65536, 65536, 65536}, Bytes(16)), gzip),
                "65536x65536x65536 hold more than 2147483648 elements");
    ExpectError(Read(Idx(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}), gzip),
                "hold more than 2147483648 elements");
    // 2^31 exactly is within the cap: what is missing is the data.
    ExpectError(Read(Idx(0x08, {32768, 65536}, Bytes(16)), gzip), "truncated IDX data");
  }
}

// A header that promises a gigabyte over 12 bytes of data must fail
// without allocating the gigabyte.
TEST(IdxTest, LyingSizeAllocatesOnlyWhatIsPresent) {
  if (!test::AllocCounterAvailable()) GTEST_SKIP() << "allocation counting unavailable here";
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    const std::string path = Tmp(gzip ? "huge.gz" : "huge.idx");
    const Bytes file = Idx(0x08, {1024, 1024, 1024}, Iota(12));
    if (gzip) {
      WriteGzip(path, file);
    } else {
      WritePlain(path, file);
    }
    IdxArray a;
    test::ScopedAllocCounter counter;
    Status s = ReadIdx(path, &a);
    const size_t bytes = counter.bytes();
    ExpectError(s, "dims 1024x1024x1024 need 1073741824 bytes of data");
    EXPECT_LT(bytes, size_t{8} << 20) << "allocated for the declared size";
  }
}

TEST(IdxTest, DataLengthMustMatch) {
  const std::vector<uint32_t> dims = {3, 2, 2};
  ExpectError(Read(Idx(0x08, dims, Iota(11)), false),
              "truncated IDX data: dims 3x2x2 need 12 bytes of data, the file holds 11");
  ExpectError(Read(Idx(0x08, dims, Iota(11)), true),
              "truncated IDX data: dims 3x2x2 need 12 bytes of data, the decompressed data "
              "holds 11");
  ExpectError(Read(Idx(0x08, dims, Iota(15)), false),
              "trailing bytes after the IDX data: dims 3x2x2 need 12 bytes of data, the file "
              "holds 15");
  ExpectError(Read(Idx(0x08, dims, Iota(13)), true),
              "trailing bytes after the IDX data: dims 3x2x2 need 12 bytes of data, the "
              "decompressed data holds more");
}

class IdxGzipCorruption : public ::testing::Test {
 protected:
  void SetUp() override { good_ = Gzipped("good.gz", Idx(0x08, {4, 8, 8}, Iota(256))); }
  Status ReadModified(const Bytes& bytes) {
    const std::string path = Tmp("bad.gz");
    WritePlain(path, bytes);
    IdxArray a;
    return ReadIdx(path, &a);
  }
  Bytes good_;
};

TEST_F(IdxGzipCorruption, TruncatedStream) {
  for (size_t keep : {size_t{2}, size_t{12}, good_.size() / 2, good_.size() - 1}) {
    SCOPED_TRACE(keep);
    ExpectError(ReadModified(Bytes(good_.begin(), good_.begin() + keep)),
                "truncated gzip data: the compressed stream ends early");
  }
}

TEST_F(IdxGzipCorruption, WrongChecksum) {
  Bytes bad = good_;
  bad[bad.size() - 8] ^= 0x01;  // the trailer's CRC-32
  ExpectError(ReadModified(bad), "corrupt gzip data: incorrect data check");
}

TEST_F(IdxGzipCorruption, WrongLength) {
  Bytes bad = good_;
  bad[bad.size() - 4] ^= 0x01;  // the trailer's ISIZE
  ExpectError(ReadModified(bad), "corrupt gzip data: incorrect length check");
}

TEST_F(IdxGzipCorruption, BadHeaderAndGarbledData) {
  Bytes method = good_;
  method[2] = 7;  // deflate is 8
  ExpectError(ReadModified(method), "corrupt gzip data: unknown compression method");
  Bytes garbled = good_;
  for (size_t i = 10; i < garbled.size() - 8; ++i) garbled[i] = 0xff;
  ExpectError(ReadModified(garbled), "corrupt gzip data");
}

TEST_F(IdxGzipCorruption, TrailingGarbageAfterStream) {
  Bytes bad = good_;
  for (char c : std::string("junk")) bad.push_back(static_cast<uint8_t>(c));
  ExpectError(ReadModified(bad), "trailing garbage after the gzip stream: 4 bytes");
  bad = good_;
  bad.push_back(0x1f);
  ExpectError(ReadModified(bad), "trailing garbage after the gzip stream: 1 byte");
}

// Random byte flips, truncations and extensions of valid files, parsed in
// memory: every result is an error or a consistent array.
TEST(IdxTest, MutatedFilesNeverCrash) {
  const Bytes plain = Idx(0x08, {3, 4, 4}, Iota(48));
  const Bytes gz = Gzipped("seed.gz", plain);
  uint64_t state = 12345;
  auto next = [&state](size_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<size_t>((state >> 33) % bound);
  };
  size_t accepted = 0;
  for (int i = 0; i < 4000; ++i) {
    Bytes b = i % 2 == 0 ? plain : gz;
    switch (next(3)) {
      case 0:
        for (size_t k = 1 + next(3); k > 0; --k) b[next(b.size())] = static_cast<uint8_t>(next(256));
        break;
      case 1:
        b.resize(next(b.size()));
        break;
      default:
        for (size_t k = 1 + next(8); k > 0; --k) b.push_back(static_cast<uint8_t>(next(256)));
    }
    IdxArray a;
    Status s = ParseIdx(b.data(), b.size(), &a);
    if (!s.ok()) {
      EXPECT_FALSE(s.message().empty());
      continue;
    }
    ++accepted;
    size_t elements = 1;
    for (int64_t d : a.dims) elements *= static_cast<size_t>(d);
    EXPECT_EQ(a.data.size(), elements);
  }
  // Most mutations must be caught (a flip inside the plain pixels is not).
  EXPECT_LT(accepted, size_t{1500});
}

TEST(IdxTest, FileErrors) {
  IdxArray a;
  Status s = ReadIdx(Tmp("does_not_exist.gz"), &a);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  ExpectError(s, "cannot open");
  const std::string dir = Tmp("dir");
  mkdir(dir.c_str(), 0700);
  ExpectError(ReadIdx(dir, &a), "not a regular file");
}

// The Fashion-MNIST test set as Debian ships it (dataset-fashion-mnist).
TEST(IdxTest, FashionMnistTestSet) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  const std::string images_path = dir + "t10k-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "t10k-labels-idx1-ubyte.gz";
  struct stat st;
  if (stat(images_path.c_str(), &st) != 0 || stat(labels_path.c_str(), &st) != 0) {
    GTEST_SKIP() << "Fashion-MNIST not installed in " << dir << " (Debian: dataset-fashion-mnist)";
  }
  IdxArray images, labels;
  LRP_ASSERT_OK(ReadIdx(images_path, &images));
  LRP_ASSERT_OK(ReadIdx(labels_path, &labels));
  EXPECT_EQ(images.dims, (std::vector<int64_t>{10000, 28, 28}));
  EXPECT_EQ(images.data.size(), size_t{10000} * 28 * 28);
  ASSERT_EQ(labels.dims, std::vector<int64_t>{10000});
  std::array<int, 256> per_class{};
  for (uint8_t l : labels.data) ++per_class[l];
  for (int c = 0; c < 256; ++c) EXPECT_EQ(per_class[c], c < 10 ? 1000 : 0) << "class " << c;
  // Real pictures: dark backgrounds, bright garments.
  size_t zeros = 0, bright = 0;
  for (uint8_t p : images.data) {
    zeros += p == 0;
    bright += p > 200;
  }
  EXPECT_GT(zeros, images.data.size() / 4);
  EXPECT_GT(bright, images.data.size() / 50);
}

}  // namespace
}  // namespace io
}  // namespace lrp
