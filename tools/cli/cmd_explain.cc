// `lrp explain`: one forward pass and one relevance pass on a .npy or image
// input; writes the input relevance (.npy), a heatmap and/or an overlay
// (.png).
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
#include "tools/io/preprocess.h"
#include "tools/render/heatmap.h"
#include "tools/render/overlay.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "explain";

constexpr char kUsageHead[] =
    "usage: lrp explain --model MODEL --input X.npy|IMAGE --composite NAME\n"
    "                   [--param KEY=VALUE ...] [--rule SEL=RULE[:K=V,...] ...]\n"
    "                   [--target K|top1] [--init logit|one] [--threads N] [--top K]\n"
    "                   [--relevance R.npy] [--heatmap H.png] [--overlay O.png]\n"
    "                   [--cmap NAME] [--scale N] [--keep-relevance] [--json]\n"
    "\n"
    "Runs MODEL on the array in X.npy or on an image and explains one output\n"
    "with Layer-wise Relevance Propagation: relevance starts at the target\n"
    "logit (the input of a final softmax) and is propagated back to the input\n"
    "by the rules of the composite. Writes the input relevance to R.npy (the\n"
    "input's shape and layout, e.g. (1, C, H, W) for a model converted from\n"
    "ONNX), a heatmap to H.png (channels summed, symmetric colour scale, zero\n"
    "in the middle of the colour map) and/or an overlay to O.png (the heatmap\n"
    "blended over the input picture in gray with opacity 0.85 |2t - 1|, t the\n"
    "heatmap's normalized value: zero relevance shows the picture); at least\n"
    "one of the three is required.\n"
    "\n"
    "An image input (PNG, JPEG, BMP, GIF, PSD, HDR, PIC, binary PGM/PPM, or\n"
    "*.tga) is converted to the model's channels (gray <-> RGB, alpha\n"
    "dropped), resized to its input size, scaled to [0, 1] and normalized\n"
    "with the mean/std the model stores, (x / 255 - mean) / std.\n"
    "\n"
    "Prints the highest scores (--top K, default 5), the explained target and its logit, the\n"
    "composite, the relevance summed over the input and, in execution order,\n"
    "each layer's rule and the relevance summed over its output (the\n"
    "conservation report: with bias-free layers and small epsilon every sum\n"
    "equals the seed). With rlrp it also shows each layer's factor lambda\n"
    "(relevance given / received), the power-of-two exponent e it applied,\n"
    "E (stored relevance = 2^E x unscaled) and a residual block's branch\n"
    "scalar.\n"
    "\n"
    "flags:\n"
    "  --model MODEL       the .lrpm file\n"
    "  --input FILE        the input: a .npy array (float32 or float64,\n"
    "                      finite) or an image file\n";

constexpr char kUsageTail[] =
    "  --target K|top1     the class to explain (default top1: the highest\n"
    "                      logit)\n"
    "  --top K             how many of the highest scores to print (default 5)\n"
    "  --init logit|one    the relevance put on the target: its logit\n"
    "                      (default) or 1; the result scales by the logit\n"
    "  --threads N         worker threads (default 1)\n"
    "  --relevance R.npy   where to write the input relevance\n"
    "  --heatmap H.png     where to write the heatmap (models with an image\n"
    "                      input [H, W, C])\n"
    "  --overlay O.png     where to write the heatmap over the picture (image\n"
    "                      files as --input only)\n"
    "  --cmap NAME         heatmap and overlay colours: bwr (default),\n"
    "                      coldnhot, seismic, gray, wred, wblue, hot, cold,\n"
    "                      france\n"
    "  --scale N           output pixels per input pixel, 1 to 64 (default:\n"
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
    {"--top", nullptr, true},
    {"--init", nullptr, true},
    {"--threads", nullptr, true},
    {"--relevance", nullptr, true},
    {"--heatmap", nullptr, true},
    {"--overlay", nullptr, true},
    {"--cmap", nullptr, true},
    {"--scale", nullptr, true},
    {"--keep-relevance", nullptr, false},
    {"--json", nullptr, false},
};

// The command line, validated as far as it can be without the model.
struct Request {
  std::string model_path, input_path, relevance_path, heatmap_path, overlay_path;
  Composite composite;
  int target = -1;  // -1: top1
  ExplainInit init = ExplainInit::kLogit;
  int threads = 1;
  int64_t top = 0;
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
  LRP_RETURN_IF_ERROR(args.Int("--top", 1, kMaxTopK, static_cast<int64_t>(kTopK), &req->top));
  LRP_RETURN_IF_ERROR(Optional(args, "--relevance", &req->relevance_path));
  LRP_RETURN_IF_ERROR(Optional(args, "--heatmap", &req->heatmap_path));
  LRP_RETURN_IF_ERROR(Optional(args, "--overlay", &req->overlay_path));
  if (req->relevance_path.empty() && req->heatmap_path.empty() && req->overlay_path.empty()) {
    return Usage(
        "nothing to write: give --relevance R.npy, --heatmap H.png and/or --overlay O.png");
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

  // The rendering flags only mean something with a picture to render.
  for (const char* flag : {"--cmap", "--scale"}) {
    if (args.Has(flag) && req->heatmap_path.empty() && req->overlay_path.empty()) {
      return Usage(std::string(flag) + " needs --heatmap or --overlay");
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

// The input (array or image) in the runtime layout; every value finite (for
// an array the message names the element in the file's own order, which the
// user can look up).
Status ReadInput(const std::string& path, const Model& model, io::ModelInput* input) {
  LRP_RETURN_IF_ERROR(io::ReadModelInput(path, model, input));
  const std::vector<float>& values = input->is_image ? input->nhwc : input->array.data;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return Status(StatusCode::kInvalidArgument, path + ": element " + std::to_string(i) + " is " +
                                                      FormatFloat(values[i]) +
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

// Renders the heatmap once and writes it and/or the overlay built on it.
Status WritePictures(const Request& req, const Session& session, const io::ModelInput& input,
                     ExplainReport* report) {
  const Shape& shape = session.model().input_shape();
  const size_t h = shape.dims[0], w = shape.dims[1], c = shape.dims[2];
  const std::vector<double> map = render::SumChannels(session.relevance(), h, w, c);
  render::RgbImage image;
  LRP_RETURN_IF_ERROR(render::RenderHeatmap(map, h, w, req.heatmap, &image));
  report->heatmap_width = image.width;
  report->heatmap_height = image.height;
  report->heatmap_scale = static_cast<int>(image.width / w);
  report->cmap = req.heatmap.cmap;
  if (!req.heatmap_path.empty()) {
    LRP_RETURN_IF_ERROR(render::WritePng(req.heatmap_path, image));
    report->heatmap_path = req.heatmap_path;
  }
  if (!req.overlay_path.empty()) {
    render::RgbImage overlay;
    LRP_RETURN_IF_ERROR(render::RenderOverlay(input.fitted, map, image, &overlay));
    LRP_RETURN_IF_ERROR(render::WritePng(req.overlay_path, overlay));
    report->overlay_path = req.overlay_path;
  }
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
  io::ModelInput input;
  s = ReadInput(req.input_path, model, &input);
  if (!s.ok()) return Failure(kName, s);
  // Only an image file gives a picture to draw on.
  if (!req.overlay_path.empty() && !input.is_image) {
    return Failure(kName, Status(StatusCode::kInvalidArgument,
                                 "--overlay needs an image file as --input (PNG, JPEG, ...); " +
                                     req.input_path + " is a .npy array"));
  }

  SessionOptions options;
  options.mode = Mode::kExplain;
  options.threads = req.threads;
  options.composite = req.composite;
  options.keep_relevance = req.keep_relevance;
  std::unique_ptr<Session> session;
  s = Session::Create(model, options, &session);
  if (!s.ok()) return Failure(kName, s);
  s = session->Forward(input.nhwc.data(), input.nhwc.size());
  if (s.ok()) s = session->Explain(req.target, req.init);
  if (s.ok()) s = CheckRelevance(*session);
  if (!s.ok()) return Failure(kName, s);

  ExplainReport report;
  report.model_path = req.model_path;
  report.input_path = req.input_path;
  if (input.is_image) {
    report.input_shape = io::SourceShape(model.input_shape(), model.input_desc().source_layout);
    report.input_image = true;
    report.image_width = input.image_width;
    report.image_height = input.image_height;
    report.image_channels = input.image_channels;
  } else {
    report.input_shape = input.array.shape;
  }
  report.composite = req.composite;
  report.rule_flags = args.Values("--rule");
  report.init = req.init;
  report.top1 = req.target < 0;
  report.threads = req.threads;
  report.top_k = static_cast<size_t>(req.top);
  if (!req.relevance_path.empty()) {
    io::NpyArray relevance;
    io::FromRuntimeLayout(session->relevance(), model.input_shape(),
                          model.input_desc().source_layout, &relevance);
    s = io::WriteNpy(req.relevance_path, relevance.shape, relevance.data.data());
    if (!s.ok()) return Failure(kName, s);
    report.relevance_path = req.relevance_path;
    report.relevance_shape = relevance.shape;
  }
  if (!req.heatmap_path.empty() || !req.overlay_path.empty()) {
    s = WritePictures(req, *session, input, &report);
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
  static const Command command = {
      kName, "explain a prediction: relevance .npy, heatmap and overlay .png", usage->c_str(), Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
