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
#include "tools/cli/explain_flags.h"
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

constexpr char kUsageHead[] =
    "usage: lrp bench --model MODEL [--mode forward|explain] [--iterations N]\n"
    "                 [--warmup W] [--threads T] [--json]\n"
    "                 [--composite NAME] [--param KEY=VALUE ...]\n"
    "                 [--rule SEL=RULE[:K=V,...] ...]\n"
    "\n"
    "Creates a Session for MODEL, runs W untimed and N timed iterations on a\n"
    "fixed pseudo-random input (uniform in [0, 1)), and prints the median,\n"
    "minimum and mean time, the arena size and the peak resident memory of\n"
    "the process.\n"
    "\n"
    "--mode forward times one forward pass per iteration. --mode explain\n"
    "creates the Session in explain mode with the composite and times, in\n"
    "every iteration, a forward pass alone and then a forward pass followed\n"
    "by the relevance pass for the top1 class (interleaved, so both see the\n"
    "same machine state); it reports both and the ratio of their medians.\n"
    "\n"
    "flags:\n"
    "  --model MODEL       the .lrpm file\n"
    "  --mode MODE         forward (default) or explain\n"
    "  --iterations N      timed iterations, at least 1 (default 20)\n"
    "  --warmup W          untimed iterations first, 0 or more (default 3)\n"
    "  --threads T         worker threads (default 1)\n"
    "  --json              print one JSON object instead of text\n"
    "explain mode only:\n";

constexpr char kUsageTail[] = "                      (default composite: epsilon)\n";

constexpr FlagSpec kFlags[] = {
    {"--model", nullptr, true},
    {"--mode", nullptr, true},
    {"--iterations", nullptr, true},
    {"--warmup", nullptr, true},
    {"--threads", nullptr, true},
    {"--json", nullptr, false},
    kCompositeFlag,
    kParamFlag,
    kRuleFlag,
};

// What `--mode` can time; Iterate() is the one place that says what one
// timed iteration does.
struct BenchMode {
  const char* name;
  Mode session_mode;
};

constexpr BenchMode kModes[] = {
    {"forward", Mode::kForward},
    {"explain", Mode::kExplain},
};

constexpr char kDefaultComposite[] = "epsilon";

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// One iteration. Forward mode: forward_ms only. Explain mode: a forward
// pass alone, then forward + Explain(top1) as explain_ms; the relevance pass
// needs its own forward, so the pair is what a caller pays per explanation.
Status Iterate(const BenchMode& mode, Session* session, double* forward_ms, double* explain_ms) {
  auto start = std::chrono::steady_clock::now();
  LRP_RETURN_IF_ERROR(session->Forward());
  *forward_ms = MsSince(start);
  if (mode.session_mode != Mode::kExplain) return Status::Ok();
  start = std::chrono::steady_clock::now();
  LRP_RETURN_IF_ERROR(session->Forward());
  LRP_RETURN_IF_ERROR(session->Explain(-1, ExplainInit::kLogit));
  *explain_ms = MsSince(start);
  return Status::Ok();
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

std::string TimingText(const Timing& t) {
  return "median " + Ms(t.median_ms) + ", min " + Ms(t.min_ms) + ", mean " + Ms(t.mean_ms);
}

void TimingJson(const char* key, const Timing& t, JsonWriter* json) {
  json->Key(key);
  json->BeginObject();
  json->MemberDouble("median_ms", t.median_ms);
  json->MemberDouble("min_ms", t.min_ms);
  json->MemberDouble("mean_ms", t.mean_ms);
  json->EndObject();
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
  const bool explain = mode->session_mode == Mode::kExplain;
  Composite composite;
  if (explain) {
    s = ReadCompositeFlags(args, kDefaultComposite, &composite);
    if (!s.ok()) return UsageError(kName, s);
    bool usage = false;
    s = ReadRuleFlags(args, &composite, &usage);
    if (!s.ok()) return usage ? UsageError(kName, s) : Failure(kName, s);
  } else {
    for (const char* flag : {"--composite", "--param", "--rule"}) {
      if (args.Has(flag)) return UsageError(kName, std::string(flag) + " needs --mode explain");
    }
  }

  Model model;
  s = Model::Load(model_path, &model);
  if (!s.ok()) return Failure(kName, s);
  SessionOptions options;
  options.mode = mode->session_mode;
  options.threads = threads;
  options.composite = composite;
  std::unique_ptr<Session> session;
  s = Session::Create(model, options, &session);
  if (!s.ok()) return Failure(kName, s);
  FillInput(session->input(), session->input_size());

  double forward_ms = 0, explain_ms = 0;
  for (int64_t i = 0; i < warmup; ++i) {
    s = Iterate(*mode, session.get(), &forward_ms, &explain_ms);
    if (!s.ok()) return Failure(kName, s);
  }
  std::vector<double> forward, explain_total;
  forward.reserve(static_cast<size_t>(iterations));
  explain_total.reserve(explain ? static_cast<size_t>(iterations) : 0);
  for (int64_t i = 0; i < iterations; ++i) {
    s = Iterate(*mode, session.get(), &forward_ms, &explain_ms);
    if (!s.ok()) return Failure(kName, s);
    forward.push_back(forward_ms);
    if (explain) explain_total.push_back(explain_ms);
  }
  const Timing t = Summarize(forward);
  const Timing e = explain ? Summarize(explain_total) : Timing();
  // A forward pass too fast for the clock would make the ratio meaningless.
  const double ratio = t.median_ms > 0 ? e.median_ms / t.median_ms : 0.0;
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
    if (explain) {
      json.Member("composite", CompositeText(composite));
      TimingJson("forward", t, &json);
      TimingJson("explain_total", e, &json);
      json.MemberDouble("ratio", ratio);
    } else {
      json.MemberDouble("median_ms", t.median_ms);
      json.MemberDouble("min_ms", t.min_ms);
      json.MemberDouble("mean_ms", t.mean_ms);
    }
    json.MemberUInt("arena_bytes", arena);
    json.MemberUInt("peak_rss_bytes", rss);
    json.EndObject();
    std::fputs(json.str().c_str(), stdout);
    return kExitOk;
  }
  std::string iters = std::to_string(iterations) + " (after " + std::to_string(warmup) + " warmup)";
  std::string peak = rss == 0 ? "unavailable" : FormatBytes(rss);
  if (explain) {
    char r[32];
    std::snprintf(r, sizeof(r), "%.3g", ratio);
    PrintTable({{"model", Printable(model_path)},
                {"mode", mode->name},
                {"composite", Printable(CompositeText(composite))},
                {"threads", std::to_string(threads)},
                {"iterations", iters},
                {"forward", TimingText(t)},
                {"explain total", TimingText(e) + " (forward + relevance pass)"},
                {"ratio", std::string(r) + " (explain total / forward, medians)"},
                {"arena", FormatBytes(arena)},
                {"peak rss", peak}},
               "");
    return kExitOk;
  }
  std::printf("model       %s\n", Printable(model_path).c_str());
  std::printf("mode        %s\n", mode->name);
  std::printf("threads     %d\n", threads);
  std::printf("iterations  %s\n", iters.c_str());
  std::printf("median      %s\n", Ms(t.median_ms).c_str());
  std::printf("min         %s\n", Ms(t.min_ms).c_str());
  std::printf("mean        %s\n", Ms(t.mean_ms).c_str());
  std::printf("arena       %s\n", FormatBytes(arena).c_str());
  std::printf("peak rss    %s\n", peak.c_str());
  return kExitOk;
}

}  // namespace

const Command& BenchCommand() {
  // Built once, never destroyed; the composite flags' help is shared.
  static const std::string* usage =
      new std::string(std::string(kUsageHead) + kCompositeFlagsHelp + kUsageTail);
  static const Command command = {kName, "time forward or explain passes, report arena and memory",
                                  usage->c_str(), Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
