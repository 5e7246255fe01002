#include "tools/cli/explain_report.h"

#include <cmath>
#include <cstdio>

#include "tools/cli/explain_flags.h"
#include "tools/cli/format.h"
#include "tools/cli/json_writer.h"
#include "tools/cli/param_sink.h"
#include "tools/cli/top_k.h"
#include "tools/io/npy.h"

namespace lrp {
namespace cli {
namespace {

// The numbers both forms print, gathered once.
struct Facts {
  uint32_t logits = 0;
  int target = 0;
  float logit = 0;
  double input_sum = 0;
  std::string label;  // empty without labels
};

Facts Gather(const Session& session) {
  const Model& model = session.model();
  Facts f;
  f.logits = session.logits_tensor();
  f.target = session.explained_target();
  f.logit = session.tensor(f.logits)[f.target];
  f.input_sum = session.relevance_sums()[model.input()];
  if (static_cast<size_t>(f.target) < model.labels().size()) f.label = model.labels()[f.target];
  return f;
}

// The relevance placed on the target.
float Seed(const ExplainReport& report, const Facts& f) {
  return report.init == ExplainInit::kLogit ? f.logit : 1.0f;
}

const char* InitName(ExplainInit init) { return init == ExplainInit::kLogit ? "logit" : "one"; }

// max |R| over a tensor, when the Session kept it and the pass reached it.
bool MaxAbs(const Session& session, uint32_t tensor, double* out) {
  const double* sums = session.relevance_sums();
  const float* r = session.tensor_relevance(tensor);
  if (r == nullptr || std::isnan(sums[tensor])) return false;
  const size_t n = session.model().tensors()[tensor].shape.elements();
  // The maximum in float (exact, as each |r[i]| is): a widening fmax
  // reduction crashes GCC 12's aarch64 vectorizer at -O3 (ICE in
  // vect_transform_reduction), which Debian bookworm ships.
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::fmax(m, std::fabs(r[i]));
  *out = m;
  return true;
}

// "56x56 RGB image -> (1, 1, 28, 28)" for an image input, the shape
// otherwise.
std::string InputText(const ExplainReport& report) {
  const std::string shape = io::NpyShapeString(report.input_shape);
  if (!report.input_image) return shape;
  static const char* const kChannels[] = {"", "gray", "gray+alpha", "RGB", "RGBA"};
  const int c = report.image_channels;
  return std::to_string(report.image_width) + "x" + std::to_string(report.image_height) + " " +
         (c >= 1 && c <= 4 ? kChannels[c] : "?") + " image -> " + shape;
}

// "224x224 (scale 8, cmap bwr)": how the heatmap and overlay were drawn.
std::string PictureText(const ExplainReport& report) {
  return std::to_string(report.heatmap_width) + "x" + std::to_string(report.heatmap_height) +
         " (scale " + std::to_string(report.heatmap_scale) + ", cmap " +
         render::ColormapName(report.cmap) + ")";
}

// "-" for tensors the relevance pass did not reach (sum NaN).
std::string Sum(double s) { return std::isnan(s) ? "-" : FormatDouble(s); }

// Whether any layer uses R-LRP: then the report shows each layer's factor
// lambda and power-of-two exponent (RULES.md section 5).
bool UsesRelative(const Session& session) {
  for (const Rule& r : session.rules()) {
    if (r.kind == RuleKind::kRelative) return true;
  }
  return false;
}

}  // namespace

void PrintExplainText(const ExplainReport& report, const Session& session) {
  const Model& model = session.model();
  const Facts f = Gather(session);
  const bool keep = session.options().keep_relevance;
  constexpr size_t kKeyWidth = 12;

  PrintTable(
      {{"model", Printable(report.model_path)},
       {"input", Printable(report.input_path) + " " + InputText(report)}},
      "", kKeyWidth);
  if (model.output_shape().rank == 1) {
    PrintTopK(model, session.output(), session.output_size(), report.top_k);
  }
  std::string target = "class " + std::to_string(f.target);
  if (!f.label.empty()) target += " '" + Printable(f.label) + "'";
  target += report.top1 ? " (top1)" : "";
  target += ", logit " + FormatFloat(f.logit);
  std::vector<std::vector<std::string>> head = {
      {"composite", Printable(CompositeText(report.composite))},
  };
  for (const std::string& r : report.rule_flags) head.push_back({"  rule", Printable(r)});
  head.push_back({"target", target});
  head.push_back({"init", std::string(InitName(report.init)) + ": relevance " +
                              FormatFloat(Seed(report, f)) + " at '" +
                              Printable(model.tensors()[f.logits].name) + "'[" +
                              std::to_string(f.target) + "]"});
  head.push_back({"relevance", "sum over the input " + FormatDouble(f.input_sum)});
  if (!report.relevance_path.empty()) {
    head.push_back({"  written", Printable(report.relevance_path) + " " +
                                     io::NpyShapeString(report.relevance_shape)});
  }
  if (!report.heatmap_path.empty()) {
    head.push_back({"heatmap", Printable(report.heatmap_path) + " " + PictureText(report)});
  }
  if (!report.overlay_path.empty()) {
    head.push_back({"overlay", Printable(report.overlay_path) + " " + PictureText(report)});
  }
  head.push_back({"arena", FormatBytes(session.arena_report().total) +
                               (keep ? " (every tensor's relevance kept)" : "")});
  PrintTable(head, "", kKeyWidth);

  // The conservation report: what each layer's output received, input
  // first, then the layers in execution order.
  std::printf("relevance sum per tensor (input, then each layer's output):\n");
  const double* sums = session.relevance_sums();
  const bool relative = UsesRelative(session);
  const LayerConservation* cons = session.layer_conservation();
  std::vector<std::vector<std::string>> rows = {{"#", "layer", "kind", "rule", "sum"}};
  if (keep) rows[0].push_back("max |R|");
  if (relative) {
    // lambda: the layer's factor (given / received); e: received x 2^e;
    // E: stored = 2^E x unscaled for the layer's output.
    for (const char* h : {"lambda", "e", "E", "branch"}) rows[0].push_back(h);
  }
  auto add_max = [&](uint32_t tensor, std::vector<std::string>* row) {
    double m = 0;
    if (keep) row->push_back(MaxAbs(session, tensor, &m) ? FormatDouble(m) : "-");
  };
  std::vector<std::string> input_row = {"-", Printable(model.tensors()[model.input()].name),
                                        "input", "-", Sum(sums[model.input()])};
  add_max(model.input(), &input_row);
  if (relative) {
    input_row.insert(input_row.end(),
                     {"-", "-", std::to_string(session.relevance_exponent(model.input())), "-"});
  }
  rows.push_back(input_row);
  for (size_t i = 0; i < model.layers().size(); ++i) {
    const LayerDesc& layer = model.layers()[i];
    std::vector<std::string> row = {std::to_string(i), Printable(layer.name),
                                    LayerKindName(layer.kind), RuleText(session.rules()[i]),
                                    Sum(sums[layer.output])};
    add_max(layer.output, &row);
    if (relative) {
      const bool reached = !std::isnan(sums[layer.output]);
      row.push_back(Sum(cons[i].factor));
      row.push_back(reached ? std::to_string(cons[i].exponent) : "-");
      row.push_back(reached ? std::to_string(session.relevance_exponent(layer.output)) : "-");
      row.push_back(Sum(cons[i].branch_scale));
    }
    rows.push_back(row);
  }
  PrintTable(rows, "  ");
  if (relative) {
    std::printf(
        "R-LRP: relevance is relative; each layer conserves up to its factor lambda, and the\n"
        "stored values are 2^E times the unscaled ones (input E = %d)\n",
        session.relevance_exponent(model.input()));
  }
}

void PrintExplainJson(const ExplainReport& report, const Session& session) {
  const Model& model = session.model();
  const Facts f = Gather(session);
  const bool keep = session.options().keep_relevance;
  JsonWriter json;
  json.BeginObject();
  json.Member("model", report.model_path);
  json.Member("input", report.input_path);
  json.MemberInts("input_shape", report.input_shape);
  json.Key("input_image");
  if (!report.input_image) {
    json.Null();
  } else {
    json.BeginObject();
    json.MemberInt("width", report.image_width);
    json.MemberInt("height", report.image_height);
    json.MemberInt("channels", report.image_channels);
    json.EndObject();
  }
  json.MemberInt("threads", report.threads);

  json.Key("composite");
  json.BeginObject();
  json.Member("name", report.composite.name);
  json.Key("params");
  json.BeginArray();
  for (const auto& kv : report.composite.params) json.String(kv.first + "=" + kv.second);
  json.EndArray();
  json.Key("rules");
  json.BeginArray();
  for (const std::string& r : report.rule_flags) json.String(r);
  json.EndArray();
  json.EndObject();

  if (model.output_shape().rank == 1) {
    json.Key("top");
    json.BeginArray();
    for (size_t c : TopK(session.output(), session.output_size(), report.top_k)) {
      json.BeginObject();
      json.MemberUInt("class", c);
      json.MemberDouble("score", session.output()[c]);
      if (c < model.labels().size()) json.Member("label", model.labels()[c]);
      json.EndObject();
    }
    json.EndArray();
  }

  json.MemberInt("target", f.target);
  json.Member("target_selection", report.top1 ? "top1" : "given");
  if (!f.label.empty()) json.Member("target_label", f.label);
  json.MemberDouble("logit", f.logit);
  json.Member("logits_tensor", model.tensors()[f.logits].name);
  json.Member("init", InitName(report.init));
  json.MemberDouble("seed", Seed(report, f));
  json.MemberDouble("input_relevance_sum", f.input_sum);
  json.MemberInt("input_relevance_exponent", session.relevance_exponent(model.input()));

  json.Key("relevance_file");
  if (report.relevance_path.empty()) {
    json.Null();
  } else {
    json.BeginObject();
    json.Member("path", report.relevance_path);
    json.MemberInts("shape", report.relevance_shape);
    json.EndObject();
  }
  json.Key("heatmap");
  if (report.heatmap_path.empty()) {
    json.Null();
  } else {
    json.BeginObject();
    json.Member("path", report.heatmap_path);
    json.MemberUInt("width", report.heatmap_width);
    json.MemberUInt("height", report.heatmap_height);
    json.MemberInt("scale", report.heatmap_scale);
    json.Member("cmap", render::ColormapName(report.cmap));
    json.EndObject();
  }
  json.Key("overlay");
  if (report.overlay_path.empty()) {
    json.Null();
  } else {
    json.BeginObject();
    json.Member("path", report.overlay_path);
    json.MemberUInt("width", report.heatmap_width);
    json.MemberUInt("height", report.heatmap_height);
    json.MemberInt("scale", report.heatmap_scale);
    json.Member("cmap", render::ColormapName(report.cmap));
    json.EndObject();
  }
  json.MemberUInt("arena_bytes", session.arena_report().total);
  json.Key("keep_relevance");
  json.Bool(keep);

  // Conservation report, in execution order; null sums were not reached.
  const double* sums = session.relevance_sums();
  json.Key("layers");
  json.BeginArray();
  for (size_t i = 0; i < model.layers().size(); ++i) {
    const LayerDesc& layer = model.layers()[i];
    const Rule& rule = session.rules()[i];
    json.BeginObject();
    json.MemberUInt("index", i);
    json.Member("name", layer.name);
    json.Member("kind", LayerKindName(layer.kind));
    json.Member("output", model.tensors()[layer.output].name);
    json.Member("rule", RuleKindName(rule.kind));
    json.Key("rule_params");
    json.BeginObject();
    JsonParamSink sink(&json);
    DescribeRule(rule, &sink);
    json.EndObject();
    json.MemberDouble("relevance_sum", sums[layer.output]);
    const LayerConservation& c = session.layer_conservation()[i];
    json.MemberDouble("factor", c.factor);  // null where not measured
    json.MemberInt("exponent", c.exponent);
    json.MemberInt("relevance_exponent", session.relevance_exponent(layer.output));
    json.MemberDouble("branch_scale", c.branch_scale);
    double m = 0;
    if (keep && MaxAbs(session, layer.output, &m)) json.MemberDouble("max_abs_relevance", m);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  std::fputs(json.str().c_str(), stdout);
}

}  // namespace cli
}  // namespace lrp
