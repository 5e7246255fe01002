#include "tools/onnx/context.h"

#include <algorithm>

namespace lrp {
namespace onnx_import {
namespace {

Status Unsupported(const std::string& message) {
  return Status(StatusCode::kUnsupported, message);
}

// Reads a Constant node's payload, whichever attribute holds it.
Status ReadConstantNode(const onnx::NodeProto& node, Constant* out) {
  if (node.attribute_size() != 1) return Context::Error(node, "expected exactly one attribute");
  const onnx::AttributeProto& a = node.attribute(0);
  if (a.name() == "value" && a.type() == onnx::AttributeProto::TENSOR) {
    Status s = ReadConstant(a.t(), "its value", out);
    return s.ok() ? s : Context::Error(node, s.message());
  }
  *out = Constant();
  if (a.name() == "value_float") {
    out->is_float = true;
    out->f = {a.f()};
  } else if (a.name() == "value_floats") {
    out->is_float = true;
    out->f.assign(a.floats().begin(), a.floats().end());
    out->dims = {static_cast<int64_t>(out->f.size())};
  } else if (a.name() == "value_int") {
    out->i = {a.i()};
  } else if (a.name() == "value_ints") {
    out->i.assign(a.ints().begin(), a.ints().end());
    out->dims = {static_cast<int64_t>(out->i.size())};
  } else {
    return Context::Error(node, "attribute '" + a.name() + "' is not supported");
  }
  return Status::Ok();
}

}  // namespace

Shape RuntimeShape(const Value& v) {
  switch (v.layout) {
    case Layout::kNchw:
      return Shape{static_cast<int32_t>(v.dims[0] * v.h), v.w, v.c};
    case Layout::kFlatChw:
      return Shape{v.c * v.h * v.w};
    case Layout::kPlain:
      break;
  }
  const int64_t n = std::max<int64_t>(ElementCount(v.dims), 0);
  const int64_t last = v.dims.empty() ? 1 : v.dims.back();
  const int64_t rows = last > 0 ? n / last : 0;
  if (rows <= 1) return Shape{static_cast<int32_t>(n)};
  return Shape{static_cast<int32_t>(rows), 1, static_cast<int32_t>(last)};
}

Status Context::Error(const onnx::NodeProto& node, const std::string& reason) {
  return Unsupported("node '" + LayerName(node) + "' (" + node.op_type() + "): " + reason);
}

Status Context::CheckAttributes(const onnx::NodeProto& node,
                                const std::vector<std::string>& known) {
  const std::string unknown = Attributes(node).Unknown(known);
  if (unknown.empty()) return Status::Ok();
  return Error(node, "attribute '" + unknown + "' is not supported");
}

std::string Context::LayerName(const onnx::NodeProto& node) {
  if (!node.name().empty()) return node.name();
  return node.output_size() > 0 ? node.output(0) : node.op_type();
}

bool Context::ReachesSpatialOp(const std::string& name,
                               const std::vector<std::string>& spatial_ops) const {
  // Element-wise operators keep the layout, so look through them.
  static const char* const kPassThrough[] = {"Identity", "Dropout", "Relu", "LeakyRelu", "Clip"};
  std::vector<std::string> todo = {name};
  std::set<std::string> seen;
  while (!todo.empty()) {
    const std::string t = todo.back();
    todo.pop_back();
    if (!seen.insert(t).second) continue;
    auto it = consumers_.find(t);
    if (it == consumers_.end()) continue;
    for (int reader : it->second) {
      const onnx::NodeProto& n = graph().node(reader);
      if (std::find(spatial_ops.begin(), spatial_ops.end(), n.op_type()) != spatial_ops.end()) {
        return true;
      }
      for (const char* op : kPassThrough) {
        if (n.op_type() == op && n.output_size() > 0) todo.push_back(n.output(0));
      }
    }
  }
  return false;
}

Status Context::Init(const std::vector<std::string>& spatial_ops) {
  const onnx::GraphProto& g = graph();
  for (const onnx::TensorProto& t : g.initializer()) {
    Constant c;
    LRP_RETURN_IF_ERROR(ReadConstant(t, "initializer '" + t.name() + "'", &c));
    constants_[t.name()] = std::move(c);
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    if (n.op_type() == "Constant" && (n.domain().empty() || n.domain() == "ai.onnx")) {
      Constant c;
      LRP_RETURN_IF_ERROR(ReadConstantNode(n, &c));
      if (n.output_size() != 1) return Error(n, "expected one output");
      constants_[n.output(0)] = std::move(c);
      done_.insert(i);
      continue;
    }
    // An Identity of a constant (exporters write them for shared weights)
    // is that constant, known before any layer that folds it needs it.
    if (n.op_type() == "Identity" && n.input_size() == 1 && n.output_size() == 1 &&
        constants_.count(n.input(0))) {
      constants_[n.output(0)] = constants_[n.input(0)];
      done_.insert(i);
      continue;
    }
    for (const std::string& in : n.input()) {
      if (!in.empty()) consumers_[in].push_back(i);
    }
  }
  for (const onnx::ValueInfoProto& o : g.output()) outputs_.insert(o.name());
  if (g.output_size() != 1) {
    return Unsupported("the graph has " + std::to_string(g.output_size()) +
                       " outputs; lrp models have exactly one");
  }

  // The one computed input; initializers listed as inputs are weights.
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const onnx::ValueInfoProto& in : g.input()) {
    if (!constants_.count(in.name())) inputs.push_back(&in);
  }
  if (inputs.size() != 1) {
    return Unsupported("the graph has " + std::to_string(inputs.size()) +
                       " non-constant inputs; lrp models take exactly one (weights must be "
                       "initializers)");
  }
  const onnx::ValueInfoProto& in = *inputs[0];
  input_name_ = in.name();
  if (!in.type().has_tensor_type()) {
    return Unsupported("input '" + in.name() + "' is not a tensor");
  }
  const onnx::TypeProto::Tensor& tt = in.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto::FLOAT) {
    return Unsupported("input '" + in.name() + "' has data type " +
                       onnx::TensorProto::DataType_Name(
                           static_cast<onnx::TensorProto::DataType>(tt.elem_type())) +
                       "; lrp runs float32 models");
  }
  if (!tt.has_shape()) return Unsupported("input '" + in.name() + "' has no shape");
  Value v;
  for (const onnx::TensorShapeProto::Dimension& d : tt.shape().dim()) {
    if (!d.has_dim_value()) {
      return Unsupported("input '" + in.name() + "' has a dynamic dimension" +
                         (d.has_dim_param() ? " '" + d.dim_param() + "'" : std::string()) +
                         "; export with a fixed input shape (batch 1)");
    }
    v.dims.push_back(d.dim_value());
  }
  if (ElementCount(v.dims) <= 0 || ElementCount(v.dims) > (int64_t{1} << 28)) {
    return Unsupported("input '" + in.name() + "' has shape " + DimsString(v.dims) +
                       "; lrp needs 1 to 2^28 elements");
  }
  if (v.dims.size() == 4 && ReachesSpatialOp(in.name(), spatial_ops)) {
    v.layout = Layout::kNchw;
    v.c = static_cast<int32_t>(v.dims[1]);
    v.h = static_cast<int32_t>(v.dims[2]);
    v.w = static_cast<int32_t>(v.dims[3]);
  }
  v.tensor = builder_.Input(in.name(), RuntimeShape(v));
  values_[in.name()] = v;
  return Status::Ok();
}

bool Context::HasInput(const onnx::NodeProto& node, int k) const {
  return k < node.input_size() && !node.input(k).empty();
}

Status Context::Input(const onnx::NodeProto& node, int k, Value* out, bool allow_pad) const {
  if (!HasInput(node, k)) return Error(node, "input " + std::to_string(k) + " is missing");
  const std::string& name = node.input(k);
  auto it = values_.find(name);
  if (it == values_.end()) {
    if (constants_.count(name)) {
      return Error(node, "input '" + name +
                             "' is a constant; lrp computes this operator on activations only");
    }
    return Error(node, "input '" + name + "' is not computed before this node");
  }
  if (it->second.padded && !allow_pad) {
    return Error(node, "input '" + name +
                           "' comes from a Pad, which lrp merges only into a following Conv or "
                           "AveragePool");
  }
  *out = it->second;
  return Status::Ok();
}

Status Context::ConstInput(const onnx::NodeProto& node, int k, const Constant** out) const {
  *out = nullptr;
  if (!HasInput(node, k)) return Status::Ok();
  auto it = constants_.find(node.input(k));
  if (it == constants_.end()) {
    return Error(node, "input '" + node.input(k) +
                           "' must be a constant (an initializer); lrp needs fixed weights "
                           "and shapes");
  }
  *out = &it->second;
  return Status::Ok();
}

int Context::SoleConsumer(const std::string& name) const {
  if (outputs_.count(name)) return -1;
  auto it = consumers_.find(name);
  if (it == consumers_.end() || it->second.size() != 1) return -1;
  return it->second[0];
}

bool Context::IsGraphOutput(const std::string& name) const { return outputs_.count(name) > 0; }

Status Context::Relayout(const onnx::NodeProto& node, Layout layout, Value* v) {
  if (v->layout != layout) {
    // Feature map and flat order agree when one of the two axes is trivial.
    const bool same_order = v->layout == Layout::kPlain
                                ? v->dims.size() == 4 && (v->dims[1] == 1 ||
                                                          v->dims[2] * v->dims[3] == 1)
                                : v->c == 1 || v->h * v->w == 1;
    if (layout == Layout::kFlatChw || !same_order ||
        (layout == Layout::kNchw && v->dims.size() != 4)) {
      return Error(node, "the tensor of shape " + DimsString(v->dims) +
                             " would need a transpose (lrp keeps feature maps channels-last), "
                             "which is not supported here");
    }
    if (layout == Layout::kNchw) {
      v->c = static_cast<int32_t>(v->dims[1]);
      v->h = static_cast<int32_t>(v->dims[2]);
      v->w = static_cast<int32_t>(v->dims[3]);
    }
    v->layout = layout;
  }
  return Materialize(LayerName(node), v);
}

Status Context::Materialize(const std::string& layer, Value* v) {
  const Shape want = RuntimeShape(*v);
  if (builder_.shape(v->tensor) != want) {
    v->tensor = builder_.Reshape(layer + "/reshape", v->tensor, want);
  }
  return Status::Ok();
}

Status Context::BuilderStatus(const onnx::NodeProto& node) const {
  const Status& s = builder_.status();
  return s.ok() ? s : Error(node, s.message());
}

}  // namespace onnx_import
}  // namespace lrp
