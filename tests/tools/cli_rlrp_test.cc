// `lrp explain --composite rlrp` end to end on the zoo's small CNN: the
// conservation report shows each layer's factor lambda and power-of-two
// exponents (text and JSON), and they agree with the written relevance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/tools/cli_helpers.h"
#include "tools/io/npy.h"

namespace lrp {
namespace {

using cli_test::CliResult;
using cli_test::JsonChecker;
using cli_test::JsonNumbers;
using cli_test::Lrp;
using cli_test::MakeSmallCnn;
using cli_test::Quote;
using cli_test::Tmp;

std::string Image() {
  return Quote(std::string(LRP_SOURCE_DIR) + "/examples/images/fashion_mnist_test_0.npy");
}

CliResult Explain(const std::string& model, const std::string& rest) {
  return Lrp("explain --model " + Quote(model) + " --input " + Image() + " " + rest);
}

TEST(CliRlrpTest, TextReportShowsFactorsAndExponents) {
  const std::string model = MakeSmallCnn();
  const std::string r_path = Tmp("R.npy");
  CliResult r = Explain(model, "--composite rlrp --relevance " + Quote(r_path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* needle : {"composite     rlrp", "lambda", "R-LRP: relevance is relative"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << " not in:\n" << r.out;
  }
  io::NpyArray a;
  ASSERT_TRUE(io::ReadNpy(r_path, &a).ok());
  double abs_sum = 0;
  for (float v : a.data) {
    ASSERT_TRUE(std::isfinite(v));
    abs_sum += std::fabs(v);
  }
  EXPECT_GT(abs_sum, 0.0);
  // Other composites keep the plain report.
  CliResult eps = Explain(model, "--composite epsilon --relevance " + Quote(Tmp("E.npy")));
  ASSERT_EQ(eps.exit_code, 0) << eps.err;
  EXPECT_EQ(eps.out.find("lambda"), std::string::npos) << eps.out;
}

// Sequential network: the input's exponent is the sum of the layers'
// exponents, and sum R_input = prod lambda x seed once 2^-E is undone.
TEST(CliRlrpTest, JsonFactorsMultiplyToTheInputSum) {
  const std::string model = MakeSmallCnn();
  CliResult r = Explain(model, "--composite rlrp --json --relevance " + Quote(Tmp("R.npy")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(JsonChecker(r.out).Valid()) << r.out;
  const std::vector<double> factors = JsonNumbers(r.out, "factor");
  const std::vector<double> exponents = JsonNumbers(r.out, "exponent");
  ASSERT_FALSE(factors.empty());
  ASSERT_EQ(factors.size(), exponents.size());
  double product = 1.0;
  int exponent_sum = 0;
  for (size_t i = 0; i < factors.size(); ++i) {
    ASSERT_TRUE(std::isfinite(factors[i])) << "layer " << i;
    product *= factors[i];
    exponent_sum += static_cast<int>(exponents[i]);
  }
  const std::vector<double> input_e = JsonNumbers(r.out, "input_relevance_exponent");
  ASSERT_EQ(input_e.size(), 1u);
  EXPECT_EQ(static_cast<int>(input_e[0]), exponent_sum);
  const double seed = JsonNumbers(r.out, "seed").at(0);
  const double stored = JsonNumbers(r.out, "input_relevance_sum").at(0);
  const double unscaled = std::ldexp(stored, -exponent_sum);
  EXPECT_NEAR(unscaled, product * seed, 1e-3 * std::fabs(product * seed));
}

TEST(CliRlrpTest, RuleInALayerMap) {
  const std::string model = MakeSmallCnn();
  CliResult r = Explain(model, "--composite epsilon --rule 0=rlrp --heatmap " + Quote(Tmp("H.png")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("lambda"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace lrp
