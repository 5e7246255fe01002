#include "tools/cli/param_sink.h"

#include "tools/cli/format.h"

namespace lrp {
namespace cli {

void TextParamSink::Int(const char* key, int64_t value, bool is_default) {
  Add(key, std::to_string(value), is_default);
}

void TextParamSink::Float(const char* key, float value, bool is_default) {
  Add(key, FormatFloat(value), is_default);
}

void TextParamSink::Ints(const char* key, const std::vector<int64_t>& values, bool is_default) {
  // Two values are a window (3x3); four are the padding (t,l,b,r).
  const char* sep = values.size() == 2 ? "x" : ",";
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += sep;
    text += std::to_string(values[i]);
  }
  Add(key, text, is_default);
}

void TextParamSink::Floats(const char* key, const std::vector<float>& values, bool is_default) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += FormatFloat(values[i]);
  }
  Add(key, text, is_default);
}

void TextParamSink::Bool(const char* key, bool value, bool is_default) {
  Add(key, value ? "yes" : "no", is_default);
}

void TextParamSink::String(const char* key, const std::string& value, bool is_default) {
  Add(key, value, is_default);
}

void TextParamSink::Add(const char* key, const std::string& value, bool is_default) {
  if (is_default) return;
  if (!text_.empty()) text_ += ' ';
  text_ += key;
  text_ += '=';
  text_ += value;
}

}  // namespace cli
}  // namespace lrp
