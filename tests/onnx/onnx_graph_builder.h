// Builds small onnx::ModelProto graphs in C++ for the importer tests, so
// each test states its graph next to what it expects instead of reading a
// binary fixture.
//
//   GraphBuilder g(13);
//   g.Input("x", {1, 3, 8, 8});
//   g.FloatInit("w", {4, 3, 3, 3}, weights);
//   g.Node("Conv", {"x", "w"}, {"y"}).Ints("pads", {1, 1, 1, 1});
//   g.Output("y");
//
// Nothing is validated here: tests also need graphs ONNX itself would
// reject, to check the importer reports them.
#ifndef LRP_TESTS_ONNX_ONNX_GRAPH_BUILDER_H_
#define LRP_TESTS_ONNX_ONNX_GRAPH_BUILDER_H_

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lrp {
namespace onnx_test {

// Adds attributes to one node; every setter returns *this for chaining.
class NodeBuilder {
 public:
  explicit NodeBuilder(onnx::NodeProto* node) : node_(node) {}
  NodeBuilder& Int(const std::string& name, int64_t value);
  NodeBuilder& Float(const std::string& name, float value);
  NodeBuilder& Ints(const std::string& name, const std::vector<int64_t>& values);
  NodeBuilder& String(const std::string& name, const std::string& value);
  onnx::NodeProto* proto() { return node_; }

 private:
  onnx::NodeProto* node_;  // owned by the graph; protobuf keeps it in place
};

class GraphBuilder {
 public:
  // `opset` of the default domain; 0 imports no opset at all.
  explicit GraphBuilder(int opset = 13);

  // A graph input of element type `elem_type` (onnx::TensorProto::DataType).
  onnx::ValueInfoProto* Input(const std::string& name, const std::vector<int64_t>& dims,
                              int elem_type = onnx::TensorProto::FLOAT);
  // A graph output; `dims` empty leaves the shape undeclared, as exporters
  // often do for intermediate shapes.
  onnx::ValueInfoProto* Output(const std::string& name, const std::vector<int64_t>& dims = {});

  onnx::TensorProto* FloatInit(const std::string& name, const std::vector<int64_t>& dims,
                               const std::vector<float>& values);
  onnx::TensorProto* Int64Init(const std::string& name, const std::vector<int64_t>& dims,
                               const std::vector<int64_t>& values);

  // A node of the default domain; `name` empty leaves the node unnamed
  // (importer messages then use its first output).
  NodeBuilder Node(const std::string& op, const std::vector<std::string>& inputs,
                   const std::vector<std::string>& outputs, const std::string& name = "");

  onnx::ModelProto& model() { return model_; }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }
  std::string Serialize() const;
  // Writes the serialized model to `path`; false on failure.
  bool WriteFile(const std::string& path) const;

 private:
  onnx::ModelProto model_;
};

}  // namespace onnx_test
}  // namespace lrp

#endif  // LRP_TESTS_ONNX_ONNX_GRAPH_BUILDER_H_
