// Converting and running ONNX graphs for the importer tests
// (importer_harness.h).
#include "tests/onnx/importer_harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "lrp/session.h"
#include "tests/support/status_testing.h"

namespace lrp {
namespace onnx_test {
namespace {

// The runtime order of `t`: NCHW [N, C, H, W] -> [N*H, W, C]; plain tensors
// keep theirs.
std::vector<double> RuntimeOrder(const Tensor& t, Io io) {
  if (io == Io::kPlain) return t.v;
  std::vector<double> out;
  out.reserve(t.v.size());
  for (int64_t n = 0; n < t.dims[0]; ++n) {
    for (int64_t h = 0; h < t.dims[2]; ++h) {
      for (int64_t w = 0; w < t.dims[3]; ++w) {
        for (int64_t c = 0; c < t.dims[1]; ++c) out.push_back(t.at(n, c, h, w));
      }
    }
  }
  return out;
}

Status RunForward(const Model& model, const std::vector<float>& input, std::vector<float>* out) {
  std::unique_ptr<Session> session;
  LRP_RETURN_IF_ERROR(Session::Create(model, SessionOptions(), &session));
  LRP_RETURN_IF_ERROR(session->Forward(input.data(), input.size()));
  out->assign(session->output(), session->output() + session->output_size());
  return Status::Ok();
}

constexpr double kTolerance = 1e-5;

}  // namespace

void Convert(const onnx::ModelProto& m, Converted* c, const onnx_import::ImportOptions& options) {
  const Status s = onnx_import::ImportModel(m, options, &c->result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  LRP_ASSERT_OK(Model::FromBytes(c->result.lrpm, &c->model));
}

double RelativeError(const std::vector<float>& got, const std::vector<double>& want) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::fabs(got[i] - want[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

void ExpectMatches(const onnx::ModelProto& m, const Tensor& x, Io in, const Tensor& want, Io out,
                   Converted* c) {
  ASSERT_NO_FATAL_FAILURE(Convert(m, c));
  ASSERT_EQ(c->result.input.nchw, in == Io::kNchw);
  ASSERT_EQ(c->result.output.nchw, out == Io::kNchw);
  EXPECT_EQ(c->result.input.onnx_shape, x.dims);
  std::vector<float> got;
  const std::vector<double> x_runtime = RuntimeOrder(x, in);
  LRP_ASSERT_OK(RunForward(c->model, std::vector<float>(x_runtime.begin(), x_runtime.end()), &got));
  const std::vector<double> expected = RuntimeOrder(want, out);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_LE(RelativeError(got, expected), kTolerance);
}

void ExpectMatches(const onnx::ModelProto& m, const Tensor& x, Io in, const Tensor& want,
                   Io out) {
  Converted c;
  ExpectMatches(m, x, in, want, out, &c);
}

bool HasNote(const onnx_import::ImportResult& r, const std::string& note) {
  return std::find(r.notes.begin(), r.notes.end(), note) != r.notes.end();
}

int CountLayers(const Model& m, LayerKind kind) {
  return static_cast<int>(std::count_if(m.layers().begin(), m.layers().end(),
                                        [kind](const LayerDesc& l) { return l.kind == kind; }));
}

ConvWeights AddConv(GraphBuilder& g, const std::string& name, const std::string& in,
                    const std::string& out, const std::vector<int64_t>& wdims, bool bias,
                    uint32_t seed) {
  ConvWeights cw{RandomTensor(wdims, seed), {}};
  g.FloatInit(name + ".w", wdims, Floats(cw.w));
  std::vector<std::string> inputs = {in, name + ".w"};
  if (bias) {
    cw.b = RandomFloats(static_cast<size_t>(wdims[0]), seed + 1000);
    g.FloatInit(name + ".b", {wdims[0]}, cw.b);
    inputs.push_back(name + ".b");
  }
  g.Node("Conv", inputs, {out}, name);
  return cw;
}

}  // namespace onnx_test
}  // namespace lrp
