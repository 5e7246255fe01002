// The element-wise and streaming kernels of the relevance pass, one function
// pointer per kernel family, chosen once per process for the CPU.
//
// Contracts shared by every variant (scalar/ is the reference):
//  * lengths are in elements; pointers need only float alignment;
//  * no kernel reads or writes past n (exact tails);
//  * outputs may alias an input only where a family says so.
// Variants differ from the scalar reference only by float rounding of
// reductions (dense kernels); element-wise kernels match it bit for bit,
// except armv7 NEON's reciprocal-based division (ULP bound documented in
// ports/neon/elementwise_neon_armv7.cc).
#ifndef LRP_PORTS_KERNELS_H_
#define LRP_PORTS_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lrp {
namespace ports {

// Local response normalization across channels, ONNX semantics (RULES.md
// §4.1): size = window in channels, alpha is divided by size, bias > 0 and
// alpha >= 0 (the model verifier guarantees both, so the base is > 0).
struct LrnParams {
  int32_t size;
  float alpha;
  float beta;
  float bias;
};

// Elementwise weight modifier applied on the fly by the dense kernels.
enum class WeightMod : int { kIdentity = 0, kPositive = 1, kNegative = 2, kSquare = 3 };

// s[i] = r[i] / stab(d[i]), stab(x) = x + eps for x >= 0 (incl. -0.0), x - eps
// for x < 0. With eps == 0, d[i] == 0 gives s[i] = 0 (no inf/NaN). s may
// alias r or d.
using VStabDivFn = void (*)(size_t n, const float* r, const float* d, float eps, float* s);

// y[i] = a[i] * c[i]. y may alias a or c.
using VMulFn = void (*)(size_t n, const float* a, const float* c, float* y);

// y[i] += a[i] * c[i]. y must not alias a or c.
using VMulAddFn = void (*)(size_t n, const float* a, const float* c, float* y);

// Transposed dense product over a column slice, reading the forward
// weights in place: for j in [0, width):
//   x[j] = sum_k mod(w[k * stride + j]) * s[k],  k in [0, rows)
// (w points at the slice's first column). x must not alias w or s.
using DenseTransposedFn = void (*)(size_t rows, size_t width, size_t stride, const float* w,
                                   const float* s, WeightMod mod, float* x);

// Dense product with modified weights over a row slice:
//   z[k] = sum_j mod(w[k * cols + j]) * a[j], k in [0, rows), j in [0, cols).
using DenseModifiedFn = void (*)(size_t rows, size_t cols, const float* w, const float* a,
                                 WeightMod mod, float* z);

// LRN forward over `pixels` rows of `channels` values (NHWC):
//   y[p, c] = x[p, c] * (bias + alpha/size * sum_{i in N(c)} x[p, i]^2)^-beta,
//   N(c) = max(0, c - floor((size-1)/2)) .. min(C-1, c + ceil((size-1)/2))
// (an even window has its extra channel ABOVE c, unlike PyTorch's). x and y
// must not overlap. Allocation-free. Variants differ from the scalar kernel
// by the rounding of the window sum and of the power (bound stated in
// tests/ports/lrn_kernels_test.cc).
using LrnFn = void (*)(size_t pixels, size_t channels, const float* x, float* y,
                       const LrnParams& params);

struct KernelTable {
  const char* isa;  // "scalar", "sse2", "avx2", "avx512f", "neon"
  VStabDivFn vstabdiv;
  VMulFn vmul;
  VMulAddFn vmuladd;
  DenseTransposedFn dense_transposed;
  DenseModifiedFn dense_modified;
  LrnFn lrn;
};

// The plain C++ reference (ports/scalar/).
const KernelTable& ScalarKernels();
// The fastest variant this CPU runs, chosen once (cpuinfo) on the first
// call. That call also reads the environment variable
// LRP_ISA=scalar|sse2|avx2|avx512f|neon, which picks that variant instead
// (benchmarks compare them this way); a value that is unknown, not compiled
// in or not supported by the CPU falls back to the fastest.
const KernelTable& BestKernels();
// Every variant compiled in and supported by this CPU, scalar first and
// fastest last.
std::vector<const KernelTable*> SupportedKernels();
// What BestKernels resolves LRP_ISA with: the supported variant whose `isa`
// equals `isa`, else (also for null) the fastest. Queries the CPU each call.
// Neither it nor BestKernels allocates, apart from cpuinfo's one-time
// initialization (which XNNPACK's xnn_initialize also performs).
const KernelTable& SelectKernels(const char* isa);

}  // namespace ports
}  // namespace lrp

#endif  // LRP_PORTS_KERNELS_H_
