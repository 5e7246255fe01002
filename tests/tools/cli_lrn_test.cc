// `lrp explain --param lrn=...` and `--rule LAYER=...` on the shipped LRN
// model: the three LRN relevance forms (RULES.md §11) are selectable from
// the command line, for all LRN layers or one, and give different heatmaps;
// an unknown form is a one-line error.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tests/tools/cli_helpers.h"
#include "tools/io/npy.h"

namespace lrp {
namespace {

using cli_test::CliResult;
using cli_test::ExpectOneLineError;
using cli_test::Lrp;
using cli_test::Quote;
using cli_test::Tmp;

std::string Model() {
  return Quote(std::string(LRP_SOURCE_DIR) + "/examples/models/fashion_mnist_lrn.lrpm");
}

std::string Image() {
  return Quote(std::string(LRP_SOURCE_DIR) + "/examples/images/fashion_mnist_test_0.npy");
}

// The input relevance of `lrp explain` with extra flags `rest`.
std::vector<float> Relevance(const std::string& rest, const std::string& name) {
  const std::string path = Tmp(name + ".npy");
  const CliResult r = Lrp("explain --model " + Model() + " --input " + Image() +
                          " --composite epsilon-plus --target 0 --relevance " + Quote(path) +
                          " " + rest);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  io::NpyArray a;
  const Status s = io::ReadNpy(path, &a);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return a.data;
}

// Both in float: GCC 12's aarch64 vectorizer crashes on a widening fmax
// reduction at -O3 (tools/cli/explain_report.cc, MaxAbs).
double MaxDifference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float d = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) d = std::fmax(d, std::fabs(a[i] - b[i]));
  return d;
}

double MaxAbs(const std::vector<float>& a) {
  float m = 0;
  for (float v : a) m = std::fmax(m, std::fabs(v));
  return m;
}

TEST(CliLrnTest, EachFormGivesItsOwnHeatmap) {
  const std::vector<float> fallback = Relevance("", "default");
  const std::vector<float> taylor = Relevance("--param lrn=taylor", "taylor");
  const std::vector<float> identity = Relevance("--param lrn=identity", "identity");
  const std::vector<float> caffe = Relevance("--param lrn=taylor-unnormalized", "unnormalized");
  ASSERT_EQ(fallback.size(), 28u * 28u);
  ASSERT_GT(MaxAbs(fallback), 0.0);
  // taylor is the default.
  EXPECT_EQ(fallback, taylor);
  EXPECT_GT(MaxDifference(taylor, identity), 1e-6 * MaxAbs(taylor));
  EXPECT_GT(MaxDifference(taylor, caffe), 1e-6 * MaxAbs(taylor));
  EXPECT_GT(MaxDifference(identity, caffe), 1e-6 * MaxAbs(identity));
}

// --rule sets the form of one LRN layer (layers 1 and 4 of the model, by
// name or index), after the preset and its parameters.
TEST(CliLrnTest, PerLayerRulesOverrideTheParameter) {
  const std::vector<float> identity = Relevance("--param lrn=identity", "identity");
  const std::vector<float> taylor = Relevance("", "taylor");
  EXPECT_EQ(Relevance("--rule /net/lrn1/LRN=identity --rule /net/lrn2/LRN=identity", "by_name"),
            identity);
  EXPECT_EQ(Relevance("--param lrn=identity --rule 1=taylor --rule 4=taylor", "by_index"), taylor);
  const std::vector<float> mixed = Relevance("--rule 4=identity", "mixed");
  EXPECT_GT(MaxDifference(mixed, taylor), 1e-6 * MaxAbs(taylor));
  EXPECT_GT(MaxDifference(mixed, identity), 1e-6 * MaxAbs(identity));
}

TEST(CliLrnTest, UnknownFormIsAnError) {
  const CliResult r = Lrp("explain --model " + Model() + " --input " + Image() +
                          " --composite epsilon --relevance " + Quote(Tmp("r.npy")) +
                          " --param lrn=taylor3");
  ExpectOneLineError(r, 1, "lrp explain:", "lrn must be taylor, taylor-unnormalized or identity");
}

}  // namespace
}  // namespace lrp
