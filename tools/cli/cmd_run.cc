// `lrp run`: one forward pass on a .npy input.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/format.h"
#include "tools/io/npy.h"
#include "tools/io/npy_layout.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "run";
constexpr size_t kTopK = 5;

constexpr char kUsage[] =
    "usage: lrp run --model MODEL --input X.npy [--output Y.npy] [--threads N]\n"
    "\n"
    "Runs the forward pass of MODEL on the array in X.npy and writes the\n"
    "output to Y.npy. Arrays are in the model's source layout with a batch of\n"
    "1: (1, C, H, W) for a model converted from ONNX (the leading 1 may be\n"
    "left out on input), (1, C) for a vector output. float32 and float64\n"
    "arrays are accepted. When the output is a vector, the five highest\n"
    "scores are printed, with class labels if the model has them.\n"
    "\n"
    "flags:\n"
    "  --model MODEL   the .lrpm file\n"
    "  --input X.npy   the input array\n"
    "  --output Y.npy  where to write the output (optional)\n"
    "  --threads N     worker threads (default 1)\n";

constexpr FlagSpec kFlags[] = {
    {"--model", nullptr, true},
    {"--input", nullptr, true},
    {"--output", "-o", true},
    {"--threads", nullptr, true},
};

void PrintTopK(const Model& model, const float* scores, size_t count) {
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  size_t k = std::min(kTopK, count);
  // Ties go to the lower class index so the listing is reproducible.
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [scores](size_t a, size_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  const std::vector<std::string>& labels = model.labels();
  std::printf("top %zu of %zu:\n", k, count);
  for (size_t r = 0; r < k; ++r) {
    size_t c = order[r];
    std::string line = "  " + std::to_string(r + 1) + ". " +
                       PadRight("class " + std::to_string(c), 12) +
                       PadRight(FormatFloat(scores[c]), 14);
    if (c < labels.size()) line += Printable(labels[c]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

int Run(const std::vector<std::string>& argv) {
  ParsedArgs args;
  Status s = ParseArgs(argv, kFlags, &args);
  if (!s.ok()) return UsageError(kName, s);
  if (!args.positional().empty()) {
    return UsageError(kName, "unexpected argument '" + args.positional()[0] + "'");
  }
  std::string model_path, input_path;
  int threads = 1;
  for (Status check : {args.Required("--model", &model_path), args.Required("--input", &input_path),
                       ThreadsFlag(args, &threads)}) {
    if (!check.ok()) return UsageError(kName, check);
  }
  std::string output_path = args.Value("--output");
  if (args.Has("--output") && output_path.empty()) {
    return UsageError(kName, "--output: expected a value, got ''");
  }

  Model model;
  s = Model::Load(model_path, &model);
  if (!s.ok()) return Failure(kName, s);

  io::NpyArray input;
  s = io::ReadNpy(input_path, &input);
  if (!s.ok()) return Failure(kName, s);
  std::vector<float> nhwc;
  s = io::ToRuntimeLayout(input, model, &nhwc);
  if (!s.ok()) return Failure(kName, Status(s.code(), input_path + ": " + s.message()));

  SessionOptions options;
  options.threads = threads;
  std::unique_ptr<Session> session;
  s = Session::Create(model, options, &session);
  if (!s.ok()) return Failure(kName, s);
  s = session->Forward(nhwc.data(), nhwc.size());
  if (!s.ok()) return Failure(kName, s);

  const Shape& out_shape = model.output_shape();
  io::NpyArray output;
  io::FromRuntimeLayout(session->output(), out_shape, model.input_desc().source_layout, &output);
  if (!output_path.empty()) {
    s = io::WriteNpy(output_path, output.shape, output.data.data());
    if (!s.ok()) return Failure(kName, s);
    std::printf("output %s written to %s\n", io::NpyShapeString(output.shape).c_str(),
                Printable(output_path).c_str());
  } else {
    std::printf("output %s\n", io::NpyShapeString(output.shape).c_str());
  }
  if (out_shape.rank == 1) PrintTopK(model, session->output(), session->output_size());
  return kExitOk;
}

}  // namespace

const Command& RunCommand() {
  static const Command command = {kName, "run the forward pass on a .npy input", kUsage, Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
