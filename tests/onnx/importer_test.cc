// Tests of the ONNX importer (tools/onnx/importer.h).
//
// Each supported operator (and each fold the importer performs) is checked
// end to end: a small graph is built in C++, converted with ImportModel,
// loaded, run by a forward Session, and compared with a naive
// double-precision evaluation of the same graph written here from the ONNX
// operator specifications in NCHW. The reference shares no code with the
// importer or the runtime, so a layout or folding mistake on their side
// shows up as a mismatch. Rejections are checked by their exact message.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tests/onnx/onnx_graph_builder.h"
#include "tests/support/status_testing.h"
#include "tools/io/npy.h"
#include "tools/onnx/importer.h"

namespace lrp {
namespace {

using onnx_import::ImportModel;
using onnx_import::ImportOptions;
using onnx_import::ImportResult;
using onnx_test::GraphBuilder;

// ---------------------------------------------------------------------------
// The reference: dense tensors of doubles in ONNX order (NCHW for maps).

struct Tensor {
  std::vector<int64_t> dims;
  std::vector<double> v;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> d) : dims(std::move(d)), v(Count(dims), 0.0) {}
  Tensor(std::vector<int64_t> d, const std::vector<float>& values)
      : dims(std::move(d)), v(values.begin(), values.end()) {
    EXPECT_EQ(v.size(), Count(dims));
  }
  static size_t Count(const std::vector<int64_t>& d) {
    size_t n = 1;
    for (int64_t x : d) n *= static_cast<size_t>(x);
    return n;
  }
  size_t Index(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return static_cast<size_t>(((n * dims[1] + c) * dims[2] + h) * dims[3] + w);
  }
  double at(int64_t n, int64_t c, int64_t h, int64_t w) const { return v[Index(n, c, h, w)]; }
  double& at(int64_t n, int64_t c, int64_t h, int64_t w) { return v[Index(n, c, h, w)]; }
};

std::vector<float> RandomFloats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

Tensor RandomTensor(const std::vector<int64_t>& dims, uint32_t seed, float lo = -1.0f,
                    float hi = 1.0f) {
  return Tensor(dims, RandomFloats(Tensor::Count(dims), seed, lo, hi));
}

std::vector<float> Floats(const Tensor& t) { return std::vector<float>(t.v.begin(), t.v.end()); }

// A 2-D window: kernel, strides, dilations, pads in ONNX order
// (top, left, bottom, right) and ceil_mode.
struct Window {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t top = 0, left = 0, bottom = 0, right = 0;
  bool ceil = false;
};

Window MakeWindow(std::array<int64_t, 2> k, std::array<int64_t, 2> s,
                  std::array<int64_t, 4> pads = {0, 0, 0, 0}, std::array<int64_t, 2> d = {1, 1},
                  bool ceil = false) {
  Window w;
  w.kh = k[0];
  w.kw = k[1];
  w.sh = s[0];
  w.sw = s[1];
  w.dh = d[0];
  w.dw = d[1];
  w.top = pads[0];
  w.left = pads[1];
  w.bottom = pads[2];
  w.right = pads[3];
  w.ceil = ceil;
  return w;
}

// ONNX's output size: floor (or ceil) of (in + pads - extent) / stride, + 1.
int64_t OutSize(int64_t in, int64_t pads, int64_t k, int64_t s, int64_t d, bool ceil) {
  const int64_t span = in + pads - ((k - 1) * d + 1);
  return (ceil ? (span + s - 1) / s : span / s) + 1;
}

// Conv: the kernel comes from W [M, C/group, kH, kW]; `win` gives the rest.
Tensor RefConv(const Tensor& x, const Tensor& w, const std::vector<float>& bias, Window win,
               int64_t group = 1) {
  win.kh = w.dims[2];
  win.kw = w.dims[3];
  const int64_t n_ = x.dims[0], h = x.dims[2], wd = x.dims[3];
  const int64_t m_ = w.dims[0], cg = w.dims[1];
  const int64_t oh = OutSize(h, win.top + win.bottom, win.kh, win.sh, win.dh, false);
  const int64_t ow = OutSize(wd, win.left + win.right, win.kw, win.sw, win.dw, false);
  Tensor y({n_, m_, oh, ow});
  const int64_t per_group = m_ / group;
  for (int64_t n = 0; n < n_; ++n) {
    for (int64_t m = 0; m < m_; ++m) {
      const int64_t g = m / per_group;
      for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t ox = 0; ox < ow; ++ox) {
          double s = bias.empty() ? 0.0 : bias[m];
          for (int64_t ci = 0; ci < cg; ++ci) {
            for (int64_t i = 0; i < win.kh; ++i) {
              for (int64_t j = 0; j < win.kw; ++j) {
                const int64_t iy = oy * win.sh - win.top + i * win.dh;
                const int64_t ix = ox * win.sw - win.left + j * win.dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += x.at(n, g * cg + ci, iy, ix) * w.at(m, ci, i, j);
              }
            }
          }
          y.at(n, m, oy, ox) = s;
        }
      }
    }
  }
  return y;
}

enum class Pool { kMax, kAverageExcludePad, kAverageIncludePad };

Tensor RefPool(const Tensor& x, const Window& win, Pool kind) {
  const int64_t h = x.dims[2], wd = x.dims[3];
  const int64_t oh = OutSize(h, win.top + win.bottom, win.kh, win.sh, win.dh, win.ceil);
  const int64_t ow = OutSize(wd, win.left + win.right, win.kw, win.sw, win.dw, win.ceil);
  Tensor y({x.dims[0], x.dims[1], oh, ow});
  for (int64_t n = 0; n < x.dims[0]; ++n) {
    for (int64_t c = 0; c < x.dims[1]; ++c) {
      for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t ox = 0; ox < ow; ++ox) {
          double best = -INFINITY, sum = 0;
          int count = 0;
          for (int64_t i = 0; i < win.kh; ++i) {
            for (int64_t j = 0; j < win.kw; ++j) {
              const int64_t iy = oy * win.sh - win.top + i * win.dh;
              const int64_t ix = ox * win.sw - win.left + j * win.dw;
              const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
              // count_include_pad counts the explicit pads, not what
              // ceil_mode reaches beyond them.
              const bool in_pads = iy >= -win.top && iy < h + win.bottom && ix >= -win.left &&
                                   ix < wd + win.right;
              if (inside) {
                best = std::max(best, x.at(n, c, iy, ix));
                sum += x.at(n, c, iy, ix);
              }
              if (kind == Pool::kAverageIncludePad ? in_pads : inside) ++count;
            }
          }
          y.at(n, c, oy, ox) = kind == Pool::kMax ? best : sum / count;
        }
      }
    }
  }
  return y;
}

Tensor RefGlobalAveragePool(const Tensor& x) {
  Tensor y({x.dims[0], x.dims[1], 1, 1});
  for (int64_t n = 0; n < x.dims[0]; ++n) {
    for (int64_t c = 0; c < x.dims[1]; ++c) {
      double s = 0;
      for (int64_t i = 0; i < x.dims[2]; ++i) {
        for (int64_t j = 0; j < x.dims[3]; ++j) s += x.at(n, c, i, j);
      }
      y.at(n, c, 0, 0) = s / static_cast<double>(x.dims[2] * x.dims[3]);
    }
  }
  return y;
}

// Zero padding of H and W.
Tensor RefPad(const Tensor& x, int64_t top, int64_t left, int64_t bottom, int64_t right) {
  Tensor y({x.dims[0], x.dims[1], x.dims[2] + top + bottom, x.dims[3] + left + right});
  for (int64_t n = 0; n < x.dims[0]; ++n) {
    for (int64_t c = 0; c < x.dims[1]; ++c) {
      for (int64_t i = 0; i < x.dims[2]; ++i) {
        for (int64_t j = 0; j < x.dims[3]; ++j) y.at(n, c, i + top, j + left) = x.at(n, c, i, j);
      }
    }
  }
  return y;
}

// Per-channel affine map along axis 1, any rank >= 2.
Tensor RefBatchNorm(const Tensor& x, const std::vector<float>& gamma,
                    const std::vector<float>& beta, const std::vector<float>& mean,
                    const std::vector<float>& var, double eps) {
  Tensor y = x;
  const size_t channels = static_cast<size_t>(x.dims[1]);
  size_t inner = 1;
  for (size_t i = 2; i < x.dims.size(); ++i) inner *= static_cast<size_t>(x.dims[i]);
  for (size_t k = 0; k < y.v.size(); ++k) {
    const size_t c = (k / inner) % channels;
    y.v[k] = (x.v[k] - mean[c]) / std::sqrt(var[c] + eps) * gamma[c] + beta[c];
  }
  return y;
}

Tensor RefLrn(const Tensor& x, int64_t size, double alpha, double beta, double bias) {
  Tensor y = x;
  const int64_t channels = x.dims[1];
  const int64_t below = (size - 1) / 2, above = size - 1 - below;
  for (int64_t n = 0; n < x.dims[0]; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t i = 0; i < x.dims[2]; ++i) {
        for (int64_t j = 0; j < x.dims[3]; ++j) {
          double sq = 0;
          for (int64_t k = std::max<int64_t>(0, c - below); k <= std::min(channels - 1, c + above);
               ++k) {
            sq += x.at(n, k, i, j) * x.at(n, k, i, j);
          }
          y.at(n, c, i, j) = x.at(n, c, i, j) / std::pow(bias + alpha / size * sq, beta);
        }
      }
    }
  }
  return y;
}

// Y = alpha * A' B' + beta * C (C broadcast to [M, N]); C may be null.
Tensor RefGemm(const Tensor& a, const Tensor& b, const Tensor* c, double alpha, double beta,
               bool trans_a, bool trans_b) {
  const int64_t m_ = trans_a ? a.dims[1] : a.dims[0], k_ = trans_a ? a.dims[0] : a.dims[1];
  const int64_t n_ = trans_b ? b.dims[0] : b.dims[1];
  Tensor y({m_, n_});
  for (int64_t m = 0; m < m_; ++m) {
    for (int64_t n = 0; n < n_; ++n) {
      double s = 0;
      for (int64_t k = 0; k < k_; ++k) {
        const double av = trans_a ? a.v[k * m_ + m] : a.v[m * k_ + k];
        const double bv = trans_b ? b.v[n * k_ + k] : b.v[k * n_ + n];
        s += av * bv;
      }
      double cv = 0;
      if (c != nullptr) {
        const size_t rank = c->dims.size();
        const int64_t cm = rank == 2 ? c->dims[0] : 1, cn = rank >= 1 ? c->dims[rank - 1] : 1;
        cv = c->v[(cm == 1 ? 0 : m) * cn + (cn == 1 ? 0 : n)];
      }
      y.v[m * n_ + n] = alpha * s + beta * cv;
    }
  }
  return y;
}

// MatMul of A [..., K] by a 2-D B [K, N].
Tensor RefMatMul(const Tensor& a, const Tensor& b) {
  std::vector<int64_t> dims = a.dims;
  const int64_t k_ = b.dims[0], n_ = b.dims[1];
  dims.back() = n_;
  Tensor y(dims);
  const size_t rows = a.v.size() / static_cast<size_t>(k_);
  for (size_t r = 0; r < rows; ++r) {
    for (int64_t n = 0; n < n_; ++n) {
      double s = 0;
      for (int64_t k = 0; k < k_; ++k) s += a.v[r * k_ + k] * b.v[k * n_ + n];
      y.v[r * n_ + n] = s;
    }
  }
  return y;
}

// Softmax over `axis` (the ONNX opset 13 definition).
Tensor RefSoftmax(const Tensor& x, size_t axis) {
  size_t outer = 1, inner = 1;
  for (size_t i = 0; i < axis; ++i) outer *= static_cast<size_t>(x.dims[i]);
  for (size_t i = axis + 1; i < x.dims.size(); ++i) inner *= static_cast<size_t>(x.dims[i]);
  const size_t n = static_cast<size_t>(x.dims[axis]);
  Tensor y = x;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      double mx = -INFINITY, sum = 0;
      for (size_t j = 0; j < n; ++j) mx = std::max(mx, x.v[(o * n + j) * inner + i]);
      for (size_t j = 0; j < n; ++j) sum += std::exp(x.v[(o * n + j) * inner + i] - mx);
      for (size_t j = 0; j < n; ++j) {
        y.v[(o * n + j) * inner + i] = std::exp(x.v[(o * n + j) * inner + i] - mx) / sum;
      }
    }
  }
  return y;
}

Tensor Map(Tensor t, const std::function<double(double)>& f) {
  for (double& x : t.v) x = f(x);
  return t;
}

double Relu(double x) { return x > 0 ? x : 0; }

Tensor Add(Tensor a, const Tensor& b) {
  for (size_t i = 0; i < a.v.size(); ++i) a.v[i] += b.v[i];
  return a;
}

// Adds one value per channel (axis 1).
Tensor AddPerChannel(Tensor x, const std::vector<float>& bias) {
  const size_t inner = x.v.size() / static_cast<size_t>(x.dims[0] * x.dims[1]);
  for (size_t k = 0; k < x.v.size(); ++k) x.v[k] += bias[(k / inner) % bias.size()];
  return x;
}

Tensor ConcatChannels(const Tensor& a, const Tensor& b) {
  Tensor y({a.dims[0], a.dims[1] + b.dims[1], a.dims[2], a.dims[3]});
  for (int64_t n = 0; n < a.dims[0]; ++n) {
    for (int64_t c = 0; c < y.dims[1]; ++c) {
      for (int64_t i = 0; i < a.dims[2]; ++i) {
        for (int64_t j = 0; j < a.dims[3]; ++j) {
          y.at(n, c, i, j) = c < a.dims[1] ? a.at(n, c, i, j) : b.at(n, c - a.dims[1], i, j);
        }
      }
    }
  }
  return y;
}

Tensor Reshaped(Tensor t, std::vector<int64_t> dims) {
  t.dims = std::move(dims);
  return t;
}

// ---------------------------------------------------------------------------
// Running converted models.

enum class Io { kPlain, kNchw };

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

struct Converted {
  ImportResult result;
  Model model;
};

void Convert(const onnx::ModelProto& m, Converted* c, const ImportOptions& options = {}) {
  const Status s = ImportModel(m, options, &c->result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  LRP_ASSERT_OK(Model::FromBytes(c->result.lrpm, &c->model));
}

Status RunForward(const Model& model, const std::vector<float>& input, std::vector<float>* out) {
  std::unique_ptr<Session> session;
  LRP_RETURN_IF_ERROR(Session::Create(model, SessionOptions(), &session));
  LRP_RETURN_IF_ERROR(session->Forward(input.data(), input.size()));
  out->assign(session->output(), session->output() + session->output_size());
  return Status::Ok();
}

// max |got - want| / max |want|: the error relative to the output's scale,
// which stays meaningful for outputs that cross zero.
double RelativeError(const std::vector<float>& got, const std::vector<double>& want) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::fabs(got[i] - want[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

constexpr double kTolerance = 1e-5;

// Converts `m`, runs it on `x` and compares with `want`. `in` and `out` are
// the layouts the importer must report for the graph input and output.
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

bool HasNote(const ImportResult& r, const std::string& note) {
  return std::find(r.notes.begin(), r.notes.end(), note) != r.notes.end();
}

int CountLayers(const Model& m, LayerKind kind) {
  return static_cast<int>(std::count_if(m.layers().begin(), m.layers().end(),
                                        [kind](const LayerDesc& l) { return l.kind == kind; }));
}

// A Conv node with random weights ([M, C/group, kH, kW]) and optional bias,
// returning both for the reference.
struct ConvWeights {
  Tensor w;
  std::vector<float> b;
};

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

// ---------------------------------------------------------------------------
// Conv

TEST(ImporterTest, ConvStridesAsymmetricPadsAndDilations) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 9, 8});
  ConvWeights cw = AddConv(g, "conv", "x", "y", {4, 3, 3, 2}, true, 1);
  onnx_test::NodeBuilder(g.graph().mutable_node(0))
      .Ints("kernel_shape", {3, 2})
      .Ints("strides", {2, 1})
      .Ints("pads", {1, 0, 2, 1})
      .Ints("dilations", {2, 1});
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 9, 8}, 2);
  const Tensor want = RefConv(x, cw.w, cw.b, MakeWindow({3, 2}, {2, 1}, {1, 0, 2, 1}, {2, 1}));
  EXPECT_EQ(want.dims, (std::vector<int64_t>{1, 4, 4, 8}));
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
}

TEST(ImporterTest, ConvGroupsWithoutBias) {
  GraphBuilder g(13);
  g.Input("x", {1, 4, 6, 5});
  ConvWeights cw = AddConv(g, "conv", "x", "y", {6, 2, 3, 3}, false, 3);
  onnx_test::NodeBuilder(g.graph().mutable_node(0)).Int("group", 2).Ints("pads", {1, 1, 1, 1});
  g.Output("y");
  const Tensor x = RandomTensor({1, 4, 6, 5}, 4);
  const Tensor want = RefConv(x, cw.w, {}, MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1}), 2);
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
}

TEST(ImporterTest, DepthwiseConv) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 5, 5});
  ConvWeights cw = AddConv(g, "conv", "x", "y", {3, 1, 3, 3}, true, 5);
  onnx_test::NodeBuilder(g.graph().mutable_node(0)).Int("group", 3).Ints("strides", {2, 2});
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 5, 5}, 6);
  ExpectMatches(g.model(), x, Io::kNchw, RefConv(x, cw.w, cw.b, MakeWindow({3, 3}, {2, 2}), 3),
                Io::kNchw);
}

// Rows of batch items stack in the runtime tensor ([N*H, W, C]); a 1x1
// conv never mixes them.
TEST(ImporterTest, PointwiseConvOverABatchOfTwo) {
  GraphBuilder g(13);
  g.Input("x", {2, 3, 2, 2});
  ConvWeights cw = AddConv(g, "conv", "x", "y", {4, 3, 1, 1}, true, 9);
  g.Output("y");
  const Tensor x = RandomTensor({2, 3, 2, 2}, 10);
  ExpectMatches(g.model(), x, Io::kNchw, RefConv(x, cw.w, cw.b, Window()), Io::kNchw);
}

// Kernel 4x2 with strides 2x1 over 7x6 needs 3 and 1 pixels of padding: the
// odd pixel goes after (SAME_UPPER) or before (SAME_LOWER) the input.
TEST(ImporterTest, ConvAutoPadSameUpperAndLower) {
  const Tensor x = RandomTensor({1, 2, 7, 6}, 7);
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER"}) {
    SCOPED_TRACE(mode);
    GraphBuilder g(13);
    g.Input("x", {1, 2, 7, 6});
    ConvWeights cw = AddConv(g, "conv", "x", "y", {3, 2, 4, 2}, true, 8);
    onnx_test::NodeBuilder(g.graph().mutable_node(0))
        .String("auto_pad", mode)
        .Ints("strides", {2, 1});
    g.Output("y");
    const bool upper = std::string(mode) == "SAME_UPPER";
    const std::array<int64_t, 4> pads =
        upper ? std::array<int64_t, 4>{1, 0, 2, 1} : std::array<int64_t, 4>{2, 1, 1, 0};
    const Tensor want = RefConv(x, cw.w, cw.b, MakeWindow({4, 2}, {2, 1}, pads));
    EXPECT_EQ(want.dims, (std::vector<int64_t>{1, 3, 4, 6}));
    ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
  }
}

// ---------------------------------------------------------------------------
// Folds into the weighted layer

TEST(ImporterTest, ConvBatchNormReluFoldIntoOneLayer) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 6, 6});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 3, 3, 3}, true, 10);
  const std::vector<float> gamma = RandomFloats(4, 11, 0.5f, 2.0f), beta = RandomFloats(4, 12);
  const std::vector<float> mean = RandomFloats(4, 13), var = RandomFloats(4, 14, 0.1f, 3.0f);
  g.FloatInit("gamma", {4}, gamma);
  g.FloatInit("beta", {4}, beta);
  g.FloatInit("mean", {4}, mean);
  g.FloatInit("var", {4}, var);
  g.Node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"n"}, "bn")
      .Float("epsilon", 1e-3f);
  g.Node("Relu", {"n"}, {"y"}, "relu");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 6, 6}, 15);
  const Tensor want = Map(RefBatchNorm(RefConv(x, cw.w, cw.b, Window()), gamma, beta, mean, var,
                                       static_cast<double>(1e-3f)),
                          Relu);
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw, &c);
  EXPECT_TRUE(HasNote(c.result, "folded BatchNormalization 'bn'")) << c.result.notes.size();
  EXPECT_EQ(c.result.onnx_nodes, 3);
  ASSERT_EQ(c.result.layers, 1);
  EXPECT_EQ(c.model.layers()[0].kind, LayerKind::kConv2D);
  EXPECT_EQ(c.model.layers()[0].params.activation, Activation::kRelu);
}

TEST(ImporterTest, ConstantAddAfterConvBecomesItsBias) {
  const Tensor x = RandomTensor({1, 2, 5, 5}, 20);
  // Either operand order; [C, 1, 1] broadcasts like [1, C, 1, 1].
  for (int variant = 0; variant < 2; ++variant) {
    SCOPED_TRACE(variant);
    GraphBuilder g(13);
    g.Input("x", {1, 2, 5, 5});
    ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 3, 3}, false, 21);
    const std::vector<float> bias = RandomFloats(3, 22);
    const std::vector<int64_t> dims =
        variant == 0 ? std::vector<int64_t>{1, 3, 1, 1} : std::vector<int64_t>{3, 1, 1};
    g.FloatInit("bias", dims, bias);
    g.Node("Add", variant == 0 ? std::vector<std::string>{"c", "bias"}
                               : std::vector<std::string>{"bias", "c"},
           {"y"}, "add");
    g.Output("y");
    Converted c;
    ExpectMatches(g.model(), x, Io::kNchw, AddPerChannel(RefConv(x, cw.w, {}, Window()), bias),
                  Io::kNchw, &c);
    EXPECT_EQ(c.result.layers, 1);
  }
}

// A [C] constant broadcasts along W, not along channels: it must not be
// taken for a bias (here W == C, so the sizes alone cannot tell).
TEST(ImporterTest, ConstantAddAlongWidthIsNotABias) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 5, 3});
  AddConv(g, "conv", "x", "c", {3, 2, 1, 1}, false, 23);
  g.FloatInit("k", {3}, {1, 2, 3});
  g.Node("Add", {"c", "k"}, {"y"}, "add");
  g.Output("y");
  ImportResult r;
  const Status s = ImportModel(g.model(), ImportOptions(), &r);
  EXPECT_EQ(s.message(),
            "node 'add' (Add): adding a constant is supported only as the bias of the Conv, Gemm "
            "or MatMul right before it");
}

TEST(ImporterTest, ConvClipZeroSixFusesAsRelu6) {
  const Tensor x = RandomTensor({1, 2, 5, 5}, 30, -4.0f, 4.0f);
  // Clip's bounds are inputs from opset 11 on and attributes before.
  for (int opset : {13, 10}) {
    SCOPED_TRACE(opset);
    GraphBuilder g(opset);
    g.Input("x", {1, 2, 5, 5});
    ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 3, 3}, true, 31);
    if (opset >= 11) {
      g.FloatInit("lo", {}, {0.0f});
      g.FloatInit("hi", {}, {6.0f});
      g.Node("Clip", {"c", "lo", "hi"}, {"y"}, "clip");
    } else {
      g.Node("Clip", {"c"}, {"y"}, "clip").Float("min", 0.0f).Float("max", 6.0f);
    }
    g.Output("y");
    const Tensor conv = RefConv(x, cw.w, cw.b, Window());
    // The test only bites if both bounds are hit.
    EXPECT_GT(*std::max_element(conv.v.begin(), conv.v.end()), 6.0);
    EXPECT_LT(*std::min_element(conv.v.begin(), conv.v.end()), 0.0);
    Converted c;
    ExpectMatches(g.model(), x, Io::kNchw,
                  Map(conv, [](double v) { return std::min(std::max(v, 0.0), 6.0); }), Io::kNchw,
                  &c);
    ASSERT_EQ(c.result.layers, 1);
    EXPECT_EQ(c.model.layers()[0].params.activation, Activation::kRelu6);
  }
}

// ---------------------------------------------------------------------------
// Gemm and MatMul

// Conv output [1, 4, 3, 2] flattened: with C > 1 and H*W > 1 the CHW order
// of ONNX and the HWC order of the runtime differ everywhere.
TEST(ImporterTest, FlattenGemmReordersColumns) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 3, 2});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 2, 1, 1}, true, 40);
  g.Node("Flatten", {"c"}, {"f"}, "flatten");
  const Tensor b = RandomTensor({24, 5}, 41), bias = RandomTensor({5}, 42);
  g.FloatInit("B", {24, 5}, Floats(b));
  g.FloatInit("C", {5}, Floats(bias));
  g.Node("Gemm", {"f", "B", "C"}, {"y"}, "gemm");
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 3, 2}, 43);
  const Tensor flat = Reshaped(RefConv(x, cw.w, cw.b, Window()), {1, 24});
  ExpectMatches(g.model(), x, Io::kNchw, RefGemm(flat, b, &bias, 1, 1, false, false), Io::kPlain);
}

// An element-wise layer between Flatten and Gemm keeps the HWC order the
// Gemm's columns are reordered for.
TEST(ImporterTest, FlattenReluGemm) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 2, 3});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 1, 1}, true, 44);
  g.Node("Flatten", {"c"}, {"f"}, "flatten");
  g.Node("Relu", {"f"}, {"r"}, "relu");
  const Tensor b = RandomTensor({18, 4}, 45);
  g.FloatInit("B", {18, 4}, Floats(b));
  g.Node("Gemm", {"r", "B"}, {"y"}, "gemm");
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 2, 3}, 46);
  const Tensor flat = Map(Reshaped(RefConv(x, cw.w, cw.b, Window()), {1, 18}), Relu);
  ExpectMatches(g.model(), x, Io::kNchw, RefGemm(flat, b, nullptr, 1, 1, false, false),
                Io::kPlain);
}

TEST(ImporterTest, GemmTransBAlphaBetaScalarC) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 2, 3});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 1, 1}, false, 50);
  g.Node("Flatten", {"c"}, {"f"}, "flatten");
  const Tensor b = RandomTensor({4, 18}, 51);
  const Tensor scalar({}, {0.75f});
  g.FloatInit("B", {4, 18}, Floats(b));
  g.FloatInit("C", {}, {0.75f});
  g.Node("Gemm", {"f", "B", "C"}, {"y"}, "gemm")
      .Int("transB", 1)
      .Float("alpha", 0.5f)
      .Float("beta", -2.0f);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 2, 3}, 52);
  const Tensor flat = Reshaped(RefConv(x, cw.w, {}, Window()), {1, 18});
  ExpectMatches(g.model(), x, Io::kNchw, RefGemm(flat, b, &scalar, 0.5, -2.0, false, true),
                Io::kPlain);
}

// A^T of a [K, 1] column is a single row: transA is fine there.
TEST(ImporterTest, GemmTransAOfAColumn) {
  GraphBuilder g(13);
  g.Input("x", {4, 1});
  const Tensor b = RandomTensor({4, 2}, 53);
  g.FloatInit("B", {4, 2}, Floats(b));
  g.Node("Gemm", {"x", "B"}, {"y"}, "gemm").Int("transA", 1);
  g.Output("y");
  const Tensor x = RandomTensor({4, 1}, 54);
  ExpectMatches(g.model(), x, Io::kPlain, RefGemm(x, b, nullptr, 1, 1, true, false), Io::kPlain);
}

// MatMul + Add(constant) is how PyTorch exports a Linear with bias; here it
// also reads a flattened feature map.
TEST(ImporterTest, FlattenMatMulAddBias) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 2, 2});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 1, 1}, true, 60);
  g.Node("Flatten", {"c"}, {"f"}, "flatten");
  const Tensor b = RandomTensor({12, 4}, 61);
  const std::vector<float> bias = RandomFloats(4, 62);
  g.FloatInit("B", {12, 4}, Floats(b));
  g.FloatInit("bias", {4}, bias);
  g.Node("MatMul", {"f", "B"}, {"m"}, "matmul");
  g.Node("Add", {"m", "bias"}, {"y"}, "add");
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 2, 2}, 63);
  const Tensor flat = Reshaped(RefConv(x, cw.w, cw.b, Window()), {1, 12});
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, AddPerChannel(RefMatMul(flat, b), bias), Io::kPlain, &c);
  EXPECT_EQ(CountLayers(c.model, LayerKind::kDense), 1);
  EXPECT_EQ(CountLayers(c.model, LayerKind::kAdd), 0);
}

TEST(ImporterTest, MatMulOnPlainVector) {
  GraphBuilder g(13);
  g.Input("x", {1, 6});
  const Tensor b = RandomTensor({6, 3}, 64);
  g.FloatInit("B", {6, 3}, Floats(b));
  g.Node("MatMul", {"x", "B"}, {"y"}, "matmul");
  g.Output("y");
  const Tensor x = RandomTensor({1, 6}, 65);
  ExpectMatches(g.model(), x, Io::kPlain, RefMatMul(x, b), Io::kPlain);
}

// Several rows of A share the weights: the importer runs it as a 1x1 conv.
TEST(ImporterTest, GemmWithSeveralRowsRunsAsPointwiseConv) {
  GraphBuilder g(13);
  g.Input("x", {3, 5});
  const Tensor b = RandomTensor({5, 4}, 70), bias = RandomTensor({1, 4}, 71);
  g.FloatInit("B", {5, 4}, Floats(b));
  g.FloatInit("C", {1, 4}, Floats(bias));
  g.Node("Gemm", {"x", "B", "C"}, {"g"}, "gemm");
  g.Node("Relu", {"g"}, {"y"}, "relu");
  g.Output("y");
  const Tensor x = RandomTensor({3, 5}, 72);
  Converted c;
  ExpectMatches(g.model(), x, Io::kPlain, Map(RefGemm(x, b, &bias, 1, 1, false, false), Relu),
                Io::kPlain, &c);
  ASSERT_EQ(c.result.layers, 1);
  EXPECT_EQ(c.model.layers()[0].kind, LayerKind::kConv2D);
  EXPECT_EQ(c.model.layers()[0].params.activation, Activation::kRelu);
}

// A 2-D BatchNormalization ([N, C], channels last) after a Gemm folds too.
TEST(ImporterTest, GemmBatchNormFolds) {
  GraphBuilder g(13);
  g.Input("x", {1, 6});
  const Tensor b = RandomTensor({6, 3}, 73);
  g.FloatInit("B", {6, 3}, Floats(b));
  const std::vector<float> gamma = RandomFloats(3, 74, 0.5f, 2.0f), beta = RandomFloats(3, 75);
  const std::vector<float> mean = RandomFloats(3, 76), var = RandomFloats(3, 77, 0.5f, 2.0f);
  g.FloatInit("gamma", {3}, gamma);
  g.FloatInit("beta", {3}, beta);
  g.FloatInit("mean", {3}, mean);
  g.FloatInit("var", {3}, var);
  g.Node("Gemm", {"x", "B"}, {"g"}, "gemm");
  g.Node("BatchNormalization", {"g", "gamma", "beta", "mean", "var"}, {"y"}, "bn");
  g.Output("y");
  const Tensor x = RandomTensor({1, 6}, 78);
  Converted c;
  ExpectMatches(g.model(), x, Io::kPlain,
                RefBatchNorm(RefGemm(x, b, nullptr, 1, 1, false, false), gamma, beta, mean, var,
                             static_cast<double>(1e-5f)),
                Io::kPlain, &c);
  EXPECT_EQ(c.result.layers, 1);
  EXPECT_TRUE(HasNote(c.result, "folded BatchNormalization 'bn'"));
}

// ---------------------------------------------------------------------------
// Pooling, LRN, BatchNormalization

// 8 rows, kernel 3, stride 2, pads 1+1: (8 + 2 - 3) / 2 = 3.5, so ceil_mode
// adds a fifth output row whose window still starts inside the input.
TEST(ImporterTest, MaxPoolCeilModeWithPads) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 8, 6});
  g.Node("MaxPool", {"x"}, {"y"}, "pool")
      .Ints("kernel_shape", {3, 3})
      .Ints("strides", {2, 2})
      .Ints("pads", {1, 0, 1, 0})
      .Int("ceil_mode", 1);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 8, 6}, 80);
  const Tensor want =
      RefPool(x, MakeWindow({3, 3}, {2, 2}, {1, 0, 1, 0}, {1, 1}, true), Pool::kMax);
  EXPECT_EQ(want.dims, (std::vector<int64_t>{1, 2, 5, 3}));
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
}

TEST(ImporterTest, MaxPoolWithDilations) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 7, 7});
  g.Node("MaxPool", {"x"}, {"y"}, "pool")
      .Ints("kernel_shape", {2, 3})
      .Ints("dilations", {2, 1})
      .Ints("pads", {1, 1, 0, 1});
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 7, 7}, 83);
  ExpectMatches(g.model(), x, Io::kNchw,
                RefPool(x, MakeWindow({2, 3}, {1, 1}, {1, 1, 0, 1}, {2, 1}), Pool::kMax),
                Io::kNchw);
}

TEST(ImporterTest, AveragePoolCountIncludePad) {
  const Tensor x = RandomTensor({1, 2, 6, 5}, 81);
  for (int include : {0, 1}) {
    SCOPED_TRACE(include);
    GraphBuilder g(13);
    g.Input("x", {1, 2, 6, 5});
    g.Node("AveragePool", {"x"}, {"y"}, "pool")
        .Ints("kernel_shape", {3, 3})
        .Ints("strides", {2, 2})
        .Ints("pads", {1, 1, 1, 1})
        .Int("count_include_pad", include);
    g.Output("y");
    const Tensor want = RefPool(x, MakeWindow({3, 3}, {2, 2}, {1, 1, 1, 1}),
                                include ? Pool::kAverageIncludePad : Pool::kAverageExcludePad);
    ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
  }
}

TEST(ImporterTest, AveragePoolCeilModeExcludesPad) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 7, 6});
  g.Node("AveragePool", {"x"}, {"y"}, "pool")
      .Ints("kernel_shape", {2, 3})
      .Ints("strides", {2, 2})
      .Int("ceil_mode", 1);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 7, 6}, 82);
  const Tensor want = RefPool(x, MakeWindow({2, 3}, {2, 2}, {0, 0, 0, 0}, {1, 1}, true),
                              Pool::kAverageExcludePad);
  EXPECT_EQ(want.dims, (std::vector<int64_t>{1, 2, 4, 3}));
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw);
}

// PyTorch exports AvgPool2d(count_include_pad=True) as Pad + AveragePool:
// the Pad's zeros count in every average.
TEST(ImporterTest, PadMergesIntoAveragePool) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 5, 6});
  g.Int64Init("pads", {8}, {0, 0, 1, 2, 0, 0, 2, 1});
  g.Node("Pad", {"x", "pads"}, {"p"}, "pad");
  g.Node("AveragePool", {"p"}, {"y"}, "pool").Ints("kernel_shape", {3, 3}).Ints("strides", {2, 1});
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 5, 6}, 90);
  const Tensor want =
      RefPool(RefPad(x, 1, 2, 2, 1), MakeWindow({3, 3}, {2, 1}), Pool::kAverageExcludePad);
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw, &c);
  EXPECT_TRUE(HasNote(c.result, "merged a Pad into AveragePool 'pool'"));
  EXPECT_EQ(c.result.layers, 1);
}

// With count_include_pad = 1 the pooling's own pads count too, so the two
// paddings simply add up.
TEST(ImporterTest, PadMergesIntoAveragePoolWithItsOwnPads) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 5, 6});
  g.Int64Init("pads", {8}, {0, 0, 1, 0, 0, 0, 0, 1});
  g.Node("Pad", {"x", "pads"}, {"p"}, "pad");
  g.Node("AveragePool", {"p"}, {"y"}, "pool")
      .Ints("kernel_shape", {3, 3})
      .Ints("pads", {1, 1, 1, 1})
      .Int("count_include_pad", 1);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 5, 6}, 93);
  ExpectMatches(g.model(), x, Io::kNchw,
                RefPool(RefPad(x, 1, 0, 0, 1), MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1}),
                        Pool::kAverageIncludePad),
                Io::kNchw);
}

// Pad's pads and value are attributes before opset 11 and inputs after.
TEST(ImporterTest, PadMergesIntoConv) {
  const Tensor x = RandomTensor({1, 2, 5, 5}, 92);
  for (int opset : {10, 11}) {
    SCOPED_TRACE(opset);
    GraphBuilder g(opset);
    g.Input("x", {1, 2, 5, 5});
    const std::vector<int64_t> pads = {0, 0, 2, 0, 0, 0, 0, 1};
    if (opset >= 11) {
      g.Int64Init("pads", {8}, pads);
      g.FloatInit("zero", {}, {0.0f});
      g.Node("Pad", {"x", "pads", "zero"}, {"p"}, "pad");
    } else {
      g.Node("Pad", {"x"}, {"p"}, "pad").Ints("pads", pads).Float("value", 0.0f);
    }
    ConvWeights cw = AddConv(g, "conv", "p", "y", {3, 2, 3, 3}, true, 91);
    g.Output("y");
    Converted c;
    ExpectMatches(g.model(), x, Io::kNchw, RefConv(RefPad(x, 2, 0, 0, 1), cw.w, cw.b, Window()),
                  Io::kNchw, &c);
    EXPECT_EQ(c.result.layers, 1);
  }
}

TEST(ImporterTest, GlobalAveragePoolFlattenGemm) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 4, 5});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 3, 3, 3}, true, 100);
  g.Node("GlobalAveragePool", {"c"}, {"gap"}, "gap");
  g.Node("Flatten", {"gap"}, {"f"}, "flatten");
  const Tensor b = RandomTensor({4, 2}, 101);
  g.FloatInit("B", {4, 2}, Floats(b));
  g.Node("Gemm", {"f", "B"}, {"y"}, "gemm");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 4, 5}, 102);
  const Tensor gap = Reshaped(RefGlobalAveragePool(RefConv(x, cw.w, cw.b, Window())), {1, 4});
  ExpectMatches(g.model(), x, Io::kNchw, RefGemm(gap, b, nullptr, 1, 1, false, false), Io::kPlain);
}

TEST(ImporterTest, LocalResponseNormalization) {
  const Tensor x = RandomTensor({1, 5, 3, 4}, 110, -2.0f, 2.0f);
  // An even size has a window one channel longer above than below.
  for (int64_t size : {3, 4}) {
    SCOPED_TRACE(size);
    GraphBuilder g(13);
    g.Input("x", {1, 5, 3, 4});
    g.Node("LRN", {"x"}, {"y"}, "lrn")
        .Int("size", size)
        .Float("alpha", 0.5f)
        .Float("beta", 0.75f)
        .Float("bias", 2.0f);
    g.Output("y");
    ExpectMatches(g.model(), x, Io::kNchw, RefLrn(x, size, 0.5, 0.75, 2.0), Io::kNchw);
  }
}

// LRN works across channels only, so it needs no batch of 1.
TEST(ImporterTest, LocalResponseNormalizationOverABatchOfTwo) {
  GraphBuilder g(13);
  g.Input("x", {2, 4, 2, 3});
  g.Node("LRN", {"x"}, {"y"}, "lrn").Int("size", 3).Float("alpha", 0.5f);
  g.Output("y");
  const Tensor x = RandomTensor({2, 4, 2, 3}, 111, -2.0f, 2.0f);
  ExpectMatches(g.model(), x, Io::kNchw, RefLrn(x, 3, static_cast<double>(0.5f), 0.75, 1.0),
                Io::kNchw);
}

// After an Add there is no layer to fold into: the BatchNormalization stays.
TEST(ImporterTest, StandaloneBatchNormAfterAdd) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 4, 4});
  ConvWeights a = AddConv(g, "a", "x", "ya", {3, 3, 1, 1}, true, 120);
  ConvWeights b = AddConv(g, "b", "x", "yb", {3, 3, 3, 3}, false, 121);
  onnx_test::NodeBuilder(g.graph().mutable_node(1)).Ints("pads", {1, 1, 1, 1});
  g.Node("Add", {"ya", "yb"}, {"s"}, "add");
  const std::vector<float> gamma = RandomFloats(3, 122, 0.5f, 2.0f), beta = RandomFloats(3, 123);
  const std::vector<float> mean = RandomFloats(3, 124), var = RandomFloats(3, 125, 0.5f, 2.0f);
  g.FloatInit("gamma", {3}, gamma);
  g.FloatInit("beta", {3}, beta);
  g.FloatInit("mean", {3}, mean);
  g.FloatInit("var", {3}, var);
  g.Node("BatchNormalization", {"s", "gamma", "beta", "mean", "var"}, {"y"}, "bn");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 4, 4}, 126);
  const Tensor sum = Add(RefConv(x, a.w, a.b, Window()),
                         RefConv(x, b.w, {}, MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1})));
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw,
                RefBatchNorm(sum, gamma, beta, mean, var, static_cast<double>(1e-5f)), Io::kNchw,
                &c);
  EXPECT_EQ(CountLayers(c.model, LayerKind::kBatchNorm), 1);
}

// ---------------------------------------------------------------------------
// Joins and element-wise operators

TEST(ImporterTest, ResidualAddFusesRelu) {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 5, 4});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 3, 3, 3}, true, 130);
  onnx_test::NodeBuilder(g.graph().mutable_node(0)).Ints("pads", {1, 1, 1, 1});
  g.Node("Add", {"x", "c"}, {"s"}, "add");
  g.Node("Relu", {"s"}, {"y"}, "relu");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 5, 4}, 131);
  const Tensor want =
      Map(Add(x, RefConv(x, cw.w, cw.b, MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1}))), Relu);
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, want, Io::kNchw, &c);
  ASSERT_EQ(c.result.layers, 2);
  EXPECT_EQ(c.model.layers()[1].kind, LayerKind::kAdd);
  EXPECT_EQ(c.model.layers()[1].params.activation, Activation::kRelu);
}

// Concatenated channels feed a 1x1 conv, so their order matters.
TEST(ImporterTest, ConcatOnChannels) {
  for (int64_t axis : {1, -3}) {
    SCOPED_TRACE(axis);
    GraphBuilder g(13);
    g.Input("x", {1, 2, 4, 3});
    ConvWeights a = AddConv(g, "a", "x", "ya", {2, 2, 1, 1}, true, 140);
    ConvWeights b = AddConv(g, "b", "x", "yb", {3, 2, 3, 3}, true, 141);
    onnx_test::NodeBuilder(g.graph().mutable_node(1)).Ints("pads", {1, 1, 1, 1});
    g.Node("Concat", {"ya", "yb"}, {"cat"}, "cat").Int("axis", axis);
    ConvWeights m = AddConv(g, "mix", "cat", "y", {2, 5, 1, 1}, false, 142);
    g.Output("y");
    const Tensor x = RandomTensor({1, 2, 4, 3}, 143);
    const Tensor padded_conv = RefConv(x, b.w, b.b, MakeWindow({3, 3}, {1, 1}, {1, 1, 1, 1}));
    const Tensor cat = ConcatChannels(RefConv(x, a.w, a.b, Window()), padded_conv);
    ExpectMatches(g.model(), x, Io::kNchw, RefConv(cat, m.w, {}, Window()), Io::kNchw);
  }
}

TEST(ImporterTest, ConcatOfPlainTensorsOnTheLastAxis) {
  GraphBuilder g(13);
  g.Input("x", {2, 3});
  const Tensor b = RandomTensor({3, 2}, 144);
  g.FloatInit("B", {3, 2}, Floats(b));
  g.Node("MatMul", {"x", "B"}, {"m"}, "matmul");
  g.Node("Concat", {"x", "m"}, {"y"}, "cat").Int("axis", -1);
  g.Output("y");
  const Tensor x = RandomTensor({2, 3}, 145);
  const Tensor m = RefMatMul(x, b);
  Tensor want({2, 5});
  for (size_t r = 0; r < 2; ++r) {
    for (size_t k = 0; k < 5; ++k) want.v[r * 5 + k] = k < 3 ? x.v[r * 3 + k] : m.v[r * 2 + k - 3];
  }
  ExpectMatches(g.model(), x, Io::kPlain, want, Io::kPlain);
}

TEST(ImporterTest, ReshapeOnPlainTensors) {
  GraphBuilder g(13);
  g.Input("x", {2, 6});
  g.Int64Init("shape", {2}, {3, -1});
  g.Node("Reshape", {"x", "shape"}, {"r"}, "reshape");
  const Tensor b = RandomTensor({4, 2}, 150);
  g.FloatInit("B", {4, 2}, Floats(b));
  g.Node("MatMul", {"r", "B"}, {"y"}, "matmul");
  g.Output("y");
  const Tensor x = RandomTensor({2, 6}, 151);
  ExpectMatches(g.model(), x, Io::kPlain, RefMatMul(Reshaped(x, {3, 4}), b), Io::kPlain);
}

TEST(ImporterTest, SqueezeAndUnsqueezeAxesAsInputsAndAttributes) {
  const Tensor x = RandomTensor({1, 6}, 160);
  const Tensor b = RandomTensor({6, 2}, 161);
  // Opset 13 moved `axes` from an attribute to an input.
  for (int opset : {13, 11}) {
    SCOPED_TRACE(opset);
    GraphBuilder g(opset);
    g.Input("x", {1, 6});
    if (opset >= 13) {
      g.Int64Init("ax0", {1}, {0});
      g.Int64Init("ax01", {2}, {0, -2});
      g.Node("Unsqueeze", {"x", "ax0"}, {"u"}, "unsqueeze");
      g.Node("Squeeze", {"u", "ax01"}, {"s"}, "squeeze");
    } else {
      g.Node("Unsqueeze", {"x"}, {"u"}, "unsqueeze").Ints("axes", {0});
      g.Node("Squeeze", {"u"}, {"s"}, "squeeze").Ints("axes", {0, -2});
    }
    g.FloatInit("B", {6, 2}, Floats(b));
    g.Node("MatMul", {"s", "B"}, {"y"}, "matmul");
    g.Output("y");
    ExpectMatches(g.model(), x, Io::kPlain, RefMatMul(Reshaped(x, {6}), b), Io::kPlain);
  }
}

TEST(ImporterTest, DropoutAndIdentityAddNoLayers) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 3, 3}, true, 170);
  g.FloatInit("ratio", {}, {0.5f});
  onnx::TensorProto* training = g.graph().add_initializer();
  training->set_name("training");
  training->set_data_type(onnx::TensorProto::BOOL);
  training->add_int32_data(0);
  g.Node("Dropout", {"c", "ratio", "training"}, {"d"}, "dropout");
  g.Node("Identity", {"d"}, {"i"}, "identity");
  g.Node("Relu", {"i"}, {"y"}, "relu");
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 4, 4}, 171);
  Converted c;
  ExpectMatches(g.model(), x, Io::kNchw, Map(RefConv(x, cw.w, cw.b, Window()), Relu), Io::kNchw,
                &c);
  for (const LayerDesc& l : c.model.layers()) {
    EXPECT_TRUE(l.name.find("dropout") == std::string::npos &&
                l.name.find("identity") == std::string::npos)
        << l.name;
  }
  EXPECT_LE(c.result.layers, 2);
}

// With Dropout removed the graph computes nothing; the model still needs a
// layer that writes its output.
TEST(ImporterTest, GraphOfOnlyADropout) {
  GraphBuilder g(13);
  g.Input("x", {1, 5});
  g.Node("Dropout", {"x"}, {"y"}, "dropout");
  g.Output("y");
  const Tensor x = RandomTensor({1, 5}, 172);
  Converted c;
  ExpectMatches(g.model(), x, Io::kPlain, x, Io::kPlain, &c);
  EXPECT_EQ(c.result.layers, 1);
}

TEST(ImporterTest, SoftmaxAsOutput) {
  GraphBuilder g(13);
  g.Input("x", {1, 8});
  const Tensor b = RandomTensor({8, 5}, 180, -2.0f, 2.0f), bias = RandomTensor({5}, 181);
  g.FloatInit("B", {8, 5}, Floats(b));
  g.FloatInit("C", {5}, Floats(bias));
  g.Node("Gemm", {"x", "B", "C"}, {"logits"}, "fc");
  g.Node("Softmax", {"logits"}, {"y"}, "softmax");
  g.Output("y");
  const Tensor x = RandomTensor({1, 8}, 182);
  Converted c;
  ExpectMatches(g.model(), x, Io::kPlain,
                RefSoftmax(RefGemm(x, b, &bias, 1, 1, false, false), 1), Io::kPlain, &c);
  ASSERT_EQ(c.result.layers, 2);
  EXPECT_EQ(c.model.layers()[1].kind, LayerKind::kSoftmax);
}

// Before opset 13 Softmax flattens the input to 2-D at `axis` (default 1)
// and normalizes each row; from 13 on it normalizes along `axis` (default
// -1). On [1, 2, 3] the two defaults give different results.
TEST(ImporterTest, SoftmaxAxisSemanticsOfOpset11And13) {
  const Tensor x = RandomTensor({1, 2, 3}, 190, -3.0f, 3.0f);
  for (int opset : {11, 13}) {
    SCOPED_TRACE(opset);
    GraphBuilder g(opset);
    g.Input("x", {1, 2, 3});
    g.Node("Softmax", {"x"}, {"y"}, "softmax");
    g.Output("y", {1, 2, 3});
    const Tensor want = opset == 11 ? Reshaped(RefSoftmax(Reshaped(x, {1, 6}), 1), {1, 2, 3})
                                    : RefSoftmax(x, 2);
    ExpectMatches(g.model(), x, Io::kPlain, want, Io::kPlain);
  }
}

// Opset 13 along the channels of a feature map: per pixel.
TEST(ImporterTest, SoftmaxOverChannels) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 3, 3});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 2, 1, 1}, true, 195);
  g.Node("Softmax", {"c"}, {"y"}, "softmax").Int("axis", 1);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 3, 3}, 196);
  ExpectMatches(g.model(), x, Io::kNchw, RefSoftmax(RefConv(x, cw.w, cw.b, Window()), 1),
                Io::kNchw);
}

// Opset 11 after a global pooling: [1, C, 1, 1] flattened at axis 1 is the
// channel vector, whatever the layout.
TEST(ImporterTest, SoftmaxOpset11AfterGlobalPooling) {
  GraphBuilder g(11);
  g.Input("x", {1, 3, 2, 2});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {4, 3, 1, 1}, true, 197);
  g.Node("GlobalAveragePool", {"c"}, {"gap"}, "gap");
  g.Node("Softmax", {"gap"}, {"y"}, "softmax");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3, 2, 2}, 198);
  const Tensor gap = Reshaped(RefGlobalAveragePool(RefConv(x, cw.w, cw.b, Window())), {1, 4});
  ExpectMatches(g.model(), x, Io::kNchw, RefSoftmax(gap, 1), Io::kPlain);
}

TEST(ImporterTest, LeakyRelu) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  ConvWeights cw = AddConv(g, "conv", "x", "c", {3, 2, 3, 3}, true, 200);
  g.Node("LeakyRelu", {"c"}, {"y"}, "leaky").Float("alpha", 0.2f);
  g.Output("y");
  const Tensor x = RandomTensor({1, 2, 4, 4}, 201);
  const double alpha = static_cast<double>(0.2f);
  ExpectMatches(g.model(), x, Io::kNchw,
                Map(RefConv(x, cw.w, cw.b, Window()),
                    [alpha](double v) { return v >= 0 ? v : alpha * v; }),
                Io::kNchw);
}

// Only one bound given: the other side is unbounded. A lower bound of 0 is
// a ReLU; any other value needs a clamp layer.
TEST(ImporterTest, ClipWithOnlyOneBound) {
  const Tensor x = RandomTensor({1, 12}, 210, -2.0f, 2.0f);
  struct Case {
    float lo;
    bool has_lo;
    float hi;
    bool has_hi;
  };
  for (const Case& k : {Case{-0.25f, true, 0, false}, Case{0.0f, true, 0, false},
                        Case{0, false, 0.5f, true}}) {
    SCOPED_TRACE(std::to_string(k.lo) + " " + std::to_string(k.hi));
    GraphBuilder g(13);
    g.Input("x", {1, 12});
    std::vector<std::string> inputs = {"x", "", ""};
    if (k.has_lo) {
      g.FloatInit("lo", {}, {k.lo});
      inputs[1] = "lo";
    }
    if (k.has_hi) {
      g.FloatInit("hi", {}, {k.hi});
      inputs[2] = "hi";
    }
    if (!k.has_hi) inputs.pop_back();
    g.Node("Clip", inputs, {"y"}, "clip");
    g.Output("y");
    const double lo = k.has_lo ? k.lo : -INFINITY, hi = k.has_hi ? k.hi : INFINITY;
    ExpectMatches(g.model(), x, Io::kPlain,
                  Map(x, [lo, hi](double v) { return std::min(std::max(v, lo), hi); }),
                  Io::kPlain);
  }
}

// ---------------------------------------------------------------------------
// Rejections: one line, "node 'NAME' (OP): REASON", nothing half-converted.

Status ImportStatus(const onnx::ModelProto& m, const ImportOptions& options = {}) {
  ImportResult r;
  return ImportModel(m, options, &r);
}

void ExpectRejected(const onnx::ModelProto& m, const std::string& message,
                    StatusCode code = StatusCode::kUnsupported) {
  const Status s = ImportStatus(m);
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_EQ(s.message(), message);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

TEST(ImporterTest, RejectsUnsupportedOperator) {
  GraphBuilder g(13);
  g.Input("x", {1, 4});
  g.Node("Sigmoid", {"x"}, {"y"}, "sig");
  g.Output("y");
  const Status s = ImportStatus(g.model());
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  const std::string prefix = "node 'sig' (Sigmoid): operator not supported (lrp converts Conv, ";
  EXPECT_EQ(s.message().rfind(prefix, 0), 0u) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

// Unnamed nodes are named after their first output.
TEST(ImporterTest, RejectionOfUnnamedNodeUsesItsOutput) {
  GraphBuilder g(13);
  g.Input("x", {1, 4});
  g.Node("Tanh", {"x"}, {"t_out"});
  g.Output("t_out");
  EXPECT_EQ(ImportStatus(g.model()).message().rfind("node 't_out' (Tanh): ", 0), 0u);
}

TEST(ImporterTest, RejectsSoftmaxBeforeTheOutput) {
  GraphBuilder g(13);
  g.Input("x", {1, 4});
  g.Node("Softmax", {"x"}, {"p"}, "sm");
  g.Node("Relu", {"p"}, {"y"}, "relu");
  g.Output("y");
  ExpectRejected(g.model(), "node 'sm' (Softmax): Softmax is supported only as the model output");
}

TEST(ImporterTest, RejectsPadBeforeMaxPool) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  g.Int64Init("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  g.Node("Pad", {"x", "pads"}, {"p"}, "pad");
  g.Node("MaxPool", {"p"}, {"y"}, "pool").Ints("kernel_shape", {2, 2});
  g.Output("y");
  ExpectRejected(g.model(), "node 'pool' (MaxPool): input 'p' comes from a Pad, which lrp merges "
                            "only into a following Conv or AveragePool");
}

TEST(ImporterTest, RejectsNonZeroPadValue) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  g.Int64Init("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  g.FloatInit("value", {}, {1.5f});
  g.Node("Pad", {"x", "pads", "value"}, {"p"}, "pad");
  AddConv(g, "conv", "p", "y", {1, 2, 3, 3}, false, 300);
  g.Output("y");
  ExpectRejected(g.model(), "node 'pad' (Pad): only zero padding is supported");
}

TEST(ImporterTest, RejectsConvWithComputedWeights) {
  GraphBuilder g(13);
  g.Input("x", {1, 1, 3, 3});
  g.Node("Conv", {"x", "x"}, {"y"}, "conv");
  g.Output("y");
  ExpectRejected(g.model(), "node 'conv' (Conv): input 'x' must be a constant (an initializer); "
                            "lrp needs fixed weights and shapes");
}

TEST(ImporterTest, RejectsConstantAddWithoutWeightedLayerBefore) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 3, 3});
  AddConv(g, "conv", "x", "c", {2, 2, 1, 1}, true, 310);
  g.Node("Relu", {"c"}, {"r"}, "relu");
  g.FloatInit("k", {1, 2, 1, 1}, {1, 2});
  g.Node("Add", {"r", "k"}, {"y"}, "add");
  g.Output("y");
  ExpectRejected(g.model(), "node 'add' (Add): adding a constant is supported only as the bias "
                            "of the Conv, Gemm or MatMul right before it");
}

TEST(ImporterTest, RejectsConcatAlongHeight) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  AddConv(g, "a", "x", "ya", {2, 2, 1, 1}, false, 320);
  AddConv(g, "b", "x", "yb", {2, 2, 1, 1}, false, 321);
  g.Node("Concat", {"ya", "yb"}, {"y"}, "cat").Int("axis", 2);
  g.Output("y");
  ExpectRejected(g.model(), "node 'cat' (Concat): concatenating along axis 2 of [1, 2, 4, 4] is "
                            "not supported (only channels, or the last axis)");
}

TEST(ImporterTest, RejectsGemmTransAOfSeveralRows) {
  GraphBuilder g(13);
  g.Input("x", {4, 3});
  g.FloatInit("B", {4, 2}, RandomFloats(8, 330));
  g.Node("Gemm", {"x", "B"}, {"y"}, "gemm").Int("transA", 1);
  g.Output("y");
  ExpectRejected(g.model(), "node 'gemm' (Gemm): transA = 1 needs A of shape [K, 1]");
}

TEST(ImporterTest, RejectsMaxPoolIndicesOutput) {
  GraphBuilder g(13);
  g.Input("x", {1, 2, 4, 4});
  g.Node("MaxPool", {"x"}, {"y", "idx"}, "pool").Ints("kernel_shape", {2, 2});
  g.Output("y");
  ExpectRejected(g.model(), "node 'pool' (MaxPool): output 1 ('idx') is not supported");
}

// ---------------------------------------------------------------------------
// Model-level rejections

// x [1, 4] -> Relu -> y.
GraphBuilder ReluGraph(int opset = 13) {
  GraphBuilder g(opset);
  g.Input("x", {1, 4});
  g.Node("Relu", {"x"}, {"y"}, "relu");
  g.Output("y");
  return g;
}

TEST(ImporterTest, RejectsTwoGraphInputs) {
  GraphBuilder g = ReluGraph();
  g.Input("z", {1, 4});
  ExpectRejected(g.model(), "the graph has 2 non-constant inputs; lrp models take exactly one "
                            "(weights must be initializers)");
}

// Initializers listed among the inputs (older exporters do) are weights.
TEST(ImporterTest, InitializersListedAsInputsAreWeights) {
  GraphBuilder g(13);
  g.Input("x", {1, 3});
  g.Input("B", {3, 2});
  const Tensor b = RandomTensor({3, 2}, 340);
  g.FloatInit("B", {3, 2}, Floats(b));
  g.Node("MatMul", {"x", "B"}, {"y"}, "matmul");
  g.Output("y");
  const Tensor x = RandomTensor({1, 3}, 341);
  ExpectMatches(g.model(), x, Io::kPlain, RefMatMul(x, b), Io::kPlain);
}

TEST(ImporterTest, RejectsDynamicInputDimension) {
  GraphBuilder g = ReluGraph();
  g.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(
      0)->set_dim_param("batch");
  ExpectRejected(g.model(), "input 'x' has a dynamic dimension 'batch'; export with a fixed input "
                            "shape (batch 1)");
}

TEST(ImporterTest, RejectsInt8Input) {
  GraphBuilder g(13);
  g.Input("x", {1, 4}, onnx::TensorProto::INT8);
  g.Node("Relu", {"x"}, {"y"}, "relu");
  g.Output("y");
  ExpectRejected(g.model(), "input 'x' has data type INT8; lrp runs float32 models");
}

TEST(ImporterTest, RejectsExternalDataInitializer) {
  GraphBuilder g(13);
  g.Input("x", {1, 3});
  onnx::TensorProto* w = g.FloatInit("w", {3, 2}, {});
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  onnx::StringStringEntryProto* location = w->add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  g.Node("MatMul", {"x", "w"}, {"y"}, "matmul");
  g.Output("y");
  ExpectRejected(g.model(), "initializer 'w' is stored as external data; re-export the model "
                            "with the weights inside the .onnx file");
}

TEST(ImporterTest, RejectsOpset18) {
  ExpectRejected(ReluGraph(18).model(), "opset 18 is newer than lrp knows (up to 17)");
}

TEST(ImporterTest, RejectsGraphWithoutOutput) {
  GraphBuilder g = ReluGraph();
  g.graph().clear_output();
  ExpectRejected(g.model(), "the graph has 0 outputs; lrp models have exactly one");
}

// ---------------------------------------------------------------------------
// Options

GraphBuilder ThreeChannelConv() {
  GraphBuilder g(13);
  g.Input("x", {1, 3, 4, 4});
  AddConv(g, "conv", "x", "c", {4, 3, 1, 1}, true, 400);
  g.Node("GlobalAveragePool", {"c"}, {"gap"}, "gap");
  g.Node("Flatten", {"gap"}, {"y"}, "flatten");
  g.Output("y");
  return g;
}

TEST(ImporterTest, InputRangeIsStoredAfterNormalization) {
  GraphBuilder g = ThreeChannelConv();
  ImportOptions o;
  o.low = {0.0f};
  o.high = {1.0f};
  o.mean = {0.5f, 0.4f, 0.25f};
  o.std = {0.25f, 0.2f, 0.5f};
  o.labels = {"a", "b", "c", "d"};
  Converted c;
  ASSERT_NO_FATAL_FAILURE(Convert(g.model(), &c, o));
  const InputDesc& d = c.model.input_desc();
  EXPECT_EQ(d.source_layout, SourceLayout::kNCHW);
  ASSERT_EQ(d.low.size(), 3u);
  ASSERT_EQ(d.high.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FLOAT_EQ(d.low[i], (0.0f - o.mean[i]) / o.std[i]) << i;
    EXPECT_FLOAT_EQ(d.high[i], (1.0f - o.mean[i]) / o.std[i]) << i;
  }
  EXPECT_EQ(d.mean, o.mean);
  EXPECT_EQ(d.std, o.std);
  EXPECT_EQ(c.model.labels(), o.labels);
}

TEST(ImporterTest, ProducerNamesTheOpsetAndExporter) {
  GraphBuilder g = ThreeChannelConv();
  g.model().set_producer_version("1.0");
  Converted c;
  ASSERT_NO_FATAL_FAILURE(Convert(g.model(), &c));
  EXPECT_EQ(c.model.producer(), "lrp convert (ONNX opset 13, from lrp-tests 1.0)");
  ImportOptions o;
  o.producer = "my exporter";
  ASSERT_NO_FATAL_FAILURE(Convert(g.model(), &c, o));
  EXPECT_EQ(c.model.producer(), "my exporter");
}

TEST(ImporterTest, RejectsMeanOfWrongChannelCount) {
  ImportOptions o;
  o.mean = {0.5f, 0.5f};
  o.std = {0.25f};
  const Status s = ImportStatus(ThreeChannelConv().model(), o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "mean has 2 values; the input has 3 channels");
}

TEST(ImporterTest, RejectsLabelCountMismatch) {
  ImportOptions o;
  o.labels = {"a", "b", "c"};
  const Status s = ImportStatus(ThreeChannelConv().model(), o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "labels: 3 names for an output of 4 values");
}

// ---------------------------------------------------------------------------
// Files

std::string TmpPath(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(LRP_TEST_TMPDIR) + "/" + info->test_suite_name() + "_" + info->name() + "_" +
         name;
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(static_cast<bool>(out)) << path;
}

TEST(ImporterTest, ImportFileConvertsAValidFile) {
  const std::string path = TmpPath("model.onnx");
  ASSERT_TRUE(ThreeChannelConv().WriteFile(path));
  ImportResult r;
  LRP_ASSERT_OK(onnx_import::ImportFile(path, ImportOptions(), &r));
  EXPECT_EQ(r.onnx_nodes, 3);
}

TEST(ImporterTest, MalformedProtobufIsAnInvalidModel) {
  const std::string valid = ThreeChannelConv().Serialize();
  const std::vector<std::string> bad = {
      "",                                   // parses, but has no graph
      std::string("\xff\xff\xff\xff\x0f", 5),  // not a protobuf at all
      valid.substr(0, valid.size() / 2),    // truncated mid-message
      "this is not an onnx model\n",
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(i);
    const std::string path = TmpPath("bad" + std::to_string(i) + ".onnx");
    ASSERT_NO_FATAL_FAILURE(WriteBytes(path, bad[i]));
    ImportResult r;
    const Status s = onnx_import::ImportFile(path, ImportOptions(), &r);
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
    EXPECT_EQ(s.message().rfind(path + ": ", 0), 0u) << s.message();
  }
}

TEST(ImporterTest, MissingFileIsAnIoError) {
  ImportResult r;
  const Status s =
      onnx_import::ImportFile(TmpPath("does_not_exist.onnx"), ImportOptions(), &r);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
}

// ---------------------------------------------------------------------------
// Conformance with PyTorch on the Fashion-MNIST example models
// (examples/models, exported by tools/train). The files are part of the
// repository: their absence is a failure, not a skip.

void ExpectMatchesReference(const std::string& model_file, const std::string& expected_file) {
  const std::string dir = std::string(LRP_SOURCE_DIR) + "/examples/models/";
  ImportResult r;
  LRP_ASSERT_OK(onnx_import::ImportFile(dir + model_file, ImportOptions(), &r));
  Model model;
  LRP_ASSERT_OK(Model::FromBytes(r.lrpm, &model));
  io::NpyArray input, expected;
  LRP_ASSERT_OK(io::ReadNpy(dir + "reference/fashion_mnist_input.npy", &input));
  LRP_ASSERT_OK(io::ReadNpy(dir + "reference/" + expected_file, &expected));
  ASSERT_EQ(input.shape, (std::vector<int64_t>{8, 1, 28, 28}));
  ASSERT_EQ(expected.shape.size(), 2u);
  ASSERT_EQ(expected.shape[0], 8);
  const size_t pixels = 28 * 28, classes = static_cast<size_t>(expected.shape[1]);
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, SessionOptions(), &session));
  ASSERT_EQ(session->input_size(), pixels);
  ASSERT_EQ(session->output_size(), classes);
  for (size_t i = 0; i < 8; ++i) {
    SCOPED_TRACE("image " + std::to_string(i));
    // One channel: NCHW and the runtime's HWC order coincide.
    LRP_ASSERT_OK(session->Forward(&input.data[i * pixels], pixels));
    const std::vector<float> got(session->output(), session->output() + classes);
    const std::vector<double> want(expected.data.begin() + i * classes,
                                   expected.data.begin() + (i + 1) * classes);
    EXPECT_LE(RelativeError(got, want), 1e-4);
  }
}

TEST(ImporterConformanceTest, FashionMnistCnn) {
  ExpectMatchesReference("fashion_mnist_cnn.onnx", "fashion_mnist_cnn_logits.npy");
}

TEST(ImporterConformanceTest, FashionMnistCnnWithBatchNorm) {
  ExpectMatchesReference("fashion_mnist_cnn_bn.onnx", "fashion_mnist_cnn_bn_logits.npy");
}

TEST(ImporterConformanceTest, FashionMnistLrnWithSoftmax) {
  ExpectMatchesReference("fashion_mnist_lrn.onnx", "fashion_mnist_lrn_output.npy");
}

TEST(ImporterTest, BatchNormAfter3dMatMulIsNotFoldedIntoColumns) {
  // BatchNormalization normalizes axis 1; after a MatMul with a 3-D output
  // that is not the MatMul's column axis, so folding would be wrong.
  GraphBuilder g(13);
  g.Input("x", {1, 3, 4});
  const Tensor b = RandomTensor({4, 3}, 910);
  g.FloatInit("B", {4, 3}, Floats(b));
  const std::vector<float> gamma = RandomFloats(3, 911, 0.5f, 2.0f), beta = RandomFloats(3, 912);
  const std::vector<float> mean = RandomFloats(3, 913), var = RandomFloats(3, 914, 0.5f, 2.0f);
  g.FloatInit("gamma", {3}, gamma);
  g.FloatInit("beta", {3}, beta);
  g.FloatInit("mean", {3}, mean);
  g.FloatInit("var", {3}, var);
  g.Node("MatMul", {"x", "B"}, {"m"}, "matmul");
  g.Node("BatchNormalization", {"m", "gamma", "beta", "mean", "var"}, {"y"}, "bn");
  g.Output("y");
  const Status s = ImportStatus(g.model(), onnx_import::ImportOptions());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("node 'bn' (BatchNormalization):", 0), 0u) << s.message();
}

TEST(ImporterTest, ElementwiseBetweenInputAndConvKeepsFeatureMap) {
  for (const char* op : {"Identity", "Relu"}) {
    GraphBuilder g(13);
    g.Input("x", {1, 3, 4, 4});
    g.Node(op, {"x"}, {"i"}, "first");
    ConvWeights cw = AddConv(g, "conv", "i", "y", {2, 3, 3, 3}, true, 900);
    g.Output("y");
    Tensor x = RandomTensor({1, 3, 4, 4}, 901);
    Tensor conv_in = x;
    if (std::string(op) == "Relu") {
      for (double& v : conv_in.v) v = v > 0 ? v : 0;
    }
    ExpectMatches(g.model(), x, Io::kNchw, RefConv(conv_in, cw.w, cw.b, Window()), Io::kNchw);
  }
}

TEST(ImporterTest, ProducerWithoutVersion) {
  Converted c;
  ASSERT_NO_FATAL_FAILURE(Convert(ThreeChannelConv().model(), &c));
  EXPECT_EQ(c.model.producer(), "lrp convert (ONNX opset 13, from lrp-tests)");
}

}  // namespace
}  // namespace lrp
