// Session: arena sizing and ownership, input validation, determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "lrp/lrp.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {
namespace {

// A caller-owned, 64-byte aligned arena.
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t bytes)
      : data_(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64))) {}
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  uint8_t* data() { return data_; }

 private:
  uint8_t* data_;
};

Model BuildModel(void (*build)(uint64_t, ModelBuilder*), uint64_t seed) {
  ModelBuilder b;
  build(seed, &b);
  Model model;
  const Status s = FinishModel(b, &model);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return model;
}

Model DeepModel(int depth) {
  ModelBuilder b;
  BuildDeepSequential(depth, 7, &b);
  Model model;
  const Status s = FinishModel(b, &model);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return model;
}

SessionOptions Options(Mode mode, int threads = 1) {
  SessionOptions o;
  o.mode = mode;
  o.threads = threads;
  return o;
}

bool Within(const void* p, const uint8_t* begin, size_t bytes) {
  const auto* q = static_cast<const uint8_t*>(p);
  return q >= begin && q < begin + bytes;
}

class SessionArenaTest : public ::testing::TestWithParam<Mode> {};

TEST_P(SessionArenaTest, OneByteShortIsRejectedWithTheRequiredSize) {
  const Model model = BuildModel(BuildSmallCnn, 1);
  ArenaReport report;
  LRP_ASSERT_OK(Session::RequiredArena(model, Options(GetParam()), &report));
  ASSERT_GT(report.total, 1u);
  AlignedBuffer arena(report.total);
  SessionOptions options = Options(GetParam());
  options.arena = arena.data();
  options.arena_bytes = report.total - 1;
  std::unique_ptr<Session> session;
  const Status s = Session::Create(model, options, &session);
  EXPECT_EQ(s.code(), StatusCode::kArenaTooSmall) << s.ToString();
  EXPECT_NE(s.message().find(std::to_string(report.total)), std::string::npos)
      << "the message should tell the caller how much to supply: " << s.message();
  EXPECT_EQ(session, nullptr);
}

TEST_P(SessionArenaTest, ExactSizeWorksAndMatchesOwnedArena) {
  const Model model = BuildModel(BuildSmallCnn, 2);
  ArenaReport report;
  LRP_ASSERT_OK(Session::RequiredArena(model, Options(GetParam()), &report));
  AlignedBuffer arena(report.total);
  // Garbage (NaN bit patterns) everywhere: the session must not rely on a
  // zeroed arena.
  std::memset(arena.data(), 0xFF, report.total);
  SessionOptions options = Options(GetParam());
  options.arena = arena.data();
  options.arena_bytes = report.total;
  std::unique_ptr<Session> caller, owned;
  LRP_ASSERT_OK(Session::Create(model, options, &caller));
  LRP_ASSERT_OK(Session::Create(model, Options(GetParam()), &owned));
  EXPECT_EQ(caller->arena_report().total, report.total);
  EXPECT_EQ(owned->arena_report().total, report.total);
  // Everything the caller can see lives in the caller's arena.
  EXPECT_TRUE(Within(caller->input(), arena.data(), report.total));
  EXPECT_TRUE(Within(caller->output(), arena.data(), report.total));

  const std::vector<float> input = RandomInput(model, 3);
  LRP_ASSERT_OK(caller->Forward(input.data(), input.size()));
  LRP_ASSERT_OK(owned->Forward(input.data(), input.size()));
  ASSERT_EQ(caller->output_size(), owned->output_size());
  for (size_t i = 0; i < owned->output_size(); ++i) {
    EXPECT_EQ(caller->output()[i], owned->output()[i]) << "output " << i;
  }
}

TEST_P(SessionArenaTest, LargerArenaIsFine) {
  const Model model = BuildModel(BuildResidualNet, 3);
  ArenaReport report;
  LRP_ASSERT_OK(Session::RequiredArena(model, Options(GetParam()), &report));
  AlignedBuffer arena(report.total + 4096);
  SessionOptions options = Options(GetParam());
  options.arena = arena.data();
  options.arena_bytes = report.total + 4096;
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, options, &session));
  const std::vector<float> input = RandomInput(model, 4);
  LRP_EXPECT_OK(session->Forward(input.data(), input.size()));
}

TEST_P(SessionArenaTest, ReportIsConsistent) {
  const Model model = BuildModel(BuildResidualNet, 4);
  ArenaReport report;
  LRP_ASSERT_OK(Session::RequiredArena(model, Options(GetParam()), &report));
  EXPECT_GT(report.activations, 0u);
  EXPECT_GT(report.operators, 0u);
  EXPECT_GE(report.total, report.activations + report.relevance + report.operators);
  EXPECT_LE(report.activations, report.total);
  if (GetParam() == Mode::kForward) {
    EXPECT_EQ(report.relevance, 0u);
  }
  // The dry run and a real session agree.
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, Options(GetParam()), &session));
  EXPECT_EQ(session->arena_report().total, report.total);
  EXPECT_EQ(session->arena_report().activations, report.activations);
}

INSTANTIATE_TEST_SUITE_P(Modes, SessionArenaTest,
                         ::testing::Values(Mode::kForward, Mode::kExplain),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return info.param == Mode::kForward ? "forward" : "explain";
                         });

TEST(SessionTest, ForwardModeReusesActivationMemory) {
  // Ten convs in a row: forward mode needs two live activations at a time,
  // explain mode keeps all of them for the relevance pass.
  const Model model = DeepModel(10);
  ArenaReport forward, explain;
  LRP_ASSERT_OK(Session::RequiredArena(model, Options(Mode::kForward), &forward));
  LRP_ASSERT_OK(Session::RequiredArena(model, Options(Mode::kExplain), &explain));
  EXPECT_LT(forward.total, explain.total);
  EXPECT_LT(forward.activations, explain.activations);
  EXPECT_LT(forward.activations, forward.activation_bytes_unplanned);
  // One 16x16x8 activation is 8 KiB; ten of them must not all be resident.
  const size_t one = 16 * 16 * 8 * sizeof(float);
  EXPECT_LE(forward.activations, 4 * one);
  EXPECT_GE(explain.activations, 10 * one);
}

TEST(SessionTest, RequiredArenaIgnoresTheArenaOption) {
  const Model model = BuildModel(BuildSmallCnn, 5);
  ArenaReport a, b;
  LRP_ASSERT_OK(Session::RequiredArena(model, Options(Mode::kForward), &a));
  uint8_t tiny[64];
  SessionOptions options = Options(Mode::kForward);
  options.arena = tiny;
  options.arena_bytes = sizeof(tiny);
  LRP_ASSERT_OK(Session::RequiredArena(model, options, &b));
  EXPECT_EQ(a.total, b.total);
}

TEST(SessionTest, SizesMatchTheModel) {
  const Model model = BuildModel(BuildSmallCnn, 6);
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, SessionOptions(), &session));
  EXPECT_EQ(session->input_size(), 12u * 12u * 3u);
  EXPECT_EQ(session->output_size(), 10u);
  EXPECT_EQ(&session->model(), &model);
}

TEST(SessionTest, NonFiniteInputIsRejected) {
  const Model model = BuildModel(BuildSmallCnn, 7);
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, SessionOptions(), &session));
  const std::vector<float> good = RandomInput(model, 8);
  std::vector<float> expected;
  LRP_ASSERT_OK(RunForward(model, SessionOptions(), good, &expected));

  const float bad_values[] = {std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()};
  for (float bad : bad_values) {
    for (size_t at : {size_t{0}, good.size() / 2, good.size() - 1}) {
      SCOPED_TRACE(std::to_string(bad) + " at " + std::to_string(at));
      std::vector<float> input = good;
      input[at] = bad;
      const Status s = session->Forward(input.data(), input.size());
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    }
  }
  // A rejected call leaves the session usable.
  LRP_ASSERT_OK(session->Forward(good.data(), good.size()));
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(session->output()[i], expected[i]);
}

TEST(SessionTest, WrongElementCountIsRejected) {
  const Model model = BuildModel(BuildResidualNet, 9);
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, SessionOptions(), &session));
  const size_t n = session->input_size();
  std::vector<float> input(n + 1, 0.5f);
  for (size_t count : {size_t{0}, n - 1, n + 1, 2 * n}) {
    SCOPED_TRACE("count " + std::to_string(count));
    std::vector<float> buffer(count + 1, 0.5f);
    const Status s = session->Forward(buffer.data(), count);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  }
  LRP_EXPECT_OK(session->Forward(input.data(), n));
}

TEST(SessionTest, NullInputIsRejected) {
  const Model model = BuildModel(BuildTinyDense, 20);
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, SessionOptions(), &session));
  const Status s = session->Forward(nullptr, session->input_size());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
}

TEST(SessionTest, RepeatedForwardIsIdentical) {
  for (Mode mode : {Mode::kForward, Mode::kExplain}) {
    SCOPED_TRACE(mode == Mode::kForward ? "forward" : "explain");
    const Model model = BuildModel(BuildResidualNet, 10);
    std::unique_ptr<Session> session;
    LRP_ASSERT_OK(Session::Create(model, Options(mode), &session));
    const std::vector<float> a = RandomInput(model, 11);
    const std::vector<float> b = RandomInput(model, 12, -3.0f, 3.0f);
    LRP_ASSERT_OK(session->Forward(a.data(), a.size()));
    const std::vector<float> first(session->output(),
                                   session->output() + session->output_size());
    LRP_ASSERT_OK(session->Forward(b.data(), b.size()));
    const std::vector<float> other(session->output(),
                                   session->output() + session->output_size());
    EXPECT_NE(first, other) << "different inputs gave the same output";
    // Nothing from the previous run (accumulators, reused buffers) leaks in.
    for (int run = 0; run < 5; ++run) {
      LRP_ASSERT_OK(session->Forward(a.data(), a.size()));
      const std::vector<float> again(session->output(),
                                     session->output() + session->output_size());
      EXPECT_EQ(again, first) << "run " << run;
    }
  }
}

TEST(SessionTest, ForwardWithoutArgumentsReadsInputBuffer) {
  const Model model = BuildModel(BuildSmallCnn, 13);
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, SessionOptions(), &session));
  const std::vector<float> input = RandomInput(model, 14);
  LRP_ASSERT_OK(session->Forward(input.data(), input.size()));
  const std::vector<float> expected(session->output(),
                                    session->output() + session->output_size());
  std::memset(session->input(), 0, session->input_size() * sizeof(float));
  LRP_ASSERT_OK(session->Forward());
  std::memcpy(session->input(), input.data(), input.size() * sizeof(float));
  LRP_ASSERT_OK(session->Forward());
  const std::vector<float> actual(session->output(),
                                  session->output() + session->output_size());
  EXPECT_EQ(actual, expected);
}

TEST(SessionTest, ModesAndThreadCountsAgree) {
  const Model model = BuildModel(BuildResidualNet, 15);
  const std::vector<float> input = RandomInput(model, 16);
  std::vector<float> reference;
  LRP_ASSERT_OK(RunForward(model, Options(Mode::kForward, 1), input, &reference));
  for (Mode mode : {Mode::kForward, Mode::kExplain}) {
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE(std::string(mode == Mode::kForward ? "forward" : "explain") +
                   " threads " + std::to_string(threads));
      std::vector<float> out;
      LRP_ASSERT_OK(RunForward(model, Options(mode, threads), input, &out));
      ASSERT_EQ(out.size(), reference.size());
      for (size_t i = 0; i < out.size(); ++i) {
        EXPECT_NEAR(out[i], reference[i], 1e-5 * (1.0 + std::fabs(reference[i])));
      }
    }
  }
}

TEST(SessionTest, ExplainModeKeepsEveryActivation) {
  const Model model = BuildModel(BuildResidualNet, 17);
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, Options(Mode::kExplain), &session));
  const std::vector<float> input = RandomInput(model, 18);
  LRP_ASSERT_OK(session->Forward(input.data(), input.size()));
  // The input is still there and no two live activations share memory.
  EXPECT_EQ(std::memcmp(session->tensor(model.input()), input.data(),
                        input.size() * sizeof(float)), 0);
  for (size_t i = 0; i < model.tensors().size(); ++i) {
    const float* a = session->tensor(static_cast<uint32_t>(i));
    ASSERT_NE(a, nullptr) << model.tensors()[i].name;
    const size_t na = model.tensors()[i].shape.elements();
    for (size_t j = i + 1; j < model.tensors().size(); ++j) {
      const LayerDesc* producer = nullptr;
      for (const LayerDesc& l : model.layers()) {
        if (l.output == j) producer = &l;
      }
      // A reshape may alias its input; every other pair must be disjoint.
      if (producer != nullptr && producer->kind == LayerKind::kReshape) continue;
      const float* b = session->tensor(static_cast<uint32_t>(j));
      const size_t nb = model.tensors()[j].shape.elements();
      EXPECT_TRUE(a + na <= b || b + nb <= a)
          << model.tensors()[i].name << " overlaps " << model.tensors()[j].name;
    }
  }
}

}  // namespace
}  // namespace test
}  // namespace lrp
