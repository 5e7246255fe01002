// `lrp info`: what a model file holds and how much memory it will need.
#include <cstdio>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/explain_flags.h"
#include "tools/cli/format.h"
#include "tools/cli/json_writer.h"
#include "tools/cli/layer_params_printer.h"
#include "tools/io/npy.h"
#include "tools/io/npy_layout.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "info";

constexpr char kUsageHead[] =
    "usage: lrp info MODEL [--json] [--threads N]\n"
    "                [--composite NAME] [--param KEY=VALUE ...]\n"
    "                [--rule SEL=RULE[:K=V,...] ...]\n"
    "\n"
    "Prints what the .lrpm file MODEL holds: format version, producer, input\n"
    "shape and source layout (with value bounds and preprocessing if\n"
    "recorded), every layer with its output shape, parameter count and\n"
    "hyper-parameters, the output shape, the number of labels, and the exact\n"
    "arena a Session needs in forward and in explain mode. The explain-mode\n"
    "arena depends on the rules (which weight copies and buffers they need),\n"
    "so it is computed for a composite: epsilon unless --composite is given.\n"
    "\n"
    "flags:\n"
    "  --json              print one JSON object instead of text\n"
    "  --threads N         size the arena for N worker threads (default 1)\n";

constexpr FlagSpec kFlags[] = {
    {"--json", nullptr, false}, {"--threads", nullptr, true}, kCompositeFlag, kParamFlag, kRuleFlag,
};

constexpr char kDefaultComposite[] = "epsilon";

// The arena a Session would need in one mode, or why it cannot be planned.
struct ArenaResult {
  Mode mode;
  Status status;
  ArenaReport report;
  std::string composite;  // explain mode: the rules it was planned for
};

std::vector<int64_t> Dims(const Shape& shape) {
  return std::vector<int64_t>(shape.dims, shape.dims + shape.rank);
}

// Indices are safe: Model::Load verified every one of them.
const std::string& TensorName(const Model& model, uint32_t index) {
  return model.tensors()[index].name;
}

void PrintText(const std::string& path, const Model& model, int threads,
               const std::vector<ArenaResult>& arenas) {
  const InputDesc& in = model.input_desc();
  SourceLayout layout = in.source_layout;
  std::vector<std::vector<std::string>> head = {
      {"model", Printable(path)},
      {"format version", std::to_string(model.format_version())},
      {"producer", model.producer().empty() ? "(none)" : Printable(model.producer())},
      {"input", "'" + Printable(TensorName(model, model.input())) + "' " +
                    model.input_shape().ToString() + ", source layout " + io::LayoutName(layout) +
                    " " + io::NpyShapeString(io::SourceShape(model.input_shape(), layout))},
  };
  if (!in.low.empty()) head.push_back({"  low", FormatFloats(in.low)});
  if (!in.high.empty()) head.push_back({"  high", FormatFloats(in.high)});
  if (!in.mean.empty()) head.push_back({"  mean", FormatFloats(in.mean)});
  if (!in.std.empty()) head.push_back({"  std", FormatFloats(in.std)});
  head.push_back({"layers", std::to_string(model.layers().size())});
  // The lines before and after the layer table share one key column.
  constexpr size_t kKeyWidth = 14;
  PrintTable(head, "", kKeyWidth);

  std::vector<std::vector<std::string>> rows = {
      {"#", "name", "kind", "output", "parameters", "details"}};
  for (size_t i = 0; i < model.layers().size(); ++i) {
    const LayerDesc& layer = model.layers()[i];
    TextParamSink sink;
    DescribeLayerParams(layer, &sink);
    std::string details = sink.text();
    if (layer.inputs.size() > 1) {
      std::string names;
      for (uint32_t t : layer.inputs) {
        names += names.empty() ? "" : ",";
        names += Printable(TensorName(model, t));
      }
      details += (details.empty() ? "" : " ") + std::string("inputs=") + names;
    }
    const Shape& out_shape = model.tensors()[layer.output].shape;
    rows.push_back({std::to_string(i), Printable(layer.name), LayerKindName(layer.kind),
                    out_shape.ToString(), std::to_string(layer.parameters()), details});
  }
  PrintTable(rows, "  ");

  std::vector<std::vector<std::string>> tail = {
      {"parameters", std::to_string(model.parameter_count())},
      {"output", "'" + Printable(TensorName(model, model.output())) + "' " +
                     model.output_shape().ToString() + ", written as " +
                     io::NpyShapeString(io::SourceShape(model.output_shape(), layout))},
      {"labels", std::to_string(model.labels().size())},
  };
  PrintTable(tail, "", kKeyWidth);
  // One column per mode, one row per ArenaReport field.
  std::vector<std::vector<std::string>> arena = {
      {"arena (threads " + std::to_string(threads) + ")"},
      {"  total"},
      {"  activations"},
      {"  relevance"},
      {"  operators"},
      {"  activation_bytes_unplanned"}};
  std::vector<std::string> errors;
  for (const ArenaResult& a : arenas) {
    arena[0].push_back(ModeName(a.mode));
    const ArenaReport& r = a.report;
    size_t values[] = {r.total, r.activations, r.relevance, r.operators,
                       r.activation_bytes_unplanned};
    for (size_t row = 1; row < arena.size(); ++row) {
      arena[row].push_back(a.status.ok() ? FormatBytes(values[row - 1]) : "-");
    }
    if (!a.status.ok()) {
      errors.push_back(std::string("  ") + ModeName(a.mode) +
                       " unavailable: " + Printable(a.status.ToString()));
    }
  }
  PrintTable(arena, "");
  for (const ArenaResult& a : arenas) {
    if (!a.composite.empty()) {
      std::printf("  %s mode with composite %s\n", ModeName(a.mode),
                  Printable(a.composite).c_str());
    }
  }
  for (const std::string& e : errors) std::printf("%s\n", e.c_str());
}

void PrintJson(const std::string& path, const Model& model, int threads,
               const std::vector<ArenaResult>& arenas) {
  const InputDesc& in = model.input_desc();
  SourceLayout layout = in.source_layout;
  JsonWriter json;
  json.BeginObject();
  json.Member("model", path);
  json.MemberUInt("format_version", model.format_version());
  json.Member("producer", model.producer());

  json.Key("input");
  json.BeginObject();
  json.Member("name", TensorName(model, model.input()));
  json.MemberInts("shape", Dims(model.input_shape()));
  json.Member("source_layout", io::LayoutName(layout));
  json.MemberInts("source_shape", io::SourceShape(model.input_shape(), layout));
  json.MemberFloats("low", in.low);
  json.MemberFloats("high", in.high);
  json.MemberFloats("mean", in.mean);
  json.MemberFloats("std", in.std);
  json.EndObject();

  json.Key("layers");
  json.BeginArray();
  for (size_t i = 0; i < model.layers().size(); ++i) {
    const LayerDesc& layer = model.layers()[i];
    json.BeginObject();
    json.MemberUInt("index", i);
    json.Member("name", layer.name);
    json.Member("kind", LayerKindName(layer.kind));
    json.Key("inputs");
    json.BeginArray();
    for (uint32_t t : layer.inputs) json.String(TensorName(model, t));
    json.EndArray();
    json.Member("output", TensorName(model, layer.output));
    const Shape& out_shape = model.tensors()[layer.output].shape;
    json.MemberInts("output_shape", Dims(out_shape));
    json.MemberUInt("parameters", layer.parameters());
    json.Key("params");
    json.BeginObject();
    JsonParamSink sink(&json);
    DescribeLayerParams(layer, &sink);
    json.EndObject();
    json.EndObject();
  }
  json.EndArray();
  json.MemberUInt("parameters", model.parameter_count());

  json.Key("output");
  json.BeginObject();
  json.Member("name", TensorName(model, model.output()));
  json.MemberInts("shape", Dims(model.output_shape()));
  json.MemberInts("source_shape", io::SourceShape(model.output_shape(), layout));
  json.EndObject();
  json.MemberUInt("labels", model.labels().size());

  json.Key("arena");
  json.BeginObject();
  json.MemberInt("threads", threads);
  for (const ArenaResult& a : arenas) {
    json.Key(ModeName(a.mode));
    json.BeginObject();
    if (!a.composite.empty()) json.Member("composite", a.composite);
    if (!a.status.ok()) {
      json.Member("error", a.status.ToString());
    } else {
      json.MemberUInt("total", a.report.total);
      json.MemberUInt("activations", a.report.activations);
      json.MemberUInt("relevance", a.report.relevance);
      json.MemberUInt("operators", a.report.operators);
      json.MemberUInt("activation_bytes_unplanned", a.report.activation_bytes_unplanned);
    }
    json.EndObject();
  }
  json.EndObject();
  json.EndObject();
  std::fputs(json.str().c_str(), stdout);
}

int Run(const std::vector<std::string>& argv) {
  ParsedArgs args;
  Status s = ParseArgs(argv, kFlags, &args);
  if (!s.ok()) return UsageError(kName, s);
  if (args.positional().size() != 1) {
    return UsageError(kName, args.positional().empty()
                                 ? "missing MODEL"
                                 : "expected one MODEL, got " +
                                       std::to_string(args.positional().size()) + " arguments");
  }
  int threads = 1;
  s = ThreadsFlag(args, &threads);
  if (!s.ok()) return UsageError(kName, s);
  Composite composite;
  s = ReadCompositeFlags(args, kDefaultComposite, &composite);
  if (!s.ok()) return UsageError(kName, s);
  bool usage = false;
  s = ReadRuleFlags(args, &composite, &usage);
  if (!s.ok()) return usage ? UsageError(kName, s) : Failure(kName, s);

  const std::string& path = args.positional()[0];
  Model model;
  s = Model::Load(path, &model);
  if (!s.ok()) return Failure(kName, s);

  std::vector<ArenaResult> arenas;
  for (Mode mode : {Mode::kForward, Mode::kExplain}) {
    SessionOptions options;
    options.mode = mode;
    options.threads = threads;
    ArenaResult result{mode, Status(), ArenaReport(), ""};
    if (mode == Mode::kExplain) {
      options.composite = composite;
      result.composite = CompositeText(composite);
      for (const std::string& r : args.Values("--rule")) result.composite += " --rule " + r;
    }
    result.status = Session::RequiredArena(model, options, &result.report);
    arenas.push_back(result);
  }

  if (args.Has("--json")) {
    PrintJson(path, model, threads, arenas);
  } else {
    PrintText(path, model, threads, arenas);
  }
  std::fflush(stdout);
  // A mode this build cannot run yet is information; anything else means
  // the model cannot be used and the exit code has to say so.
  for (const ArenaResult& a : arenas) {
    if (!a.status.ok() && a.status.code() != StatusCode::kUnsupported) {
      return Failure(kName, a.status);
    }
  }
  return kExitOk;
}

}  // namespace

const Command& InfoCommand() {
  // Built once, never destroyed; the composite flags' help is shared.
  static const std::string* usage = new std::string(std::string(kUsageHead) + kCompositeFlagsHelp);
  static const Command command = {kName, "describe a model: layers, shapes, arena size",
                                  usage->c_str(), Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
