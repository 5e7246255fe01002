// Runs one of ONNX's backend node tests (Debian's libonnx-testdata:
// <root>/test_NAME/model.onnx + test_data_set_0/{input_K,output_K}.pb)
// through the importer and the runtime, and compares with ONNX's reference
// output. tests/onnx/README.md lists what each test in scope gives.
//
// What the runner does to a test before converting it:
//  - Graph inputs that are also initializers are not real inputs.
//  - The runtime has exactly one input and constant weights, so every real
//    input after the first is frozen: its input_K.pb becomes an initializer
//    (under the input's name) and leaves graph.input.
//  - Input 0 goes in in the runtime layout the importer reports (an NCHW
//    input is transposed to NHWC); the output comes back the same way.
#ifndef LRP_TESTS_ONNX_NODE_TEST_RUNNER_H_
#define LRP_TESTS_ONNX_NODE_TEST_RUNNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lrp/status.h"
#include "tests/onnx/tensor_proto.h"

namespace onnx {
class ModelProto;
}  // namespace onnx

namespace lrp {
namespace onnx_node {

enum class Outcome {
  kPass,         // output within ONNX's tolerances
  kMismatch,     // ran, but the output (or its shape) differs: a bug somewhere
  kRejected,     // the importer or the Session refused the model, with a reason
  kUnsupported,  // the runner cannot feed or check it (data type, several outputs)
  kError,        // an inconsistency that is a bug: the importer's model fails
                 // to load, or its mapping contradicts the test data
};
const char* OutcomeName(Outcome outcome);  // "pass", "mismatch", ...

struct NodeTestResult {
  Outcome outcome = Outcome::kError;
  std::string message;    // one line; empty for kPass
  Comparison comparison;  // kPass and value kMismatch
};

// The operators the importer converts; a node test is in scope when its
// graph uses only these (default domain) and its name is not *_expanded.
const std::vector<std::string>& SupportedOps();

struct NodeTestInfo {
  std::string name;              // "test_conv_with_strides_padding"
  std::vector<std::string> ops;  // distinct op types, in graph order
};

// $LRP_ONNX_NODE_TESTS if set, else Debian's libonnx-testdata location.
std::string DefaultNodeTestRoot();

// The node tests in scope under `root`, sorted by name. kIoError if `root`
// is not a directory.
Status ScanNodeTests(const std::string& root, std::vector<NodeTestInfo>* tests);

// Moves every real graph input after the first into graph.initializer, with
// the data of `data_dir`/input_K.pb. *frozen gets their names.
Status FreezeInputs(onnx::ModelProto* model, const std::string& data_dir,
                    std::vector<std::string>* frozen);

// ONNX [N, C, H, W] <-> runtime [N*H, W, C] (NHWC order).
std::vector<float> NchwToNhwc(const std::vector<float>& nchw, const std::vector<int64_t>& dims);
std::vector<float> NhwcToNchw(const float* nhwc, const std::vector<int64_t>& dims);

// Runs <root>/<name>. Never throws.
NodeTestResult RunNodeTest(const std::string& root, const std::string& name);

}  // namespace onnx_node
}  // namespace lrp

#endif  // LRP_TESTS_ONNX_NODE_TEST_RUNNER_H_
