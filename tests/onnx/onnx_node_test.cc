// ONNX's backend node tests, one CTest case each, run through the importer
// and the runtime (tests/onnx/node_test_runner.h).
//
// A case fails on a mismatch, on an error, on a rejection without a one-line
// reason, and whenever its pass/no-pass differs from
// tests/onnx/node_tests_expected_pass.txt: the list README.md reports must
// stay what actually passes, in both directions.
#include <gtest/gtest.h>

#include <fstream>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "tests/onnx/node_test_runner.h"

namespace lrp {
namespace onnx_node {

// gtest prints outcomes by name (found by argument-dependent lookup).
void PrintTo(Outcome outcome, std::ostream* os) { *os << OutcomeName(outcome); }

namespace {

const char kInstallHint[] =
    "ONNX's node test data is missing; run tools/scripts/install_deps.sh "
    "(Debian package libonnx-testdata)";

struct Scan {
  Status status;
  std::vector<NodeTestInfo> tests;
};

const Scan& ScanOnce() {
  static const Scan scan = [] {
    Scan s;
    s.status = ScanNodeTests(DefaultNodeTestRoot(), &s.tests);
    return s;
  }();
  return scan;
}

std::vector<std::string> TestNames() {
  std::vector<std::string> names;
  for (const NodeTestInfo& t : ScanOnce().tests) names.push_back(t.name);
  return names;
}

const char kExpectedPassFile[] = LRP_SOURCE_DIR "/tests/onnx/node_tests_expected_pass.txt";

// The list file: one test name per line; '#' starts a comment.
std::set<std::string> ExpectedPass() {
  std::set<std::string> names;
  std::ifstream in(kExpectedPassFile);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    names.insert(line.substr(b, line.find_last_not_of(" \t\r") + 1 - b));
  }
  return names;
}

// gtest names allow only [A-Za-z0-9_].
std::string Sanitize(const std::string& name) {
  std::string s = name;
  for (char& c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) c = '_';
  }
  return s;
}

class OnnxNodeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeTest, MatchesReference) {
  const std::string& name = GetParam();
  const NodeTestResult r = RunNodeTest(DefaultNodeTestRoot(), name);
  const bool listed = ExpectedPass().count(name) > 0;
  SCOPED_TRACE(name + ": " + OutcomeName(r.outcome) + (r.message.empty() ? "" : ": " + r.message));

  EXPECT_NE(r.outcome, Outcome::kMismatch);
  EXPECT_NE(r.outcome, Outcome::kError);
  if (r.outcome == Outcome::kRejected || r.outcome == Outcome::kUnsupported) {
    EXPECT_FALSE(r.message.empty()) << "a refusal must say why";
    EXPECT_EQ(r.message.find('\n'), std::string::npos) << "a refusal is one line";
  }
  if (r.outcome == Outcome::kPass) {
    EXPECT_TRUE(listed) << name << " passes: add it to node_tests_expected_pass.txt";
  } else {
    EXPECT_FALSE(listed) << name << " is listed in node_tests_expected_pass.txt but does not pass";
  }
}

INSTANTIATE_TEST_SUITE_P(Node, OnnxNodeTest, ::testing::ValuesIn(TestNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return Sanitize(info.param);
                         });
// Without the data there is nothing to instantiate; DataIsInstalled fails
// with the reason instead of gtest's generic complaint.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxNodeTest);

TEST(OnnxNodeSuite, DataIsInstalled) {
  ASSERT_TRUE(ScanOnce().status.ok()) << kInstallHint << " (" << ScanOnce().status.message() << ")";
  EXPECT_FALSE(ScanOnce().tests.empty())
      << kInstallHint << " (no node test in scope under " << DefaultNodeTestRoot() << ")";
}

// A name in the list that is no longer a test in scope would never be
// checked by a case of its own.
TEST(OnnxNodeSuite, ExpectedPassListNamesTestsInScope) {
  ASSERT_TRUE(std::ifstream(kExpectedPassFile).good()) << "cannot read " << kExpectedPassFile;
  if (!ScanOnce().status.ok()) GTEST_SKIP() << "no data: see DataIsInstalled";
  const std::vector<std::string> names = TestNames();
  const std::set<std::string> in_scope(names.begin(), names.end());
  for (const std::string& listed : ExpectedPass()) {
    EXPECT_TRUE(in_scope.count(listed)) << listed << " is not a node test in scope";
  }
}

}  // namespace
}  // namespace onnx_node
}  // namespace lrp
