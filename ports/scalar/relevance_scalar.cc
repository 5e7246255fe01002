// Scalar reference of the relevance kernels (ports/kernels.h).
#include "ports/kernels.h"
#include "ports/scalar/lrn_scalar.h"

namespace lrp {
namespace ports {
namespace {

inline float Modify(float w, WeightMod mod) {
  switch (mod) {
    case WeightMod::kPositive: return w > 0.0f ? w : 0.0f;
    case WeightMod::kNegative: return w < 0.0f ? w : 0.0f;
    case WeightMod::kSquare: return w * w;
    case WeightMod::kIdentity: break;
  }
  return w;
}

void VStabDiv(size_t n, const float* r, const float* d, float eps, float* s) {
  for (size_t i = 0; i < n; ++i) {
    // sign0: -0.0 >= 0 holds, so zero maps to +eps as in Zennit.
    const float den = d[i] >= 0.0f ? d[i] + eps : d[i] - eps;
    s[i] = den == 0.0f ? 0.0f : r[i] / den;
  }
}

void VMul(size_t n, const float* a, const float* c, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = a[i] * c[i];
}

void VMulAdd(size_t n, const float* a, const float* c, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] += a[i] * c[i];
}

void DenseTransposed(size_t rows, size_t width, size_t stride, const float* w, const float* s,
                     WeightMod mod, float* x) {
  for (size_t j = 0; j < width; ++j) x[j] = 0.0f;
  for (size_t k = 0; k < rows; ++k) {
    const float sk = s[k];
    const float* row = w + k * stride;
    for (size_t j = 0; j < width; ++j) x[j] += Modify(row[j], mod) * sk;
  }
}

void DenseModified(size_t rows, size_t cols, const float* w, const float* a, WeightMod mod,
                   float* z) {
  for (size_t k = 0; k < rows; ++k) {
    const float* row = w + k * cols;
    float sum = 0.0f;
    for (size_t j = 0; j < cols; ++j) sum += Modify(row[j], mod) * a[j];
    z[k] = sum;
  }
}

}  // namespace

const KernelTable& ScalarKernels() {
  static const KernelTable table = {"scalar", VStabDiv, VMul, VMulAdd, DenseTransposed,
                                    DenseModified, f32_lrn_ukernel__scalar};
  return table;
}

}  // namespace ports
}  // namespace lrp
