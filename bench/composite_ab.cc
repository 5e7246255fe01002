// lrp_bench_composite_ab: the relevance pass of one composite against
// another's on the same model, in one process, interleaved.
//
//   lrp_bench_composite_ab MODEL.lrpm [A [B [ITERATIONS [WARMUP]]]]
//   (defaults: epsilon rlrp 15 2)
//
// Creates an explain-mode Session per composite (1 thread), runs one
// Forward on each with the same pseudo-random input, then alternates
// Explain() on A and on B (top-1 target; the order flips every iteration),
// so clock, thermal drift and other processes hit both alike. Reports per
// composite the median wall time and the median CPU time of the calling
// thread (not inflated by preemption on a busy machine), and B / A of both.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "lrp/lrp.h"

namespace {

double Now(clockid_t clock) {
  timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Side {
  std::string name;
  std::unique_ptr<lrp::Session> session;
  std::vector<double> wall, cpu;
};

int Fail(const lrp::Status& s) {
  std::fprintf(stderr, "lrp_bench_composite_ab: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: lrp_bench_composite_ab MODEL.lrpm [A [B [ITERATIONS [WARMUP]]]]\n");
    return 2;
  }
  const std::string a = argc > 2 ? argv[2] : "epsilon";
  const std::string b = argc > 3 ? argv[3] : "rlrp";
  const int iterations = argc > 4 ? std::atoi(argv[4]) : 15;
  const int warmup = argc > 5 ? std::atoi(argv[5]) : 2;
  if (iterations < 1 || warmup < 0) {
    std::fprintf(stderr, "lrp_bench_composite_ab: ITERATIONS >= 1, WARMUP >= 0\n");
    return 2;
  }
  lrp::Model model;
  lrp::Status s = lrp::Model::Load(argv[1], &model);
  if (!s.ok()) return Fail(s);
  Side sides[2];
  sides[0].name = a;
  sides[1].name = b;
  // Uniform in [0, 1), the same for both (a fixed linear congruential sequence).
  uint32_t state = 12345;
  std::vector<float> input(model.input_shape().elements());
  for (float& x : input) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(state >> 8) / 16777216.0f;
  }
  for (Side& side : sides) {
    lrp::SessionOptions options;
    options.mode = lrp::Mode::kExplain;
    options.composite.name = side.name;
    s = lrp::Session::Create(model, options, &side.session);
    if (!s.ok()) return Fail(s);
    s = side.session->Forward(input.data(), input.size());
    if (!s.ok()) return Fail(s);
  }
  for (int i = 0; i < warmup + iterations; ++i) {
    for (int k = 0; k < 2; ++k) {
      Side& side = sides[(i + k) % 2];
      const double w0 = Now(CLOCK_MONOTONIC), c0 = Now(CLOCK_THREAD_CPUTIME_ID);
      s = side.session->Explain();
      const double c1 = Now(CLOCK_THREAD_CPUTIME_ID), w1 = Now(CLOCK_MONOTONIC);
      if (!s.ok()) return Fail(s);
      if (i >= warmup) {
        side.wall.push_back(w1 - w0);
        side.cpu.push_back(c1 - c0);
      }
    }
  }
  std::printf("model %s, %d iterations after %d warmup, 1 thread, relevance pass only\n",
              argv[1], iterations, warmup);
  for (const Side& side : sides) {
    std::printf("  %-16s wall median %8.1f ms   thread CPU median %8.1f ms\n", side.name.c_str(),
                Median(side.wall), Median(side.cpu));
  }
  std::printf("  %s / %s: wall %.3f, thread CPU %.3f\n", b.c_str(), a.c_str(),
              Median(sides[1].wall) / Median(sides[0].wall),
              Median(sides[1].cpu) / Median(sides[0].cpu));
  return 0;
}
