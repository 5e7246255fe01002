#include "tests/onnx/node_test_runner.h"

#include <dirent.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <utility>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tools/onnx/importer.h"

namespace lrp {
namespace onnx_node {
namespace {

constexpr const char* kDebianRoot = "/usr/share/libonnx-testdata/data/node";
constexpr const char* kDataSet = "/test_data_set_0";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status ReadModel(const std::string& path, onnx::ModelProto* model) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kIoError, "cannot open " + path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!model->ParseFromString(bytes)) {
    return Status(StatusCode::kInvalidArgument, path + ": not a valid ModelProto");
  }
  return Status::Ok();
}

// Names of the graph inputs the test data feeds, in order.
std::vector<std::string> RealInputs(const onnx::GraphProto& graph) {
  std::set<std::string> initializers;
  for (const auto& t : graph.initializer()) initializers.insert(t.name());
  std::vector<std::string> names;
  for (const auto& in : graph.input()) {
    if (!initializers.count(in.name())) names.push_back(in.name());
  }
  return names;
}

NodeTestResult Result(Outcome outcome, std::string message) {
  NodeTestResult r;
  r.outcome = outcome;
  r.message = std::move(message);
  // Messages are one line: a multi-line Status would break the report table.
  std::replace(r.message.begin(), r.message.end(), '\n', ' ');
  return r;
}

bool SameDims(const std::vector<int64_t>& a, const std::vector<int64_t>& b) { return a == b; }

NodeTestResult Run(const std::string& root, const std::string& name) {
  const std::string dir = root + "/" + name;
  const std::string data = dir + kDataSet;
  onnx::ModelProto model;
  Status s = ReadModel(dir + "/model.onnx", &model);
  if (!s.ok()) return Result(Outcome::kError, s.message());

  std::vector<std::string> frozen;
  s = FreezeInputs(&model, data, &frozen);
  if (!s.ok()) {
    return Result(s.code() == StatusCode::kUnsupported ? Outcome::kUnsupported : Outcome::kError,
                  s.message());
  }

  onnx_import::ImportResult imported;
  s = onnx_import::ImportModel(model, onnx_import::ImportOptions(), &imported);
  if (!s.ok()) return Result(Outcome::kRejected, s.message());

  // The runtime computes one output; a second one (argmax indices, a
  // dropout mask) would go unchecked, so such a test proves nothing.
  if (model.graph().output_size() != 1) {
    return Result(Outcome::kUnsupported, std::to_string(model.graph().output_size()) +
                                             " graph outputs to compare; the runtime produces one");
  }
  if (imported.output.name != model.graph().output(0).name()) {
    return Result(Outcome::kError, "the importer maps output '" + imported.output.name +
                                       "', the graph's is '" + model.graph().output(0).name() +
                                       "'");
  }

  TensorData input, expected;
  s = ReadTensorFile(data + "/input_0.pb", &input);
  if (s.ok() && input.data_type != TensorData::kFloat) {
    s = Status(StatusCode::kUnsupported,
               "input_0.pb: data type " + DataTypeName(input.data_type) + " is not float32");
  }
  if (s.ok()) s = ReadTensorFile(data + "/output_0.pb", &expected);
  if (s.ok() && expected.data_type != TensorData::kFloat) {
    s = Status(StatusCode::kUnsupported,
               "output_0.pb: data type " + DataTypeName(expected.data_type) + " is not float32");
  }
  if (!s.ok()) {
    return Result(s.code() == StatusCode::kUnsupported ? Outcome::kUnsupported : Outcome::kError,
                  s.message());
  }
  if (!SameDims(input.dims, imported.input.onnx_shape)) {
    return Result(Outcome::kError, "input_0.pb has shape " + DimsToString(input.dims) +
                                       ", the importer mapped " +
                                       DimsToString(imported.input.onnx_shape));
  }
  if (imported.input.nchw && input.dims.size() != 4) {
    return Result(Outcome::kError,
                  "input mapped as NCHW but has shape " + DimsToString(input.dims));
  }

  Model lrpm;
  s = Model::FromBytes(std::move(imported.lrpm), &lrpm);
  if (!s.ok()) return Result(Outcome::kError, "the imported model does not load: " + s.message());
  SessionOptions options;
  options.mode = Mode::kForward;
  options.threads = 1;
  std::unique_ptr<Session> session;
  s = Session::Create(lrpm, options, &session);
  if (!s.ok()) return Result(Outcome::kRejected, "runtime: " + s.message());

  const std::vector<float> fed =
      imported.input.nchw ? NchwToNhwc(input.floats, input.dims) : input.floats;
  if (fed.size() != session->input_size()) {
    return Result(Outcome::kError, "input_0.pb has " + std::to_string(fed.size()) +
                                       " values, the session takes " +
                                       std::to_string(session->input_size()));
  }
  s = session->Forward(fed.data(), fed.size());
  if (!s.ok()) return Result(Outcome::kRejected, "runtime: " + s.message());

  if (!SameDims(imported.output.onnx_shape, expected.dims)) {
    return Result(Outcome::kMismatch, "output shape " + DimsToString(imported.output.onnx_shape) +
                                          ", output_0.pb has " + DimsToString(expected.dims));
  }
  size_t count = 0;
  if (!ElementCount(expected.dims, &count) || count != session->output_size()) {
    return Result(Outcome::kMismatch,
                  "the session's output has " + std::to_string(session->output_size()) +
                      " values, output_0.pb " + std::to_string(expected.floats.size()));
  }
  if (imported.output.nchw && expected.dims.size() != 4) {
    return Result(Outcome::kError,
                  "output mapped as NCHW but has shape " + DimsToString(expected.dims));
  }
  const std::vector<float> got =
      imported.output.nchw
          ? NhwcToNchw(session->output(), expected.dims)
          : std::vector<float>(session->output(), session->output() + session->output_size());

  NodeTestResult r;
  r.comparison = CompareAllClose(got.data(), expected.floats.data(), count);
  if (r.comparison.ok()) {
    r.outcome = Outcome::kPass;
  } else {
    r.outcome = Outcome::kMismatch;
    r.message = r.comparison.Describe();
  }
  return r;
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "pass";
    case Outcome::kMismatch:
      return "mismatch";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kUnsupported:
      return "unsupported";
    case Outcome::kError:
      return "error";
  }
  return "?";
}

const std::vector<std::string>& SupportedOps() {
  // clang-format off
  static const std::vector<std::string> ops = {
      "Conv", "Gemm", "MatMul", "Relu", "Clip", "LeakyRelu", "MaxPool", "AveragePool",
      "GlobalAveragePool", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Add", "Concat",
      "BatchNormalization", "LRN", "Dropout", "Identity", "Pad", "Softmax"};
  // clang-format on
  return ops;
}

std::string DefaultNodeTestRoot() {
  const char* env = std::getenv("LRP_ONNX_NODE_TESTS");
  return env && *env ? env : kDebianRoot;
}

Status ScanNodeTests(const std::string& root, std::vector<NodeTestInfo>* tests) {
  tests->clear();
  DIR* d = opendir(root.c_str());
  if (!d) return Status(StatusCode::kIoError, "cannot open directory " + root);
  std::vector<std::string> names;
  while (const dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    // The _expanded variants spell the operator out in other operators.
    if (n.rfind("test_", 0) == 0 && !EndsWith(n, "_expanded")) names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  const std::set<std::string> supported(SupportedOps().begin(), SupportedOps().end());
  for (const std::string& n : names) {
    onnx::ModelProto model;
    if (!ReadModel(root + "/" + n + "/model.onnx", &model).ok()) continue;
    NodeTestInfo info;
    info.name = n;
    bool in_scope = model.graph().node_size() > 0;
    for (const auto& node : model.graph().node()) {
      const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
      if (!default_domain || !supported.count(node.op_type())) {
        in_scope = false;
        break;
      }
      if (std::find(info.ops.begin(), info.ops.end(), node.op_type()) == info.ops.end()) {
        info.ops.push_back(node.op_type());
      }
    }
    if (in_scope) tests->push_back(std::move(info));
  }
  return Status::Ok();
}

Status FreezeInputs(onnx::ModelProto* model, const std::string& data_dir,
                    std::vector<std::string>* frozen) {
  frozen->clear();
  onnx::GraphProto* graph = model->mutable_graph();
  const std::vector<std::string> real = RealInputs(*graph);
  if (real.empty()) return Status(StatusCode::kUnsupported, "the graph has no input to feed");
  for (size_t k = 1; k < real.size(); ++k) {
    const std::string path = data_dir + "/input_" + std::to_string(k) + ".pb";
    auto it = std::find_if(graph->input().begin(), graph->input().end(),
                           [&](const onnx::ValueInfoProto& v) { return v.name() == real[k]; });
    // Optional and sequence inputs come as other protos than TensorProto.
    if (!it->type().has_tensor_type()) {
      return Status(StatusCode::kUnsupported, "input '" + real[k] + "' is not a tensor");
    }
    onnx::TensorProto tensor;
    LRP_RETURN_IF_ERROR(ParseTensorFile(path, &tensor));
    if (tensor.data_type() != it->type().tensor_type().elem_type()) {
      return Status(StatusCode::kInvalidArgument,
                    path + " holds " + DataTypeName(tensor.data_type()) + ", input '" + real[k] +
                        "' is " + DataTypeName(it->type().tensor_type().elem_type()));
    }
    // The data must be well formed where the runner can tell; other data
    // types go to the importer as they are, for it to accept or refuse.
    if (tensor.data_type() == TensorData::kFloat || tensor.data_type() == TensorData::kInt64) {
      TensorData decoded;
      Status s = DecodeTensor(tensor, &decoded);
      if (!s.ok()) return Status(s.code(), path + ": " + s.message());
    }
    tensor.set_name(real[k]);
    *graph->add_initializer() = std::move(tensor);
    graph->mutable_input()->erase(it);
    frozen->push_back(real[k]);
  }
  return Status::Ok();
}

std::vector<float> NchwToNhwc(const std::vector<float>& nchw, const std::vector<int64_t>& dims) {
  const size_t n = static_cast<size_t>(dims[0]), c = static_cast<size_t>(dims[1]),
               h = static_cast<size_t>(dims[2]), w = static_cast<size_t>(dims[3]);
  std::vector<float> nhwc(nchw.size());
  for (size_t in = 0; in < n; ++in)
    for (size_t ic = 0; ic < c; ++ic)
      for (size_t ih = 0; ih < h; ++ih)
        for (size_t iw = 0; iw < w; ++iw)
          nhwc[((in * h + ih) * w + iw) * c + ic] = nchw[((in * c + ic) * h + ih) * w + iw];
  return nhwc;
}

std::vector<float> NhwcToNchw(const float* nhwc, const std::vector<int64_t>& dims) {
  const size_t n = static_cast<size_t>(dims[0]), c = static_cast<size_t>(dims[1]),
               h = static_cast<size_t>(dims[2]), w = static_cast<size_t>(dims[3]);
  std::vector<float> nchw(n * c * h * w);
  for (size_t in = 0; in < n; ++in)
    for (size_t ic = 0; ic < c; ++ic)
      for (size_t ih = 0; ih < h; ++ih)
        for (size_t iw = 0; iw < w; ++iw)
          nchw[((in * c + ic) * h + ih) * w + iw] = nhwc[((in * h + ih) * w + iw) * c + ic];
  return nchw;
}

NodeTestResult RunNodeTest(const std::string& root, const std::string& name) {
  // Nothing in lrp throws, but protobuf and the standard library may
  // (bad_alloc on a corrupt size): report it rather than end the process.
  try {
    return Run(root, name);
  } catch (const std::exception& e) {
    return Result(Outcome::kError, std::string("exception: ") + e.what());
  }
}

}  // namespace onnx_node
}  // namespace lrp
