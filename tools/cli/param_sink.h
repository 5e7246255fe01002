// Named parameters (of a layer, of a rule) printed as text or JSON.
//
// A describer walks its parameters once and feeds a sink, so the text form
// and the JSON form cannot drift apart. Values equal to their default are
// flagged: the text form leaves them out, JSON lists everything.
#ifndef LRP_TOOLS_CLI_PARAM_SINK_H_
#define LRP_TOOLS_CLI_PARAM_SINK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/cli/json_writer.h"

namespace lrp {
namespace cli {

class ParamSink {
 public:
  virtual ~ParamSink() = default;
  virtual void Int(const char* key, int64_t value, bool is_default) = 0;
  virtual void Float(const char* key, float value, bool is_default) = 0;
  virtual void Ints(const char* key, const std::vector<int64_t>& values, bool is_default) = 0;
  virtual void Floats(const char* key, const std::vector<float>& values, bool is_default) = 0;
  virtual void Bool(const char* key, bool value, bool is_default) = 0;
  virtual void String(const char* key, const std::string& value, bool is_default) = 0;
};

// Collects non-default parameters as space-separated "key=value" words.
// Two ints are a window ("3x3"), other lists are comma-separated.
class TextParamSink : public ParamSink {
 public:
  void Int(const char* key, int64_t value, bool is_default) override;
  void Float(const char* key, float value, bool is_default) override;
  void Ints(const char* key, const std::vector<int64_t>& values, bool is_default) override;
  void Floats(const char* key, const std::vector<float>& values, bool is_default) override;
  void Bool(const char* key, bool value, bool is_default) override;
  void String(const char* key, const std::string& value, bool is_default) override;
  const std::string& text() const { return text_; }

 private:
  void Add(const char* key, const std::string& value, bool is_default);
  std::string text_;
};

// Writes every parameter as a member of the JSON object the caller opened.
class JsonParamSink : public ParamSink {
 public:
  explicit JsonParamSink(JsonWriter* json) : json_(json) {}
  void Int(const char* key, int64_t value, bool) override { json_->MemberInt(key, value); }
  void Float(const char* key, float value, bool) override { json_->MemberDouble(key, value); }
  void Ints(const char* key, const std::vector<int64_t>& values, bool) override {
    json_->MemberInts(key, values);
  }
  void Floats(const char* key, const std::vector<float>& values, bool) override {
    json_->MemberFloats(key, values);
  }
  void Bool(const char* key, bool value, bool) override {
    json_->Key(key);
    json_->Bool(value);
  }
  void String(const char* key, const std::string& value, bool) override {
    json_->Member(key, value);
  }

 private:
  JsonWriter* json_;
};

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_PARAM_SINK_H_
