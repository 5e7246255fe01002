// `lrp convert`: ONNX model -> .lrpm, through tools/onnx/importer.h.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "lrp/model.h"
#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/format.h"
#include "tools/io/npy.h"
#include "tools/onnx/importer.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "convert";

constexpr char kUsage[] =
    "usage: lrp convert IN.onnx -o OUT.lrpm [--input-range LOW HIGH]\n"
    "                   [--mean M] [--std S] [--labels FILE] [--producer TEXT]\n"
    "\n"
    "Converts an ONNX model (opsets 9 to 17; float32; fixed input shape,\n"
    "batch 1) to an lrp model. BatchNormalization is folded into the Conv or\n"
    "Gemm before it, Dropout and Identity are removed, a zero Pad is merged\n"
    "into the next Conv or AveragePool, and weights are stored in lrp's\n"
    "channels-last layout. A final Softmax stays the output; explanations\n"
    "start from its input. Anything lrp cannot run exactly fails with one\n"
    "line naming the node, the operator and the reason, and no file is\n"
    "written.\n"
    "\n"
    "LOW, HIGH, M and S are one number, a comma-separated list with one\n"
    "number per input channel, or a .npy file of either.\n"
    "\n"
    "flags:\n"
    "  -o, --output OUT.lrpm     the model file to write\n"
    "  --input-range LOW HIGH    range of the raw input, before normalization\n"
    "                            (e.g. 0 1 for pixels scaled to [0, 1]); the\n"
    "                            box rules (z^B) use it\n"
    "  --mean M, --std S         the preprocessing the model was trained with,\n"
    "                            x' = (x - M) / S; image inputs get it applied\n"
    "  --labels FILE             class names, one per line, one per output\n"
    "  --producer TEXT           the producer string stored in the model\n";

constexpr FlagSpec kFlags[] = {
    {"--output", "-o", true},
    {"--input-range", nullptr, true},
    {"--mean", nullptr, true},
    {"--std", nullptr, true},
    {"--labels", nullptr, true},
    {"--producer", nullptr, true},
};

// Separates LOW from HIGH inside the single value --input-range is parsed
// into (a character no number or usable path contains).
constexpr char kRangeSeparator = '\x1f';

Status Usage(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }

// `--input-range LOW HIGH` takes two values; the flag parser takes one, so
// the pair is joined into one argument first.
Status JoinRange(std::vector<std::string> argv, std::vector<std::string>* out) {
  out->clear();
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--") {
      out->insert(out->end(), argv.begin() + i, argv.end());
      break;
    }
    if (argv[i].rfind("--input-range=", 0) == 0) {
      return Usage("--input-range: expected two values, LOW and HIGH (--input-range LOW HIGH)");
    }
    if (argv[i] != "--input-range") {
      out->push_back(argv[i]);
      continue;
    }
    if (i + 2 >= argv.size() || argv[i + 1].rfind("--", 0) == 0 || argv[i + 2].rfind("--", 0) == 0) {
      return Usage("--input-range: expected two values, LOW and HIGH");
    }
    out->push_back("--input-range");
    out->push_back(argv[i + 1] + kRangeSeparator + argv[i + 2]);
    i += 2;
  }
  return Status::Ok();
}

// One number, "a,b,c", or a .npy file of numbers.
Status ParseValues(const char* flag, const std::string& text, std::vector<float>* out) {
  out->clear();
  if (text.size() > 4 && text.compare(text.size() - 4, 4, ".npy") == 0) {
    io::NpyArray array;
    Status s = io::ReadNpy(text, &array);
    if (!s.ok()) return Status(s.code(), std::string(flag) + ": " + s.message());
    *out = array.data;
  } else {
    size_t start = 0;
    while (start <= text.size()) {
      const size_t comma = std::min(text.find(',', start), text.size());
      const std::string item = text.substr(start, comma - start);
      char* end = nullptr;
      errno = 0;
      const float v = std::strtof(item.c_str(), &end);
      if (item.empty() || end != item.c_str() + item.size() || errno == ERANGE) {
        return Usage(std::string(flag) + ": expected a number, a comma-separated list or a .npy "
                                         "file, got '" + text + "'");
      }
      out->push_back(v);
      start = comma + 1;
    }
  }
  if (out->empty()) return Usage(std::string(flag) + ": no values in '" + text + "'");
  for (float v : *out) {
    if (!std::isfinite(v)) return Usage(std::string(flag) + ": values must be finite");
  }
  return Status::Ok();
}

Status ReadLabels(const std::string& path, std::vector<std::string>* labels) {
  std::ifstream in(path);
  if (!in) return Status(StatusCode::kIoError, path + ": cannot open");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels->push_back(line);
  }
  while (!labels->empty() && labels->back().empty()) labels->pop_back();
  if (labels->empty()) return Status(StatusCode::kInvalidArgument, path + ": no labels");
  return Status::Ok();
}

Status ReadOptions(const ParsedArgs& args, onnx_import::ImportOptions* o) {
  if (args.Has("--input-range")) {
    const std::string v = args.Value("--input-range");
    const size_t sep = v.find(kRangeSeparator);
    LRP_RETURN_IF_ERROR(ParseValues("--input-range LOW", v.substr(0, sep), &o->low));
    LRP_RETURN_IF_ERROR(ParseValues("--input-range HIGH", v.substr(sep + 1), &o->high));
  }
  if (args.Has("--mean")) LRP_RETURN_IF_ERROR(ParseValues("--mean", args.Value("--mean"), &o->mean));
  if (args.Has("--std")) LRP_RETURN_IF_ERROR(ParseValues("--std", args.Value("--std"), &o->std));
  o->producer = args.Value("--producer");
  if (!o->mean.empty() && o->std.empty()) return Usage("--mean needs --std");
  for (float v : o->std) {
    if (!(v > 0)) return Usage("--std: values must be positive");
  }
  return Status::Ok();
}

// Writes next to `path` and renames, so a failure never leaves a partial
// model behind.
Status WriteAtomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status(StatusCode::kIoError, path + ": cannot create");
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status(StatusCode::kIoError, path + ": write failed");
  }
  return Status::Ok();
}

std::string ShapeText(const onnx_import::TensorMapping& m) {
  std::string s = "[";
  for (size_t i = 0; i < m.onnx_shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(m.onnx_shape[i]);
  }
  return s + "]" + (m.nchw ? " NCHW" : "");
}

int Run(const std::vector<std::string>& raw) {
  std::vector<std::string> argv;
  Status s = JoinRange(raw, &argv);
  if (!s.ok()) return UsageError(kName, s);
  ParsedArgs args;
  s = ParseArgs(argv, kFlags, &args);
  if (!s.ok()) return UsageError(kName, s);
  if (args.positional().size() != 1) {
    return UsageError(kName, args.positional().empty() ? "missing IN.onnx"
                                                       : "expected one IN.onnx, got " +
                                                             std::to_string(args.positional().size()) +
                                                             " arguments");
  }
  const std::string in = args.positional()[0];
  std::string out;
  s = args.Required("--output", &out);
  if (!s.ok()) return UsageError(kName, s);
  onnx_import::ImportOptions options;
  s = ReadOptions(args, &options);
  // Malformed values are command-line errors; an unreadable .npy is not.
  if (!s.ok()) {
    return s.code() == StatusCode::kInvalidArgument ? UsageError(kName, s) : Failure(kName, s);
  }
  if (args.Has("--labels")) {
    s = ReadLabels(args.Value("--labels"), &options.labels);
    if (!s.ok()) return Failure(kName, s);
  }

  onnx_import::ImportResult result;
  s = onnx_import::ImportFile(in, options, &result);
  if (!s.ok()) return Failure(kName, s);
  s = WriteAtomically(out, result.lrpm);
  if (!s.ok()) return Failure(kName, s);

  Model model;
  s = Model::Load(out, &model);
  if (!s.ok()) return Failure(kName, s);
  std::printf("converted %s (ONNX opset %d, %d nodes) to %s: %d layers, %zu parameters\n",
              Printable(in).c_str(), result.opset, result.onnx_nodes, Printable(out).c_str(),
              result.layers, model.parameter_count());
  std::printf("input  '%s' %s -> %s\n", result.input.name.c_str(), ShapeText(result.input).c_str(),
              model.input_shape().ToString().c_str());
  std::printf("output '%s' %s <- %s\n", result.output.name.c_str(),
              ShapeText(result.output).c_str(), model.output_shape().ToString().c_str());
  for (const std::string& note : result.notes) std::printf("  %s\n", note.c_str());
  return kExitOk;
}

}  // namespace

const Command& ConvertCommand() {
  static const Command command = {kName, "convert an ONNX model to an .lrpm file", kUsage, Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
