#include "tools/demo/status_json.h"

#include "tools/cli/json_writer.h"

namespace lrp {
namespace demo {
namespace {

std::string Label(const DemoInfo& info, int index) {
  if (index >= 0 && static_cast<size_t>(index) < info.labels.size()) return info.labels[index];
  return std::to_string(index);
}

void Size(cli::JsonWriter* json, const char* key, int width, int height) {
  json->Key(key);
  json->BeginObject();
  json->MemberInt("width", width);
  json->MemberInt("height", height);
  json->EndObject();
}

}  // namespace

std::string StatusJson(const DemoInfo& info, bool ready, const FrameStatus& status) {
  cli::JsonWriter json;
  json.BeginObject();
  json.Key("ready");
  json.Bool(ready);
  json.Member("model", info.model);
  json.Member("source", info.source);
  json.MemberInt("threads", info.threads);
  json.Key("composites");
  json.BeginArray();
  for (const std::string& name : info.composites) json.String(name);
  json.EndArray();
  Size(&json, "view", info.view_width, info.view_height);
  if (ready) {
    const int c = status.composite;
    json.Member("composite", c >= 0 && static_cast<size_t>(c) < info.composites.size()
                                 ? info.composites[c]
                                 : std::string());
    json.MemberUInt("frame", status.frame);
    json.MemberUInt("source_sequence", status.source_sequence);
    json.MemberUInt("dropped", status.dropped);
    Size(&json, "source_size", status.source_width, status.source_height);
    json.MemberInt("target", status.target);
    json.Member("target_label", Label(info, status.target));
    json.Key("top");
    json.BeginArray();
    for (int i = 0; i < status.top_count; ++i) {
      json.BeginObject();
      json.MemberInt("index", status.top_index[i]);
      json.Member("label", Label(info, status.top_index[i]));
      json.MemberDouble("score", status.top_score[i]);
      json.EndObject();
    }
    json.EndArray();
    json.Key("relevance_finite");
    json.Bool(status.relevance_finite);
    json.MemberDouble("fps", status.fps);
    json.Key("timings_ms");
    json.BeginObject();
    json.MemberDouble("fit", status.fit_ms);
    json.MemberDouble("forward", status.forward_ms);
    json.MemberDouble("explain", status.explain_ms);
    json.MemberDouble("render", status.render_ms);
    json.MemberDouble("encode", status.encode_ms);
    json.MemberDouble("total", status.total_ms);
    json.EndObject();
  }
  json.EndObject();
  return json.str();
}

}  // namespace demo
}  // namespace lrp
