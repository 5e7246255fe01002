#include "tools/io/npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace lrp {
namespace io {
namespace {

// A .npy image with the given version, raw header text and payload; the
// length field is filled in from `header` so each test states only what it
// breaks.
std::vector<uint8_t> MakeNpy(int major, const std::string& header,
                             const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  size_t len = header.size();
  if (major == 1) {
    b.push_back(static_cast<uint8_t>(len));
    b.push_back(static_cast<uint8_t>(len >> 8));
  } else {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(len >> (8 * i)));
  }
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

std::vector<uint8_t> F4Bytes(const std::vector<float>& values) {
  std::vector<uint8_t> out(values.size() * 4);
  std::memcpy(out.data(), values.data(), out.size());  // the test hosts are little-endian
  return out;
}

std::vector<uint8_t> F8Bytes(const std::vector<double>& values) {
  std::vector<uint8_t> out(values.size() * 8);
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::string Dict(const std::string& descr, const std::string& order, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }\n";
}

Status Parse(const std::vector<uint8_t>& bytes, NpyArray* out) {
  return ParseNpy(bytes.data(), bytes.size(), out);
}

// Expects parsing to fail with kInvalidArgument and a message containing
// `needle`.
void ExpectRejected(const std::vector<uint8_t>& bytes, const std::string& needle) {
  NpyArray out;
  Status s = Parse(bytes, &out);
  ASSERT_FALSE(s.ok()) << "accepted; expected an error containing '" << needle << "'";
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

std::string TmpPath(const std::string& name) {
  return std::string(LRP_TEST_TMPDIR) + "/npy_test_" + name;
}

void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

TEST(NpyTest, EncodeParseRoundTrip) {
  std::vector<float> data = {1.5f, -2.0f, 0.0f, 3.25f, 1e-30f, -1e30f};
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(EncodeNpy({1, 2, 3}, data.data(), &bytes).ok());
  NpyArray out;
  ASSERT_TRUE(Parse(bytes, &out).ok());
  EXPECT_EQ(out.shape, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(out.data, data);
}

TEST(NpyTest, EncodedHeaderMatchesNumpyLayout) {
  std::vector<float> data(10, 0.5f);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(EncodeNpy({1, 10}, data.data(), &bytes).ok());
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(std::memcmp(bytes.data(), "\x93NUMPY\x01\x00", 8), 0);
  size_t header_len = bytes[8] | bytes[9] << 8;
  size_t data_offset = 10 + header_len;
  EXPECT_EQ(data_offset % 64, 0u);
  EXPECT_EQ(bytes[data_offset - 1], '\n');
  std::string header(bytes.begin() + 10, bytes.begin() + data_offset);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 10), }", 0), 0u)
      << header;
  EXPECT_EQ(bytes.size(), data_offset + 40);
}

TEST(NpyTest, ScalarAndVectorShapes) {
  float one = 7.0f;
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(EncodeNpy({}, &one, &bytes).ok());
  NpyArray out;
  ASSERT_TRUE(Parse(bytes, &out).ok());
  EXPECT_TRUE(out.shape.empty());
  EXPECT_EQ(out.data, std::vector<float>{7.0f});

  std::vector<float> v = {1, 2, 3};
  ASSERT_TRUE(EncodeNpy({3}, v.data(), &bytes).ok());
  ASSERT_TRUE(Parse(bytes, &out).ok());
  EXPECT_EQ(out.shape, std::vector<int64_t>{3});
  EXPECT_EQ(NpyShapeString(out.shape), "(3,)");
}

TEST(NpyTest, EmptyArray) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(EncodeNpy({0, 4}, nullptr, &bytes).ok());
  NpyArray out;
  ASSERT_TRUE(Parse(bytes, &out).ok());
  EXPECT_EQ(out.shape, (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(out.data.empty());
}

TEST(NpyTest, FileRoundTrip) {
  std::vector<float> data(3 * 4 * 5);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i) * 0.25f - 3.0f;
  std::string path = TmpPath("roundtrip.npy");
  ASSERT_TRUE(WriteNpy(path, {3, 4, 5}, data.data()).ok());
  NpyArray out;
  Status s = ReadNpy(path, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.shape, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(out.data, data);
}

TEST(NpyTest, AcceptsVersion2And3Headers) {
  for (int major : {2, 3}) {
    NpyArray out;
    Status s = Parse(MakeNpy(major, Dict("<f4", "False", "(2,)"), F4Bytes({1.0f, 2.0f})), &out);
    ASSERT_TRUE(s.ok()) << "version " << major << ": " << s.ToString();
    EXPECT_EQ(out.data, (std::vector<float>{1.0f, 2.0f}));
  }
}

TEST(NpyTest, ConvertsFloat64) {
  NpyArray out;
  Status s =
      Parse(MakeNpy(1, Dict("<f8", "False", "(2, 2)"), F8Bytes({0.1, -2.5, 1e300, 3.0})), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(out.data[0], 0.1f);
  EXPECT_EQ(out.data[1], -2.5f);
  EXPECT_TRUE(std::isinf(out.data[2]));  // beyond float range
  EXPECT_EQ(out.data[3], 3.0f);
}

TEST(NpyTest, AcceptsHeaderVariants) {
  const std::vector<uint8_t> payload = F4Bytes({1, 2, 3, 4, 5, 6});
  const std::string headers[] = {
      // Other key order, double quotes, no trailing comma, no newline.
      "{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f4\"}",
      // Python 2 longs and generous whitespace.
      "{ 'descr' : '<f4' ,\t'fortran_order' : False , 'shape' : ( 2L , 3L , ) }  \n",
      // NUL padding, as some writers do.
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + std::string(3, '\0') + "\n",
  };
  for (const std::string& header : headers) {
    NpyArray out;
    Status s = Parse(MakeNpy(1, header, payload), &out);
    EXPECT_TRUE(s.ok()) << header << ": " << s.ToString();
    EXPECT_EQ(out.shape, (std::vector<int64_t>{2, 3}));
  }
}

TEST(NpyTest, RejectsBadMagicAndPreamble) {
  ExpectRejected({}, "empty");
  ExpectRejected({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0}, "bad magic");
  ExpectRejected({0x93, 'N', 'U', 'M'}, "bad magic");
  ExpectRejected({0x93, 'N', 'U', 'M', 'P', 'Y'}, "truncated");
  ExpectRejected({0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 10}, "truncated");
  ExpectRejected({0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 1, 0}, "truncated");

  std::vector<uint8_t> v4 = MakeNpy(2, Dict("<f4", "False", "(1,)"), F4Bytes({1}));
  v4[6] = 4;
  ExpectRejected(v4, "version 4.0");
  std::vector<uint8_t> v11 = MakeNpy(1, Dict("<f4", "False", "(1,)"), F4Bytes({1}));
  v11[7] = 1;
  ExpectRejected(v11, "version 1.1");
}

TEST(NpyTest, RejectsLyingHeaderLength) {
  std::vector<uint8_t> b = MakeNpy(1, Dict("<f4", "False", "(1,)"), {});
  b[8] = 0xff;
  b[9] = 0xff;  // 65535 bytes announced, far fewer present
  ExpectRejected(b, "truncated .npy header");

  std::vector<uint8_t> huge = MakeNpy(2, Dict("<f4", "False", "(1,)"), {});
  huge[8] = 0;
  huge[9] = 0;
  huge[10] = 0;
  huge[11] = 0x80;  // 2 GiB header
  ExpectRejected(huge, "exceeds the limit");
}

TEST(NpyTest, RejectsMalformedDict) {
  const std::vector<uint8_t> one = F4Bytes({1});
  ExpectRejected(MakeNpy(1, "", one), "expected '{'");
  ExpectRejected(MakeNpy(1, "[1, 2]", one), "expected '{'");
  ExpectRejected(MakeNpy(1, "{'descr': '<f4', 'fortran_order': False", one), "expected ',' or '}'");
  ExpectRejected(MakeNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", one),
                 "after '}'");
  // The quote that should close '<f4 is missing, so the dtype swallows text.
  ExpectRejected(MakeNpy(1, "{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", one),
                 "unsupported dtype '<f4, '");
  ExpectRejected(MakeNpy(1, "{'descr: '<f4'}", one), "expected ':'");
  ExpectRejected(MakeNpy(1, "{descr: '<f4'}", one), "expected a quoted key");
  ExpectRejected(MakeNpy(1, "{'descr': '<f4", one), "unterminated");
  ExpectRejected(MakeNpy(1, "{'descr': '<\\f4'}", one), "unsupported character");
  ExpectRejected(MakeNpy(1, "{'descr': '<f4', 'shape': (1,)}", one), "missing key 'fortran_order'");
  ExpectRejected(MakeNpy(1, "{'fortran_order': False, 'shape': (1,)}", one), "missing key 'descr'");
  ExpectRejected(MakeNpy(1, "{'descr': '<f4', 'fortran_order': False}", one),
                 "missing key 'shape'");
  ExpectRejected(
      MakeNpy(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", one),
      "duplicate key 'descr'");
  ExpectRejected(MakeNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", one),
                 "unexpected key 'x'");
  ExpectRejected(MakeNpy(1, Dict("<f4", "0", "(1,)"), one), "must be True or False");
}

TEST(NpyTest, RejectsFortranOrder) {
  ExpectRejected(MakeNpy(1, Dict("<f4", "True", "(2, 2)"), F4Bytes({1, 2, 3, 4})), "Fortran order");
}

TEST(NpyTest, RejectsUnsupportedDtypes) {
  const std::vector<uint8_t> four(16, 0);
  ExpectRejected(MakeNpy(1, Dict("<i4", "False", "(4,)"), four), "unsupported dtype '<i4'");
  ExpectRejected(MakeNpy(1, Dict("<f2", "False", "(4,)"), four), "unsupported dtype '<f2'");
  ExpectRejected(MakeNpy(1, Dict("|u1", "False", "(4,)"), four), "unsupported dtype '|u1'");
  ExpectRejected(MakeNpy(1, Dict(">f4", "False", "(4,)"), four), "big-endian");
  ExpectRejected(MakeNpy(1, Dict(">f8", "False", "(2,)"), four), "big-endian");
  ExpectRejected(
      MakeNpy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,)}", four),
      "structured dtypes");
}

TEST(NpyTest, RejectsBadShapes) {
  const std::vector<uint8_t> one = F4Bytes({1});
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "[1]"), one), "must be a tuple");
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(1, -1)"), one), "negative dimension");
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(1, x)"), one), "expected an integer");
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(1, 2.5)"), one), "expected ',' or ')'");
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(1,, 2)"), one), "expected an integer");
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(1 2)"), one), "expected ',' or ')'");
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(1"), one), "expected an integer");
  // A single dimension too large to even hold.
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(99999999999999999999999999,)"), one),
                 "exceeds the limit");
  // Each dimension fits, the product would overflow 64 bits.
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(2147483648, 2147483648, 2147483648)"), one),
                 "exceeds the limit");
  // Just above 2^31 elements.
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(65536, 32769)"), one), "exceeds the limit");
  std::string rank33 = "(";
  for (int i = 0; i < 33; ++i) rank33 += "1, ";
  rank33 += ")";
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", rank33), one), "more than 32 dimensions");
}

TEST(NpyTest, RejectsWrongDataSize) {
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(3,)"), F4Bytes({1, 2})), "truncated .npy data");
  ExpectRejected(MakeNpy(1, Dict("<f8", "False", "(2,)"), F8Bytes({1})), "truncated .npy data");
  std::vector<uint8_t> partial = MakeNpy(1, Dict("<f4", "False", "(2,)"), F4Bytes({1, 2}));
  partial.pop_back();
  ExpectRejected(partial, "truncated .npy data");
  ExpectRejected(MakeNpy(1, Dict("<f4", "False", "(1,)"), F4Bytes({1, 2})), "bytes after the data");
}

// Every prefix of a valid file is invalid and must fail cleanly.
TEST(NpyTest, EveryTruncationFailsCleanly) {
  std::vector<float> data = {1, 2, 3, 4};
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(EncodeNpy({2, 2}, data.data(), &bytes).ok());
  for (size_t n = 0; n < bytes.size(); ++n) {
    NpyArray out;
    EXPECT_FALSE(ParseNpy(bytes.data(), n, &out).ok()) << "prefix of " << n << " bytes";
  }
}

// Single-byte corruptions anywhere in the preamble and header: the parser
// either rejects the file or returns an array consistent with its shape.
TEST(NpyTest, CorruptedHeaderBytesNeverCrash) {
  std::vector<float> data = {1, 2, 3, 4, 5, 6};
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(EncodeNpy({2, 3}, data.data(), &bytes).ok());
  const uint8_t replacements[] = {0, '\'', '"', '(', ')', ',', '-', '9', '{', '}', 0xff};
  for (size_t i = 0; i < 128; ++i) {
    for (uint8_t r : replacements) {
      std::vector<uint8_t> corrupt = bytes;
      corrupt[i] = r;
      NpyArray out;
      if (ParseNpy(corrupt.data(), corrupt.size(), &out).ok()) {
        EXPECT_EQ(static_cast<int64_t>(out.data.size()), NpyElementCount(out.shape));
      }
    }
  }
}

TEST(NpyTest, ReadNpyReportsFileProblems) {
  NpyArray out;
  Status s = ReadNpy(TmpPath("does_not_exist.npy"), &out);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("does_not_exist.npy"), std::string::npos) << s.message();

  s = ReadNpy(LRP_TEST_TMPDIR, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a regular file"), std::string::npos) << s.message();

  std::string path = TmpPath("truncated.npy");
  std::vector<uint8_t> bytes;
  std::vector<float> data(100, 1.0f);
  ASSERT_TRUE(EncodeNpy({10, 10}, data.data(), &bytes).ok());
  bytes.resize(bytes.size() - 7);
  WriteBytes(path, bytes);
  s = ReadNpy(path, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("truncated.npy: truncated .npy data"), std::string::npos)
      << s.message();

  // A header announcing 2 GiB of data in a tiny file is refused before any
  // buffer is sized from it.
  path = TmpPath("lying.npy");
  WriteBytes(path, MakeNpy(1, Dict("<f4", "False", "(32768, 65536)"), F4Bytes({1})));
  s = ReadNpy(path, &out);
  EXPECT_NE(s.message().find("truncated .npy data"), std::string::npos) << s.message();

  path = TmpPath("f8.npy");
  WriteBytes(path, MakeNpy(2, Dict("<f8", "False", "(1, 2)"), F8Bytes({0.5, -0.25})));
  s = ReadNpy(path, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.data, (std::vector<float>{0.5f, -0.25f}));
}

TEST(NpyTest, WriteNpyReportsProblems) {
  float x = 1.0f;
  Status s = WriteNpy(TmpPath("no_such_dir/x.npy"), {1}, &x);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("no_such_dir"), std::string::npos) << s.message();

  std::vector<uint8_t> bytes;
  EXPECT_FALSE(EncodeNpy({-1}, &x, &bytes).ok());
  EXPECT_FALSE(EncodeNpy({int64_t{1} << 40, int64_t{1} << 40}, &x, &bytes).ok());
  EXPECT_FALSE(EncodeNpy({2}, nullptr, &bytes).ok());
}

TEST(NpyTest, ElementCount) {
  EXPECT_EQ(NpyElementCount({}), 1);
  EXPECT_EQ(NpyElementCount({1, 3, 224, 224}), 150528);
  EXPECT_EQ(NpyElementCount({0, 1 << 30}), 0);
  EXPECT_EQ(NpyElementCount({-1}), -1);
  EXPECT_EQ(NpyElementCount({kMaxNpyElements}), kMaxNpyElements);
  EXPECT_EQ(NpyElementCount({kMaxNpyElements, 2}), -1);
}

}  // namespace
}  // namespace io
}  // namespace lrp
