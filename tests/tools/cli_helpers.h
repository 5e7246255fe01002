// Helpers for end-to-end tests of the `lrp` binary: run it as a user
// would (through the shell, output captured to files) and check exit code,
// stdout and stderr. Needs the LRP_CLI and LRP_TEST_TMPDIR definitions that
// tests/CMakeLists.txt gives every test.
#ifndef LRP_TESTS_TOOLS_CLI_HELPERS_H_
#define LRP_TESTS_TOOLS_CLI_HELPERS_H_

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "lrp/status.h"
#include "tools/io/npy.h"

namespace lrp {
namespace cli_test {

struct CliResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out, err;
};

inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Files are named after the running test, so tests (and test binaries)
// can run in parallel.
inline std::string Tmp(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(LRP_TEST_TMPDIR) + "/" + info->test_suite_name() + "_" + info->name() + "_" +
         name;
}

inline CliResult Lrp(const std::string& args) {
  std::string out = Tmp("stdout.txt"), err = Tmp("stderr.txt");
  std::string command =
      Quote(LRP_CLI) + " " + args + " >" + Quote(out) + " 2>" + Quote(err) + " </dev/null";
  int status = std::system(command.c_str());
  CliResult r;
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

// A failing command prints exactly one line, "lrp <command>: ...".
inline void ExpectOneLineError(const CliResult& r, int exit_code, const std::string& prefix,
                               const std::string& needle) {
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.back(), '\n') << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line:\n" << r.err;
  EXPECT_EQ(r.err.rfind(prefix, 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "'" << needle << "' not in: " << r.err;
}

// Every number that follows "key": in a JSON document, in order (NaN for
// null).
inline std::vector<double> JsonNumbers(const std::string& json, const std::string& key) {
  std::vector<double> out;
  const std::string needle = "\"" + key + "\": ";
  for (size_t at = json.find(needle); at != std::string::npos; at = json.find(needle, at + 1)) {
    const char* p = json.c_str() + at + needle.size();
    if (std::string(p, 4) == "null") {
      out.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    char* end = nullptr;
    out.push_back(std::strtod(p, &end));
    EXPECT_NE(end, p) << "no number after " << needle;
  }
  return out;
}

inline std::string MakeSmallCnn(const std::string& name = "model.lrpm") {
  std::string path = Tmp(name);
  CliResult r = Lrp("zoo small-cnn -o " + Quote(path));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

inline std::string WriteInput(const std::vector<int64_t>& shape,
                              const std::string& name = "x.npy") {
  std::vector<float> data(static_cast<size_t>(io::NpyElementCount(shape)));
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 17) / 16.0f;
  std::string path = Tmp(name);
  Status s = io::WriteNpy(path, shape, data.data());
  EXPECT_TRUE(s.ok()) << s.ToString();
  return path;
}

// Minimal RFC 8259 syntax check, enough to know `--json` output parses.
class JsonChecker {
 public:
  explicit JsonChecker(const std::string& s) : s_(s) {}
  bool Valid() {
    Space();
    if (!Value()) return false;
    Space();
    return i_ == s_.size();
  }

 private:
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  bool Lit(const char* w) {
    std::string word(w);
    if (s_.compare(i_, word.size(), word) != 0) return false;
    i_ += word.size();
    return true;
  }
  bool String() {
    if (!Lit("\"")) return false;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (static_cast<unsigned char>(s_[i_]) < 0x20) return false;
      if (s_[i_] == '\\') ++i_;
      ++i_;
    }
    return Lit("\"");
  }
  bool Number() {
    size_t start = i_;
    while (i_ < s_.size() && std::string("+-0123456789.eE").find(s_[i_]) != std::string::npos) ++i_;
    return i_ > start;
  }
  bool Value() {
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') return Container('}', true);
    if (c == '[') return Container(']', false);
    if (c == '"') return String();
    if (Lit("true") || Lit("false") || Lit("null")) return true;
    return Number();
  }
  bool Container(char close, bool object) {
    ++i_;
    Space();
    if (i_ < s_.size() && s_[i_] == close) return ++i_, true;
    for (;;) {
      Space();
      if (object) {
        if (!String()) return false;
        Space();
        if (!Lit(":")) return false;
        Space();
      }
      if (!Value()) return false;
      Space();
      if (Lit(",")) continue;
      return Lit(std::string(1, close).c_str());
    }
  }
  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace cli_test
}  // namespace lrp

#endif  // LRP_TESTS_TOOLS_CLI_HELPERS_H_
