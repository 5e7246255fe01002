// Times the YUYV to RGB conversion (ports/camera/yuyv_to_rgb.h) of one
// 640x480 camera frame, the demo's default size, for every variant this CPU
// runs. Names are yuyv_to_rgb/<variant>; compare with .../scalar. Medians:
//   lrp_bench_yuyv --benchmark_repetitions=15 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ports/camera/yuyv_to_rgb.h"

namespace lrp {
namespace camera {
namespace {

constexpr int kWidth = 640;
constexpr int kHeight = 480;

void RegisterVariant(const YuyvToRgbKernel* kernel) {
  benchmark::RegisterBenchmark(
      (std::string("yuyv_to_rgb/") + kernel->isa).c_str(), [kernel](benchmark::State& state) {
        const size_t stride = kWidth * 2;
        std::vector<uint8_t> yuyv(stride * kHeight);
        std::mt19937 rng(1);
        for (uint8_t& b : yuyv) b = static_cast<uint8_t>(rng());
        std::vector<uint8_t> rgb(static_cast<size_t>(kWidth) * kHeight * 3);
        for (auto _ : state) {
          ConvertYuyvFrame(*kernel, kWidth, kHeight, yuyv.data(), stride, rgb.data());
          benchmark::DoNotOptimize(rgb.data());
          benchmark::ClobberMemory();
        }
        state.SetItemsProcessed(state.iterations() * kWidth * kHeight);  // pixels
        state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(yuyv.size()));
      })->Unit(benchmark::kMicrosecond);
}

}  // namespace
}  // namespace camera
}  // namespace lrp

int main(int argc, char** argv) {
  for (const lrp::camera::YuyvToRgbKernel* kernel : lrp::camera::SupportedYuyvToRgb()) {
    lrp::camera::RegisterVariant(kernel);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
