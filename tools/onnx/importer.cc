#include "tools/onnx/importer.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "lrp/model.h"
#include "tools/onnx/context.h"

namespace lrp {
namespace onnx_import {
namespace {

// The opsets whose operator semantics lrp follows (ONNX 1.12 defines up to
// 17). Older opsets are read where their attributes still match: any
// attribute of an older form is rejected by name.
constexpr int kMaxOpset = 17;

Status Unsupported(const std::string& message) {
  return Status(StatusCode::kUnsupported, message);
}
Status BadOption(const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message);
}

Status DefaultOpset(const onnx::ModelProto& model, int* opset) {
  *opset = 0;
  for (const onnx::OperatorSetIdProto& id : model.opset_import()) {
    if (id.domain().empty() || id.domain() == "ai.onnx") *opset = static_cast<int>(id.version());
  }
  if (*opset == 0) return Unsupported("the model imports no version of the default ONNX opset");
  if (*opset > kMaxOpset) {
    return Unsupported("opset " + std::to_string(*opset) + " is newer than lrp knows (up to " +
                       std::to_string(kMaxOpset) + ")");
  }
  return Status::Ok();
}

// A per-channel option: 1 or `channels` values.
Status ChannelOption(const char* name, const std::vector<float>& v, int32_t channels) {
  if (v.empty() || v.size() == 1 || static_cast<int32_t>(v.size()) == channels) {
    for (float x : v) {
      if (!std::isfinite(x)) return BadOption(std::string(name) + " values must be finite");
    }
    return Status::Ok();
  }
  return BadOption(std::string(name) + " has " + std::to_string(v.size()) +
                   " values; the input has " + std::to_string(channels) + " channels");
}

float At(const std::vector<float>& v, size_t c, float fallback) {
  return v.empty() ? fallback : v[v.size() == 1 ? 0 : c];
}

// The model's input description: the raw range mapped through mean/std.
Status DescribeInput(const ImportOptions& o, int32_t channels, bool nchw, InputDesc* desc) {
  LRP_RETURN_IF_ERROR(ChannelOption("low", o.low, channels));
  LRP_RETURN_IF_ERROR(ChannelOption("high", o.high, channels));
  LRP_RETURN_IF_ERROR(ChannelOption("mean", o.mean, channels));
  LRP_RETURN_IF_ERROR(ChannelOption("std", o.std, channels));
  if (o.low.empty() != o.high.empty()) return BadOption("give both low and high, or neither");
  if (!o.mean.empty() && o.std.empty()) return BadOption("mean needs std");
  for (float s : o.std) {
    if (!(s > 0)) return BadOption("std values must be positive");
  }
  desc->source_layout = nchw ? SourceLayout::kNCHW : SourceLayout::kNC;
  desc->mean = o.mean;
  desc->std = o.std;
  if (o.low.empty()) return Status::Ok();
  const size_t n = std::max({o.low.size(), o.high.size(), o.mean.size(), o.std.size()});
  for (size_t c = 0; c < n; ++c) {
    const float mean = At(o.mean, c, 0.0f), std = At(o.std, c, 1.0f);
    const float lo = (At(o.low, c, 0.0f) - mean) / std, hi = (At(o.high, c, 0.0f) - mean) / std;
    if (!(lo < hi)) return BadOption("low must be below high (channel " + std::to_string(c) + ")");
    desc->low.push_back(lo);
    desc->high.push_back(hi);
  }
  return Status::Ok();
}

std::vector<int64_t> DeclaredDims(const onnx::ValueInfoProto& v, const std::vector<int64_t>& fallback) {
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return fallback;
  std::vector<int64_t> dims;
  for (const auto& d : v.type().tensor_type().shape().dim()) {
    if (!d.has_dim_value()) return fallback;
    dims.push_back(d.dim_value());
  }
  return ElementCount(dims) == ElementCount(fallback) ? dims : fallback;
}

}  // namespace

Status ImportModel(const onnx::ModelProto& model, const ImportOptions& options,
                   ImportResult* result) {
  int opset = 0;
  LRP_RETURN_IF_ERROR(DefaultOpset(model, &opset));
  Context ctx(model, opset);
  LRP_RETURN_IF_ERROR(ctx.Init(SpatialOps()));
  const onnx::GraphProto& g = model.graph();
  for (int i = 0; i < g.node_size(); ++i) {
    if (ctx.Done(i)) continue;
    const onnx::NodeProto& node = g.node(i);
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      return Context::Error(node, "domain '" + node.domain() + "' is not supported");
    }
    const Converter convert = FindConverter(node.op_type());
    if (convert == nullptr) {
      return Context::Error(node, "operator not supported (lrp converts " + SupportedOps() + ")");
    }
    LRP_RETURN_IF_ERROR(convert(ctx, i));
  }

  const onnx::ValueInfoProto& out = g.output(0);
  if (!ctx.Defined(out.name())) {
    return Unsupported("output '" + out.name() + "' is " +
                       (ctx.IsConstant(out.name()) ? "a constant" : "never computed"));
  }
  Value y = ctx.value(out.name());
  if (y.padded || y.layout == Layout::kFlatChw) {
    return Unsupported("output '" + out.name() + "' is " +
                       (y.padded ? "a Pad" : "a feature map flattened in CHW order") +
                       ", which lrp cannot produce as a model output");
  }
  const Value& x = ctx.value(ctx.input_name());
  LRP_RETURN_IF_ERROR(ctx.Materialize(out.name(), &y));
  if (y.tensor == x.tensor) {
    // A graph that computes nothing still needs a layer to write the output.
    y.tensor = ctx.builder().Reshape(out.name(), y.tensor, RuntimeShape(y));
  }
  ModelBuilder& b = ctx.builder();
  b.SetOutput(y.tensor);
  LRP_RETURN_IF_ERROR(b.status());

  const Shape& in_shape = b.shape(x.tensor);
  InputDesc desc;
  LRP_RETURN_IF_ERROR(
      DescribeInput(options, in_shape.dims[in_shape.rank - 1], x.layout == Layout::kNchw, &desc));
  b.SetInputDesc(desc);
  if (!options.labels.empty()) {
    const size_t classes = b.shape(y.tensor).elements();
    if (options.labels.size() != classes) {
      return BadOption("labels: " + std::to_string(options.labels.size()) +
                       " names for an output of " + std::to_string(classes) + " values");
    }
    b.SetLabels(options.labels);
  }
  std::string producer = options.producer;
  if (producer.empty()) {
    producer = "lrp convert (ONNX opset " + std::to_string(opset);
    if (!model.producer_name().empty()) {
      producer += ", from " + model.producer_name();
      if (!model.producer_version().empty()) producer += " " + model.producer_version();
    }
    producer += ")";
  }
  b.SetProducer(producer);
  ImportResult r;
  LRP_RETURN_IF_ERROR(b.Finish(&r.lrpm));
  // Load what was written: the runtime's own checks are the final word.
  Model check;
  Status s = Model::View(r.lrpm.data(), r.lrpm.size(), &check);
  if (!s.ok()) return Status(StatusCode::kInternal, "the converted model is invalid: " + s.message());
  r.layers = static_cast<int>(check.layers().size());
  r.opset = opset;
  r.onnx_nodes = g.node_size();
  r.input = {ctx.input_name(), x.dims, x.layout == Layout::kNchw};
  r.output = {out.name(), DeclaredDims(out, y.dims), y.layout == Layout::kNchw};
  r.notes = ctx.notes();
  *result = std::move(r);
  return Status::Ok();
}

Status ImportFile(const std::string& path, const ImportOptions& options, ImportResult* result) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kIoError, path + ": cannot open");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  // Protobuf messages are limited to 2 GiB; larger models use external
  // data, which lrp does not read.
  if (size < 0 || size >= (std::streamoff{1} << 31)) {
    return Status(StatusCode::kIoError, path + ": not a readable file under 2 GiB");
  }
  in.seekg(0);
  std::string bytes(static_cast<size_t>(size), '\0');
  if (size > 0 && !in.read(&bytes[0], size)) return Status(StatusCode::kIoError, path + ": read failed");
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes) || !model.has_graph()) {
    return Status(StatusCode::kInvalidModel, path + ": not an ONNX model (protobuf parsing failed)");
  }
  Status s = ImportModel(model, options, result);
  if (!s.ok()) return Status(s.code(), path + ": " + s.message());
  return Status::Ok();
}

}  // namespace onnx_import
}  // namespace lrp
