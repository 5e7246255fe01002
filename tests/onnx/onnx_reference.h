// A naive double-precision evaluation of the ONNX operators the importer
// supports, written from the ONNX operator specifications in NCHW. The
// importer tests compare converted models against it. It shares no code
// with the importer or the runtime, so a layout or folding mistake on their
// side shows up as a mismatch.
#ifndef LRP_TESTS_ONNX_ONNX_REFERENCE_H_
#define LRP_TESTS_ONNX_ONNX_REFERENCE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace lrp {
namespace onnx_test {

// A dense tensor of doubles in ONNX order (NCHW for maps).
struct Tensor {
  std::vector<int64_t> dims;
  std::vector<double> v;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> d);
  // Expects (gtest) `values` to hold exactly Count(d) elements.
  Tensor(std::vector<int64_t> d, const std::vector<float>& values);
  static size_t Count(const std::vector<int64_t>& d);
  size_t Index(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return static_cast<size_t>(((n * dims[1] + c) * dims[2] + h) * dims[3] + w);
  }
  double at(int64_t n, int64_t c, int64_t h, int64_t w) const { return v[Index(n, c, h, w)]; }
  double& at(int64_t n, int64_t c, int64_t h, int64_t w) { return v[Index(n, c, h, w)]; }
};

// `n` values uniform in [lo, hi), the same for the same seed.
std::vector<float> RandomFloats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f);
Tensor RandomTensor(const std::vector<int64_t>& dims, uint32_t seed, float lo = -1.0f,
                    float hi = 1.0f);
// The values of `t` as floats, for initializers.
std::vector<float> Floats(const Tensor& t);

// A 2-D window: kernel, strides, dilations, pads in ONNX order
// (top, left, bottom, right) and ceil_mode.
struct Window {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t top = 0, left = 0, bottom = 0, right = 0;
  bool ceil = false;
};

Window MakeWindow(std::array<int64_t, 2> k, std::array<int64_t, 2> s,
                  std::array<int64_t, 4> pads = {0, 0, 0, 0}, std::array<int64_t, 2> d = {1, 1},
                  bool ceil = false);

// ONNX's output size: floor (or ceil) of (in + pads - extent) / stride, + 1.
int64_t OutSize(int64_t in, int64_t pads, int64_t k, int64_t s, int64_t d, bool ceil);

// Conv: the kernel comes from W [M, C/group, kH, kW]; `win` gives the rest.
Tensor RefConv(const Tensor& x, const Tensor& w, const std::vector<float>& bias, Window win,
               int64_t group = 1);

enum class Pool { kMax, kAverageExcludePad, kAverageIncludePad };

Tensor RefPool(const Tensor& x, const Window& win, Pool kind);
Tensor RefGlobalAveragePool(const Tensor& x);

// Zero padding of H and W.
Tensor RefPad(const Tensor& x, int64_t top, int64_t left, int64_t bottom, int64_t right);

// Per-channel affine map along axis 1, any rank >= 2.
Tensor RefBatchNorm(const Tensor& x, const std::vector<float>& gamma,
                    const std::vector<float>& beta, const std::vector<float>& mean,
                    const std::vector<float>& var, double eps);

Tensor RefLrn(const Tensor& x, int64_t size, double alpha, double beta, double bias);

// Y = alpha * A' B' + beta * C (C broadcast to [M, N]); C may be null.
Tensor RefGemm(const Tensor& a, const Tensor& b, const Tensor* c, double alpha, double beta,
               bool trans_a, bool trans_b);

// MatMul of A [..., K] by a 2-D B [K, N].
Tensor RefMatMul(const Tensor& a, const Tensor& b);

// Softmax over `axis` (the ONNX opset 13 definition).
Tensor RefSoftmax(const Tensor& x, size_t axis);

// `f` applied to every element.
Tensor Map(Tensor t, const std::function<double(double)>& f);

double Relu(double x);

// Element-wise sum of tensors of the same shape.
Tensor Add(Tensor a, const Tensor& b);

// Adds one value per channel (axis 1).
Tensor AddPerChannel(Tensor x, const std::vector<float>& bias);

// Concatenation of two NCHW maps along C.
Tensor ConcatChannels(const Tensor& a, const Tensor& b);

// `t` with new dims of the same element count.
Tensor Reshaped(Tensor t, std::vector<int64_t> dims);

}  // namespace onnx_test
}  // namespace lrp

#endif  // LRP_TESTS_ONNX_ONNX_REFERENCE_H_
