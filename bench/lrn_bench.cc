// LRN forward on the LRN layers of the shipped example model
// (examples/models/fashion_mnist_lrn: lrn1 on 28 x 28 x 32, lrn2 on
// 14 x 14 x 64, size 5, alpha 1e-4, beta 0.75, bias 2). One iteration runs
// both layers, as one forward pass does. Inputs are post-ReLU-like: half
// zeros, the rest uniform in (0, 3).
//   lrn/naive         a straightforward scalar loop: the window sum
//                     recomputed for every channel, std::pow per element
//   lrn/<variant>     every LrnFn this CPU supports (ports/kernels.h):
//                     scalar (sliding double sum, sqrt form of beta 0.75),
//                     sse2, avx2, avx512f or neon
//   lrn/best          what the runtime dispatches to (BestKernels())
// The same with beta 0.6 (the general power) under lrn_beta06/...
//   lrp_bench_lrn --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "ports/kernels.h"

namespace lrp {
namespace ports {
namespace {

struct Layer {
  size_t pixels, channels;
};
constexpr Layer kLayers[] = {{28 * 28, 32}, {14 * 14, 64}};

struct Data {
  std::vector<float> x[2], y[2];
  Data() {
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> value(0.0f, 3.0f);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    for (int l = 0; l < 2; ++l) {
      const size_t n = kLayers[l].pixels * kLayers[l].channels;
      x[l].resize(n);
      y[l].resize(n);
      for (float& v : x[l]) v = unit(rng) < 0.5f ? 0.0f : value(rng);
    }
  }
};
Data& TheData() {
  static Data* data = new Data;
  return *data;
}

// The textbook loop a first implementation would write.
void NaiveLrn(size_t pixels, size_t channels, const float* x, float* y, const LrnParams& p) {
  const long n = static_cast<long>(channels);
  for (size_t px = 0; px < pixels; ++px) {
    const float* xp = x + px * channels;
    float* yp = y + px * channels;
    for (long c = 0; c < n; ++c) {
      const long lo = std::max(0L, c - (p.size - 1) / 2);
      const long hi = std::min(n - 1, c + p.size / 2);
      float sum = 0.0f;
      for (long i = lo; i <= hi; ++i) sum += xp[i] * xp[i];
      yp[c] = xp[c] * std::pow(p.bias + p.alpha / p.size * sum, -p.beta);
    }
  }
}

void Run(benchmark::State& state, LrnFn fn, float beta) {
  Data& d = TheData();
  const LrnParams p{5, 1e-4f, beta, 2.0f};
  for (auto _ : state) {
    for (int l = 0; l < 2; ++l) {
      fn(kLayers[l].pixels, kLayers[l].channels, d.x[l].data(), d.y[l].data(), p);
    }
    benchmark::DoNotOptimize(d.y[0].data());
    benchmark::DoNotOptimize(d.y[1].data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(d.x[0].size() + d.x[1].size()));
}

void RegisterAll() {
  for (float beta : {0.75f, 0.6f}) {
    const std::string family = beta == 0.75f ? "lrn/" : "lrn_beta06/";
    benchmark::RegisterBenchmark((family + "naive").c_str(),
                                 [beta](benchmark::State& s) { Run(s, NaiveLrn, beta); });
    for (const KernelTable* t : SupportedKernels()) {
      const LrnFn fn = t->lrn;
      benchmark::RegisterBenchmark((family + t->isa).c_str(),
                                   [fn, beta](benchmark::State& s) { Run(s, fn, beta); });
    }
    const LrnFn best = BestKernels().lrn;
    benchmark::RegisterBenchmark((family + "best").c_str(),
                                 [best, beta](benchmark::State& s) { Run(s, best, beta); });
  }
}

}  // namespace
}  // namespace ports
}  // namespace lrp

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  lrp::ports::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
