#include "tools/onnx/constants.h"

#include <cstring>
#include <limits>

namespace lrp {
namespace onnx_import {
namespace {

// Larger constants are not weights of an edge model (2^28 floats = 1 GiB).
constexpr int64_t kMaxConstantElements = int64_t{1} << 28;

Status Unsupported(const std::string& message) {
  return Status(StatusCode::kUnsupported, message);
}
Status Invalid(const std::string& message) {
  return Status(StatusCode::kInvalidModel, message);
}

template <typename T>
void ReadLittleEndian(const std::string& raw, std::vector<T>* out) {
  // The hosts and boards lrp targets are little-endian, as ONNX raw_data is.
  out->resize(raw.size() / sizeof(T));
  if (!out->empty()) std::memcpy(out->data(), raw.data(), out->size() * sizeof(T));
}

}  // namespace

int64_t ElementCount(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > kMaxConstantElements) return -1;
    n *= d;
    if (n > kMaxConstantElements) return -1;
  }
  return n;
}

std::string DimsString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

Status ReadConstant(const onnx::TensorProto& t, const std::string& what, Constant* out) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0) {
    return Unsupported(what + " is stored as external data; re-export the model with the "
                              "weights inside the .onnx file");
  }
  out->dims.assign(t.dims().begin(), t.dims().end());
  const int64_t n = ElementCount(out->dims);
  if (n < 0) return Invalid(what + " has invalid dimensions " + DimsString(out->dims));
  const bool raw = t.has_raw_data();
  size_t got = 0;
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      out->is_float = true;
      if (raw) {
        ReadLittleEndian(t.raw_data(), &out->f);
        got = t.raw_data().size() % sizeof(float) == 0 ? out->f.size() : SIZE_MAX;
      } else {
        out->f.assign(t.float_data().begin(), t.float_data().end());
        got = out->f.size();
      }
      break;
    case onnx::TensorProto::INT64:
      if (raw) {
        ReadLittleEndian(t.raw_data(), &out->i);
        got = t.raw_data().size() % sizeof(int64_t) == 0 ? out->i.size() : SIZE_MAX;
      } else {
        out->i.assign(t.int64_data().begin(), t.int64_data().end());
        got = out->i.size();
      }
      break;
    case onnx::TensorProto::INT32: {
      std::vector<int32_t> v;
      if (raw) {
        ReadLittleEndian(t.raw_data(), &v);
        got = t.raw_data().size() % sizeof(int32_t) == 0 ? v.size() : SIZE_MAX;
      } else {
        v.assign(t.int32_data().begin(), t.int32_data().end());
        got = v.size();
      }
      out->i.assign(v.begin(), v.end());
      break;
    }
    case onnx::TensorProto::BOOL: {
      // Dropout's training_mode flag; stored as int32_data or one byte each.
      if (raw) {
        for (char c : t.raw_data()) out->i.push_back(c != 0);
      } else {
        for (int32_t v : t.int32_data()) out->i.push_back(v != 0);
      }
      got = out->i.size();
      break;
    }
    default:
      return Unsupported(what + " has data type " +
                         onnx::TensorProto::DataType_Name(
                             static_cast<onnx::TensorProto::DataType>(t.data_type())) +
                         "; lrp reads float32 weights and int64 shapes");
  }
  if (got != static_cast<size_t>(n)) {
    return Invalid(what + " holds " + (got == SIZE_MAX ? std::string("a partial element") :
                                                         std::to_string(got) + " values") +
                   " but its dimensions " + DimsString(out->dims) + " need " + std::to_string(n));
  }
  return Status::Ok();
}

const onnx::AttributeProto* Attributes::Find(const std::string& name) const {
  for (const onnx::AttributeProto& a : node_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

namespace {
Status WrongType(const std::string& name, const char* expected) {
  return Invalid("attribute '" + name + "' is not " + expected);
}
}  // namespace

Status Attributes::Int(const std::string& name, int64_t def, int64_t* out) const {
  const onnx::AttributeProto* a = Find(name);
  if (!a) {
    *out = def;
    return Status::Ok();
  }
  if (a->type() != onnx::AttributeProto::INT) return WrongType(name, "an integer");
  *out = a->i();
  return Status::Ok();
}

Status Attributes::Float(const std::string& name, float def, float* out) const {
  const onnx::AttributeProto* a = Find(name);
  if (!a) {
    *out = def;
    return Status::Ok();
  }
  if (a->type() != onnx::AttributeProto::FLOAT) return WrongType(name, "a float");
  *out = a->f();
  return Status::Ok();
}

Status Attributes::Ints(const std::string& name, std::vector<int64_t>* out) const {
  out->clear();
  const onnx::AttributeProto* a = Find(name);
  if (!a) return Status::Ok();
  if (a->type() != onnx::AttributeProto::INTS) return WrongType(name, "a list of integers");
  out->assign(a->ints().begin(), a->ints().end());
  return Status::Ok();
}

Status Attributes::String(const std::string& name, const std::string& def,
                          std::string* out) const {
  const onnx::AttributeProto* a = Find(name);
  if (!a) {
    *out = def;
    return Status::Ok();
  }
  if (a->type() != onnx::AttributeProto::STRING) return WrongType(name, "a string");
  *out = a->s();
  return Status::Ok();
}

Status Attributes::Tensor(const std::string& name, const onnx::TensorProto** out) const {
  const onnx::AttributeProto* a = Find(name);
  if (!a || a->type() != onnx::AttributeProto::TENSOR) return WrongType(name, "a tensor");
  *out = &a->t();
  return Status::Ok();
}

std::string Attributes::Unknown(const std::vector<std::string>& known) const {
  for (const onnx::AttributeProto& a : node_.attribute()) {
    bool found = false;
    for (const std::string& k : known) found = found || a.name() == k;
    if (!found) return a.name();
  }
  return "";
}

}  // namespace onnx_import
}  // namespace lrp
