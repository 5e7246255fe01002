// Runs every ONNX node test in scope and prints what it gives, as Markdown
// tables grouped by operator (the list in tests/onnx/README.md), or with
// --pass-list only the names that pass (node_tests_expected_pass.txt).
//
//   lrp_onnx_node_report [--pass-list] [ROOT]
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/onnx/node_test_runner.h"

namespace {

using lrp::onnx_node::NodeTestInfo;
using lrp::onnx_node::NodeTestResult;
using lrp::onnx_node::Outcome;

// Keeps a message inside its table cell.
std::string Cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string Group(const NodeTestInfo& t) {
  std::string g;
  for (const std::string& op : t.ops) g += (g.empty() ? "" : " + ") + op;
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  bool pass_list = false;
  std::string root = lrp::onnx_node::DefaultNodeTestRoot();
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pass-list") == 0) {
      pass_list = true;
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "usage: %s [--pass-list] [ROOT]\n", argv[0]);
      return 2;
    } else {
      root = argv[i];
    }
  }
  std::vector<NodeTestInfo> tests;
  const lrp::Status s = lrp::onnx_node::ScanNodeTests(root, &tests);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }

  std::map<std::string, std::vector<std::pair<std::string, NodeTestResult>>> groups;
  std::map<Outcome, int> counts;
  for (const NodeTestInfo& t : tests) {
    NodeTestResult r = lrp::onnx_node::RunNodeTest(root, t.name);
    ++counts[r.outcome];
    if (pass_list && r.outcome == Outcome::kPass) std::printf("%s\n", t.name.c_str());
    groups[Group(t)].emplace_back(t.name, std::move(r));
  }
  if (pass_list) return 0;

  std::printf("%zu tests:", tests.size());
  for (const auto& c : counts)
    std::printf(" %d %s", c.second, lrp::onnx_node::OutcomeName(c.first));
  std::printf("\n");
  for (const auto& g : groups) {
    std::printf("\n### %s\n\n| test | outcome | message |\n|---|---|---|\n", g.first.c_str());
    for (const auto& t : g.second) {
      std::printf("| `%s` | %s | %s |\n", t.first.c_str(),
                  lrp::onnx_node::OutcomeName(t.second.outcome), Cell(t.second.message).c_str());
    }
  }
  return 0;
}
