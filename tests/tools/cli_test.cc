// End-to-end tests of the `lrp` binary: each test runs it as a user would
// and checks exit code, stdout and stderr.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "lrp/model_builder.h"
#include "tests/tools/cli_helpers.h"
#include "tools/io/npy.h"

namespace lrp {
namespace {

using cli_test::CliResult;
using cli_test::ExpectOneLineError;
using cli_test::JsonChecker;
using cli_test::Lrp;
using cli_test::MakeSmallCnn;
using cli_test::Quote;
using cli_test::ReadFile;
using cli_test::Tmp;
using cli_test::WriteInput;

TEST(CliTest, HelpExitsZeroEverywhere) {
  for (const char* args :
       {"--help", "-h", "help", "help info", "help run", "help explain", "help zoo", "help bench",
        "info --help", "run --help", "explain --help", "zoo --help", "bench --help",
        "run --model x.lrpm -h", "explain --composite nope -h", "zoo -h"}) {
    CliResult r = Lrp(args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_NE(r.out.find("usage: lrp"), std::string::npos) << args << ": " << r.out;
    EXPECT_TRUE(r.err.empty()) << args << ": " << r.err;
  }
  CliResult r = Lrp("--help");
  for (const char* command : {"info", "run", "explain", "zoo", "bench"}) {
    EXPECT_NE(r.out.find(std::string("  ") + command), std::string::npos) << r.out;
  }
}

TEST(CliTest, UsageErrorsExitTwo) {
  ExpectOneLineError(Lrp("frobnicate"), 2, "lrp: ", "unknown command 'frobnicate'");
  ExpectOneLineError(Lrp("help frobnicate"), 2, "lrp help: ", "unknown command");
  ExpectOneLineError(Lrp("info --frob m.lrpm"), 2, "lrp info: ", "unknown flag '--frob'");
  ExpectOneLineError(Lrp("info"), 2, "lrp info: ", "missing MODEL");
  ExpectOneLineError(Lrp("info a.lrpm b.lrpm"), 2, "lrp info: ", "expected one MODEL");
  ExpectOneLineError(Lrp("info m.lrpm --threads abc"), 2, "lrp info: ", "--threads");
  ExpectOneLineError(Lrp("info m.lrpm --threads 0"), 2, "lrp info: ", "--threads");
  ExpectOneLineError(Lrp("run --input x.npy"), 2, "lrp run: ", "missing required flag --model");
  ExpectOneLineError(Lrp("run --model m.lrpm"), 2, "lrp run: ", "--input");
  ExpectOneLineError(Lrp("run --model"), 2, "lrp run: ", "--model needs a value");
  ExpectOneLineError(Lrp("run --model a --model b --input x"), 2, "lrp run: ", "more than once");
  ExpectOneLineError(Lrp("run --model m --input x --threads -2"), 2, "lrp run: ", "--threads");
  ExpectOneLineError(Lrp("zoo nonesuch -o x.lrpm"), 2,
                     "lrp zoo: ", "unknown architecture 'nonesuch'");
  ExpectOneLineError(Lrp("zoo small-cnn"), 2, "lrp zoo: ", "--output");
  ExpectOneLineError(Lrp("zoo small-cnn -o x --seed -1"), 2, "lrp zoo: ", "--seed");
  ExpectOneLineError(Lrp("zoo small-cnn -o x --seed 1.5"), 2, "lrp zoo: ", "--seed");
  ExpectOneLineError(Lrp("bench"), 2, "lrp bench: ", "--model");
  ExpectOneLineError(Lrp("bench --model m --iterations 0"), 2, "lrp bench: ", "--iterations");
  ExpectOneLineError(Lrp("bench --model m --iterations ten"), 2, "lrp bench: ", "--iterations");
  ExpectOneLineError(Lrp("bench --model m --iterations -5"), 2, "lrp bench: ", "--iterations");
  ExpectOneLineError(Lrp("bench --model m --iterations 99999999999999999999"), 2,
                     "lrp bench: ", "--iterations");
  ExpectOneLineError(Lrp("bench --model m --warmup -1"), 2, "lrp bench: ", "--warmup");
  ExpectOneLineError(Lrp("bench --model m --mode sideways"), 2, "lrp bench: ", "--mode");
  ExpectOneLineError(Lrp("bench --model m --json=yes"), 2, "lrp bench: ", "takes no value");

  CliResult none = Lrp("");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("usage: lrp"), std::string::npos);
}

TEST(CliTest, ZooListAndDeterminism) {
  CliResult r = Lrp("zoo --list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("small-cnn"), std::string::npos) << r.out;

  std::string a = MakeSmallCnn("a.lrpm");
  std::string b = MakeSmallCnn("b.lrpm");
  std::string bytes = ReadFile(a);
  EXPECT_FALSE(bytes.empty());
  EXPECT_EQ(bytes, ReadFile(b));
  r = Lrp("zoo small-cnn --seed 7 -o " + Quote(Tmp("c.lrpm")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("seed 7"), std::string::npos) << r.out;
  EXPECT_NE(ReadFile(Tmp("c.lrpm")), bytes);
}

TEST(CliTest, InfoDescribesTheModel) {
  std::string model = MakeSmallCnn();
  CliResult r = Lrp("info " + Quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* needle :
       {"format version", "producer", "[28, 28, 1]", "NCHW", "(1, 1, 28, 28)", "conv1", "conv2d",
        "kernel=3x3", "fc2", "dense", "parameters", "labels", "10", "forward", "explain", "total",
        "activations", "relevance", "operators"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << "'" << needle << "' not in:\n" << r.out;
  }
  // Same input, same output.
  EXPECT_EQ(Lrp("info " + Quote(model)).out, r.out);
}

TEST(CliTest, InfoJsonParses) {
  std::string model = MakeSmallCnn();
  CliResult r = Lrp("info --json --threads 2 " + Quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(JsonChecker(r.out).Valid()) << r.out;
  for (const char* key : {"\"model\"",
                          "\"format_version\"",
                          "\"producer\"",
                          "\"input\"",
                          "\"shape\"",
                          "\"source_layout\": \"NCHW\"",
                          "\"source_shape\"",
                          "\"low\"",
                          "\"high\"",
                          "\"layers\"",
                          "\"kind\": \"conv2d\"",
                          "\"output_shape\"",
                          "\"params\"",
                          "\"parameters\"",
                          "\"output\"",
                          "\"labels\": 10",
                          "\"arena\"",
                          "\"threads\": 2",
                          "\"forward\"",
                          "\"explain\"",
                          "\"total\""}) {
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " not in:\n" << r.out;
  }
}

// Names come from the model file, so they can hold anything: quotes,
// backslashes, control characters, terminal escapes, invalid UTF-8.
TEST(CliTest, InfoEscapesHostileNames) {
  const std::string nasty = "in\"put\\\n\x1b[31m\xff\xc3(";
  ModelBuilder b;
  uint32_t x = b.Input(nasty, Shape{4});
  b.Dense(nasty + "fc", x, 2, std::vector<float>(8, 0.5f), {});
  b.SetProducer(nasty);
  b.SetLabels({nasty, "ok"});
  std::string path = Tmp("nasty.lrpm");
  Status s = b.WriteFile(path);
  ASSERT_TRUE(s.ok()) << s.ToString();

  CliResult json = Lrp("info --json " + Quote(path));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(JsonChecker(json.out).Valid()) << json.out;
  EXPECT_NE(json.out.find("in\\\"put\\\\\\n\\u001b[31m\\ufffd\\ufffd("), std::string::npos)
      << json.out;

  CliResult text = Lrp("info " + Quote(path));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.find('\x1b'), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("\\x1b[31m"), std::string::npos) << text.out;

  std::string input = WriteInput({1, 4});
  CliResult run = Lrp("run --model " + Quote(path) + " --input " + Quote(input));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find('\x1b'), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find('\xff'), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\\xff\\xc3("), std::string::npos) << run.out;
}

TEST(CliTest, RunWritesOutput) {
  std::string model = MakeSmallCnn();
  for (const std::vector<int64_t>& shape :
       {std::vector<int64_t>{1, 1, 28, 28}, std::vector<int64_t>{1, 28, 28}}) {
    std::string input = WriteInput(shape);
    std::string output = Tmp("y.npy");
    std::remove(output.c_str());
    CliResult r = Lrp("run --model " + Quote(model) + " --input " + Quote(input) + " --output " +
                      Quote(output));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("top 5 of 10"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(1, 10)"), std::string::npos) << r.out;

    io::NpyArray y;
    Status s = io::ReadNpy(output, &y);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(y.shape, (std::vector<int64_t>{1, 10}));
    ASSERT_EQ(y.data.size(), 10u);
    for (float v : y.data) EXPECT_TRUE(std::isfinite(v));
  }
  // Deterministic: the same run prints the same thing.
  std::string input = WriteInput({1, 1, 28, 28});
  std::string args = "run --model " + Quote(model) + " --input " + Quote(input);
  CliResult a = Lrp(args), b = Lrp(args + " --threads 2");
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

TEST(CliTest, RunRejectsWrongInputShape) {
  std::string model = MakeSmallCnn();
  std::string input = WriteInput({1, 28, 28, 1});  // NHWC given to an NCHW model
  CliResult r = Lrp("run --model " + Quote(model) + " --input " + Quote(input) + " --output " +
                    Quote(Tmp("y.npy")));
  ExpectOneLineError(r, 1, "lrp run: ", "(1, 28, 28, 1)");
  EXPECT_NE(r.err.find("[28, 28, 1]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(1, 1, 28, 28)"), std::string::npos) << r.err;
}

TEST(CliTest, MissingFilesFailCleanly) {
  std::string model = MakeSmallCnn();
  std::string missing = Tmp("nothing_here");
  ExpectOneLineError(Lrp("info " + Quote(missing)), 1, "lrp info: ", "nothing_here");
  ExpectOneLineError(Lrp("run --model " + Quote(missing) + " --input x.npy"), 1,
                     "lrp run: ", "nothing_here");
  ExpectOneLineError(Lrp("run --model " + Quote(model) + " --input " + Quote(missing)), 1,
                     "lrp run: ", "nothing_here");
  ExpectOneLineError(Lrp("bench --model " + Quote(missing)), 1, "lrp bench: ", "nothing_here");
  ExpectOneLineError(Lrp("run --model " + Quote(model) + " --input " + Quote(model)), 1,
                     "lrp run: ", "not a .npy file");
  std::string input = WriteInput({1, 1, 28, 28});
  ExpectOneLineError(Lrp("run --model " + Quote(model) + " --input " + Quote(input) + " --output " +
                         Quote(Tmp("no_dir/y.npy"))),
                     1, "lrp run: ", "no_dir");
}

TEST(CliTest, CorruptModelFailsCleanly) {
  std::string model = MakeSmallCnn();
  std::string bytes = ReadFile(model);
  ASSERT_GT(bytes.size(), 64u);
  std::string input = WriteInput({1, 1, 28, 28});
  std::vector<std::string> corruptions = {
      "",                   // empty
      bytes.substr(0, 16),  // header only
      bytes.substr(0, bytes.size() / 2),
      // Short of its end (the last bytes may be alignment padding, which
      // a file can legitimately lack, so cut deeper than that).
      bytes.substr(0, bytes.size() - 100),
      std::string(bytes.size(), '\xff'),
  };
  for (size_t i = 0; i < corruptions.size(); ++i) {
    std::string path = Tmp("corrupt" + std::to_string(i) + ".lrpm");
    std::ofstream(path, std::ios::binary) << corruptions[i];
    CliResult info = Lrp("info " + Quote(path));
    ExpectOneLineError(info, 1, "lrp info: ", "");
    CliResult run = Lrp("run --model " + Quote(path) + " --input " + Quote(input));
    ExpectOneLineError(run, 1, "lrp run: ", "");
    CliResult bench = Lrp("bench --iterations 1 --model " + Quote(path));
    ExpectOneLineError(bench, 1, "lrp bench: ", "");
  }
}

TEST(CliTest, BenchReportsTimes) {
  std::string model = MakeSmallCnn();
  CliResult r = Lrp("bench --model " + Quote(model) + " --iterations 5 --warmup 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* needle : {"median", "min", "arena", "peak rss", "ms"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << " not in:\n" << r.out;
  }
  r = Lrp("bench --json --mode forward --threads 2 --iterations 3 --warmup 0 --model " +
          Quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(JsonChecker(r.out).Valid()) << r.out;
  for (const char* key : {"\"median_ms\"", "\"min_ms\"", "\"arena_bytes\"", "\"peak_rss_bytes\"",
                          "\"iterations\": 3", "\"threads\": 2"}) {
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " not in:\n" << r.out;
  }
}

}  // namespace
}  // namespace lrp
