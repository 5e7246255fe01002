// Constant tensors and node attributes of an ONNX graph, read defensively.
//
// Initializers and Constant nodes become `Constant`s: float32 weights or
// int64 shape/axes vectors, with their dimensions. Anything else (other data
// types, external data, a payload that does not match the dimensions) is
// reported instead of guessed at.
#ifndef LRP_TOOLS_ONNX_CONSTANTS_H_
#define LRP_TOOLS_ONNX_CONSTANTS_H_

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "lrp/status.h"

namespace lrp {
namespace onnx_import {

struct Constant {
  std::vector<int64_t> dims;
  bool is_float = false;
  std::vector<float> f;    // is_float
  std::vector<int64_t> i;  // integer types, widened
  size_t size() const { return is_float ? f.size() : i.size(); }
};

// Reads a TensorProto; `what` names it in errors.
Status ReadConstant(const onnx::TensorProto& t, const std::string& what, Constant* out);

// Product of `dims` (1 for a scalar), or -1 on a negative or absurd value.
int64_t ElementCount(const std::vector<int64_t>& dims);

// "[1, 3, 224, 224]"
std::string DimsString(const std::vector<int64_t>& dims);

// Attribute access for one node. Getters return the default when the
// attribute is absent and fail when it has the wrong type.
class Attributes {
 public:
  explicit Attributes(const onnx::NodeProto& node) : node_(node) {}
  bool Has(const std::string& name) const { return Find(name) != nullptr; }
  Status Int(const std::string& name, int64_t def, int64_t* out) const;
  Status Float(const std::string& name, float def, float* out) const;
  Status Ints(const std::string& name, std::vector<int64_t>* out) const;  // empty if absent
  Status String(const std::string& name, const std::string& def, std::string* out) const;
  Status Tensor(const std::string& name, const onnx::TensorProto** out) const;
  // The first attribute not in `known`, or "" (unknown attributes are
  // rejected: ignoring one could silently change the result).
  std::string Unknown(const std::vector<std::string>& known) const;

 private:
  const onnx::AttributeProto* Find(const std::string& name) const;
  const onnx::NodeProto& node_;
};

}  // namespace onnx_import
}  // namespace lrp

#endif  // LRP_TOOLS_ONNX_CONSTANTS_H_
