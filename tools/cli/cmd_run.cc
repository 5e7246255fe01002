// `lrp run`: one forward pass on a .npy or image input.
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
#include "tools/io/preprocess.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "run";

constexpr char kUsage[] =
    "usage: lrp run --model MODEL --input X.npy|IMAGE [--output Y.npy]\n"
    "               [--threads N] [--top K]\n"
    "\n"
    "Runs the forward pass of MODEL on the array in X.npy or on an image and\n"
    "writes the output to Y.npy. Arrays are in the model's source layout with\n"
    "a batch of 1: (1, C, H, W) for a model converted from ONNX (the leading\n"
    "1 may be left out on input), (1, C) for a vector output. float32 and\n"
    "float64 arrays are accepted. An image (PNG, JPEG, BMP, GIF, PSD, HDR,\n"
    "PIC, binary PGM/PPM, or *.tga) is converted to the model's channels,\n"
    "resized to its input size, scaled to [0, 1] and normalized with the\n"
    "mean/std the model stores. When the output is a vector, the highest\n"
    "scores are printed, with class labels if the model has them.\n"
    "\n"
    "flags:\n"
    "  --model MODEL   the .lrpm file\n"
    "  --input FILE    the input: a .npy array or an image file\n"
    "  --output Y.npy  where to write the output (optional)\n"
    "  --threads N     worker threads (default 1)\n"
    "  --top K         how many of the highest scores to print (default 5)\n";

constexpr FlagSpec kFlags[] = {
    {"--model", nullptr, true},
    {"--input", nullptr, true},
    {"--output", "-o", true},
    {"--threads", nullptr, true},
    {"--top", nullptr, true},
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
  int64_t top = 0;
  for (Status check : {args.Required("--model", &model_path), args.Required("--input", &input_path),
                       ThreadsFlag(args, &threads),
                       args.Int("--top", 1, kMaxTopK, static_cast<int64_t>(kTopK), &top)}) {
    if (!check.ok()) return UsageError(kName, check);
  }
  std::string output_path = args.Value("--output");
  if (args.Has("--output") && output_path.empty()) {
    return UsageError(kName, "--output: expected a value, got ''");
  }

  Model model;
  s = Model::Load(model_path, &model);
  if (!s.ok()) return Failure(kName, s);

  io::ModelInput input;
  s = io::ReadModelInput(input_path, model, &input);
  if (!s.ok()) return Failure(kName, s);

  SessionOptions options;
  options.threads = threads;
  std::unique_ptr<Session> session;
  s = Session::Create(model, options, &session);
  if (!s.ok()) return Failure(kName, s);
  s = session->Forward(input.nhwc.data(), input.nhwc.size());
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
  if (out_shape.rank == 1) PrintTopK(model, session->output(), session->output_size(), static_cast<size_t>(top));
  return kExitOk;
}

}  // namespace

const Command& RunCommand() {
  static const Command command = {kName, "run the forward pass on a .npy or image input", kUsage,
                                  Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
