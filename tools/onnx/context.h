// The state of one ONNX -> lrpm conversion, shared by the operator
// converters (ops_*.cc).
//
// Every ONNX tensor the graph computes is a `Value`: its ONNX dimensions, the
// runtime tensor holding it and how the two are laid out. Converters read
// their inputs as Values or Constants, add layers through the ModelBuilder
// and define their outputs. A converter may absorb the nodes that follow
// (a BatchNormalization or bias Add into a Conv, a Relu into its producer);
// those are marked done and never converted on their own.
#ifndef LRP_TOOLS_ONNX_CONTEXT_H_
#define LRP_TOOLS_ONNX_CONTEXT_H_

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lrp/model_builder.h"
#include "lrp/status.h"
#include "tools/onnx/constants.h"

namespace lrp {
namespace onnx_import {

enum class Layout {
  // ONNX [N, C, H, W] as runtime [N*H, W, C].
  kNchw,
  // Same element order on both sides: runtime [last] with one row, else
  // [rows, 1, last] (rows = product of all but the last ONNX dimension).
  kPlain,
  // ONNX [1, C*H*W] flattened in CHW order from a feature map whose runtime
  // tensor keeps HWC order; only a following Gemm/MatMul can absorb it.
  kFlatChw,
};

struct Value {
  std::vector<int64_t> dims;
  Layout layout = Layout::kPlain;
  uint32_t tensor = 0;
  // A zero Pad not yet applied: the runtime tensor is unpadded and the
  // consuming Conv or AveragePool takes this padding over.
  bool padded = false;
  Padding pad;
  int32_t c = 0, h = 0, w = 0;  // kNchw and kFlatChw: the feature map
};

// The runtime shape of an ONNX tensor of `dims` in `layout`.
Shape RuntimeShape(const Value& v);

class Context {
 public:
  Context(const onnx::ModelProto& model, int opset) : model_(model), opset_(opset) {}

  // Indexes constants and consumers; declares the graph input.
  Status Init(const std::vector<std::string>& spatial_ops);

  const onnx::GraphProto& graph() const { return model_.graph(); }
  int opset() const { return opset_; }
  ModelBuilder& builder() { return builder_; }
  std::vector<std::string>& notes() { return notes_; }
  const std::string& input_name() const { return input_name_; }

  // "node 'NAME' (OP): REASON" as an Unsupported status.
  static Status Error(const onnx::NodeProto& node, const std::string& reason);
  // Fails naming the first attribute of `node` not in `known` (an ignored
  // attribute could silently change the result).
  static Status CheckAttributes(const onnx::NodeProto& node, const std::vector<std::string>& known);
  // The layer name for a node: its name, else its first output's.
  static std::string LayerName(const onnx::NodeProto& node);

  // The k-th input as a computed value (fails for constants and missing
  // inputs). Values with a pending Pad are refused unless `allow_pad`.
  Status Input(const onnx::NodeProto& node, int k, Value* out, bool allow_pad = false) const;
  // The k-th input as a constant; null when the input is absent or empty.
  // Fails when it is a computed value.
  Status ConstInput(const onnx::NodeProto& node, int k, const Constant** out) const;
  bool HasInput(const onnx::NodeProto& node, int k) const;
  bool IsConstant(const std::string& name) const { return constants_.count(name) > 0; }

  void Define(const std::string& name, const Value& v) { values_[name] = v; }
  void DefineConstant(const std::string& name, Constant c) { constants_[name] = std::move(c); }
  bool Defined(const std::string& name) const { return values_.count(name) > 0; }
  const Value& value(const std::string& name) const { return values_.at(name); }

  // The node that is the only reader of `name`, or -1 (several readers, a
  // graph output, or none).
  int SoleConsumer(const std::string& name) const;
  bool IsGraphOutput(const std::string& name) const;
  const onnx::NodeProto& node(int i) const { return graph().node(i); }
  void MarkDone(int node) { done_.insert(node); }
  bool Done(int node) const { return done_.count(node) > 0; }

  // Brings `v` to `layout` (kNchw <-> kPlain only where the element orders
  // agree) and makes its runtime tensor have RuntimeShape(v), adding a
  // Reshape layer when it does not.
  Status Relayout(const onnx::NodeProto& node, Layout layout, Value* v);
  Status Materialize(const std::string& layer, Value* v);

  // The first builder error, attributed to `node`.
  Status BuilderStatus(const onnx::NodeProto& node) const;

 private:
  // Whether a spatial operator reads `name`, directly or through
  // element-wise operators (so a rank-4 input is a feature map).
  bool ReachesSpatialOp(const std::string& name, const std::vector<std::string>& spatial_ops) const;

  const onnx::ModelProto& model_;
  int opset_;
  ModelBuilder builder_;
  std::map<std::string, Constant> constants_;
  std::map<std::string, Value> values_;
  std::map<std::string, std::vector<int>> consumers_;
  std::set<std::string> outputs_;
  std::set<int> done_;
  std::vector<std::string> notes_;
  std::string input_name_;
};

// Converters, one per ONNX operator (ops_*.cc). `index` is the node's
// position in the graph.
using Converter = Status (*)(Context& ctx, int index);
// The converter for `op_type`, or null.
Converter FindConverter(const std::string& op_type);
// "Conv, Gemm, ...": the operators FindConverter knows.
std::string SupportedOps();
// Operators whose input must be a feature map (decides the input layout).
const std::vector<std::string>& SpatialOps();

}  // namespace onnx_import
}  // namespace lrp

#endif  // LRP_TOOLS_ONNX_CONTEXT_H_
