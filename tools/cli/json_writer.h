// A small streaming JSON writer for `--json` output.
//
// Objects put one member per line, indented; arrays of scalars stay on one
// line, arrays of objects or arrays put one element per line. Strings are
// escaped per RFC 8259 and invalid UTF-8 (model names are untrusted bytes)
// becomes U+FFFD, so the output always parses. Non-finite floats, which
// JSON cannot represent, are written as null. The caller is responsible
// for balanced Begin/End calls and for a Key before each object member.
#ifndef LRP_TOOLS_CLI_JSON_WRITER_H_
#define LRP_TOOLS_CLI_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace lrp {
namespace cli {

class JsonWriter {
 public:
  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(const std::string& key);

  void String(const std::string& value);
  void Int(int64_t value);
  void UInt(uint64_t value);
  void Double(double value);
  void Bool(bool value);
  void Null();

  // Convenience: Key() followed by the value.
  void Member(const std::string& key, const std::string& value) {
    Key(key);
    String(value);
  }
  void Member(const std::string& key, const char* value) {
    Key(key);
    String(value);
  }
  void MemberInt(const std::string& key, int64_t value) {
    Key(key);
    Int(value);
  }
  void MemberUInt(const std::string& key, uint64_t value) {
    Key(key);
    UInt(value);
  }
  void MemberDouble(const std::string& key, double value) {
    Key(key);
    Double(value);
  }
  void MemberFloats(const std::string& key, const std::vector<float>& values);
  void MemberInts(const std::string& key, const std::vector<int64_t>& values);

  // The document so far, with a trailing newline once the top level closed.
  const std::string& str() const { return out_; }

  // `s` as a quoted JSON string.
  static std::string Quote(const std::string& s);

 private:
  struct Level {
    bool is_object;
    bool empty = true;
    bool multiline = false;
  };
  // Emits the separator and line break that precede a value or key.
  void Separate(bool is_container);
  void Close(char bracket);
  void Newline(size_t depth);

  std::vector<Level> stack_;
  std::string out_;
  bool after_key_ = false;
};

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_JSON_WRITER_H_
