// Converting a small ONNX graph with the importer and running it, for the
// importer tests: a graph built with GraphBuilder is converted with
// ImportModel, loaded, run by a forward Session and compared with the
// double-precision reference of onnx_reference.h.
#ifndef LRP_TESTS_ONNX_IMPORTER_HARNESS_H_
#define LRP_TESTS_ONNX_IMPORTER_HARNESS_H_

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "tests/onnx/onnx_graph_builder.h"
#include "tests/onnx/onnx_reference.h"
#include "tools/onnx/importer.h"

namespace lrp {
namespace onnx_test {

// How a graph input or output is laid out: a plain tensor keeps its order;
// an NCHW feature map [N, C, H, W] runs as [N*H, W, C].
enum class Io { kPlain, kNchw };

struct Converted {
  onnx_import::ImportResult result;
  Model model;
};

// Converts `m` with `options` and loads the result into `c` (gtest
// assertions; use ASSERT_NO_FATAL_FAILURE).
void Convert(const onnx::ModelProto& m, Converted* c,
             const onnx_import::ImportOptions& options = {});

// max |got - want| / max |want|: the error relative to the output's scale,
// which stays meaningful for outputs that cross zero.
double RelativeError(const std::vector<float>& got, const std::vector<double>& want);

// Converts `m`, runs it on `x` and compares with `want`. `in` and `out` are
// the layouts the importer must report for the graph input and output. The
// first form leaves the conversion in `c` for further checks.
void ExpectMatches(const onnx::ModelProto& m, const Tensor& x, Io in, const Tensor& want, Io out,
                   Converted* c);
void ExpectMatches(const onnx::ModelProto& m, const Tensor& x, Io in, const Tensor& want,
                   Io out);

// Whether the importer reported `note`.
bool HasNote(const onnx_import::ImportResult& r, const std::string& note);

// How many layers of `kind` the model has.
int CountLayers(const Model& m, LayerKind kind);

// A Conv node with random weights ([M, C/group, kH, kW]) and optional bias,
// returning both for the reference.
struct ConvWeights {
  Tensor w;
  std::vector<float> b;
};

ConvWeights AddConv(GraphBuilder& g, const std::string& name, const std::string& in,
                    const std::string& out, const std::vector<int64_t>& wdims, bool bias,
                    uint32_t seed);

}  // namespace onnx_test
}  // namespace lrp

#endif  // LRP_TESTS_ONNX_IMPORTER_HARNESS_H_
