// lrp_bench_baseline: how much does lrp's forward pass cost on top of the
// XNNPACK operators it is built from?
//
// In one process it builds a zoo model, runs it through an lrp::Session, and
// builds the same network a second time directly from XNNPACK operators
// (raw_net.h) with the same weights, read out of the lrp::Model so there is
// one weight generator. Runs alternate between the two so that frequency
// scaling, thermal state and load from other processes affect both alike.
//
//   lrp_bench_baseline --model vgg16 --iterations 10 --threads 1 [--json]

#include <pthreadpool.h>
#include <sys/mman.h>
#include <xnnpack.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "bench/raw_net.h"
#include "lrp/model.h"
#include "lrp/model_builder.h"
#include "lrp/session.h"
#include "lrp/status.h"
#include "tools/zoo/zoo.h"

namespace lrp {
namespace bench {
namespace {

// The check's threshold: both sides run the same XNNPACK kernels on the same
// data, so anything beyond rounding noise means the two networks differ.
constexpr double kMaxRelativeDiff = 1e-4;

struct Options {
  std::string model = "vgg16";
  int iterations = 10;
  int warmup = 2;
  int threads = 1;
  uint64_t seed = 1;
  bool json = false;
  // Give the Session a caller arena backed by transparent huge pages: an
  // experiment for the runtime, not a like-for-like comparison.
  bool lrp_hugepages = false;
};

// Milliseconds of one side: wall clock, and the calling thread's CPU time,
// which preemption by other processes does not inflate (with threads > 1 it
// covers only the caller's share of the work).
struct Samples {
  std::vector<double> wall, cpu;
};

struct Stats {
  double median = 0, min = 0;
};

Stats Summarize(std::vector<double> ms) {
  Stats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  s.median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  s.min = ms.front();
  return s;
}

double ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return 1e3 * static_cast<double>(t.tv_sec) +
         1e-6 * static_cast<double>(t.tv_nsec);
}

class Stopwatch {
 public:
  Stopwatch() : wall_(std::chrono::steady_clock::now()), cpu_(ThreadCpuMs()) {}
  double WallMs() const {
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now() - wall_)
        .count();
  }
  void Record(Samples* out) const {
    out->wall.push_back(WallMs());
    out->cpu.push_back(ThreadCpuMs() - cpu_);
  }

 private:
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// A fixed pseudo-random image inside the model's declared per-channel range.
std::vector<float> MakeInput(const Model& model) {
  const Shape& shape = model.input_shape();
  const size_t channels = shape.rank > 0 ? shape.dims[shape.rank - 1] : 1;
  const InputDesc& d = model.input_desc();
  std::vector<float> x(shape.elements());
  uint32_t state = 12345u;
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = i % channels;
    const float lo = d.low.empty() ? 0.0f : d.low[d.low.size() == 1 ? 0 : c];
    const float hi = d.high.empty() ? 1.0f : d.high[d.high.size() == 1 ? 0 : c];
    state = state * 1664525u + 1013904223u;
    x[i] = lo + (hi - lo) * static_cast<float>(state >> 8) * 0x1.0p-24f;
  }
  return x;
}

double MaxRelativeDiff(const float* a, const float* b, size_t n) {
  double max_diff = 0.0, max_abs = 0.0;
  for (size_t i = 0; i < n; ++i) {
    max_diff = std::max(max_diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    max_abs = std::max(max_abs, std::fabs(static_cast<double>(b[i])));
  }
  return max_abs > 0.0 ? max_diff / max_abs : max_diff;
}

// Builds the zoo model and loads it; the builder's copy of the weights is
// gone before anything is timed.
Status BuildModel(const Options& o, Model* model) {
  std::vector<uint8_t> bytes;
  {
    ModelBuilder builder;
    LRP_RETURN_IF_ERROR(zoo::Build(o.model, o.seed, &builder));
    LRP_RETURN_IF_ERROR(builder.Finish(&bytes));
  }
  return Model::FromBytes(std::move(bytes), model);
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      o->json = true;
    } else if (arg == "--lrp-hugepages") {
      o->lrp_hugepages = true;
    } else if (arg == "--model" && has_value) {
      o->model = argv[++i];
    } else if (arg == "--iterations" && has_value) {
      o->iterations = std::atoi(argv[++i]);
    } else if (arg == "--warmup" && has_value) {
      o->warmup = std::atoi(argv[++i]);
    } else if (arg == "--threads" && has_value) {
      o->threads = std::atoi(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      o->seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      return false;
    }
  }
  return o->iterations > 0 && o->warmup >= 0 && o->threads > 0;
}

void Usage() {
  std::fprintf(stderr,
               "usage: lrp_bench_baseline [--model NAME] [--iterations N] "
               "[--warmup N] [--threads T] [--seed S] [--json]\n"
               "                          [--lrp-hugepages]\n"
               "  times lrp::Session::Forward against the same network built "
               "from raw XNNPACK operators\n  models:");
  for (const zoo::ZooEntry& e : zoo::Entries()) {
    std::fprintf(stderr, " %s", e.name);
  }
  std::fprintf(stderr, "\n");
}

int Fail(const char* what, const Status& s) {
  std::fprintf(stderr, "lrp_bench_baseline: %s: %s\n", what,
               s.ToString().c_str());
  return 1;
}

struct Result {
  Samples lrp, raw;
  double lrp_create_ms = 0, raw_create_ms = 0;
  double max_rel_diff = 0;
  size_t arena_bytes = 0;
};

// Creates both sides, then alternates their runs.
using ArenaPtr = std::unique_ptr<void, decltype(&std::free)>;

// A caller arena of the exact size, 2 MiB aligned and marked for transparent
// huge pages (a hint: where THP is off it is ordinary memory).
Status HugePageArena(const Model& model, SessionOptions* options,
                     ArenaPtr* out) {
  ArenaReport need;
  LRP_RETURN_IF_ERROR(Session::RequiredArena(model, *options, &need));
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t bytes = (need.total + kHuge - 1) / kHuge * kHuge;
  out->reset(std::aligned_alloc(kHuge, bytes));
  if (!*out)
    return Status(StatusCode::kBackendError, "cannot allocate the arena");
  madvise(out->get(), bytes, MADV_HUGEPAGE);
  options->arena = out->get();
  options->arena_bytes = bytes;
  return Status::Ok();
}

Status Run(const Options& o, const Model& model, Result* r) {
  SessionOptions session_options;
  session_options.mode = Mode::kForward;
  session_options.threads = o.threads;
  ArenaPtr arena(nullptr, &std::free);  // outlives the Session
  if (o.lrp_hugepages) {
    LRP_RETURN_IF_ERROR(HugePageArena(model, &session_options, &arena));
  }
  std::unique_ptr<Session> session;
  const Stopwatch create;
  LRP_RETURN_IF_ERROR(Session::Create(model, session_options, &session));
  r->lrp_create_ms = create.WallMs();
  r->arena_bytes = session->arena_report().total;

  // The Session has initialized XNNPACK with lrp's allocator (which serves
  // requests made outside a Session's creation from the heap); this call is
  // then a no-op, made so the raw side stands on its own.
  if (xnn_initialize(nullptr) != xnn_status_success) {
    return Status(StatusCode::kBackendError, "xnn_initialize failed");
  }
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(
      o.threads > 1 ? pthreadpool_create(o.threads) : nullptr,
      &pthreadpool_destroy);
  RawNet raw;
  const Stopwatch raw_create;
  LRP_RETURN_IF_ERROR(raw.Build(model, pool.get()));
  r->raw_create_ms = raw_create.WallMs();

  const std::vector<float> input = MakeInput(model);
  auto run_lrp = [&](bool timed) {
    const Stopwatch watch;
    const Status s = session->Forward(input.data(), input.size());
    if (timed) watch.Record(&r->lrp);
    return s;
  };
  auto run_raw = [&](bool timed) {
    const Stopwatch watch;
    const Status s = raw.Run(input.data(), input.size());
    if (timed) watch.Record(&r->raw);
    return s;
  };
  // Which side goes first flips every iteration, so neither always inherits
  // the caches (and the pool's spinning workers) of the other.
  for (int i = 0; i < o.warmup + o.iterations; ++i) {
    const bool timed = i >= o.warmup;
    if (i % 2 == 0) {
      LRP_RETURN_IF_ERROR(run_lrp(timed));
      LRP_RETURN_IF_ERROR(run_raw(timed));
    } else {
      LRP_RETURN_IF_ERROR(run_raw(timed));
      LRP_RETURN_IF_ERROR(run_lrp(timed));
    }
  }
  if (session->output_size() != raw.output_size()) {
    return Status(StatusCode::kInternal, "the two outputs differ in size");
  }
  r->max_rel_diff =
      MaxRelativeDiff(session->output(), raw.output(), raw.output_size());
  // No xnn_deinitialize: XNNPACK's state belongs to lrp.
  return Status::Ok();
}

void Report(const Options& o, const Result& r) {
  const Stats lrp = Summarize(r.lrp.wall), raw = Summarize(r.raw.wall);
  const Stats lrp_cpu = Summarize(r.lrp.cpu), raw_cpu = Summarize(r.raw.cpu);
  const double ratio = raw.median > 0 ? lrp.median / raw.median : 0;
  const double cpu_ratio =
      raw_cpu.median > 0 ? lrp_cpu.median / raw_cpu.median : 0;
  if (o.json) {
    std::printf(
        "{\"model\": \"%s\", \"threads\": %d, \"iterations\": %d, "
        "\"lrp_median_ms\": %.3f, \"lrp_min_ms\": %.3f, "
        "\"raw_median_ms\": %.3f, \"raw_min_ms\": %.3f, \"ratio\": %.4f, "
        "\"lrp_cpu_median_ms\": %.3f, \"raw_cpu_median_ms\": %.3f, "
        "\"cpu_ratio\": %.4f, \"max_rel_diff\": %.3e, \"arena_bytes\": %zu, "
        "\"lrp_create_ms\": %.1f, \"raw_create_ms\": %.1f, "
        "\"lrp_hugepages\": %s}\n",
        o.model.c_str(), o.threads, o.iterations, lrp.median, lrp.min,
        raw.median, raw.min, ratio, lrp_cpu.median, raw_cpu.median, cpu_ratio,
        r.max_rel_diff, r.arena_bytes, r.lrp_create_ms, r.raw_create_ms,
        o.lrp_hugepages ? "true" : "false");
    return;
  }
  std::printf("model %s, threads %d, %d iterations (+%d warm-up)%s\n",
              o.model.c_str(), o.threads, o.iterations, o.warmup,
              o.lrp_hugepages ? ", lrp arena on huge pages" : "");
  std::printf("              wall median    wall min   caller CPU median\n");
  std::printf("  lrp        %9.3f ms %9.3f ms   %9.3f ms\n", lrp.median,
              lrp.min, lrp_cpu.median);
  std::printf("  raw        %9.3f ms %9.3f ms   %9.3f ms\n", raw.median,
              raw.min, raw_cpu.median);
  std::printf("  lrp / raw  %9.3f                   %9.3f\n", ratio, cpu_ratio);
  std::printf(
      "  set-up: Session::Create %.0f ms (arena %zu B), raw create + "
      "setup %.0f ms\n",
      r.lrp_create_ms, r.arena_bytes, r.raw_create_ms);
  std::printf("  max |lrp - raw| / max |raw| = %.3e\n", r.max_rel_diff);
}

int Main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) {
    Usage();
    return 2;
  }
  Model model;
  Status s = BuildModel(o, &model);
  if (!s.ok()) return Fail("model", s);
  Result result;
  s = Run(o, model, &result);
  if (!s.ok()) return Fail("run", s);
  Report(o, result);
  if (!(result.max_rel_diff <= kMaxRelativeDiff)) {
    std::fprintf(stderr, "lrp_bench_baseline: outputs differ (%.3e > %.0e)\n",
                 result.max_rel_diff, kMaxRelativeDiff);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace lrp

int main(int argc, char** argv) { return lrp::bench::Main(argc, argv); }
