// `lrp bench`: time a Session on a deterministic input.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/format.h"
#include "tools/cli/json_writer.h"
#include "tools/cli/peak_rss.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "bench";
constexpr int64_t kDefaultIterations = 20;
constexpr int64_t kDefaultWarmup = 3;
constexpr int64_t kMaxIterations = 1000000;

constexpr char kUsage[] =
    "usage: lrp bench --model MODEL [--mode forward] [--iterations N]\n"
    "                 [--warmup W] [--threads T] [--json]\n"
    "\n"
    "Creates a Session for MODEL, runs W untimed and N timed passes on a\n"
    "fixed pseudo-random input (uniform in [0, 1)), and prints the median,\n"
    "minimum and mean time per pass, the arena size and the peak resident\n"
    "memory of the process.\n"
    "\n"
    "flags:\n"
    "  --model MODEL     the .lrpm file\n"
    "  --mode MODE       what to time: forward (default); explain is not\n"
    "                    available yet\n"
    "  --iterations N    timed passes, at least 1 (default 20)\n"
    "  --warmup W        untimed passes first, 0 or more (default 3)\n"
    "  --threads T       worker threads (default 1)\n"
    "  --json            print one JSON object instead of text\n";

constexpr FlagSpec kFlags[] = {
    {"--model", nullptr, true},  {"--mode", nullptr, true},    {"--iterations", nullptr, true},
    {"--warmup", nullptr, true}, {"--threads", nullptr, true}, {"--json", nullptr, false},
};

// What `--mode` can time. A mode becomes available once the Session can run
// it; Step() is the one place that says what one timed pass does.
struct BenchMode {
  const char* name;
  Mode session_mode;
  bool available;
};

constexpr BenchMode kModes[] = {
    {"forward", Mode::kForward, true},
    {"explain", Mode::kExplain, false},
};

Status Step(const BenchMode& mode, Session* session) {
  switch (mode.session_mode) {
    case Mode::kForward:
      return session->Forward();
    case Mode::kExplain:
      break;
  }
  return Status(StatusCode::kUnsupported,
                std::string("--mode ") + mode.name + " is not available yet");
}

// Uniform in [0, 1) from a fixed 64-bit LCG (Knuth's MMIX constants): the
// same input on every platform and run, without <random>'s
// implementation-defined distributions.
void FillInput(float* x, size_t n) {
  uint64_t state = 0x9e3779b97f4a7c15u;
  for (size_t i = 0; i < n; ++i) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    x[i] = static_cast<float>(state >> 40) * (1.0f / 16777216.0f);
  }
}

struct Timing {
  double median_ms = 0, min_ms = 0, mean_ms = 0;
};

Timing Summarize(std::vector<double> ms) {
  Timing t;
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  t.median_ms = n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  t.min_ms = ms.front();
  double sum = 0;
  for (double v : ms) sum += v;
  t.mean_ms = sum / static_cast<double>(n);
  return t;
}

std::string Ms(double ms) {
  char buf[32];
  // Four significant digits for small models (0.01189 ms), whole
  // milliseconds rather than an exponent for slow ones.
  std::snprintf(buf, sizeof(buf), ms >= 1000 ? "%.0f ms" : "%.4g ms", ms);
  return buf;
}

int Run(const std::vector<std::string>& argv) {
  ParsedArgs args;
  Status s = ParseArgs(argv, kFlags, &args);
  if (!s.ok()) return UsageError(kName, s);
  if (!args.positional().empty()) {
    return UsageError(kName, "unexpected argument '" + args.positional()[0] + "'");
  }
  std::string model_path;
  int64_t iterations = 0, warmup = 0;
  int threads = 1;
  for (Status check : {args.Required("--model", &model_path),
                       args.Int("--iterations", 1, kMaxIterations, kDefaultIterations, &iterations),
                       args.Int("--warmup", 0, kMaxIterations, kDefaultWarmup, &warmup),
                       ThreadsFlag(args, &threads)}) {
    if (!check.ok()) return UsageError(kName, check);
  }
  std::string mode_name = args.Value("--mode", "forward");
  const BenchMode* mode = nullptr;
  for (const BenchMode& m : kModes) {
    if (mode_name == m.name) mode = &m;
  }
  if (mode == nullptr) {
    return UsageError(kName, "--mode: expected forward or explain, got '" + mode_name + "'");
  }
  if (!mode->available) {
    return UsageError(kName,
                      "--mode " + mode_name + " is not available yet (only forward can be timed)");
  }

  Model model;
  s = Model::Load(model_path, &model);
  if (!s.ok()) return Failure(kName, s);
  SessionOptions options;
  options.mode = mode->session_mode;
  options.threads = threads;
  std::unique_ptr<Session> session;
  s = Session::Create(model, options, &session);
  if (!s.ok()) return Failure(kName, s);
  FillInput(session->input(), session->input_size());

  for (int64_t i = 0; i < warmup; ++i) {
    s = Step(*mode, session.get());
    if (!s.ok()) return Failure(kName, s);
  }
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(iterations));
  for (int64_t i = 0; i < iterations; ++i) {
    auto start = std::chrono::steady_clock::now();
    s = Step(*mode, session.get());
    auto end = std::chrono::steady_clock::now();
    if (!s.ok()) return Failure(kName, s);
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  Timing t = Summarize(ms);
  size_t arena = session->arena_report().total;
  size_t rss = PeakRssBytes();

  if (args.Has("--json")) {
    JsonWriter json;
    json.BeginObject();
    json.Member("model", model_path);
    json.Member("mode", mode->name);
    json.MemberInt("threads", threads);
    json.MemberInt("iterations", iterations);
    json.MemberInt("warmup", warmup);
    json.MemberDouble("median_ms", t.median_ms);
    json.MemberDouble("min_ms", t.min_ms);
    json.MemberDouble("mean_ms", t.mean_ms);
    json.MemberUInt("arena_bytes", arena);
    json.MemberUInt("peak_rss_bytes", rss);
    json.EndObject();
    std::fputs(json.str().c_str(), stdout);
    return kExitOk;
  }
  std::printf("model       %s\n", Printable(model_path).c_str());
  std::printf("mode        %s\n", mode->name);
  std::printf("threads     %d\n", threads);
  std::printf("iterations  %lld (after %lld warmup)\n", static_cast<long long>(iterations),
              static_cast<long long>(warmup));
  std::printf("median      %s\n", Ms(t.median_ms).c_str());
  std::printf("min         %s\n", Ms(t.min_ms).c_str());
  std::printf("mean        %s\n", Ms(t.mean_ms).c_str());
  std::printf("arena       %s\n", FormatBytes(arena).c_str());
  std::printf("peak rss    %s\n", rss == 0 ? "unavailable" : FormatBytes(rss).c_str());
  return kExitOk;
}

}  // namespace

const Command& BenchCommand() {
  static const Command command = {kName, "time the forward pass, report arena and peak memory",
                                  kUsage, Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
