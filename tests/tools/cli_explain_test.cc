// End-to-end tests of `lrp explain`, `lrp bench --mode explain` and the
// explain-mode arena of `lrp info`, on the zoo's small CNN and a real
// Fashion-MNIST image.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "lrp/explain.h"
#include "lrp/model_builder.h"
#include "tests/tools/cli_helpers.h"
#include "tools/io/npy.h"
#include "tools/render/heatmap.h"

namespace lrp {
namespace {

using cli_test::CliResult;
using cli_test::ExpectOneLineError;
using cli_test::JsonChecker;
using cli_test::JsonNumbers;
using cli_test::Lrp;
using cli_test::MakeSmallCnn;
using cli_test::Quote;
using cli_test::Tmp;

// Fashion-MNIST test image 0, (1, 1, 28, 28) in [0, 1].
std::string Image() {
  return Quote(std::string(LRP_SOURCE_DIR) + "/examples/images/fashion_mnist_test_0.npy");
}

// "explain --model M --input IMAGE " + rest.
CliResult Explain(const std::string& model, const std::string& rest) {
  return Lrp("explain --model " + Quote(model) + " --input " + Image() + " " + rest);
}

double JsonNumber(const std::string& json, const std::string& key) {
  std::vector<double> v = JsonNumbers(json, key);
  EXPECT_EQ(v.size(), 1u) << key << " in:\n" << json;
  return v.empty() ? std::nan("") : v[0];
}

io::NpyArray ReadRelevance(const std::string& path) {
  io::NpyArray a;
  Status s = io::ReadNpy(path, &a);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return a;
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

double MaxAbs(const std::vector<float>& v) {
  // In float: GCC 12's aarch64 vectorizer crashes on a widening fmax
  // reduction at -O3 (tools/cli/explain_report.cc, MaxAbs).
  float m = 0;
  for (float x : v) m = std::fmax(m, std::fabs(x));
  return m;
}

TEST(CliExplainTest, EveryCompositeWritesRelevanceAndHeatmap) {
  const std::string model = MakeSmallCnn();
  for (const std::string& name : CompositeNames()) {
    SCOPED_TRACE(name);
    const std::string r_path = Tmp("R_" + name + ".npy"), h_path = Tmp("H_" + name + ".png");
    std::remove(r_path.c_str());
    std::remove(h_path.c_str());
    CliResult r = Explain(model, "--composite " + name + " --relevance " + Quote(r_path) +
                                     " --heatmap " + Quote(h_path));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_NE(r.out.find("composite     " + name), std::string::npos) << r.out;

    io::NpyArray rel = ReadRelevance(r_path);
    ASSERT_EQ(rel.shape, (std::vector<int64_t>{1, 1, 28, 28}));
    ASSERT_EQ(rel.data.size(), 784u);
    for (size_t i = 0; i < rel.data.size(); ++i) {
      ASSERT_TRUE(std::isfinite(rel.data[i])) << "element " << i;
    }
    EXPECT_GT(MaxAbs(rel.data), 0.0);

    // The PNG is the §7 rendering of exactly that relevance (one channel,
    // so NCHW and NHWC coincide), upscaled 8x to 224 px.
    int w = 0, h = 0, n = 0;
    unsigned char* px = stbi_load(h_path.c_str(), &w, &h, &n, 0);
    ASSERT_NE(px, nullptr) << stbi_failure_reason();
    std::vector<uint8_t> pixels(px, px + static_cast<size_t>(w) * h * n);
    stbi_image_free(px);
    ASSERT_EQ(w, 224);
    ASSERT_EQ(h, 224);
    ASSERT_EQ(n, 3);
    render::RgbImage expected;
    ASSERT_TRUE(render::RenderHeatmap(render::SumChannels(rel.data.data(), 28, 28, 1), 28, 28,
                                      render::HeatmapOptions(), &expected)
                    .ok());
    EXPECT_EQ(pixels, expected.pixels);
  }
}

TEST(CliExplainTest, InitOneAndLogitDifferByTheLogit) {
  const std::string model = MakeSmallCnn();
  const std::string one = Tmp("one.npy"), logit = Tmp("logit.npy");
  for (const char* composite : {"epsilon", "epsilon-gamma-box"}) {
    SCOPED_TRACE(composite);
    const std::string common = "--json --target 3 --composite " + std::string(composite);
    CliResult a = Explain(model, common + " --init one --relevance " + Quote(one));
    CliResult b = Explain(model, common + " --relevance " + Quote(logit));  // logit: default
    ASSERT_EQ(a.exit_code, 0) << a.err;
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_NE(a.out.find("\"init\": \"one\""), std::string::npos) << a.out;
    EXPECT_NE(b.out.find("\"init\": \"logit\""), std::string::npos) << b.out;
    const double f = JsonNumber(b.out, "logit");
    EXPECT_EQ(JsonNumber(a.out, "logit"), f);
    EXPECT_EQ(JsonNumber(a.out, "seed"), 1.0);
    EXPECT_EQ(JsonNumber(b.out, "seed"), f);
    // Otherwise the comparison below would prove nothing.
    ASSERT_GT(std::fabs(f - 1.0), 0.05);

    io::NpyArray r1 = ReadRelevance(one), rf = ReadRelevance(logit);
    ASSERT_EQ(r1.data.size(), rf.data.size());
    // Every rule is linear in the incoming relevance: R(logit) = f R(one),
    // up to float rounding.
    const double tol = 1e-5 * MaxAbs(rf.data);
    ASSERT_GT(tol, 0.0);
    for (size_t i = 0; i < rf.data.size(); ++i) {
      ASSERT_NEAR(rf.data[i], f * r1.data[i], tol) << "element " << i;
    }
    EXPECT_NEAR(JsonNumber(b.out, "input_relevance_sum"),
                f * JsonNumber(a.out, "input_relevance_sum"), 1e-5);
  }
}

TEST(CliExplainTest, ThreadsDoNotChangeTheResult) {
  const std::string model = MakeSmallCnn();
  const std::string one = Tmp("t1.npy"), two = Tmp("t2.npy");
  const std::string common = "--composite epsilon-gamma-box --relevance ";
  CliResult a = Explain(model, common + Quote(one));
  CliResult b = Explain(model, common + Quote(two) + " --threads 2");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_FALSE(cli_test::ReadFile(one).empty());
  EXPECT_EQ(cli_test::ReadFile(one), cli_test::ReadFile(two));
  // The conservation report too (the lines above it name the files).
  const std::string table = "relevance sum per tensor";
  ASSERT_NE(a.out.find(table), std::string::npos) << a.out;
  EXPECT_EQ(a.out.substr(a.out.find(table)), b.out.substr(b.out.find(table)));
}

TEST(CliExplainTest, TargetIsReported) {
  const std::string model = MakeSmallCnn();
  const std::string r_path = Tmp("R.npy");
  CliResult top = Explain(model, "--composite epsilon --relevance " + Quote(r_path));
  ASSERT_EQ(top.exit_code, 0) << top.err;
  // The zoo CNN puts class 7 first on this image (see `lrp run`).
  EXPECT_NE(top.out.find("target        class 7 '7' (top1), logit"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("  1. class 7"), std::string::npos) << top.out;

  CliResult given = Explain(model, "--composite epsilon --target 3 --relevance " + Quote(r_path));
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_NE(given.out.find("target        class 3 '3', logit"), std::string::npos) << given.out;
  EXPECT_NE(given.out.find("at 'fc2'[3]"), std::string::npos) << given.out;

  CliResult json =
      Explain(model, "--json --composite epsilon --target 3 --relevance " + Quote(r_path));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(JsonChecker(json.out).Valid()) << json.out;
  EXPECT_EQ(JsonNumber(json.out, "target"), 3);
  EXPECT_NE(json.out.find("\"target_selection\": \"given\""), std::string::npos);
  EXPECT_NE(json.out.find("\"target_label\": \"3\""), std::string::npos);
  // The logit printed is the model's score for class 3.
  const std::vector<double> classes = JsonNumbers(json.out, "class");
  const std::vector<double> scores = JsonNumbers(json.out, "score");
  ASSERT_EQ(classes.size(), 5u);
  ASSERT_EQ(scores.size(), 5u);
  bool found = false;
  for (size_t i = 0; i < classes.size(); ++i) {
    if (classes[i] == 3) {
      EXPECT_EQ(scores[i], JsonNumber(json.out, "logit"));
      found = true;
    }
  }
  EXPECT_TRUE(found) << "class 3 is not in the top 5:\n" << json.out;
}

TEST(CliExplainTest, ConservationReportFollowsExecutionOrder) {
  const std::string model = MakeSmallCnn();
  CliResult text = Explain(model, "--composite epsilon-gamma-box --heatmap " + Quote(Tmp("H.png")));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  // Layer rows in execution order, each with its rule.
  size_t at = text.out.find("relevance sum per tensor");
  ASSERT_NE(at, std::string::npos) << text.out;
  for (const char* row : {"input    input", "conv1    conv2d      zbox low=0 high=1",
                          "pool1    max_pool2d  winner-take-all", "conv2    conv2d      gamma",
                          "pool2    max_pool2d  winner-take-all", "flatten  reshape",
                          "fc1      dense       epsilon", "fc2      dense       epsilon"}) {
    size_t next = text.out.find(row, at);
    ASSERT_NE(next, std::string::npos) << "'" << row << "' missing or out of order:\n" << text.out;
    at = next;
  }

  CliResult json =
      Explain(model, "--json --composite epsilon-gamma-box --heatmap " + Quote(Tmp("H.png")));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(JsonChecker(json.out).Valid()) << json.out;
  const std::vector<double> sums = JsonNumbers(json.out, "relevance_sum");
  ASSERT_EQ(sums.size(), 7u);
  for (double s : sums) EXPECT_TRUE(std::isfinite(s)) << json.out;
  const double seed = JsonNumber(json.out, "seed");
  // The logits layer holds exactly the seed; the rest stays close on this
  // small net (only biases and epsilon absorb relevance).
  EXPECT_NEAR(sums.back(), seed, 1e-6 * std::fabs(seed));
  const double input = JsonNumber(json.out, "input_relevance_sum");
  EXPECT_NEAR(input, seed, 0.05 * std::fabs(seed));
  EXPECT_NEAR(sums[0], input, 1e-3 * std::fabs(seed));  // z^B conserves up to epsilon
  for (const char* rule : {"\"rule\": \"zbox\"", "\"rule\": \"gamma\"",
                           "\"rule\": \"winner-take-all\"", "\"rule\": \"epsilon\""}) {
    EXPECT_NE(json.out.find(rule), std::string::npos) << rule;
  }
}

TEST(CliExplainTest, ParamsAndRulesReachTheRuntime) {
  const std::string model = MakeSmallCnn();
  CliResult r = Explain(model,
                        "--composite epsilon --param epsilon=0.01 --param zero_bias=1 "
                        "--rule fc1=gamma:gamma=0.5 --rule 0=flat --heatmap " +
                            Quote(Tmp("H.png")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("composite     epsilon epsilon=0.01 zero_bias=1"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  rule        fc1=gamma:gamma=0.5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conv1    conv2d      flat"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fc1      dense       gamma gamma=0.5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fc2      dense       epsilon epsilon=0.01 zero_bias=yes"),
            std::string::npos)
      << r.out;
}

TEST(CliExplainTest, KeepRelevanceReportsMaxAbs) {
  const std::string model = MakeSmallCnn();
  const std::string r_path = Tmp("R.npy");
  CliResult r = Explain(
      model, "--json --keep-relevance --composite epsilon-plus --relevance " + Quote(r_path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"keep_relevance\": true"), std::string::npos);
  const std::vector<double> max_abs = JsonNumbers(r.out, "max_abs_relevance");
  ASSERT_EQ(max_abs.size(), 7u) << r.out;
  // The logits hold the seed at the target and zero elsewhere.
  EXPECT_EQ(max_abs.back(), std::fabs(JsonNumber(r.out, "seed")));
  for (double m : max_abs) EXPECT_GT(m, 0.0);

  CliResult text =
      Explain(model, "--keep-relevance --composite epsilon-plus --relevance " + Quote(r_path));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("max |R|"), std::string::npos) << text.out;
  CliResult plain = Explain(model, "--composite epsilon-plus --relevance " + Quote(r_path));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("max |R|"), std::string::npos) << plain.out;
}

TEST(CliExplainTest, HeatmapOptions) {
  const std::string model = MakeSmallCnn();
  const std::string h_path = Tmp("H.png");
  CliResult r =
      Explain(model, "--composite epsilon --cmap coldnhot --scale 3 --heatmap " + Quote(h_path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("84x84 (scale 3, cmap coldnhot)"), std::string::npos) << r.out;
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load(h_path.c_str(), &w, &h, &n, 3);
  ASSERT_NE(px, nullptr) << stbi_failure_reason();
  // The image's corner pixel is 0 (black background); epsilon gives it
  // R = a * (...) = 0, which coldnhot renders as index 127, near-black.
  const render::Rgb corner{px[0], px[1], px[2]};
  stbi_image_free(px);
  EXPECT_EQ(w, 84);
  EXPECT_EQ(h, 84);
  EXPECT_EQ(corner, render::MakePalette(render::Colormap::kColdnhot)[127]);
}

TEST(CliExplainTest, FailuresExitOneWithOneLine) {
  const std::string model = MakeSmallCnn();
  const std::string r_path = Tmp("R.npy");
  const std::string out = " --relevance " + Quote(r_path);
  std::remove(r_path.c_str());
  ExpectOneLineError(Explain(model, "--composite nonesuch" + out), 1,
                     "lrp explain: ", "unknown composite 'nonesuch'");
  ExpectOneLineError(Explain(model, "--composite epsilon --param frob=1" + out), 1,
                     "lrp explain: ", "unknown parameter 'frob'");
  ExpectOneLineError(Explain(model, "--composite epsilon --param epsilon=-1" + out), 1,
                     "lrp explain: ", "epsilon");
  ExpectOneLineError(Explain(model, "--composite epsilon --target 99" + out), 1,
                     "lrp explain: ", "target 99 is outside [0, 9]");
  ExpectOneLineError(Explain(model, "--composite epsilon --rule conv1=frob" + out), 1,
                     "lrp explain: ", "unknown rule 'frob'");
  ExpectOneLineError(Explain(model, "--composite epsilon --rule nope=gamma" + out), 1,
                     "lrp explain: ", "no layer is named 'nope'");
  ExpectOneLineError(Explain(model, "--composite epsilon --rule pool1=gamma" + out), 1,
                     "lrp explain: ", "cannot explain layer 1 'pool1'");
  // Nothing is written when the explanation fails.
  EXPECT_FALSE(Exists(r_path));

  std::vector<float> x(784, 0.5f);
  x[17] = std::nanf("");
  const std::string nan_path = Tmp("nan.npy");
  ASSERT_TRUE(io::WriteNpy(nan_path, {1, 1, 28, 28}, x.data()).ok());
  ExpectOneLineError(Lrp("explain --model " + Quote(model) + " --input " + Quote(nan_path) +
                         " --composite epsilon" + out),
                     1, "lrp explain: ", "element 17 is nan");
  const std::string nhwc = cli_test::WriteInput({1, 28, 28, 1});
  ExpectOneLineError(Lrp("explain --model " + Quote(model) + " --input " + Quote(nhwc) +
                         " --composite epsilon" + out),
                     1, "lrp explain: ", "(1, 1, 28, 28)");
  ExpectOneLineError(Lrp("explain --model " + Quote(Tmp("missing.lrpm")) + " --input " + Image() +
                         " --composite epsilon" + out),
                     1, "lrp explain: ", "missing.lrpm");
  ExpectOneLineError(Explain(model, "--composite epsilon --heatmap " + Quote(Tmp("no/H.png"))), 1,
                     "lrp explain: ", "no/H.png");
  EXPECT_FALSE(Exists(r_path));
}

TEST(CliExplainTest, HeatmapNeedsAnImageInput) {
  ModelBuilder b;
  uint32_t x = b.Input("x", Shape{4});
  b.Dense("fc", x, 2, {0.5f, -1.0f, 0.25f, 2.0f, 1.0f, 0.5f, -0.5f, 0.75f}, {});
  const std::string model = Tmp("mlp.lrpm");
  ASSERT_TRUE(b.WriteFile(model).ok());
  const std::string input = cli_test::WriteInput({1, 4});
  const std::string prefix =
      "explain --model " + Quote(model) + " --input " + Quote(input) + " --composite epsilon ";
  ExpectOneLineError(Lrp(prefix + "--heatmap " + Quote(Tmp("H.png"))), 1,
                     "lrp explain: ", "--heatmap needs an image input");
  CliResult r = Lrp(prefix + "--relevance " + Quote(Tmp("R.npy")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadRelevance(Tmp("R.npy")).shape, (std::vector<int64_t>{1, 4}));
}

TEST(CliExplainTest, MalformedFlagsExitTwo) {
  const std::string model = MakeSmallCnn();
  const std::string out = " --relevance " + Quote(Tmp("R.npy"));
  const std::string e = "--composite epsilon ";
  struct Case {
    std::string args, needle;
  };
  for (const Case& c : std::vector<Case>{
           {"" + out, "--composite"},
           {e, "nothing to write"},
           {e + "--param epsilon" + out, "--param: expected KEY=VALUE"},
           {e + "--param =1" + out, "--param: expected KEY=VALUE"},
           {e + "--rule conv1" + out, "--rule: expected SELECTOR=RULE"},
           {e + "--target abc" + out, "--target"},
           {e + "--target -1" + out, "--target"},
           {e + "--init two" + out, "--init"},
           {e + "--cmap bwr" + out, "--cmap needs --heatmap"},
           {e + "--scale 2" + out, "--scale needs --heatmap"},
           {e + "--cmap viridis --heatmap h.png", "--cmap"},
           {e + "--scale 0 --heatmap h.png", "--scale"},
           {e + "--scale 65 --heatmap h.png", "--scale"},
           {e + "--threads 0" + out, "--threads"},
           {e + "--json=1" + out, "takes no value"},
           {e + "--frob" + out, "unknown flag '--frob'"},
           {e + "extra" + out, "unexpected argument 'extra'"},
       }) {
    ExpectOneLineError(Explain(model, c.args), 2, "lrp explain: ", c.needle);
  }
  CliResult help = Lrp("explain --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* needle : {"usage: lrp explain", "--composite NAME", "epsilon-gamma-box",
                             "--param KEY=VALUE", "--rule", "--heatmap", "--cmap", "--init"}) {
    EXPECT_NE(help.out.find(needle), std::string::npos) << needle;
  }
  for (const std::string& name : CompositeNames()) {
    EXPECT_NE(help.out.find(name), std::string::npos) << name << " missing from:\n" << help.out;
  }
}

TEST(CliExplainTest, BenchExplainTimesBoth) {
  const std::string model = MakeSmallCnn();
  CliResult r =
      Lrp("bench --mode explain --composite epsilon-gamma-box --param gamma=0.5 "
          "--iterations 3 --warmup 1 --model " +
          Quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* needle :
       {"mode           explain", "composite      epsilon-gamma-box gamma=0.5",
        "forward        median", "explain total  median", "ratio", "arena", "peak rss"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << " not in:\n" << r.out;
  }

  r = Lrp("bench --json --mode explain --composite epsilon --iterations 3 --warmup 0 --model " +
          Quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(JsonChecker(r.out).Valid()) << r.out;
  for (const char* key : {"\"forward\"", "\"explain_total\"", "\"arena_bytes\"",
                          "\"peak_rss_bytes\"", "\"composite\": \"epsilon\""}) {
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " not in:\n" << r.out;
  }
  const std::vector<double> medians = JsonNumbers(r.out, "median_ms");
  ASSERT_EQ(medians.size(), 2u);
  EXPECT_GT(medians[0], 0.0);
  EXPECT_GT(medians[1], 0.0);
  // Printed with 9 digits each.
  EXPECT_NEAR(JsonNumber(r.out, "ratio"), medians[1] / medians[0], 1e-6 * medians[1] / medians[0]);

  // Its arena is the explain-mode arena `lrp info` reports.
  CliResult info = Lrp("info --json --composite epsilon " + Quote(model));
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const std::vector<double> totals = JsonNumbers(info.out, "total");
  ASSERT_EQ(totals.size(), 2u);
  EXPECT_EQ(JsonNumber(r.out, "arena_bytes"), totals[1]);

  ExpectOneLineError(Lrp("bench --model " + Quote(model) + " --composite epsilon"), 2,
                     "lrp bench: ", "--composite needs --mode explain");
  ExpectOneLineError(Lrp("bench --mode explain --composite nonesuch --model " + Quote(model)), 1,
                     "lrp bench: ", "unknown composite");
  ExpectOneLineError(Lrp("bench --mode explain --param x --model " + Quote(model)), 2,
                     "lrp bench: ", "--param");
}

TEST(CliExplainTest, InfoPlansExplainArenaForTheComposite) {
  const std::string model = MakeSmallCnn();
  CliResult plain = Lrp("info " + Quote(model));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("explain mode with composite epsilon"), std::string::npos) << plain.out;

  CliResult eps = Lrp("info --json " + Quote(model));
  CliResult gamma = Lrp("info --json --composite epsilon-gamma-box " + Quote(model));
  ASSERT_EQ(eps.exit_code, 0) << eps.err;
  ASSERT_EQ(gamma.exit_code, 0) << gamma.err;
  EXPECT_NE(gamma.out.find("\"composite\": \"epsilon-gamma-box\""), std::string::npos);
  const std::vector<double> a = JsonNumbers(eps.out, "total");
  const std::vector<double> b = JsonNumbers(gamma.out, "total");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(a[0], b[0]);  // forward mode has no rules
  // Gamma and z^B keep modified weight copies: a larger explain arena.
  EXPECT_GT(b[1], a[1]);

  ExpectOneLineError(Lrp("info --composite nonesuch " + Quote(model)), 1,
                     "lrp info: ", "unknown composite 'nonesuch'");
  ExpectOneLineError(Lrp("info --param x " + Quote(model)), 2, "lrp info: ", "--param");
}

}  // namespace
}  // namespace lrp
