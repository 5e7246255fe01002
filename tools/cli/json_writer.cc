#include "tools/cli/json_writer.h"

#include <cmath>
#include <cstdio>

#include "tools/cli/format.h"

namespace lrp {
namespace cli {

std::string JsonWriter::Quote(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (len > 1) {
      out.append(s, i, len);
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
    i += len;
  }
  return out + "\"";
}

void JsonWriter::Newline(size_t depth) {
  out_ += '\n';
  out_.append(2 * depth, ' ');
}

void JsonWriter::Separate(bool is_container) {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  Level& level = stack_.back();
  if (!level.empty) out_ += ',';
  if (level.is_object || is_container) {
    level.multiline = true;
    Newline(stack_.size());
  } else if (!level.empty) {
    out_ += ' ';
  }
  level.empty = false;
}

void JsonWriter::Close(char bracket) {
  bool multiline = stack_.back().multiline;
  stack_.pop_back();
  if (multiline) Newline(stack_.size());
  out_ += bracket;
  if (stack_.empty()) out_ += '\n';
}

void JsonWriter::BeginObject() {
  Separate(true);
  stack_.push_back(Level{true});
  out_ += '{';
}

void JsonWriter::EndObject() { Close('}'); }

void JsonWriter::BeginArray() {
  Separate(true);
  stack_.push_back(Level{false});
  out_ += '[';
}

void JsonWriter::EndArray() { Close(']'); }

void JsonWriter::Key(const std::string& key) {
  Separate(false);
  out_ += Quote(key);
  out_ += ": ";
  after_key_ = true;
}

void JsonWriter::String(const std::string& value) {
  Separate(false);
  out_ += Quote(value);
}

void JsonWriter::Int(int64_t value) {
  Separate(false);
  out_ += std::to_string(value);
}

void JsonWriter::UInt(uint64_t value) {
  Separate(false);
  out_ += std::to_string(value);
}

void JsonWriter::Double(double value) {
  Separate(false);
  if (!std::isfinite(value)) {
    out_ += "null";
    return;
  }
  // %.9g round-trips a float; integral values print without a fraction.
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.9g", value);
  out_ += buf;
}

void JsonWriter::Bool(bool value) {
  Separate(false);
  out_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  Separate(false);
  out_ += "null";
}

void JsonWriter::MemberFloats(const std::string& key, const std::vector<float>& values) {
  Key(key);
  BeginArray();
  for (float v : values) Double(v);
  EndArray();
}

void JsonWriter::MemberInts(const std::string& key, const std::vector<int64_t>& values) {
  Key(key);
  BeginArray();
  for (int64_t v : values) Int(v);
  EndArray();
}

}  // namespace cli
}  // namespace lrp
