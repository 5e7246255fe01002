#include "tests/onnx/tensor_proto.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace lrp {
namespace onnx_node {
namespace {

constexpr size_t kMaxElements = size_t{1} << 40;

// Assembles little-endian bytes explicitly, so a big-endian host reads the
// files the same way.
uint64_t LoadLittleEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

Status SizeError(const onnx::TensorProto& proto, const char* field, size_t have, size_t want) {
  std::ostringstream s;
  s << "tensor '" << proto.name() << "' "
    << DimsToString({proto.dims().begin(), proto.dims().end()}) << ": " << field << " holds "
    << have << " values, expected " << want;
  return Status(StatusCode::kInvalidArgument, s.str());
}

}  // namespace

std::string DataTypeName(int32_t data_type) {
  if (onnx::TensorProto_DataType_IsValid(data_type)) {
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(data_type));
  }
  return "data type " + std::to_string(data_type);
}

std::string DimsToString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

bool ElementCount(const std::vector<int64_t>& dims, size_t* count) {
  size_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return false;
    if (d == 0) {
      n = 0;
      continue;
    }
    // Checked before multiplying so the product itself cannot overflow.
    if (n > kMaxElements / static_cast<size_t>(d)) return false;
    n *= static_cast<size_t>(d);
  }
  *count = n;
  return true;
}

Status DecodeTensor(const onnx::TensorProto& proto, TensorData* out) {
  *out = TensorData();
  out->name = proto.name();
  out->data_type = proto.data_type();
  out->dims.assign(proto.dims().begin(), proto.dims().end());
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    return Status(StatusCode::kUnsupported,
                  "tensor '" + proto.name() + "': external data is not supported");
  }
  if (proto.has_segment()) {
    return Status(StatusCode::kUnsupported,
                  "tensor '" + proto.name() + "': segmented tensors are not supported");
  }
  size_t n = 0;
  if (!ElementCount(out->dims, &n)) {
    return Status(StatusCode::kInvalidArgument,
                  "tensor '" + proto.name() + "': invalid dims " + DimsToString(out->dims));
  }
  const std::string& raw = proto.raw_data();
  if (out->data_type == TensorData::kFloat) {
    if (!raw.empty()) {
      if (raw.size() != n * 4) return SizeError(proto, "raw_data (bytes / 4)", raw.size() / 4, n);
      out->floats.resize(n);
      for (size_t i = 0; i < n; ++i) {
        const uint32_t bits = static_cast<uint32_t>(LoadLittleEndian(raw.data() + 4 * i, 4));
        std::memcpy(&out->floats[i], &bits, 4);
      }
    } else {
      if (static_cast<size_t>(proto.float_data_size()) != n) {
        return SizeError(proto, "float_data", static_cast<size_t>(proto.float_data_size()), n);
      }
      out->floats.assign(proto.float_data().begin(), proto.float_data().end());
    }
    return Status::Ok();
  }
  if (out->data_type == TensorData::kInt64) {
    if (!raw.empty()) {
      if (raw.size() != n * 8) return SizeError(proto, "raw_data (bytes / 8)", raw.size() / 8, n);
      out->ints.resize(n);
      for (size_t i = 0; i < n; ++i) {
        out->ints[i] = static_cast<int64_t>(LoadLittleEndian(raw.data() + 8 * i, 8));
      }
    } else {
      if (static_cast<size_t>(proto.int64_data_size()) != n) {
        return SizeError(proto, "int64_data", static_cast<size_t>(proto.int64_data_size()), n);
      }
      out->ints.assign(proto.int64_data().begin(), proto.int64_data().end());
    }
    return Status::Ok();
  }
  return Status(StatusCode::kUnsupported, "tensor '" + proto.name() + "': data type " +
                                              DataTypeName(out->data_type) +
                                              " is not supported (FLOAT and INT64 only)");
}

Status ParseTensorFile(const std::string& path, onnx::TensorProto* proto) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kIoError, "cannot open " + path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status(StatusCode::kIoError, "cannot read " + path);
  if (!proto->ParseFromString(bytes)) {
    return Status(StatusCode::kInvalidArgument,
                  path + ": not a complete TensorProto (truncated or corrupt)");
  }
  return Status::Ok();
}

Status ReadTensorFile(const std::string& path, TensorData* out) {
  onnx::TensorProto proto;
  LRP_RETURN_IF_ERROR(ParseTensorFile(path, &proto));
  Status s = DecodeTensor(proto, out);
  if (!s.ok()) return Status(s.code(), path + ": " + s.message());
  return Status::Ok();
}

std::string Comparison::Describe() const {
  std::ostringstream s;
  s.precision(9);
  if (bad == 0) {
    s << count << " values within tolerance; max abs error " << max_abs_error;
  } else {
    s << bad << " of " << count << " values out of tolerance, first at index " << first_bad
      << ": expected " << expected_at_first_bad << ", got " << got_at_first_bad
      << "; max abs error " << max_abs_error;
  }
  return s.str();
}

Comparison CompareAllClose(const float* got, const float* expected, size_t count, double rtol,
                           double atol) {
  Comparison c;
  c.count = count;
  for (size_t i = 0; i < count; ++i) {
    const double a = got[i], e = expected[i];
    bool close;
    if (std::isnan(e) || std::isnan(a)) {
      close = std::isnan(e) && std::isnan(a);
    } else if (std::isinf(e) || std::isinf(a)) {
      close = a == e;
    } else {
      const double err = std::fabs(a - e);
      if (err > c.max_abs_error) c.max_abs_error = err;
      close = err <= atol + rtol * std::fabs(e);
    }
    if (!close) {
      if (c.bad == 0) {
        c.first_bad = i;
        c.expected_at_first_bad = expected[i];
        c.got_at_first_bad = got[i];
      }
      ++c.bad;
    }
  }
  return c;
}

}  // namespace onnx_node
}  // namespace lrp
