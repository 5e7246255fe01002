// Times every relevance kernel (ports/kernels.h) of every variant this CPU
// supports, on VGG-16 sizes:
//   element-wise: n = 802816 = 112 x 112 x 64, the conv1 block's pooled
//                 map (input of conv2_1);
//   dense:        fc6, 4096 outputs x 25088 inputs (411 MB of weights, so
//                 the dense kernels are bound by memory bandwidth).
// Names are <kernel>/<variant>[/<mod>]; compare a variant with .../scalar.
//   lrp_bench_kernels --benchmark_filter=vstabdiv
#include <benchmark/benchmark.h>

#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "ports/kernels.h"

namespace lrp {
namespace ports {
namespace {

constexpr size_t kMapElements = 112 * 112 * 64;  // 802816
constexpr size_t kFcOutputs = 4096;
constexpr size_t kFcInputs = 25088;  // 7 x 7 x 512

std::vector<float> RandomVector(size_t n, uint32_t seed, float zero_fraction) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = unit(rng) < zero_fraction ? 0.0f : value(rng);
  return v;
}

// Built on first use so that filtering out the dense benchmarks also skips
// allocating their weights.
struct MapData {
  std::vector<float> r = RandomVector(kMapElements, 1, 0.0f);
  std::vector<float> d = RandomVector(kMapElements, 2, 0.1f);  // some zero-crossing ReLU inputs
  std::vector<float> out = std::vector<float>(kMapElements);
};
struct FcData {
  std::vector<float> w = RandomVector(kFcOutputs * kFcInputs, 3, 0.0f);
  std::vector<float> s = RandomVector(kFcOutputs, 4, 0.0f);
  std::vector<float> a = RandomVector(kFcInputs, 5, 0.5f);
  std::vector<float> x = std::vector<float>(kFcInputs);
  std::vector<float> z = std::vector<float>(kFcOutputs);
};
MapData& Map() {
  static MapData* data = new MapData;
  return *data;
}
FcData& Fc() {
  static FcData* data = new FcData;
  return *data;
}

const char* ModName(WeightMod mod) {
  switch (mod) {
    case WeightMod::kIdentity: return "identity";
    case WeightMod::kPositive: return "positive";
    case WeightMod::kNegative: return "negative";
    case WeightMod::kSquare: return "square";
  }
  return "?";
}

void RegisterVariant(const KernelTable* k) {
  const std::string isa = k->isa;
  benchmark::RegisterBenchmark(("vstabdiv/" + isa).c_str(), [k](benchmark::State& state) {
    MapData& m = Map();
    for (auto _ : state) {
      k->vstabdiv(kMapElements, m.r.data(), m.d.data(), 1e-6f, m.out.data());
      benchmark::DoNotOptimize(m.out.data());
      benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * 3 * kMapElements * sizeof(float));
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(("vmul/" + isa).c_str(), [k](benchmark::State& state) {
    MapData& m = Map();
    for (auto _ : state) {
      k->vmul(kMapElements, m.r.data(), m.d.data(), m.out.data());
      benchmark::DoNotOptimize(m.out.data());
      benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * 3 * kMapElements * sizeof(float));
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(("vmuladd/" + isa).c_str(), [k](benchmark::State& state) {
    MapData& m = Map();
    for (auto _ : state) {
      k->vmuladd(kMapElements, m.r.data(), m.d.data(), m.out.data());
      benchmark::DoNotOptimize(m.out.data());
      benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * 4 * kMapElements * sizeof(float));
  })->Unit(benchmark::kMicrosecond);
  for (WeightMod mod : {WeightMod::kIdentity, WeightMod::kPositive}) {
    benchmark::RegisterBenchmark(
        ("dense_transposed/" + isa + "/" + ModName(mod)).c_str(),
        [k, mod](benchmark::State& state) {
          FcData& f = Fc();
          for (auto _ : state) {
            k->dense_transposed(kFcOutputs, kFcInputs, kFcInputs, f.w.data(), f.s.data(), mod,
                                f.x.data());
            benchmark::DoNotOptimize(f.x.data());
            benchmark::ClobberMemory();
          }
          state.SetBytesProcessed(state.iterations() * kFcOutputs * kFcInputs * sizeof(float));
        })
        ->Unit(benchmark::kMillisecond);
  }
  for (WeightMod mod : {WeightMod::kPositive, WeightMod::kSquare}) {
    benchmark::RegisterBenchmark(
        ("dense_modified/" + isa + "/" + ModName(mod)).c_str(),
        [k, mod](benchmark::State& state) {
          FcData& f = Fc();
          for (auto _ : state) {
            k->dense_modified(kFcOutputs, kFcInputs, f.w.data(), f.a.data(), mod, f.z.data());
            benchmark::DoNotOptimize(f.z.data());
            benchmark::ClobberMemory();
          }
          state.SetBytesProcessed(state.iterations() * kFcOutputs * kFcInputs * sizeof(float));
        })
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace
}  // namespace ports
}  // namespace lrp

int main(int argc, char** argv) {
  for (const lrp::ports::KernelTable* k : lrp::ports::SupportedKernels()) {
    lrp::ports::RegisterVariant(k);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
