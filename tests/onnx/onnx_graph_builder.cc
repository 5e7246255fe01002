#include "tests/onnx/onnx_graph_builder.h"

#include <fstream>

namespace lrp {
namespace onnx_test {

NodeBuilder& NodeBuilder::Int(const std::string& name, int64_t value) {
  onnx::AttributeProto* a = node_->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
  return *this;
}

NodeBuilder& NodeBuilder::Float(const std::string& name, float value) {
  onnx::AttributeProto* a = node_->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
  return *this;
}

NodeBuilder& NodeBuilder::Ints(const std::string& name, const std::vector<int64_t>& values) {
  onnx::AttributeProto* a = node_->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
  return *this;
}

NodeBuilder& NodeBuilder::String(const std::string& name, const std::string& value) {
  onnx::AttributeProto* a = node_->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
  return *this;
}

GraphBuilder::GraphBuilder(int opset) {
  model_.set_ir_version(8);
  model_.set_producer_name("lrp-tests");
  if (opset > 0) {
    onnx::OperatorSetIdProto* id = model_.add_opset_import();
    id->set_domain("");
    id->set_version(opset);
  }
  model_.mutable_graph()->set_name("test");
}

namespace {

void SetTensorType(onnx::ValueInfoProto* v, const std::vector<int64_t>& dims, int elem_type,
                   bool with_shape) {
  onnx::TypeProto::Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  if (!with_shape) return;
  onnx::TensorShapeProto* shape = t->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

}  // namespace

onnx::ValueInfoProto* GraphBuilder::Input(const std::string& name,
                                          const std::vector<int64_t>& dims, int elem_type) {
  onnx::ValueInfoProto* v = graph().add_input();
  v->set_name(name);
  SetTensorType(v, dims, elem_type, true);
  return v;
}

onnx::ValueInfoProto* GraphBuilder::Output(const std::string& name,
                                           const std::vector<int64_t>& dims) {
  onnx::ValueInfoProto* v = graph().add_output();
  v->set_name(name);
  SetTensorType(v, dims, onnx::TensorProto::FLOAT, !dims.empty());
  return v;
}

onnx::TensorProto* GraphBuilder::FloatInit(const std::string& name,
                                           const std::vector<int64_t>& dims,
                                           const std::vector<float>& values) {
  onnx::TensorProto* t = graph().add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
  return t;
}

onnx::TensorProto* GraphBuilder::Int64Init(const std::string& name,
                                           const std::vector<int64_t>& dims,
                                           const std::vector<int64_t>& values) {
  onnx::TensorProto* t = graph().add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
  return t;
}

NodeBuilder GraphBuilder::Node(const std::string& op, const std::vector<std::string>& inputs,
                               const std::vector<std::string>& outputs, const std::string& name) {
  onnx::NodeProto* n = graph().add_node();
  n->set_op_type(op);
  if (!name.empty()) n->set_name(name);
  for (const std::string& in : inputs) n->add_input(in);
  for (const std::string& out : outputs) n->add_output(out);
  return NodeBuilder(n);
}

std::string GraphBuilder::Serialize() const {
  std::string bytes;
  model_.SerializeToString(&bytes);
  return bytes;
}

bool GraphBuilder::WriteFile(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::string bytes = Serialize();
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace onnx_test
}  // namespace lrp
