// Forward pass of every layer kind against a naive double-precision oracle.
//
// The oracle below is written from the layer definitions in
// schema/lrpm.fbs with plain loops and shares no code with the runtime. Each
// test builds a model with OracleModel, which adds a layer to a ModelBuilder
// and computes the same layer on the oracle side, then runs the model in
// both modes (forward mode may reuse buffers, explain mode keeps them) and
// compares the output, and in explain mode every intermediate tensor.
//
// Tolerance: XNNPACK may reorder and fuse sums (FMA), so each tensor is
// compared with an absolute bound of 1e-4 * max|expected| (plus a tiny floor
// for all-zero tensors).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "lrp/lrp.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {
namespace {

// A double-precision tensor in the runtime layout; vectors are 1 x 1 x C.
struct Ref {
  int h = 1, w = 1, c = 0;
  std::vector<double> v;

  Ref() = default;
  Ref(int h_in, int w_in, int c_in)
      : h(h_in), w(w_in), c(c_in), v(static_cast<size_t>(h_in) * w_in * c_in, 0.0) {}

  size_t Index(int y, int x, int ch) const {
    return (static_cast<size_t>(y) * w + x) * c + ch;
  }
  double& at(int y, int x, int ch) { return v[Index(y, x, ch)]; }
  double at(int y, int x, int ch) const { return v[Index(y, x, ch)]; }
};

Ref RefFromFloats(const Shape& shape, const std::vector<float>& data) {
  Ref r = shape.rank == 3 ? Ref(shape.dims[0], shape.dims[1], shape.dims[2])
                          : Ref(1, 1, static_cast<int>(shape.elements()));
  for (size_t i = 0; i < data.size(); ++i) r.v[i] = data[i];
  return r;
}

double RefActivation(double x, Activation a) {
  switch (a) {
    case Activation::kNone: return x;
    case Activation::kRelu: return std::max(x, 0.0);
    case Activation::kRelu6: return std::min(std::max(x, 0.0), 6.0);
  }
  return x;
}

int OutputSize(int in, int pad_a, int pad_b, int kernel, int stride, int dilation) {
  const int effective = (kernel - 1) * dilation + 1;
  return (in + pad_a + pad_b - effective) / stride + 1;
}

Ref RefConv2D(const Ref& in, const LayerParams& p, const std::vector<float>& w,
              const std::vector<float>& bias) {
  const int oh = OutputSize(in.h, p.padding.top, p.padding.bottom, p.kernel_h,
                            p.stride_h, p.dilation_h);
  const int ow = OutputSize(in.w, p.padding.left, p.padding.right, p.kernel_w,
                            p.stride_w, p.dilation_w);
  const int cin_g = in.c / p.groups;
  const int cout_g = p.out_channels / p.groups;
  Ref out(oh, ow, p.out_channels);
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      for (int oc = 0; oc < p.out_channels; ++oc) {
        const int g = oc / cout_g;
        double acc = bias.empty() ? 0.0 : bias[oc];
        for (int ky = 0; ky < p.kernel_h; ++ky) {
          const int iy = oy * p.stride_h - p.padding.top + ky * p.dilation_h;
          if (iy < 0 || iy >= in.h) continue;
          for (int kx = 0; kx < p.kernel_w; ++kx) {
            const int ix = ox * p.stride_w - p.padding.left + kx * p.dilation_w;
            if (ix < 0 || ix >= in.w) continue;
            for (int ic = 0; ic < cin_g; ++ic) {
              const size_t wi =
                  ((static_cast<size_t>(oc) * p.kernel_h + ky) * p.kernel_w + kx) * cin_g + ic;
              acc += in.at(iy, ix, g * cin_g + ic) * w[wi];
            }
          }
        }
        out.at(oy, ox, oc) = RefActivation(acc, p.activation);
      }
    }
  }
  return out;
}

Ref RefDense(const Ref& in, int out_features, const std::vector<float>& w,
             const std::vector<float>& bias, Activation act) {
  const size_t n = in.v.size();
  Ref out(1, 1, out_features);
  for (int o = 0; o < out_features; ++o) {
    double acc = bias.empty() ? 0.0 : bias[o];
    for (size_t i = 0; i < n; ++i) acc += w[o * n + i] * in.v[i];
    out.v[o] = RefActivation(acc, act);
  }
  return out;
}

// Calls visit(iy, ix) for every tap of output pixel (oy, ox) that lies inside
// the input and returns how many did.
template <typename Visit>
int ForEachRealTap(const Ref& in, const LayerParams& p, int oy, int ox, Visit visit) {
  int taps = 0;
  for (int ky = 0; ky < p.kernel_h; ++ky) {
    const int iy = oy * p.stride_h - p.padding.top + ky * p.dilation_h;
    if (iy < 0 || iy >= in.h) continue;
    for (int kx = 0; kx < p.kernel_w; ++kx) {
      const int ix = ox * p.stride_w - p.padding.left + kx * p.dilation_w;
      if (ix < 0 || ix >= in.w) continue;
      visit(iy, ix);
      ++taps;
    }
  }
  return taps;
}

// True if every pooling window holds at least one real (non-padding) tap;
// otherwise max pooling and the excluding average are undefined there.
bool EveryWindowHasRealTap(const Shape& shape, const LayerParams& p) {
  Ref in(shape.dims[0], shape.dims[1], 1);
  // Checked apart: C++ division truncates, so a negative span would still
  // give one output row below.
  if (in.h + p.padding.top + p.padding.bottom < (p.kernel_h - 1) * p.dilation_h + 1 ||
      in.w + p.padding.left + p.padding.right < (p.kernel_w - 1) * p.dilation_w + 1) {
    return false;
  }
  const int oh = OutputSize(in.h, p.padding.top, p.padding.bottom, p.kernel_h,
                            p.stride_h, p.dilation_h);
  const int ow = OutputSize(in.w, p.padding.left, p.padding.right, p.kernel_w,
                            p.stride_w, p.dilation_w);
  if (oh < 1 || ow < 1) return false;
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      if (ForEachRealTap(in, p, oy, ox, [](int, int) {}) == 0) return false;
    }
  }
  return true;
}

Ref RefMaxPool(const Ref& in, const LayerParams& p) {
  const int oh = OutputSize(in.h, p.padding.top, p.padding.bottom, p.kernel_h,
                            p.stride_h, p.dilation_h);
  const int ow = OutputSize(in.w, p.padding.left, p.padding.right, p.kernel_w,
                            p.stride_w, p.dilation_w);
  Ref out(oh, ow, in.c);
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      for (int ch = 0; ch < in.c; ++ch) {
        double best = -INFINITY;
        ForEachRealTap(in, p, oy, ox,
                       [&](int iy, int ix) { best = std::max(best, in.at(iy, ix, ch)); });
        out.at(oy, ox, ch) = best;
      }
    }
  }
  return out;
}

Ref RefAvgPool(const Ref& in, const LayerParams& p) {
  const int oh = OutputSize(in.h, p.padding.top, p.padding.bottom, p.kernel_h,
                            p.stride_h, 1);
  const int ow = OutputSize(in.w, p.padding.left, p.padding.right, p.kernel_w,
                            p.stride_w, 1);
  Ref out(oh, ow, in.c);
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      for (int ch = 0; ch < in.c; ++ch) {
        double sum = 0.0;
        const int taps = ForEachRealTap(in, p, oy, ox,
                                        [&](int iy, int ix) { sum += in.at(iy, ix, ch); });
        const int divisor = p.count_include_pad ? p.kernel_h * p.kernel_w : taps;
        out.at(oy, ox, ch) = sum / divisor;
      }
    }
  }
  return out;
}

Ref RefGlobalAvgPool(const Ref& in) {
  Ref out(1, 1, in.c);
  for (int y = 0; y < in.h; ++y) {
    for (int x = 0; x < in.w; ++x) {
      for (int ch = 0; ch < in.c; ++ch) out.v[ch] += in.at(y, x, ch);
    }
  }
  for (double& v : out.v) v /= static_cast<double>(in.h) * in.w;
  return out;
}

Ref RefConcat(const std::vector<const Ref*>& ins) {
  int channels = 0;
  for (const Ref* r : ins) channels += r->c;
  Ref out(ins[0]->h, ins[0]->w, channels);
  for (int y = 0; y < out.h; ++y) {
    for (int x = 0; x < out.w; ++x) {
      int base = 0;
      for (const Ref* r : ins) {
        for (int ch = 0; ch < r->c; ++ch) out.at(y, x, base + ch) = r->at(y, x, ch);
        base += r->c;
      }
    }
  }
  return out;
}

Ref RefLrn(const Ref& in, int size, double alpha, double beta, double bias) {
  Ref out = in;
  for (int y = 0; y < in.h; ++y) {
    for (int x = 0; x < in.w; ++x) {
      for (int ch = 0; ch < in.c; ++ch) {
        // ONNX: floor((size - 1) / 2) below, ceil((size - 1) / 2) above.
        const int lo = std::max(0, ch - (size - 1) / 2);
        const int hi = std::min(in.c - 1, ch + size / 2);
        double sq = 0.0;
        for (int i = lo; i <= hi; ++i) sq += in.at(y, x, i) * in.at(y, x, i);
        out.at(y, x, ch) = in.at(y, x, ch) / std::pow(bias + alpha / size * sq, beta);
      }
    }
  }
  return out;
}

Ref RefSoftmax(const Ref& in) {
  Ref out = in;
  const double m = *std::max_element(in.v.begin(), in.v.end());
  double sum = 0.0;
  for (double& v : out.v) {
    v = std::exp(v - m);
    sum += v;
  }
  for (double& v : out.v) v /= sum;
  return out;
}

std::string ParamsToString(const LayerParams& p) {
  std::ostringstream s;
  s << "out=" << p.out_channels << " k=" << p.kernel_h << "x" << p.kernel_w
    << " s=" << p.stride_h << "x" << p.stride_w << " d=" << p.dilation_h << "x"
    << p.dilation_w << " pad(t,l,b,r)=" << p.padding.top << "," << p.padding.left
    << "," << p.padding.bottom << "," << p.padding.right << " groups=" << p.groups
    << " act=" << static_cast<int>(p.activation)
    << " count_include_pad=" << p.count_include_pad;
  return s.str();
}

// Compares `n` floats with the oracle; reports the first few differences.
void ExpectClose(const float* actual, size_t n, const Ref& expected,
                 const std::string& what) {
  ASSERT_NE(actual, nullptr) << what;
  ASSERT_EQ(n, expected.v.size()) << what;
  double max_abs = 0.0;
  for (double v : expected.v) max_abs = std::max(max_abs, std::fabs(v));
  const double tolerance = 1e-4 * max_abs + 1e-6;
  int reported = 0, bad = 0;
  for (size_t i = 0; i < n; ++i) {
    const double diff = std::fabs(static_cast<double>(actual[i]) - expected.v[i]);
    // Written so that a NaN counts as a difference.
    if (!(diff <= tolerance)) {
      ++bad;
      if (reported++ < 5) {
        ADD_FAILURE() << what << ": element " << i << " is " << actual[i]
                      << ", expected " << expected.v[i] << " (tolerance "
                      << tolerance << ")";
      }
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << n << " elements differ";
}

// Builds a model layer by layer and its oracle alongside.
class OracleModel {
 public:
  explicit OracleModel(uint64_t seed) : rng_(seed) {}

  Rng& rng() { return rng_; }
  const Ref& ref(uint32_t t) const { return refs_.at(t); }
  const Shape& shape(uint32_t t) const { return b_.shape(t); }

  uint32_t Input(const Shape& shape, float lo, float hi) {
    input_ = rng_.Vector(shape.elements(), lo, hi);
    return Record(b_.Input("input", shape), RefFromFloats(shape, input_));
  }

  uint32_t InputValues(const Shape& shape, const std::vector<float>& values) {
    input_ = values;
    return Record(b_.Input("input", shape), RefFromFloats(shape, input_));
  }

  uint32_t Conv2D(uint32_t in, const LayerParams& p, bool bias) {
    const int cin = ref(in).c;
    std::vector<float> w = rng_.Vector(static_cast<size_t>(p.out_channels) * p.kernel_h *
                                       p.kernel_w * (cin / p.groups));
    std::vector<float> bv;
    if (bias) bv = rng_.Vector(static_cast<size_t>(p.out_channels));
    Ref out = RefConv2D(ref(in), p, w, bv);
    return Record(b_.Conv2D(Name("conv"), in, p, std::move(w), std::move(bv)), std::move(out));
  }

  uint32_t Dense(uint32_t in, int out_features, bool bias, Activation act) {
    std::vector<float> w = rng_.Vector(static_cast<size_t>(out_features) * ref(in).v.size());
    std::vector<float> bv;
    if (bias) bv = rng_.Vector(static_cast<size_t>(out_features));
    Ref out = RefDense(ref(in), out_features, w, bv, act);
    return Record(b_.Dense(Name("dense"), in, out_features, std::move(w), std::move(bv), act),
                  std::move(out));
  }

  uint32_t Relu(uint32_t in) {
    return Record(b_.Relu(Name("relu"), in), Map(in, [](double x) { return std::max(x, 0.0); }));
  }

  uint32_t Clamp(uint32_t in, float lo, float hi) {
    const double l = lo, h = hi;
    return Record(b_.Clamp(Name("clamp"), in, lo, hi),
                  Map(in, [&](double x) { return std::min(std::max(x, l), h); }));
  }

  uint32_t LeakyRelu(uint32_t in, float alpha) {
    const double a = alpha;
    return Record(b_.LeakyRelu(Name("leaky_relu"), in, alpha),
                  Map(in, [&](double x) { return x >= 0 ? x : a * x; }));
  }

  uint32_t MaxPool(uint32_t in, const LayerParams& p) {
    return Record(b_.MaxPool2D(Name("maxpool"), in, p), RefMaxPool(ref(in), p));
  }

  uint32_t AvgPool(uint32_t in, const LayerParams& p) {
    return Record(b_.AvgPool2D(Name("avgpool"), in, p), RefAvgPool(ref(in), p));
  }

  uint32_t GlobalAvgPool(uint32_t in) {
    return Record(b_.GlobalAvgPool(Name("gap"), in), RefGlobalAvgPool(ref(in)));
  }

  uint32_t Reshape(uint32_t in, const Shape& shape) {
    return Record(b_.Reshape(Name("reshape"), in, shape), RefFromFloats(shape, {}), ref(in));
  }

  uint32_t Flatten(uint32_t in) {
    const Ref& r = ref(in);
    Ref out(1, 1, static_cast<int>(r.v.size()));
    out.v = r.v;
    return Record(b_.Flatten(Name("flatten"), in), std::move(out));
  }

  uint32_t Add(uint32_t a, uint32_t b, Activation act) {
    Ref out = ref(a);
    for (size_t i = 0; i < out.v.size(); ++i) {
      out.v[i] = RefActivation(ref(a).v[i] + ref(b).v[i], act);
    }
    return Record(b_.Add(Name("add"), a, b, act), std::move(out));
  }

  uint32_t Concat(const std::vector<uint32_t>& ins) {
    std::vector<const Ref*> refs;
    for (uint32_t t : ins) refs.push_back(&ref(t));
    return Record(b_.Concat(Name("concat"), ins), RefConcat(refs));
  }

  uint32_t BatchNorm(uint32_t in, float epsilon) {
    const size_t c = static_cast<size_t>(ref(in).c);
    std::vector<float> mean = rng_.Vector(c, -1.0f, 1.0f);
    std::vector<float> var = rng_.Vector(c, 0.05f, 3.0f);
    std::vector<float> scale = rng_.Vector(c, -2.0f, 2.0f);
    std::vector<float> offset = rng_.Vector(c, -1.0f, 1.0f);
    Ref out = ref(in);
    for (size_t i = 0; i < out.v.size(); ++i) {
      const size_t ch = i % c;
      out.v[i] = (out.v[i] - mean[ch]) / std::sqrt(static_cast<double>(var[ch]) + epsilon) *
                     scale[ch] + offset[ch];
    }
    return Record(b_.BatchNorm(Name("batchnorm"), in, std::move(mean), std::move(var),
                               std::move(scale), std::move(offset), epsilon),
                  std::move(out));
  }

  uint32_t Lrn(uint32_t in, int size, float alpha, float beta, float bias) {
    return Record(b_.LRN(Name("lrn"), in, size, alpha, beta, bias),
                  RefLrn(ref(in), size, alpha, beta, bias));
  }

  uint32_t Softmax(uint32_t in) {
    return Record(b_.Softmax(Name("softmax"), in), RefSoftmax(ref(in)));
  }

  // Builds the model, runs it in both modes with `threads` workers and
  // compares the output with the oracle; in explain mode also every tensor.
  void Check(int threads = 1) {
    Model model;
    LRP_ASSERT_OK(FinishModel(b_, &model));
    const Ref& expected = refs_.at(model.output());
    for (Mode mode : {Mode::kForward, Mode::kExplain}) {
      SCOPED_TRACE(std::string("mode ") + (mode == Mode::kForward ? "forward" : "explain") +
                   ", threads " + std::to_string(threads));
      SessionOptions options;
      options.mode = mode;
      options.threads = threads;
      std::unique_ptr<Session> session;
      LRP_ASSERT_OK(Session::Create(model, options, &session));
      ASSERT_EQ(session->input_size(), input_.size());
      ASSERT_EQ(session->output_size(), expected.v.size());
      LRP_ASSERT_OK(session->Forward(input_.data(), input_.size()));
      ExpectClose(session->output(), session->output_size(), expected, "output");
      if (mode != Mode::kExplain) continue;
      for (const auto& [tensor, ref] : refs_) {
        ExpectClose(session->tensor(tensor), model.tensors()[tensor].shape.elements(), ref,
                    "tensor " + std::to_string(tensor) + " '" +
                        model.tensors()[tensor].name + "'");
      }
    }
  }

 private:
  template <typename F>
  Ref Map(uint32_t in, F f) const {
    Ref out = ref(in);
    for (double& v : out.v) v = f(v);
    return out;
  }

  std::string Name(const char* kind) { return kind + std::to_string(layer_count_++); }

  // Stores the oracle of tensor `t` after checking that the builder inferred
  // the shape the oracle computed.
  uint32_t Record(uint32_t t, Ref r) {
    EXPECT_TRUE(b_.status().ok()) << b_.status().ToString();
    if (!b_.status().ok()) return t;
    const Shape& s = b_.shape(t);
    EXPECT_EQ(s.elements(), r.v.size()) << "tensor " << t << " " << s.ToString();
    if (s.rank == 3) {
      EXPECT_EQ(s, (Shape{r.h, r.w, r.c})) << "tensor " << t << " " << s.ToString();
    } else {
      EXPECT_EQ(r.h * r.w, 1) << "tensor " << t << " " << s.ToString();
    }
    refs_[t] = std::move(r);
    return t;
  }

  // Reshape: the target shape with the source's values in the same order.
  uint32_t Record(uint32_t t, Ref shaped, const Ref& values) {
    shaped.v = values.v;
    return Record(t, std::move(shaped));
  }

  ModelBuilder b_;
  Rng rng_;
  std::map<uint32_t, Ref> refs_;
  std::vector<float> input_;
  int layer_count_ = 0;
};

uint64_t SeedOf(int case_index, uint64_t salt) {
  return 0x5EED0000ull + salt * 1000003ull + static_cast<uint64_t>(case_index);
}

Activation RandomActivation(Rng& r) { return static_cast<Activation>(r.Int(0, 2)); }

Shape RandomFeatureShape(Rng& r, int max_hw, int max_c) {
  return Shape{r.Int(1, max_hw), r.Int(1, max_hw), r.Int(1, max_c)};
}

Shape RandomAnyShape(Rng& r) {
  return r.Bool() ? RandomFeatureShape(r, 7, 6) : Shape{r.Int(1, 40)};
}

// ---------------------------------------------------------------- Conv2D

struct ConvCase {
  Shape input;
  LayerParams p;
  bool bias = true;
};

ConvCase RandomConvCase(Rng& r) {
  for (;;) {
    ConvCase c;
    LayerParams& p = c.p;
    int cin = 1;
    switch (r.Int(0, 3)) {
      case 0:  // dense connectivity
        cin = r.Int(1, 5);
        p.out_channels = r.Int(1, 6);
        break;
      case 1:  // grouped
        p.groups = r.Int(2, 3);
        cin = p.groups * r.Int(1, 3);
        p.out_channels = p.groups * r.Int(1, 3);
        break;
      default:  // depthwise, with channel multiplier 1 or 2
        cin = r.Int(1, 8);
        p.groups = cin;
        p.out_channels = cin * r.Int(1, 2);
        break;
    }
    p.kernel_h = r.Int(1, 5);
    p.kernel_w = r.Int(1, 5);
    p.stride_h = r.Int(1, 3);
    p.stride_w = r.Int(1, 3);
    p.dilation_h = r.Int(0, 3) == 0 ? r.Int(2, 3) : 1;
    p.dilation_w = r.Int(0, 3) == 0 ? r.Int(2, 3) : 1;
    const int ekh = (p.kernel_h - 1) * p.dilation_h + 1;
    const int ekw = (p.kernel_w - 1) * p.dilation_w + 1;
    p.padding = {r.Int(0, ekh - 1), r.Int(0, ekw - 1), r.Int(0, ekh - 1), r.Int(0, ekw - 1)};
    p.activation = RandomActivation(r);
    c.bias = r.Bool();
    const int h = r.Int(1, 11), w = r.Int(1, 11);
    if (h + p.padding.top + p.padding.bottom < ekh) continue;
    if (w + p.padding.left + p.padding.right < ekw) continue;
    c.input = Shape{h, w, cin};
    return c;
  }
}

void CheckConv(const ConvCase& c, uint64_t seed, int threads) {
  SCOPED_TRACE("conv input " + c.input.ToString() + " " + ParamsToString(c.p) +
               " bias=" + std::to_string(c.bias));
  OracleModel m(seed);
  // Wide enough that ReLU6 clips some outputs.
  const uint32_t x = m.Input(c.input, -3.0f, 3.0f);
  m.Conv2D(x, c.p, c.bias);
  m.Check(threads);
}

class ConvForwardTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(ConvForwardTest, MatchesOracle) {
  const auto [index, threads] = GetParam();
  Rng r(SeedOf(index, 1));
  const ConvCase c = RandomConvCase(r);
  CheckConv(c, SeedOf(index, 2), threads);
}

INSTANTIATE_TEST_SUITE_P(
    Random, ConvForwardTest,
    ::testing::Combine(::testing::Range(0, 40), ::testing::Values(1, 2)),
    [](const ::testing::TestParamInfo<std::tuple<int, int>>& info) {
      return "case" + std::to_string(std::get<0>(info.param)) + "_threads" +
             std::to_string(std::get<1>(info.param));
    });

// Shapes that random draws reach rarely but real networks use.
TEST(ConvForwardHandpicked, MatchesOracle) {
  std::vector<ConvCase> cases;
  {
    ConvCase c;  // pointwise on a single pixel
    c.input = Shape{1, 1, 7};
    c.p = ConvParams(5, 1, 1);
    cases.push_back(c);
  }
  {
    ConvCase c;  // ResNet-style stem: 7x7 stride 2 pad 3 on an odd input
    c.input = Shape{13, 13, 3};
    c.p = ConvParams(8, 7, 7);
    c.p.stride_h = c.p.stride_w = 2;
    c.p.padding = {3, 3, 3, 3};
    c.p.activation = Activation::kRelu;
    cases.push_back(c);
  }
  {
    ConvCase c;  // depthwise stride 2 with TF "SAME" style asymmetric padding
    c.input = Shape{8, 8, 6};
    c.p = ConvParams(6, 3, 3);
    c.p.groups = 6;
    c.p.stride_h = c.p.stride_w = 2;
    c.p.padding = {0, 0, 1, 1};
    c.p.activation = Activation::kRelu6;
    cases.push_back(c);
  }
  {
    ConvCase c;  // kernel as large as the input: one output pixel
    c.input = Shape{5, 4, 2};
    c.p = ConvParams(3, 5, 4);
    c.bias = false;
    cases.push_back(c);
  }
  {
    ConvCase c;  // non-square kernel, stride and dilation together
    c.input = Shape{11, 9, 4};
    c.p = ConvParams(4, 3, 2);
    c.p.stride_h = 2;
    c.p.stride_w = 3;
    c.p.dilation_h = 2;
    c.p.dilation_w = 3;
    c.p.padding = {2, 0, 1, 3};
    c.p.groups = 2;
    cases.push_back(c);
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    for (int threads : {1, 2}) CheckConv(cases[i], SeedOf(static_cast<int>(i), 3), threads);
  }
}

// ---------------------------------------------------------------- Dense

class DenseForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(DenseForwardTest, MatchesOracle) {
  Rng r(SeedOf(GetParam(), 10));
  OracleModel m(SeedOf(GetParam(), 11));
  uint32_t x;
  if (r.Bool()) {
    x = m.Input(Shape{r.Int(1, 48)}, -2.0f, 2.0f);
  } else {
    // The usual feature-map head: flatten, then dense.
    x = m.Flatten(m.Input(RandomFeatureShape(r, 4, 5), -2.0f, 2.0f));
  }
  const int out = r.Int(1, 16);
  const bool bias = r.Bool();
  const Activation act = RandomActivation(r);
  SCOPED_TRACE("dense in=" + m.shape(x).ToString() + " out=" + std::to_string(out) +
               " bias=" + std::to_string(bias) + " act=" +
               std::to_string(static_cast<int>(act)));
  m.Dense(x, out, bias, act);
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, DenseForwardTest, ::testing::Range(0, 16));

// ---------------------------------------------------------- Elementwise

class ElementwiseForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(ElementwiseForwardTest, Relu) {
  Rng r(SeedOf(GetParam(), 20));
  OracleModel m(SeedOf(GetParam(), 21));
  m.Relu(m.Input(RandomAnyShape(r), -4.0f, 4.0f));
  m.Check();
}

TEST_P(ElementwiseForwardTest, Clamp) {
  Rng r(SeedOf(GetParam(), 22));
  OracleModel m(SeedOf(GetParam(), 23));
  const float lo = r.Uniform(-3.0f, 1.0f);
  const float hi = lo + r.Uniform(0.25f, 4.0f);
  SCOPED_TRACE("clamp [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  m.Clamp(m.Input(RandomAnyShape(r), -5.0f, 5.0f), lo, hi);
  m.Check();
}

TEST_P(ElementwiseForwardTest, LeakyRelu) {
  Rng r(SeedOf(GetParam(), 24));
  OracleModel m(SeedOf(GetParam(), 25));
  const float alpha = r.Uniform(0.01f, 0.5f);
  SCOPED_TRACE("alpha " + std::to_string(alpha));
  m.LeakyRelu(m.Input(RandomAnyShape(r), -4.0f, 4.0f), alpha);
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, ElementwiseForwardTest, ::testing::Range(0, 8));

TEST(ElementwiseForward, ClampAsRelu6) {
  OracleModel m(77);
  m.Clamp(m.Input(Shape{5, 3, 4}, -10.0f, 10.0f), 0.0f, 6.0f);
  m.Check();
}

// -------------------------------------------------------------- Pooling

class MaxPoolForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(MaxPoolForwardTest, MatchesOracle) {
  Rng r(SeedOf(GetParam(), 30));
  Shape shape;
  LayerParams p;
  do {
    shape = RandomFeatureShape(r, 10, 5);
    p = LayerParams();
    p.kernel_h = r.Int(1, 4);
    p.kernel_w = r.Int(1, 4);
    if (p.kernel_h * p.kernel_w == 1) p.kernel_w = 2;
    p.stride_h = r.Int(1, 3);
    p.stride_w = r.Int(1, 3);
    p.dilation_h = r.Int(0, 3) == 0 ? 2 : 1;
    p.dilation_w = r.Int(0, 3) == 0 ? 2 : 1;
    p.padding = {r.Int(0, p.kernel_h - 1), r.Int(0, p.kernel_w - 1),
                 r.Int(0, p.kernel_h - 1), r.Int(0, p.kernel_w - 1)};
  } while (!EveryWindowHasRealTap(shape, p));
  SCOPED_TRACE("maxpool input " + shape.ToString() + " " + ParamsToString(p));
  OracleModel m(SeedOf(GetParam(), 31));
  // All negative: a padded zero that wrongly took part would win.
  m.MaxPool(m.Input(shape, -5.0f, -0.5f), p);
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, MaxPoolForwardTest, ::testing::Range(0, 24));

TEST(MaxPoolForward, OneByOneWindowWithStride) {
  // A 1x1 window with stride 2 only subsamples; some backends reject a
  // window of one tap, but the model is valid.
  OracleModel m(78);
  LayerParams p = PoolParams(1, 2);
  m.MaxPool(m.Input(Shape{7, 6, 3}, -1.0f, 1.0f), p);
  m.Check();
}

class AvgPoolForwardTest : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(AvgPoolForwardTest, MatchesOracle) {
  const auto [index, count_include_pad] = GetParam();
  Rng r(SeedOf(index, 40));
  Shape shape;
  LayerParams p;
  do {
    shape = RandomFeatureShape(r, 10, 5);
    p = LayerParams();
    p.kernel_h = r.Int(1, 4);
    p.kernel_w = r.Int(1, 4);
    if (p.kernel_h * p.kernel_w == 1) p.kernel_h = 3;
    p.stride_h = r.Int(1, 3);
    p.stride_w = r.Int(1, 3);
    // Every other case gets padding on at least one side, since that is
    // where the two divisors differ.
    const int min_pad = (index % 2 == 0 && p.kernel_h > 1) ? 1 : 0;
    p.padding = {r.Int(min_pad, p.kernel_h - 1), r.Int(0, p.kernel_w - 1),
                 r.Int(0, p.kernel_h - 1), r.Int(0, p.kernel_w - 1)};
    p.count_include_pad = count_include_pad;
  } while (!EveryWindowHasRealTap(shape, p));
  SCOPED_TRACE("avgpool input " + shape.ToString() + " " + ParamsToString(p));
  OracleModel m(SeedOf(index, 41));
  // Positive inputs: a wrong divisor cannot hide behind cancelling signs.
  m.AvgPool(m.Input(shape, 0.5f, 3.0f), p);
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(
    Random, AvgPoolForwardTest,
    ::testing::Combine(::testing::Range(0, 16), ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<int, bool>>& info) {
      return "case" + std::to_string(std::get<0>(info.param)) +
             (std::get<1>(info.param) ? "_include_pad" : "_exclude_pad");
    });

TEST(AvgPoolForward, PaddingDivisorsDiffer) {
  // 3x3 window, pad 1, on a constant input: the corner output is 4/9 of the
  // value when padding counts and the value itself when it does not.
  for (bool include : {false, true}) {
    SCOPED_TRACE(include ? "count_include_pad" : "exclude pad");
    OracleModel m(79);
    LayerParams p = PoolParams(3, 1);
    p.padding = {1, 1, 1, 1};
    p.count_include_pad = include;
    const uint32_t x = m.Input(Shape{4, 4, 2}, 1.0f, 1.0f);
    const uint32_t y = m.AvgPool(x, p);
    EXPECT_NEAR(m.ref(y).at(0, 0, 0), include ? 4.0 / 9.0 : 1.0, 1e-12);
    m.Check();
  }
}

class GlobalAvgPoolForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(GlobalAvgPoolForwardTest, MatchesOracle) {
  Rng r(SeedOf(GetParam(), 50));
  OracleModel m(SeedOf(GetParam(), 51));
  m.GlobalAvgPool(m.Input(RandomFeatureShape(r, 9, 12), -2.0f, 2.0f));
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, GlobalAvgPoolForwardTest, ::testing::Range(0, 8));

// ------------------------------------------------------ Reshape/Flatten

class ReshapeForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(ReshapeForwardTest, Reshape) {
  Rng r(SeedOf(GetParam(), 60));
  const Shape s = RandomFeatureShape(r, 6, 5);
  const int h = s.dims[0], w = s.dims[1], c = s.dims[2];
  for (const Shape& target : {Shape{h * w * c}, Shape{w, h, c}, Shape{1, c, h * w}}) {
    SCOPED_TRACE(s.ToString() + " -> " + target.ToString());
    OracleModel m(SeedOf(GetParam(), 61));
    m.Reshape(m.Input(s, -1.0f, 1.0f), target);
    m.Check();
  }
}

TEST_P(ReshapeForwardTest, FlattenBetweenComputeLayers) {
  // A reshape that aliases its input must still leave the values the next
  // layer reads in place.
  Rng r(SeedOf(GetParam(), 62));
  OracleModel m(SeedOf(GetParam(), 63));
  const uint32_t x = m.Input(RandomFeatureShape(r, 5, 4), -1.0f, 1.0f);
  const uint32_t y = m.Conv2D(x, ConvParams(3, 1, 1), true);
  m.Dense(m.Flatten(m.Relu(y)), r.Int(1, 7), true, Activation::kNone);
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, ReshapeForwardTest, ::testing::Range(0, 6));

// ------------------------------------------------------------------ Add

class AddForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(AddForwardTest, ResidualWithActivation) {
  Rng r(SeedOf(GetParam(), 70));
  OracleModel m(SeedOf(GetParam(), 71));
  const Shape s = RandomAnyShape(r);
  const uint32_t x = m.Input(s, -6.0f, 6.0f);
  uint32_t y;
  if (s.rank == 3) {
    y = m.Conv2D(x, ConvParams(s.dims[2], 1, 1), true);
  } else {
    y = m.LeakyRelu(x, 0.3f);
  }
  const Activation act = static_cast<Activation>(GetParam() % 3);
  SCOPED_TRACE("add " + s.ToString() + " act=" + std::to_string(static_cast<int>(act)));
  if (r.Bool()) {
    m.Add(x, y, act);
  } else {
    m.Add(y, x, act);
  }
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, AddForwardTest, ::testing::Range(0, 12));

TEST(AddForward, SameTensorTwice) {
  OracleModel m(80);
  const uint32_t x = m.Input(Shape{3, 4, 5}, -4.0f, 4.0f);
  m.Add(x, x, Activation::kRelu6);
  m.Check();
}

// --------------------------------------------------------------- Concat

class ConcatForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(ConcatForwardTest, TwoInputs) {
  Rng r(SeedOf(GetParam(), 80));
  OracleModel m(SeedOf(GetParam(), 81));
  const Shape s = RandomFeatureShape(r, 6, 5);
  const uint32_t x = m.Input(s, -1.0f, 1.0f);
  const uint32_t b = m.Conv2D(x, ConvParams(r.Int(1, 6), 1, 1), true);
  SCOPED_TRACE("concat " + s.ToString() + " + " + m.shape(b).ToString());
  if (r.Bool()) {
    m.Concat({x, b});
  } else {
    m.Concat({b, x});
  }
  m.Check();
}

TEST_P(ConcatForwardTest, ThreeInputs) {
  Rng r(SeedOf(GetParam(), 82));
  OracleModel m(SeedOf(GetParam(), 83));
  const Shape s = RandomFeatureShape(r, 6, 5);
  const uint32_t x = m.Input(s, -1.0f, 1.0f);
  const uint32_t b = m.Conv2D(x, ConvParams(r.Int(1, 6), 1, 1), true);
  LayerParams p3 = ConvParams(r.Int(1, 6), 3, 3);
  p3.padding = {1, 1, 1, 1};
  const uint32_t d = m.LeakyRelu(m.Conv2D(x, p3, false), 0.2f);
  SCOPED_TRACE("concat " + m.shape(b).ToString() + " + " + s.ToString() + " + " +
               m.shape(d).ToString());
  m.Concat({b, x, d});
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, ConcatForwardTest, ::testing::Range(0, 8));

TEST(ConcatForward, Vectors) {
  OracleModel m(81);
  const uint32_t x = m.Input(Shape{7}, -1.0f, 1.0f);
  const uint32_t a = m.Dense(x, 3, true, Activation::kNone);
  const uint32_t b = m.Dense(x, 5, true, Activation::kRelu);
  m.Concat({a, x, b});
  m.Check();
}

// ------------------------------------------------------------ BatchNorm

class BatchNormForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(BatchNormForwardTest, MatchesOracle) {
  Rng r(SeedOf(GetParam(), 90));
  OracleModel m(SeedOf(GetParam(), 91));
  const float eps = r.Bool() ? 1e-5f : 1e-2f;
  m.BatchNorm(m.Input(RandomAnyShape(r), -3.0f, 3.0f), eps);
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, BatchNormForwardTest, ::testing::Range(0, 8));

// ------------------------------------------------------------------ LRN

class LrnForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(LrnForwardTest, MatchesOracle) {
  Rng r(SeedOf(GetParam(), 100));
  // Sizes 1..6 in turn, so odd and even windows are both covered.
  const int size = 1 + GetParam() % 6;
  const Shape s{r.Int(1, 4), r.Int(1, 4), r.Int(1, 12)};
  const float alpha = r.Uniform(1e-4f, 1.0f);
  const float beta = r.Uniform(0.5f, 1.0f);
  const float bias = r.Uniform(0.5f, 2.0f);
  SCOPED_TRACE("lrn " + s.ToString() + " size=" + std::to_string(size) + " alpha=" +
               std::to_string(alpha) + " beta=" + std::to_string(beta) +
               " bias=" + std::to_string(bias));
  OracleModel m(SeedOf(GetParam(), 101));
  m.Lrn(m.Input(s, -3.0f, 3.0f), size, alpha, beta, bias);
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, LrnForwardTest, ::testing::Range(0, 18));

TEST(LrnForward, EvenWindowIsAsymmetric) {
  // With size 2 the window of channel c is {c, c+1}, clipped at the last
  // channel. Spot-check the oracle against the definition by hand, then the
  // runtime against the oracle on the same input; a symmetric or mirrored
  // window gives different values at channels 1 and 4.
  const std::vector<float> values = {1, 1, 3, 1, 1};
  Ref in(1, 1, 5);
  in.v.assign(values.begin(), values.end());
  const Ref out = RefLrn(in, 2, 1.0, 1.0, 1.0);
  EXPECT_DOUBLE_EQ(out.v[0], 1.0 / (1.0 + 0.5 * 2.0));
  EXPECT_DOUBLE_EQ(out.v[1], 1.0 / (1.0 + 0.5 * 10.0));
  EXPECT_DOUBLE_EQ(out.v[4], 1.0 / (1.0 + 0.5 * 1.0));
  OracleModel m(82);
  m.Lrn(m.InputValues(Shape{1, 1, 5}, values), 2, 1.0f, 1.0f, 1.0f);
  m.Check();
}

// -------------------------------------------------------------- Softmax

class SoftmaxForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(SoftmaxForwardTest, MatchesOracle) {
  Rng r(SeedOf(GetParam(), 110));
  const int n = r.Int(1, 20);
  // Large offsets overflow exp() unless the maximum is subtracted first.
  const float offset = static_cast<float>(r.Int(-1, 1)) * 80.0f;
  OracleModel m(SeedOf(GetParam(), 111));
  m.Softmax(m.Input(Shape{n}, offset - 20.0f, offset + 20.0f));
  m.Check();
}

INSTANTIATE_TEST_SUITE_P(Random, SoftmaxForwardTest, ::testing::Range(0, 10));

TEST(SoftmaxForward, AfterDense) {
  OracleModel m(83);
  const uint32_t x = m.Input(Shape{9}, -2.0f, 2.0f);
  m.Softmax(m.Dense(x, 6, true, Activation::kNone));
  m.Check();
}

// ---------------------------------------------------------- Whole graphs

class ResidualDagTest : public ::testing::TestWithParam<int> {};

TEST_P(ResidualDagTest, MatchesOracle) {
  OracleModel m(SeedOf(GetParam(), 120));
  LayerParams same = ConvParams(6, 3, 3);
  same.padding = {1, 1, 1, 1};
  const uint32_t x = m.Input(Shape{9, 9, 3}, -1.0f, 1.0f);
  LayerParams stem = same;
  stem.activation = Activation::kRelu;
  const uint32_t a = m.Conv2D(x, stem, true);
  const uint32_t b = m.Conv2D(m.Conv2D(a, stem, true), same, true);
  const uint32_t c = m.Add(a, b, Activation::kRelu);
  LayerParams pool = PoolParams(3, 2);
  pool.padding = {1, 1, 1, 1};
  const uint32_t p = m.MaxPool(c, pool);
  const uint32_t d = m.Conv2D(p, ConvParams(4, 1, 1), true);
  LayerParams dw = same;
  dw.groups = 6;
  const uint32_t e = m.Conv2D(p, dw, false);
  // `p` stays live across both branches and the concat.
  const uint32_t f = m.Concat({d, e, p});
  const uint32_t g = m.BatchNorm(f, 1e-3f);
  const uint32_t h = m.Add(g, m.Relu(g), Activation::kNone);
  const uint32_t i = m.GlobalAvgPool(h);
  m.Softmax(m.Dense(i, 5, true, Activation::kNone));
  m.Check(1);
  m.Check(2);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ResidualDagTest, ::testing::Range(0, 4));

TEST(ForwardGraph, EveryLayerKindOnce) {
  // The canned all-layers model: no oracle, but forward and explain mode
  // must agree and the softmax output must be a distribution.
  ModelBuilder b;
  BuildAllLayers(5, &b);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  const std::vector<float> input = RandomInput(model, 6);
  std::vector<float> forward, explain;
  SessionOptions options;
  LRP_ASSERT_OK(RunForward(model, options, input, &forward));
  options.mode = Mode::kExplain;
  LRP_ASSERT_OK(RunForward(model, options, input, &explain));
  ASSERT_EQ(forward.size(), 3u);
  ASSERT_EQ(explain.size(), forward.size());
  double sum = 0.0;
  for (size_t k = 0; k < forward.size(); ++k) {
    EXPECT_NEAR(forward[k], explain[k], 1e-6);
    EXPECT_GE(forward[k], 0.0f);
    sum += forward[k];
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
}

}  // namespace
}  // namespace test
}  // namespace lrp
