// `lrp run`: one forward pass on a .npy input.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/format.h"
#include "tools/cli/top_k.h"
#include "tools/io/npy.h"
#include "tools/io/npy_layout.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "run";

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
