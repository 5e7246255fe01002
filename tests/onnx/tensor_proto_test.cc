// The node-test runner's own pieces: TensorProto decoding, the tolerance
// comparison, layout transposes and input freezing.
#include "tests/onnx/tensor_proto.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "tests/onnx/node_test_runner.h"

namespace lrp {
namespace onnx_node {
namespace {

const std::vector<float> kValues = {1.5f, -0.25f, 3.0e-8f, 1024.0f, -7.0f, 0.0f};

std::string LittleEndianBytes(const std::vector<float>& v) {
  std::string bytes;
  for (float f : v) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  return bytes;
}

onnx::TensorProto FloatTensor(bool raw) {
  onnx::TensorProto t;
  t.set_name("x");
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(2);
  t.add_dims(3);
  if (raw) {
    t.set_raw_data(LittleEndianBytes(kValues));
  } else {
    for (float f : kValues) t.add_float_data(f);
  }
  return t;
}

std::string TmpPath(const std::string& name) { return std::string(LRP_TEST_TMPDIR "/") + name; }

void MakeDir(const std::string& path) {
  ASSERT_TRUE(mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) << path;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(TensorProtoTest, RawDataAndFloatDataDecodeAlike) {
  for (bool raw : {true, false}) {
    TensorData d;
    const Status s = DecodeTensor(FloatTensor(raw), &d);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(d.name, "x");
    EXPECT_EQ(d.data_type, TensorData::kFloat);
    EXPECT_EQ(d.dims, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(d.floats, kValues) << (raw ? "raw_data" : "float_data");
    EXPECT_EQ(d.elements(), 6u);
  }
}

TEST(TensorProtoTest, Int64FromRawDataAndInt64Data) {
  const std::vector<int64_t> v = {-1, 0, 3, int64_t{1} << 40};
  onnx::TensorProto listed, raw;
  for (onnx::TensorProto* t : {&listed, &raw}) {
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(4);
  }
  std::string bytes;
  for (int64_t x : v) {
    for (int i = 0; i < 8; ++i)
      bytes.push_back(static_cast<char>((static_cast<uint64_t>(x) >> (8 * i)) & 0xff));
    listed.add_int64_data(x);
  }
  raw.set_raw_data(bytes);
  for (const onnx::TensorProto* t : {&listed, &raw}) {
    TensorData d;
    ASSERT_TRUE(DecodeTensor(*t, &d).ok());
    EXPECT_EQ(d.ints, v);
    EXPECT_TRUE(d.floats.empty());
  }
}

TEST(TensorProtoTest, ScalarHasOneElement) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_float_data(2.5f);
  TensorData d;
  ASSERT_TRUE(DecodeTensor(t, &d).ok());
  EXPECT_TRUE(d.dims.empty());
  EXPECT_EQ(d.floats, std::vector<float>{2.5f});
}

TEST(TensorProtoTest, ReadsAFileWrittenByProtobuf) {
  const std::string path = TmpPath("tensor_proto_ok.pb");
  WriteFile(path, FloatTensor(true).SerializeAsString());
  TensorData d;
  const Status s = ReadTensorFile(path, &d);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(d.floats, kValues);
}

TEST(TensorProtoTest, TruncatedFileIsRefused) {
  const std::string bytes = FloatTensor(true).SerializeAsString();
  const std::string path = TmpPath("tensor_proto_truncated.pb");
  // Cut inside raw_data: the length-delimited field runs past the end.
  WriteFile(path, bytes.substr(0, bytes.size() - 5));
  TensorData d;
  const Status s = ReadTensorFile(path, &d);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.message();
}

TEST(TensorProtoTest, DataShorterThanDimsIsRefused) {
  // A file cut at a field boundary still parses: the size check catches it.
  onnx::TensorProto raw = FloatTensor(true);
  raw.mutable_raw_data()->resize(20);
  onnx::TensorProto listed = FloatTensor(false);
  listed.mutable_float_data()->RemoveLast();
  for (const onnx::TensorProto* t : {&raw, &listed}) {
    TensorData d;
    const Status s = DecodeTensor(*t, &d);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("expected 6"), std::string::npos) << s.message();
  }
}

TEST(TensorProtoTest, OtherDataTypesAreUnsupportedByName) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto::UINT8);
  t.add_dims(2);
  t.set_raw_data(std::string("\x01\x02", 2));
  TensorData d;
  const Status s = DecodeTensor(t, &d);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("UINT8"), std::string::npos) << s.message();
  EXPECT_EQ(DataTypeName(12345), "data type 12345");
}

TEST(TensorProtoTest, ExternalDataAndMissingFilesAreReported) {
  onnx::TensorProto t = FloatTensor(false);
  t.set_data_location(onnx::TensorProto::EXTERNAL);
  TensorData d;
  EXPECT_EQ(DecodeTensor(t, &d).code(), StatusCode::kUnsupported);
  EXPECT_EQ(ReadTensorFile(TmpPath("no_such_tensor.pb"), &d).code(), StatusCode::kIoError);
}

TEST(TensorProtoTest, NegativeOrHugeDimsAreRefused) {
  size_t n = 0;
  EXPECT_FALSE(ElementCount({2, -1}, &n));
  EXPECT_FALSE(ElementCount({int64_t{1} << 30, int64_t{1} << 30, 4}, &n));
  ASSERT_TRUE(ElementCount({3, 0, int64_t{1} << 62}, &n));
  EXPECT_EQ(n, 0u);
  ASSERT_TRUE(ElementCount({}, &n));
  EXPECT_EQ(n, 1u);
}

// --- tolerance: |got - expected| <= 1e-7 + 1e-3 * |expected| ---------------

Comparison Compare1(float got, float expected) { return CompareAllClose(&got, &expected, 1); }

TEST(CompareAllCloseTest, RelativeToleranceIsOnTheExpectedValue) {
  // 1024 allows 1.024 + 1e-7 either way (all values exact in float).
  EXPECT_TRUE(Compare1(1025.0f, 1024.0f).ok());
  EXPECT_TRUE(Compare1(1023.0f, 1024.0f).ok());
  EXPECT_FALSE(Compare1(1025.25f, 1024.0f).ok());
  // Asymmetric: the tolerance scales with |expected| only.
  EXPECT_TRUE(Compare1(1998.0f, 2000.0f).ok());
  EXPECT_FALSE(Compare1(2000.0f, 1998.0f).ok());
  EXPECT_TRUE(Compare1(-2047.0f, -2048.0f).ok());
  EXPECT_FALSE(Compare1(2048.0f, -2048.0f).ok());
}

TEST(CompareAllCloseTest, AbsoluteToleranceNearZero) {
  EXPECT_TRUE(Compare1(5e-8f, 0.0f).ok());
  EXPECT_TRUE(Compare1(-5e-8f, 0.0f).ok());
  EXPECT_FALSE(Compare1(2e-7f, 0.0f).ok());
  // A tiny expected value gets almost nothing from rtol.
  EXPECT_FALSE(Compare1(1e-6f, 1e-5f).ok());
}

TEST(CompareAllCloseTest, NanMustMeetNanAndInfinitiesMatchExactly) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(Compare1(nan, nan).ok());
  EXPECT_FALSE(Compare1(0.0f, nan).ok());
  EXPECT_FALSE(Compare1(nan, 0.0f).ok());
  EXPECT_TRUE(Compare1(inf, inf).ok());
  EXPECT_TRUE(Compare1(-inf, -inf).ok());
  EXPECT_FALSE(Compare1(-inf, inf).ok());
  EXPECT_FALSE(Compare1(3.4e38f, inf).ok());
  EXPECT_EQ(Compare1(nan, nan).max_abs_error, 0.0);
}

TEST(CompareAllCloseTest, ReportsCountFirstBadIndexAndMaxError) {
  const std::vector<float> expected = {1, 2, 3, 4, 5};
  const std::vector<float> got = {1, 2.5f, 3, 4, 4};
  const Comparison c = CompareAllClose(got.data(), expected.data(), expected.size());
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.count, 5u);
  EXPECT_EQ(c.bad, 2u);
  EXPECT_EQ(c.first_bad, 1u);
  EXPECT_EQ(c.expected_at_first_bad, 2.0f);
  EXPECT_EQ(c.got_at_first_bad, 2.5f);
  EXPECT_EQ(c.max_abs_error, 1.0);
  EXPECT_EQ(c.Describe(),
            "2 of 5 values out of tolerance, first at index 1: expected 2, got 2.5; "
            "max abs error 1");
  EXPECT_TRUE(CompareAllClose(nullptr, nullptr, 0).ok());
}

// --- layouts and freezing ---------------------------------------------------

TEST(NodeTestRunnerTest, NchwRoundTripsThroughNhwc) {
  const std::vector<int64_t> dims = {2, 3, 2, 4};  // N, C, H, W
  std::vector<float> nchw(48);
  for (size_t i = 0; i < nchw.size(); ++i) nchw[i] = static_cast<float>(i);
  const std::vector<float> nhwc = NchwToNhwc(nchw, dims);
  // Element (n=1, c=2, h=1, w=3) sits at ((1*2+1)*4+3)*3+2 in [N*H, W, C].
  EXPECT_EQ(nhwc[((1 * 2 + 1) * 4 + 3) * 3 + 2], nchw[((1 * 3 + 2) * 2 + 1) * 4 + 3]);
  EXPECT_EQ(NhwcToNchw(nhwc.data(), dims), nchw);
}

TEST(NodeTestRunnerTest, FreezesEveryRealInputAfterTheFirst) {
  onnx::ModelProto model;
  onnx::GraphProto* g = model.mutable_graph();
  for (const char* name : {"a", "w", "b"}) {
    onnx::ValueInfoProto* in = g->add_input();
    in->set_name(name);
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  // "w" is an initializer: not a real input, so input_1.pb feeds "b".
  onnx::TensorProto* w = g->add_initializer();
  *w = FloatTensor(false);
  w->set_name("w");
  const std::string dir = TmpPath("freeze_inputs");
  MakeDir(dir);
  onnx::TensorProto b = FloatTensor(true);
  b.set_name("named_differently_in_the_file");
  WriteFile(dir + "/input_1.pb", b.SerializeAsString());

  std::vector<std::string> frozen;
  const Status s = FreezeInputs(&model, dir, &frozen);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(frozen, std::vector<std::string>{"b"});
  ASSERT_EQ(g->input_size(), 2);
  EXPECT_EQ(g->input(0).name(), "a");
  EXPECT_EQ(g->input(1).name(), "w");
  ASSERT_EQ(g->initializer_size(), 2);
  EXPECT_EQ(g->initializer(1).name(), "b");
  EXPECT_EQ(g->initializer(1).raw_data(), LittleEndianBytes(kValues));
}

TEST(NodeTestRunnerTest, FreezingChecksTheDataType) {
  onnx::ModelProto model;
  for (const char* name : {"a", "b"}) {
    onnx::ValueInfoProto* in = model.mutable_graph()->add_input();
    in->set_name(name);
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
  }
  const std::string dir = TmpPath("freeze_wrong_type");
  MakeDir(dir);
  WriteFile(dir + "/input_1.pb", FloatTensor(true).SerializeAsString());
  std::vector<std::string> frozen;
  const Status s = FreezeInputs(&model, dir, &frozen);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("holds FLOAT"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace onnx_node
}  // namespace lrp
