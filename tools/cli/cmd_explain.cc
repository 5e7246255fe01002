// `lrp explain`: one forward pass and one relevance pass on a .npy input;
// writes the input relevance (.npy) and/or a heatmap (.png).
#include <climits>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/session.h"
#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/explain_flags.h"
#include "tools/cli/explain_report.h"
#include "tools/cli/format.h"
#include "tools/io/npy.h"
#include "tools/io/npy_layout.h"
#include "tools/render/heatmap.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "explain";

constexpr char kUsageHead[] =
    "usage: lrp explain --model MODEL --input X.npy --composite NAME\n"
    "                   [--param KEY=VALUE ...] [--rule SEL=RULE[:K=V,...] ...]\n"
    "                   [--target K|top1] [--init logit|one] [--threads N]\n"
    "                   [--relevance R.npy] [--heatmap H.png]\n"
    "                   [--cmap NAME] [--scale N] [--keep-relevance] [--json]\n"
    "\n"
    "Runs MODEL on the array in X.npy and explains one output with Layer-wise\n"
    "Relevance Propagation: relevance starts at the target logit (the input of\n"
    "a final softmax) and is propagated back to the input by the rules of the\n"
    "composite. Writes the input relevance to R.npy (the input's shape and\n"
    "layout, e.g. (1, C, H, W) for a model converted from ONNX) and/or a\n"
    "heatmap to H.png (channels summed, symmetric colour scale, zero in the\n"
    "middle of the colour map); at least one of the two is required.\n"
    "\n"
    "Prints the five highest scores, the explained target and its logit, the\n"
    "composite, the relevance summed over the input and, in execution order,\n"
    "each layer's rule and the relevance summed over its output (the\n"
    "conservation report: with bias-free layers and small epsilon every sum\n"
    "equals the seed).\n"
    "\n"
    "flags:\n"
    "  --model MODEL       the .lrpm file\n"
    "  --input X.npy       the input array (float32 or float64, finite)\n";

constexpr char kUsageTail[] =
    "  --target K|top1     the class to explain (default top1: the highest\n"
    "                      logit)\n"
    "  --init logit|one    the relevance put on the target: its logit\n"
    "                      (default) or 1; the result scales by the logit\n"
    "  --threads N         worker threads (default 1)\n"
    "  --relevance R.npy   where to write the input relevance\n"
    "  --heatmap H.png     where to write the heatmap (image inputs only)\n"
    "  --cmap NAME         heatmap colours: bwr (default), coldnhot, seismic,\n"
    "                      gray, wred, wblue, hot, cold, france\n"
    "  --scale N           heatmap pixels per input pixel, 1 to 64 (default:\n"
    "                      the smallest N giving at least 224 pixels on the\n"
    "                      long side)\n"
    "  --keep-relevance    keep every tensor's relevance (more arena) and\n"
    "                      report each one's max |R|\n"
    "  --json              print one JSON object instead of text\n";

constexpr FlagSpec kFlags[] = {
    {"--model", nullptr, true},
    {"--input", nullptr, true},
    kCompositeFlag,
    kParamFlag,
    kRuleFlag,
    {"--target", nullptr, true},
    {"--init", nullptr, true},
    {"--threads", nullptr, true},
    {"--relevance", nullptr, true},
    {"--heatmap", nullptr, true},
    {"--cmap", nullptr, true},
    {"--scale", nullptr, true},
    {"--keep-relevance", nullptr, false},
    {"--json", nullptr, false},
};

// The command line, validated as far as it can be without the model.
struct Request {
  std::string model_path, input_path, relevance_path, heatmap_path;
  Composite composite;
  int target = -1;  // -1: top1
  ExplainInit init = ExplainInit::kLogit;
  int threads = 1;
  render::HeatmapOptions heatmap;
  bool keep_relevance = false;
  bool json = false;
};

Status Usage(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }

// An optional flag that, when given, must not be empty.
Status Optional(const ParsedArgs& args, const char* flag, std::string* value) {
  *value = args.Value(flag);
  if (args.Has(flag) && value->empty()) {
    return Usage(std::string(flag) + ": expected a value, got ''");
  }
  return Status::Ok();
}

Status ParseRequest(const ParsedArgs& args, Request* req) {
  if (!args.positional().empty()) {
    return Usage("unexpected argument '" + args.positional()[0] + "'");
  }
  LRP_RETURN_IF_ERROR(args.Required("--model", &req->model_path));
  LRP_RETURN_IF_ERROR(args.Required("--input", &req->input_path));
  std::string composite;
  LRP_RETURN_IF_ERROR(args.Required("--composite", &composite));
  LRP_RETURN_IF_ERROR(ReadCompositeFlags(args, composite, &req->composite));
  LRP_RETURN_IF_ERROR(ThreadsFlag(args, &req->threads));
  LRP_RETURN_IF_ERROR(Optional(args, "--relevance", &req->relevance_path));
  LRP_RETURN_IF_ERROR(Optional(args, "--heatmap", &req->heatmap_path));
  if (req->relevance_path.empty() && req->heatmap_path.empty()) {
    return Usage("nothing to write: give --relevance R.npy and/or --heatmap H.png");
  }

  const std::string target = args.Value("--target", "top1");
  if (target != "top1") {
    int64_t k = 0;
    if (!args.Int("--target", 0, INT_MAX, 0, &k).ok()) {
      return Usage("--target: expected a class index or top1, got '" + target + "'");
    }
    req->target = static_cast<int>(k);
  }
  const std::string init = args.Value("--init", "logit");
  if (init == "one") {
    req->init = ExplainInit::kOne;
  } else if (init != "logit") {
    return Usage("--init: expected logit or one, got '" + init + "'");
  }

  // The rendering flags only mean something with a heatmap to render.
  for (const char* flag : {"--cmap", "--scale"}) {
    if (args.Has(flag) && req->heatmap_path.empty()) {
      return Usage(std::string(flag) + " needs --heatmap");
    }
  }
  const std::string cmap = args.Value("--cmap", "bwr");
  if (!render::ParseColormap(cmap, &req->heatmap.cmap)) {
    return Usage("--cmap: expected one of " + render::ColormapList() + ", got '" + cmap + "'");
  }
  int64_t scale = 0;
  LRP_RETURN_IF_ERROR(args.Int("--scale", 1, render::kMaxScale, 0, &scale));
  req->heatmap.scale = static_cast<int>(scale);
  req->keep_relevance = args.Has("--keep-relevance");
  req->json = args.Has("--json");
  return Status::Ok();
}

// The input array in the runtime layout; every value finite (the message
// names the element in the file's own order, which the user can look up).
Status ReadInput(const std::string& path, const Model& model, io::NpyArray* array,
                 std::vector<float>* nhwc) {
  LRP_RETURN_IF_ERROR(io::ReadNpy(path, array));
  Status s = io::ToRuntimeLayout(*array, model, nhwc);
  if (!s.ok()) return Status(s.code(), path + ": " + s.message());
  for (size_t i = 0; i < array->data.size(); ++i) {
    if (!std::isfinite(array->data[i])) {
      return Status(StatusCode::kInvalidArgument, path + ": element " + std::to_string(i) + " is " +
                                                      FormatFloat(array->data[i]) +
                                                      "; the input must be finite");
    }
  }
  return Status::Ok();
}

// Checks the input relevance after Explain(): non-finite values mean the
// rules broke down on this input, and no file or picture should carry them.
Status CheckRelevance(const Session& session) {
  const float* r = session.relevance();
  size_t bad = 0;
  for (size_t i = 0; i < session.input_size(); ++i) bad += std::isfinite(r[i]) ? 0 : 1;
  if (bad == 0) return Status::Ok();
  return Status(StatusCode::kInternal, std::to_string(bad) + " of " +
                                           std::to_string(session.input_size()) +
                                           " input relevance values are NaN or infinite");
}

Status WriteHeatmap(const Request& req, const Session& session, ExplainReport* report) {
  const Shape& shape = session.model().input_shape();
  const size_t h = shape.dims[0], w = shape.dims[1], c = shape.dims[2];
  render::RgbImage image;
  LRP_RETURN_IF_ERROR(render::RenderHeatmap(render::SumChannels(session.relevance(), h, w, c), h, w,
                                            req.heatmap, &image));
  LRP_RETURN_IF_ERROR(render::WritePng(req.heatmap_path, image));
  report->heatmap_path = req.heatmap_path;
  report->heatmap_width = image.width;
  report->heatmap_height = image.height;
  report->heatmap_scale = static_cast<int>(image.width / w);
  report->cmap = req.heatmap.cmap;
  return Status::Ok();
}

int Run(const std::vector<std::string>& argv) {
  ParsedArgs args;
  Status s = ParseArgs(argv, kFlags, &args);
  if (!s.ok()) return UsageError(kName, s);
  Request req;
  s = ParseRequest(args, &req);
  if (!s.ok()) return UsageError(kName, s);
  bool usage = false;
  s = ReadRuleFlags(args, &req.composite, &usage);
  if (!s.ok()) return usage ? UsageError(kName, s) : Failure(kName, s);

  Model model;
  s = Model::Load(req.model_path, &model);
  if (!s.ok()) return Failure(kName, s);
  if (!req.heatmap_path.empty() && model.input_shape().rank != 3) {
    return Failure(kName,
                   Status(StatusCode::kInvalidArgument,
                          "--heatmap needs an image input [H, W, C]; this model's input is " +
                              model.input_shape().ToString()));
  }
  io::NpyArray input;
  std::vector<float> nhwc;
  s = ReadInput(req.input_path, model, &input, &nhwc);
  if (!s.ok()) return Failure(kName, s);

  SessionOptions options;
  options.mode = Mode::kExplain;
  options.threads = req.threads;
  options.composite = req.composite;
  options.keep_relevance = req.keep_relevance;
  std::unique_ptr<Session> session;
  s = Session::Create(model, options, &session);
  if (!s.ok()) return Failure(kName, s);
  s = session->Forward(nhwc.data(), nhwc.size());
  if (s.ok()) s = session->Explain(req.target, req.init);
  if (s.ok()) s = CheckRelevance(*session);
  if (!s.ok()) return Failure(kName, s);

  ExplainReport report;
  report.model_path = req.model_path;
  report.input_path = req.input_path;
  report.input_shape = input.shape;
  report.composite = req.composite;
  report.rule_flags = args.Values("--rule");
  report.init = req.init;
  report.top1 = req.target < 0;
  report.threads = req.threads;
  if (!req.relevance_path.empty()) {
    io::NpyArray relevance;
    io::FromRuntimeLayout(session->relevance(), model.input_shape(),
                          model.input_desc().source_layout, &relevance);
    s = io::WriteNpy(req.relevance_path, relevance.shape, relevance.data.data());
    if (!s.ok()) return Failure(kName, s);
    report.relevance_path = req.relevance_path;
    report.relevance_shape = relevance.shape;
  }
  if (!req.heatmap_path.empty()) {
    s = WriteHeatmap(req, *session, &report);
    if (!s.ok()) return Failure(kName, s);
  }
  if (req.json) {
    PrintExplainJson(report, *session);
  } else {
    PrintExplainText(report, *session);
  }
  return kExitOk;
}

}  // namespace

const Command& ExplainCommand() {
  // Built once, never destroyed; the composite flags' help is shared.
  static const std::string* usage =
      new std::string(std::string(kUsageHead) + kCompositeFlagsHelp + kUsageTail);
  static const Command command = {kName, "explain a prediction: relevance .npy and heatmap .png",
                                  usage->c_str(), Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
